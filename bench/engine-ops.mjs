/**
 * Where a molecule's time goes, RDKit WebAssembly (molexpand's engine) against native RDKit (the peer), step by step.
 *
 * Both sides run the product contract's steps on one core over the same molecules and rules, each step timed on its
 * own: preparing the parent (parse, and add H or kekulize as the rule set asks), RunReactants, writing each raw
 * product's SMILES, parsing a raw SMILES new to its molecule, and writing the parse's canonical SMILES. The WebAssembly
 * side calls the engine's own functions (`parseSanitized`, `compileRules`); neither side uses molexpand's cross-molecule
 * key cache, so both do the same work and the ratio per step is the cost of RDKit in WebAssembly.
 *
 * Build first, then run:
 *   npx tsc -p tsconfig.json && node bench/engine-ops.mjs [--cases a,b] [--reps N] [--limit N] [--rdkit FILE]
 * Writes bench/results/ops-<date>.{json,md}; with --limit, ops-<date>-limit<N>.{json,md}.
 *
 * --rdkit FILE times another published build of RDKit's WebAssembly in place of the installed one: FILE is the
 * `dist/RDKit_minimal.js` of `npm pack @rdkit/rdkit@VERSION` unpacked anywhere. Results then go to
 * ops-<date>[-limit<N>]-rdkit<version>.{json,md}. This is how the choice of build is checked (bench/README.md).
 */
import { spawnSync } from "node:child_process"
import { createRequire } from "node:module"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { Effect } from "effect"
import { canonicalize, compileRules, parseKekulized, parseSanitized } from "../dist/engine/chemistry.js"
import { loadRDKit } from "../dist/engine/rdkit.js"
import { loadRuleSet } from "../dist/engine/rules.js"
import { ensureNativeRdkit, nativeRdkitVersion, PYTHON, uptimeText } from "./lib/machine.mjs"
import { log } from "./lib/paths.mjs"
import { fmt, median, today } from "./lib/stats.mjs"

const benchDir = path.dirname(fileURLToPath(import.meta.url))
const shared = (file) => path.resolve(benchDir, "../../shared", file)

/** The benchmark's cases, with enough molecules that each step totals seconds, few enough that a case takes a minute. */
const CASES = [
  { name: "nci-phase2", input: shared("data/nci_phenols.smi"), rules: shared("rules/polyphenol-phase2.tsv"), limit: 515, explicitH: false },
  { name: "polyphenols-phase2", input: shared("data/polyphenols_public.smi"), rules: shared("rules/polyphenol-phase2.tsv"), limit: 300, explicitH: false },
  { name: "cmnpd-gloryx", input: shared("data/cmnpd_phenols_1500.smi"), rules: shared("rules/public/gloryx.tsv"), limit: 150, explicitH: true }
]
const STEPS = ["prepare", "run_reactants", "raw_smiles", "parse", "canonical_smiles"]
const DEFAULT_REPS = 3
/** The product contract's cap on product sets per rule and molecule. */
const MAX_PRODUCT_SETS = 1_000

const { values: options } = parseArgs({ options: { cases: { type: "string" }, reps: { type: "string" }, limit: { type: "string" }, rdkit: { type: "string" } } })
const reps = Number(options.reps ?? DEFAULT_REPS)
/** --limit N takes the first N molecules of every case instead of its own count (a large N: the whole set). */
const limit = options.limit === undefined ? undefined : Number(options.limit)
if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new RangeError(`--limit: expected a positive integer, got ${options.limit}`)
const cases = (options.cases ? CASES.filter((c) => options.cases.split(",").includes(c.name)) : CASES).map((c) => ({ ...c, limit: limit ?? c.limit }))

const readKeys = (rdkit, file, limit) => {
  const keys = []
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const smiles = line.split(/\s/)[0]
    if (!smiles) continue
    const result = canonicalize(rdkit, smiles)
    if (result.ok) keys.push(result.key)
    if (keys.length === limit) break
  }
  return keys
}

/** The WebAssembly side: the same loop as bench/peer/peer_ops.py, on the engine's functions. */
const wasmOps = async (rdkit, c) => {
  const ruleSet = await Effect.runPromise(loadRuleSet(c.rules))
  const compiled = compileRules(rdkit, { ...ruleSet, explicitH: ruleSet.explicitH || c.explicitH }, MAX_PRODUCT_SETS)
  if (!compiled.ok) throw new Error(`${c.rules}: ${compiled.reason}`)
  const rules = compiled.rules
  const keys = readKeys(rdkit, c.input, c.limit)
  const ms = Object.fromEntries(STEPS.map((step) => [step, 0]))
  const counts = { molecules: keys.length, candidates: 0, raw_parsed: 0, valid: 0 }
  const now = () => performance.now()
  for (const key of keys) {
    let t = now()
    const mol = rules.kekulize ? parseKekulized(rdkit, key) : parseSanitized(rdkit, key)
    if (rules.explicitH) mol.add_hs_in_place()
    const reactants = new rdkit.module.MolList()
    reactants.append(mol)
    ms.prepare += now() - t
    const seenRaw = new Set()
    for (const reaction of rules.reactions) {
      t = now()
      const productSets = reaction.run_reactants(reactants, rules.maxProductSets)
      ms.run_reactants += now() - t
      for (let s = 0; s < productSets.size(); s++) {
        const productSet = productSets.get(s)
        for (let p = 0; p < productSet.size(); p++) {
          const product = productSet.at(p)
          counts.candidates++
          t = now()
          let raw = null
          try {
            raw = product.get_smiles()
          } catch {
            raw = null
          }
          ms.raw_smiles += now() - t
          product.delete()
          if (raw === null || seenRaw.has(raw)) continue
          seenRaw.add(raw)
          counts.raw_parsed++
          t = now()
          const parsed = parseSanitized(rdkit, raw)
          ms.parse += now() - t
          if (parsed !== null && parsed.is_valid()) {
            t = now()
            parsed.get_smiles()
            ms.canonical_smiles += now() - t
            counts.valid++
          }
          parsed?.delete()
        }
        productSet.delete()
      }
      productSets.delete()
    }
    reactants.delete()
    mol.delete()
  }
  rules.dispose()
  return { ms, counts }
}

