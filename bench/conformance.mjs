#!/usr/bin/env node
/**
 * molexpand held to the product contract on rule sets and molecule sets the tests do not cover: each case runs the
 * contract's reference (shared/tools/reference_expand.py, native RDKit) and molexpand, and compares the two product
 * sets after re-canonicalizing both with RDKit WebAssembly. Not a speed benchmark: it counts differences.
 *
 *   npm run build && node bench/conformance.mjs [--cases a,b] [--list]
 *
 * Inputs are slices of the shared molecule sets (first 200 NCI phenols, first 200 CMNPD phenols, polyphenols 1000 to
 * 1150), each rule set with the preparation it needs. References are kept in bench/conformance/out/ (gitignored)
 * and reused while their input, rules and flags are unchanged. Writes bench/results/conformance-<date>.{json,md}.
 * Environment: MOLEXPAND_SHARED (default ../shared), MOLEXPAND_MAIN (default dist/main.js).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { describeMachine, ensureNativeRdkit, PYTHON } from "./lib/machine.mjs"
import { log, molexpandMain, repoRoot, shared } from "./lib/paths.mjs"
import { compareProductSets, readParquetProducts, readTsvProducts } from "./lib/products.mjs"
import { today } from "./lib/stats.mjs"

const outDir = path.join(repoRoot, "bench/conformance/out")
/** Differences listed per side in the report (all are counted, and kept in the JSON up to SAVE_DIFFERENCES). */
const PRINT_DIFFERENCES = 10
const SAVE_DIFFERENCES = 200

/** Slices of the shared sets: big enough to reach every rule many times, small enough for minutes per case. */
const INPUTS = {
  nci200: { file: "data/nci_phenols.smi", from: 1, to: 200 },
  cmnpd200: { file: "data/cmnpd_phenols.smi", from: 1, to: 200 },
  poly150: { file: "data/polyphenols_public.smi", from: 1000, to: 1150 }
}
const RULES = {
  sygma1: { file: "rules/public/sygma_phase1.tsv", flags: [] },
  sygma2: { file: "rules/public/sygma_phase2.tsv", flags: [] },
  metacyc: { file: "rules/public/mine_metacyc_generalized.tsv", flags: ["--kekulize"] },
  mineenz: { file: "rules/public/mine_enzymatic.tsv", flags: ["--explicit-h"] },
  envmicro: { file: "rules/public/biotransformer_envmicro.tsv", flags: ["--explicit-h"] }
}
/**
 * Every input with every rule set, one generation, and two generations of SyGMa phase 1 on the NCI slice. Not the
 * MetaCyc rules on the polyphenol slice: their reference alone ran for more than 15 minutes.
 */
const CASES = [
  ...Object.keys(INPUTS).flatMap((input) =>
    Object.keys(RULES).filter((rules) => !(input === "poly150" && rules === "metacyc")).map((rules) => ({ input, rules, generations: 1 }))
  ),
  { input: "nci200", rules: "sygma1", generations: 2 }
].map((c) => ({ ...c, name: `${c.input}-${c.rules}-g${c.generations}` }))

const { values: options } = parseArgs({ options: { cases: { type: "string" }, list: { type: "boolean", default: false } } })
if (options.list) {
  console.log(CASES.map((c) => c.name).join("\n"))
  process.exit(0)
}
const chosen = options.cases ? CASES.filter((c) => options.cases.split(",").includes(c.name)) : CASES
if (chosen.length === 0) {
  console.error(`no such case: ${options.cases} (node bench/conformance.mjs --list)`)
  process.exit(2)
}

const run = (command, args) => {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
  if (result.status !== 0) throw new Error(`${path.basename(args[0])} failed (${result.status}): ${result.stderr.slice(-2000)}`)
  return result
}

