#!/usr/bin/env node
/**
 * Where a native molexpand run's time goes: RDKit's C++ against everything else.
 *
 * For each case, on one core: the native engine's own functions over the same molecules and rules, in the worker's
 * order and with its key cache, each timed on its own: canonicalizing the inputs; the addon's expansion (parse the
 * parent, prepare it, RunReactants, write each raw product's SMILES); turning the distinct raw SMILES into keys
 * (parse with sanitization and canonical SMILES, through the key cache); and the JavaScript around them. Then the same
 * case as a whole run (`--engine native --workers 1`): its wall time less the RDKit seconds is what the pipeline
 * costs (start-up, messages, dedup and writing not hidden behind the worker, the report).
 *
 * Build first (npm ci builds the addon), then:  node bench/native-shares.mjs [--cases a,b] [--limit N]
 * Writes bench/results/native-shares-<date>.{json,md}.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { Effect } from "effect"
import { KeyCache } from "../dist/engine/keyCache.js"
import { loadNativeAddon } from "../dist/engine/native/addon.js"
import { canonicalize, compileRules } from "../dist/engine/native/chemistry.js"
import { loadRuleSet } from "../dist/engine/rules.js"
import { defaults } from "../dist/config.js"
import { uptimeText } from "./lib/machine.mjs"
import { log, molexpandMain, repoRoot, shared } from "./lib/paths.mjs"
import { fmt, today } from "./lib/stats.mjs"

/** The benchmark's cases (bench/run.mjs), each cut to a size whose run takes about a minute on one core. */
const CASES = [
  { name: "nci-phase2-g2", input: shared("data/nci_phenols.smi"), rules: "rules/polyphenol-phase2.tsv", generations: 2, limit: 515, flags: [] },
  { name: "polyphenols-phase2-g1", input: shared("data/polyphenols_public.smi"), rules: "rules/polyphenol-phase2.tsv", generations: 1, limit: 1000, flags: [] },
  { name: "cmnpd1500-gloryx-g1", input: shared("data/cmnpd_phenols_1500.smi"), rules: shared("rules/public/gloryx.tsv"), generations: 1, limit: 300, flags: ["--explicit-h"] }
]

const { values: options } = parseArgs({ options: { cases: { type: "string" }, limit: { type: "string" } } })
const loaded = loadNativeAddon()
if (!loaded.ok) {
  console.error(`the native engine is not available: ${loaded.reason}`)
  process.exit(2)
}
const addon = loaded.addon

const seconds = (start) => (performance.now() - start) / 1000

/** The worker's work on one core, generation after generation, each step's seconds summed apart. */
const timeSteps = async (c, smiles) => {
  const ruleSet = { ...(await Effect.runPromise(loadRuleSet(path.resolve(repoRoot, c.rules)))), ...(c.flags.includes("--explicit-h") ? { explicitH: true } : {}) }
  const compiled = compileRules(addon, ruleSet, defaults.maxProductSetsPerRule)
  if (!compiled.ok) throw new Error(compiled.reason)
  const cache = KeyCache.create(defaults.keyCacheSlots)
  const steps = { canonicalize: 0, expand: 0, keys: 0, javascript: 0 }
  const total = performance.now()
  let start = performance.now()
  const seen = new Set(smiles.map((s) => canonicalize(addon, s)).filter((r) => r.ok).map((r) => r.key))
  steps.canonicalize = seconds(start)
  let frontier = [...seen]
  let products = 0
  for (let generation = 1; generation <= c.generations; generation++) {
    const next = []
    for (const key of frontier) {
      start = performance.now()
      const expansion = addon.expand(compiled.rules, key)
      steps.expand += seconds(start)
      for (const raw of expansion.raws) {
        start = performance.now()
        const product = cache.resolve(raw, addon.keyOfRaw)
        steps.keys += seconds(start)
        if (product !== null && !seen.has(product)) {
          seen.add(product)
          next.push(product)
        }
      }
    }
    products += next.length
    frontier = next
  }
  steps.javascript = seconds(total) - steps.canonicalize - steps.expand - steps.keys
  return { steps, products }
}