const nativeOps = (c) => {
  const args = [path.join(benchDir, "peer", "peer_ops.py"), c.input, c.rules, String(c.limit), ...(c.explicitH ? ["--explicit-h"] : [])]
  const result = spawnSync(PYTHON, args, { encoding: "utf8", cwd: path.join(benchDir, "peer") })
  if (result.status !== 0) throw new Error(`peer_ops.py failed on ${c.name}: ${result.stderr}`)
  return JSON.parse(result.stdout.trim().split("\n").pop())
}

/** Another build's module, shaped as the engine's `RDKit` (a failed call is not explained: nothing here fails). */
const loadRdkitBuild = async (file) => {
  const module = await createRequire(import.meta.url)(path.resolve(file))()
  module.disable_logging()
  return { module, explain: () => "" }
}

ensureNativeRdkit(log)
const rdkit = options.rdkit === undefined ? await loadRDKit() : await loadRdkitBuild(options.rdkit)
const loadBefore = uptimeText()
const results = []
for (const c of cases) {
  const runs = { wasm: [], native: [] }
  for (let rep = 1; rep <= reps; rep++) {
    runs.wasm.push(await wasmOps(rdkit, c))
    runs.native.push(nativeOps(c))
    const total = (run) => STEPS.reduce((sum, step) => sum + run.ms[step], 0) / 1000
    log(`${c.name} rep ${rep}: WebAssembly ${fmt(total(runs.wasm.at(-1)))} s, native ${fmt(total(runs.native.at(-1)))} s`)
  }
  const medianMs = (side) => Object.fromEntries(STEPS.map((step) => [step, median(runs[side].map((run) => run.ms[step]))]))
  results.push({ case: c, wasm: medianMs("wasm"), native: medianMs("native"), counts: { wasm: runs.wasm[0].counts, native: runs.native[0].counts } })
}

const machine = `${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim()}), ${fmt(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ` +
  `RDKit WebAssembly ${rdkit.module.version()}, native RDKit ${nativeRdkitVersion()}`
const lines = [
  `# Engine steps, RDKit WebAssembly against native RDKit, ${today()}`,
  "",
  `Machine: ${machine}. Load before: \`${loadBefore}\`; after: \`${uptimeText()}\`.`,
  `Command: \`node bench/engine-ops.mjs${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(" ")}` : ""}\` (${reps} repetitions, medians; one core each side, no cross-molecule cache).`,
  ""
]
for (const r of results) {
  const wasmTotal = STEPS.reduce((sum, step) => sum + r.wasm[step], 0)
  const nativeTotal = STEPS.reduce((sum, step) => sum + r.native[step], 0)
  lines.push(`## ${r.case.name}: first ${r.counts.wasm.molecules} molecules of ${path.basename(r.case.input)}, ${path.basename(r.case.rules)}${r.case.explicitH ? ", explicit H" : ""}`, "")
  lines.push(`Candidates ${r.counts.wasm.candidates} (native ${r.counts.native.candidates}); raw SMILES parsed ${r.counts.wasm.raw_parsed} (${r.counts.native.raw_parsed}); valid ${r.counts.wasm.valid} (${r.counts.native.valid}).`, "")
  lines.push("| step | WebAssembly ms | native ms | ratio | share of WebAssembly time |", "|---|---|---|---|---|")
  for (const step of STEPS) {
    lines.push(`| ${step} | ${fmt(r.wasm[step], 0)} | ${fmt(r.native[step], 0)} | ${fmt(r.wasm[step] / r.native[step], 2)} | ${fmt((100 * r.wasm[step]) / wasmTotal, 0)}% |`)
  }
  lines.push(`| all | ${fmt(wasmTotal, 0)} | ${fmt(nativeTotal, 0)} | ${fmt(wasmTotal / nativeTotal, 2)} | |`, "")
}
const build = options.rdkit === undefined ? "" : `-rdkit${rdkit.module.version()}`
const base = path.join(benchDir, "results", `ops-${today()}${limit === undefined ? "" : `-limit${limit}`}${build}`)
fs.writeFileSync(`${base}.json`, JSON.stringify({ machine, loadBefore, reps, results }, null, 2) + "\n")
fs.writeFileSync(`${base}.md`, lines.join("\n"))
console.log(lines.join("\n"))