ensureNativeRdkit(log)
fs.mkdirSync(outDir, { recursive: true })
const machine = await describeMachine()
const base = path.join(repoRoot, "bench/results", `conformance-${today()}`)
/** The day's earlier results stay, except for the cases this run replaces: a long matrix can be run in parts. */
const results = fs.existsSync(`${base}.json`) ? JSON.parse(fs.readFileSync(`${base}.json`, "utf8")).results : []
for (const c of chosen) {
  const input = INPUTS[c.input]
  const rules = RULES[c.rules]
  const inputFile = path.join(outDir, `${c.input}.smi`)
  const lines = fs.readFileSync(shared(input.file), "utf8").split("\n").slice(input.from - 1, input.to)
  fs.writeFileSync(inputFile, lines.join("\n") + "\n")
  const reference = path.join(outDir, `${c.name}.reference.tsv`)
  const stamp = `${reference}.args`
  const args = [inputFile, shared(rules.file), String(c.generations), reference, ...rules.flags]
  const started = Date.now()
  if (!fs.existsSync(stamp) || fs.readFileSync(stamp, "utf8") !== JSON.stringify({ args, lines })) {
    log(`${c.name}: reference (native RDKit)`)
    run(PYTHON, [shared("tools/reference_expand.py"), ...args])
    fs.writeFileSync(stamp, JSON.stringify({ args, lines }))
  }
  const referenceSeconds = (Date.now() - started) / 1000
  const output = path.join(outDir, `${c.name}.molexpand`)
  log(`${c.name}: molexpand`)
  const mxStarted = Date.now()
  run(process.execPath, [molexpandMain, "--input", inputFile, "--rules", shared(rules.file), "--generations", String(c.generations),
    "--output", output, "--overwrite", "--quiet", ...rules.flags])
  const molexpandSeconds = (Date.now() - mxStarted) / 1000
  const comparison = await compareProductSets(await readParquetProducts(output), await readTsvProducts(reference))
  const result = {
    name: c.name,
    input: `${input.file} lines ${input.from}-${input.to}`,
    rules: rules.file,
    flags: rules.flags,
    generations: c.generations,
    molexpand: comparison.left,
    reference: comparison.right,
    onlyMolexpand: comparison.onlyLeft.length,
    onlyReference: comparison.onlyRight.length,
    differences: { onlyMolexpand: comparison.onlyLeft.slice(0, SAVE_DIFFERENCES), onlyReference: comparison.onlyRight.slice(0, SAVE_DIFFERENCES) },
    seconds: { reference: referenceSeconds, molexpand: molexpandSeconds }
  }
  const at = results.findIndex((r) => r.name === result.name)
  if (at >= 0) results[at] = result
  else results.push(result)
  results.sort((a, b) => CASES.findIndex((c) => c.name === a.name) - CASES.findIndex((c) => c.name === b.name))
  writeResults()
  log(`${c.name}: molexpand ${result.molexpand.distinct}, reference ${result.reference.distinct}, ` +
    `only molexpand ${result.onlyMolexpand}, only reference ${result.onlyReference} (of which RDKit WebAssembly cannot parse ${result.reference.unparsable})`)
}

function writeResults() {
  fs.writeFileSync(`${base}.json`, JSON.stringify({ machine, molexpand: molexpandMain, results }, null, 2) + "\n")
  const md = [
    `# molexpand against the product contract's reference, ${today()}`,
    "",
    `Machine: ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}; RDKit WebAssembly ${machine.rdkitWasm}, native RDKit ${machine.rdkitNative}.`,
    "",
    "Command: `node bench/conformance.mjs`. Reference: `shared/tools/reference_expand.py` (native RDKit); " +
      "molexpand with RDKit WebAssembly. Both product sets are re-canonicalized with RDKit WebAssembly and compared as sets of " +
      "(smiles, generation); a key RDKit WebAssembly cannot parse again stays as written (`UNPARSABLE:`), so the two sides' " +
      "spellings of one such product do not meet.",
    "",
    "| case | input | rules | products molexpand | products reference | only molexpand | only reference | keys WebAssembly cannot parse again (molexpand / reference) |",
    "|---|---|---|---|---|---|---|---|",
    ...results.map((r) =>
      `| ${r.name} | ${r.input} | ${path.basename(r.rules)} ${r.flags.join(" ")} | ${r.molexpand.distinct} | ${r.reference.distinct} | ${r.onlyMolexpand} | ${r.onlyReference} | ${r.molexpand.unparsable} / ${r.reference.unparsable} |`
    ),
    ""
  ]
  for (const r of results.filter((r) => r.onlyMolexpand + r.onlyReference > 0)) {
    md.push(`## ${r.name}`, "")
    for (const [side, list] of [["only molexpand", r.differences.onlyMolexpand], ["only reference", r.differences.onlyReference]]) {
      if (list.length === 0) continue
      md.push(`${side} (first ${Math.min(PRINT_DIFFERENCES, list.length)}):`, "", ...list.slice(0, PRINT_DIFFERENCES).map((item) => `- \`${item.replace("\t", "` gen ")}`), "")
    }
  }
  fs.writeFileSync(`${base}.md`, md.join("\n"))
}
log(`wrote ${base}.md`)