const wholeRun = (c, inputFile) => {
  const output = fs.mkdtempSync(path.join(os.tmpdir(), `molexpand-shares-${c.name}-`))
  const start = performance.now()
  const run = spawnSync(process.execPath, [
    molexpandMain, "--input", inputFile, "--rules", path.resolve(repoRoot, c.rules), "--generations", String(c.generations),
    "--engine", "native", "--workers", "1", "--quiet", "--overwrite", "--output", output, ...c.flags
  ], { encoding: "utf8" })
  const wall = seconds(start)
  if (run.status !== 0) throw new Error(`${c.name}: molexpand exited ${run.status}: ${run.stderr}`)
  const summary = JSON.parse(fs.readFileSync(path.join(output, "summary.json"), "utf8"))
  fs.rmSync(output, { recursive: true, force: true })
  return { wall, products: summary.products.total }
}

const chosen = options.cases ? CASES.filter((c) => options.cases.split(",").includes(c.name)) : CASES
const results = []
for (const c of chosen) {
  const limit = options.limit ? Number(options.limit) : c.limit
  const lines = fs.readFileSync(c.input, "utf8").split("\n").filter((line) => line.trim().length > 0).slice(0, limit)
  const inputFile = path.join(os.tmpdir(), `molexpand-shares-${c.name}.smi`)
  fs.writeFileSync(inputFile, lines.join("\n") + "\n")
  log(`${c.name}: ${lines.length} molecules, ${c.generations} generation(s); load ${uptimeText()}`)
  const { steps, products } = await timeSteps(c, lines.map((line) => line.split(/\s+/)[0]))
  const run = wholeRun(c, inputFile)
  const rdkit = steps.canonicalize + steps.expand + steps.keys
  const result = { name: c.name, molecules: lines.length, generations: c.generations, flags: c.flags, steps, rdkitSeconds: rdkit, stepProducts: products, run }
  results.push(result)
  log(`  steps: canonicalize ${fmt(steps.canonicalize, 2)} s, expand ${fmt(steps.expand, 2)} s, keys ${fmt(steps.keys, 2)} s, JavaScript ${fmt(steps.javascript, 2)} s; ` +
    `whole run ${fmt(run.wall, 2)} s wall (${run.products} products; steps gave ${products}): RDKit ${fmt((100 * rdkit) / run.wall, 1)}% of it`)
}

const file = path.join(repoRoot, "bench/results", `native-shares-${today()}`)
fs.writeFileSync(`${file}.json`, JSON.stringify({ date: today(), cpus: os.cpus()[0]?.model, cores: os.cpus().length, load: uptimeText(), results }, null, 2) + "\n")
fs.writeFileSync(`${file}.md`, [
  `# Where a native run's time goes, ${today()}`,
  "",
  `${os.cpus().length} cores (${os.cpus()[0]?.model}); RDKit ${addon.rdkitVersion} (native); \`node bench/native-shares.mjs\`. One core: the worker's steps timed apart, then the same case as a whole run with 1 worker.`,
  "",
  "| case | molecules | canonicalize s | expand s | keys s | JavaScript s | RDKit s | whole run wall s | RDKit share of the run |",
  "|---|---|---|---|---|---|---|---|---|",
  ...results.map((r) => `| ${r.name} | ${r.molecules} | ${fmt(r.steps.canonicalize, 2)} | ${fmt(r.steps.expand, 2)} | ${fmt(r.steps.keys, 2)} | ${fmt(r.steps.javascript, 2)} | ${fmt(r.rdkitSeconds, 2)} | ${fmt(r.run.wall, 2)} | ${fmt((100 * r.rdkitSeconds) / r.run.wall, 1)}% |`),
  "",
  "expand = the addon's expansion (parse the parent, prepare it, RunReactants, each raw product's SMILES); keys = the distinct raw SMILES to keys through the key cache (parse with sanitization, canonical SMILES); JavaScript = the loop's own work around them. The rest of the whole run (its wall time less the RDKit seconds) is start-up, messages between the processes, the main process's work not overlapped with the worker, and the report.",
  ""
].join("\n"))
log(`results: ${path.relative(repoRoot, file)}.{json,md}`)
