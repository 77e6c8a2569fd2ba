#!/usr/bin/env node
/**
 * molexpand's engines (native RDKit, RDKit WebAssembly) against the pipeline a user would write instead
 * (bench/peer/peer_expand.py: native RDKit and a multiprocessing pool), on the public molecule sets in ../shared, at 1
 * and 2 workers; and, with --scale, molexpand's memory at 10K, 100K and 1M input molecules. bench/README.md explains
 * the figures.
 *
 *   npm run bench                         # build, then the full protocol (3 repetitions of every case)
 *   node bench/run.mjs --quick            # smoke run: 1 repetition of two small cases
 *   node bench/run.mjs --cases nci-phase2-g2,polyphenols-phase2-g1 --reps 3
 *   node bench/run.mjs --engines wasm     # molexpand's engines to measure (default: native,wasm where the addon is built)
 *   node bench/run.mjs --scale [--scale-sizes 10000,100000,1000000] [--scale-modes bloom,exact] [--scale-reps 3,3,1]
 *     [--scale-input FILE]
 *   node bench/run.mjs --cluster [--reps 3]        # cluster-dev (2 runners × 1 worker) against a local run (2 workers)
 *   node bench/run.mjs --coordinator [--copies 20] # the coordinator alone: recorded products replayed, no RDKit
 *
 * Environment: MOLEXPAND_SHARED (default: ../shared beside the repository), MOLEXPAND_MAIN (the molexpand entry to
 * run, default dist/main.js of this repository).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { describeMachine, ensureNativeRdkit, PYTHON, uptimeText } from "./lib/machine.mjs"
import { runMeasured } from "./lib/measure.mjs"
import { log, molexpandMain, nativeAddon, repoRoot, shared, sharedDir } from "./lib/paths.mjs"
import { compareProductSets, digestProducts, readParquetProducts, readTsvProducts } from "./lib/products.mjs"
import { writeBenchReport } from "./lib/report.mjs"
import { median, today } from "./lib/stats.mjs"
import { runScale } from "./lib/scale.mjs"
import { clusterReportLines, runClusterBench } from "./lib/cluster.mjs"
import { coordinatorReportLines, runCoordinatorBench } from "./lib/coordinator.mjs"

const peerScript = path.join(repoRoot, "bench/peer/peer_expand.py")
const resultsDir = path.join(repoRoot, "bench/results")

const repo = (p) => path.join(repoRoot, p)

const DEFAULT_REPS = 3
const DEFAULT_WORKERS = [1, 2]
/** molexpand's engines, in the order each repetition runs them (before the peer). */
const ENGINES = ["native", "wasm"]
const PEER = "peer"
/** How many differing products a failed comparison prints per side (all are counted, and saved in the JSON up to 1000). */
const PRINT_DIFFERENCES = 25
const SAVE_DIFFERENCES = 1000
/** Counts the stdin SMILES lines that native RDKit cannot parse. */
const NATIVE_PARSES = "import sys\nfrom rdkit import Chem, RDLogger\nRDLogger.DisableLog('rdApp.*')\nprint(sum(Chem.MolFromSmiles(l.strip()) is None for l in sys.stdin if l.strip()))"

/** The benchmark cases. `quick` cases are the smoke run's; the others are the full protocol's. */
const CASES = [
  {
    name: "nci-phase2-g2",
    title: "NCI phenols (515), polyphenol-phase2, 2 generations",
    input: shared("data/nci_phenols.smi"),
    rules: repo("rules/polyphenol-phase2.tsv"),
    generations: 2,
    flags: []
  },
  {
    name: "polyphenols-phase2-g1",
    title: "public polyphenols (3,117; up to 322 heavy atoms), polyphenol-phase2, 1 generation",
    input: shared("data/polyphenols_public.smi"),
    rules: repo("rules/polyphenol-phase2.tsv"),
    generations: 1,
    flags: [],
    note:
      "RDKit 2026 (WASM) and 2022.09 (native) are known to differ here: molexpand's WASM engine finds 5 products (ellagitannin derivatives of " +
      "54-56 heavy atoms) that native RDKit does not, the same 5 extra products shared/data/SOURCES.md reports for a plain WASM loop " +
      "against the native reference; native RDKit parses the 5 keys, so they are products its RunReactants did not give or judged invalid. The cause is not pinned down."
  },
  {
    name: "cmnpd1500-gloryx-g1",
    title: "CMNPD phenols (1,500), GLORYx (260 rules) with explicit H, 1 generation",
    input: shared("data/cmnpd_phenols_1500.smi"),
    rules: shared("rules/public/gloryx.tsv"),
    generations: 1,
    flags: ["--explicit-h"],
    note:
      "the peer's extra products are keys neither RDKit parses: GLORYx's oxidative_deamination_(aromatic) rule gives raw products " +
      "with an aromatic [nH] carrying a further explicit [H]; native RDKit 2022.09 sanitizes them and writes a neutral four-bonded [NH2] " +
      "that it cannot parse again, RDKit 2026 rejects them as invalid candidates. The peer's set is the shared native reference's " +
      "(shared/data/reference/cmnpd1500.gloryx.gen1.tsv, 66,135 products), molexpand's WASM engine's is it less these keys; bench/README.md."
  },
  {
    name: "nci100-metacyc-g1",
    title: "first 100 NCI phenols, MetaCyc (all 1,224 rules, with their coreactants), 1 generation, with the reaction network",
    input: shared("data/nci_phenols.smi"),
    inputLines: 100,
    rules: repo("rules/mine-metacyc.tsv"),
    coreactants: repo("rules/mine-metacyc.coreactants.tsv"),
    reactions: true,
    generations: 1,
    flags: [],
    note:
      "RDKit 2026 (WASM) and 2022.09 (native) are known to differ here, as test/e2e/coreactants.test.ts lists on its smaller case: " +
      "keys with a sulfur of valence 7 (`[S+](=O)(=O)(O)...`), which RDKit 2026 refuses, organomercury products it sanitizes " +
      "differently, and one fused pyridazine whose double bonds it places elsewhere; the native engine's set is the peer's."
  },
  {
    name: "nci-phase2-g1",
    title: "NCI phenols (515), polyphenol-phase2, 1 generation (smoke)",
    input: shared("data/nci_phenols.smi"),
    rules: repo("rules/polyphenol-phase2.tsv"),
    generations: 1,
    flags: [],
    quick: true
  },
  {
    name: "nci-gloryx-g1",
    title: "NCI phenols (515), GLORYx with explicit H, 1 generation (smoke)",
    input: shared("data/nci_phenols.smi"),
    rules: shared("rules/public/gloryx.tsv"),
    generations: 1,
    flags: ["--explicit-h"],
    quick: true
  }
]

const parseList = (text, what) =>
  text.split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
    const n = Number(s)
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${what}: expected positive integers, got ${s}`)
    return n
  })

const { values: options } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    cases: { type: "string" },
    reps: { type: "string" },
    workers: { type: "string" },
    engines: { type: "string" },
    keep: { type: "boolean", default: false },
    scale: { type: "boolean", default: false },
    "scale-sizes": { type: "string" },
    "scale-input": { type: "string" },
    "scale-modes": { type: "string" },
    "scale-reps": { type: "string" },
    cluster: { type: "boolean", default: false },
    coordinator: { type: "boolean", default: false },
    copies: { type: "string" },
    "report-only": { type: "string" },
    help: { type: "boolean", short: "h", default: false }
  }
})

if (options.help) {
  const doc = fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("*/")[0]
  console.log(doc.replace(/^#!.*\n/, "").replace(/^\s*\/?\*+ ?/gm, ""))
  console.log(`cases: ${CASES.map((c) => c.name + (c.quick ? " (quick)" : "")).join(", ")}`)
  process.exit(0)
}

if (options["report-only"]) {
  // Rewrites the Markdown report of an existing results JSON (after the report's format changed).
  const file = path.resolve(options["report-only"])
  const results = JSON.parse(fs.readFileSync(file, "utf8"))
  for (const c of Object.values(results.cases ?? {})) c.note ??= CASES.find((d) => d.name === c.name)?.note
  writeBenchReport(file.replace(/\.json$/, ".md"), results)
  console.log(`wrote ${file.replace(/\.json$/, ".md")}`)
  process.exit(0)
}

if (!fs.existsSync(molexpandMain)) {
  console.error(`molexpand is not built: ${molexpandMain} is missing (run npm run build, or set MOLEXPAND_MAIN)`)
  process.exit(2)
}

// ---- one case ----------------------------------------------------------------------------------------------------

const molexpandProgram = (engine) => `molexpand-${engine}`

/** The programs of each repetition and worker count, in the order they run: the engines asked for, then the peer. */
const programsOf = (engines) => [...engines.map((engine) => ({ name: molexpandProgram(engine), engine })), { name: PEER }]

/** A case's input: the file, or its first `inputLines` lines written beside the run's outputs. */
const inputOf = (c, workDir) => {
  if (c.inputLines === undefined) return c.input
  const file = path.join(workDir, `${c.name}.smi`)
  if (!fs.existsSync(file)) fs.writeFileSync(file, fs.readFileSync(c.input, "utf8").split("\n").slice(0, c.inputLines).join("\n") + "\n")
  return file
}

const molexpandArgs = (c, engine, workers, out) => [
  molexpandMain,
  "--input", inputOf(c, path.dirname(out)),
  "--rules", c.rules,
  ...(c.coreactants === undefined ? [] : ["--coreactants", c.coreactants]),
  ...(c.reactions ? ["--reactions"] : []),
  "--generations", String(c.generations),
  "--workers", String(workers),
  "--engine", engine,
  "--output", out,
  "--dedup", "exact",
  "--quiet",
  ...c.flags
]

const peerArgs = (c, workers, out) => [
  peerScript, inputOf(c, path.dirname(path.dirname(out))), c.rules, String(c.generations), out, "--workers", String(workers),
  ...(c.coreactants === undefined ? [] : ["--coreactants", c.coreactants]),
  ...(c.reactions ? ["--edges", path.join(path.dirname(out), "edges.tsv")] : []),
  ...c.flags
]

const parsePeerJson = (stdout) => {
  const line = stdout.trim().split("\n").filter((l) => l.startsWith("{")).at(-1)
  if (line === undefined) throw new Error("the peer printed no JSON line")
  return JSON.parse(line)
}

/** Runs one program once; returns the run's record and its product list. */
const runOnce = async (c, program, workers, rep, workDir) => {
  const label = `${program.name}-w${workers}-r${rep}`
  const out = path.join(workDir, label)
  fs.rmSync(out, { recursive: true, force: true })
  fs.mkdirSync(out, { recursive: true })
  const isMolexpand = program.engine !== undefined
  const peerOut = path.join(out, "products.tsv")
  const measured = await runMeasured(
    isMolexpand ? process.execPath : PYTHON,
    isMolexpand ? molexpandArgs(c, program.engine, workers, out) : peerArgs(c, workers, peerOut),
    { cwd: repoRoot, logDir: path.join(workDir, "logs"), label }
  )
  const record = {
    program: program.name,
    workers,
    rep,
    exitCode: measured.exitCode,
    wallSeconds: measured.wallSeconds,
    cpuSeconds: measured.cpuSeconds,
    userSeconds: measured.userSeconds,
    sysSeconds: measured.sysSeconds,
    peakRssBytes: measured.peakRssBytes,
    peakPssBytes: measured.peakPssBytes,
    maxRssSingleBytes: measured.maxRssSingleBytes,
    processes: measured.processes,
    loadBefore: measured.loadBefore,
    loadAfter: measured.loadAfter
  }
  if (measured.exitCode !== 0) {
    const stderr = fs.readFileSync(measured.stderrFile, "utf8").split("\n").slice(-15).join("\n")
    return { record: { ...record, error: stderr }, products: null }
  }
  let products
  if (isMolexpand) {
    const summary = JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8"))
    const total = summary.products.total
    record.engine = summary.engine.rdkit
    record.inputsValid = summary.inputs.valid
    record.products = total
    record.productsByGeneration = summary.products.byGeneration
    record.expanded = summary.inputs.valid + total - (summary.products.byGeneration[String(c.generations)] ?? 0)
    record.candidates = summary.candidates
    record.edges = summary.reactions?.edges
    record.moleculeFailures = summary.moleculeFailures
    record.programElapsedSeconds = summary.elapsedSeconds
    record.programPeakRssBytes = summary.peakRssBytes
    products = await readParquetProducts(out)
  } else {
    const peer = parsePeerJson(measured.stdout)
    record.inputsValid = peer.inputs.valid
    record.products = peer.products.total
    record.productsByGeneration = peer.products.byGeneration
    record.expanded = peer.expanded
    record.candidates = peer.candidates
    record.edges = peer.edges ?? undefined
    record.moleculeFailures = peer.moleculeFailures
    record.programElapsedSeconds = peer.elapsedSeconds
    record.programPeakRssBytes = peer.peakRssParentBytes
    record.chunksize = peer.chunksize
    products = await readTsvProducts(peerOut)
  }
  record.molPerSecond = record.expanded / measured.wallSeconds
  record.productsPerSecond = record.products / measured.wallSeconds
  if (record.edges !== undefined) record.edgesPerSecond = record.edges / measured.wallSeconds
  if (!options.keep) fs.rmSync(out, { recursive: true, force: true })
  return { record, products }
}

const aggregate = (runs) => {
  const groups = {}
  for (const run of runs) {
    if (run.exitCode !== 0) continue
    const key = `${run.program}/${run.workers}`
    ;(groups[key] ??= []).push(run)
  }
  const out = {}
  for (const [key, list] of Object.entries(groups)) {
    const m = (field) => median(list.map((r) => r[field]))
    out[key] = {
      program: list[0].program,
      engine: list[0].engine,
      workers: list[0].workers,
      runs: list.length,
      wallSeconds: m("wallSeconds"),
      cpuSeconds: m("cpuSeconds"),
      peakRssBytes: m("peakRssBytes"),
      peakPssBytes: m("peakPssBytes"),
      molPerSecond: m("molPerSecond"),
      productsPerSecond: m("productsPerSecond"),
      ...(list[0].edges === undefined ? {} : { edgesPerSecond: m("edgesPerSecond"), edges: list[0].edges }),
      expanded: list[0].expanded,
      products: list[0].products
    }
  }
  return out
}

/** Ratio name → the median it divides. */
const OVER_PEER_FIELDS = { molPerSecond: "molPerSecond", productsPerSecond: "productsPerSecond", cpuSeconds: "cpuSeconds", peakRss: "peakRssBytes", peakPss: "peakPssBytes" }
const NATIVE_OVER_WASM_FIELDS = { molPerSecond: "molPerSecond", cpuSeconds: "cpuSeconds" }

/** One program's medians divided by another's, per worker count at which both ran. */
const ratiosAt = (medians, workerCounts, top, bottom, fields) => {
  const out = {}
  for (const w of workerCounts) {
    const a = medians[`${top}/${w}`]
    const b = medians[`${bottom}/${w}`]
    if (a && b) out[w] = Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, a[field] / b[field]]))
  }
  return out
}

/** `measure(fewest, most, addedWorkers)` per program that ran at both the fewest and the most workers. */
const acrossWorkers = (medians, workerCounts, programs, measure) => {
  const [lo, hi] = [Math.min(...workerCounts), Math.max(...workerCounts)]
  const out = {}
  if (lo === hi) return out
  for (const program of programs) {
    const a = medians[`${program}/${lo}`]
    const b = medians[`${program}/${hi}`]
    if (a && b) out[program] = { from: lo, to: hi, ...measure(a, b, hi - lo) }
  }
  return out
}

/**
 * Peak RSS divided by the workers: what a core costs in memory, the figure that sizes a machine with more cores than
 * this one. A single run's per-worker figure still carries the program's fixed base; the marginal worker does not.
 */
const rssPerWorker = (medians) => {
  const out = {}
  for (const m of Object.values(medians)) (out[m.program] ??= {})[m.workers] = m.peakRssBytes / m.workers
  return out
}

const figures = (medians, workerCounts, engines) => {
  const programs = programsOf(engines).map((p) => p.name)
  return {
    molexpandOverPeer: Object.fromEntries(engines.map((e) => [e, ratiosAt(medians, workerCounts, molexpandProgram(e), PEER, OVER_PEER_FIELDS)])),
    nativeOverWasm: ratiosAt(medians, workerCounts, molexpandProgram("native"), molexpandProgram("wasm"), NATIVE_OVER_WASM_FIELDS),
    scaling: acrossWorkers(medians, workerCounts, programs, (a, b) => ({ molPerSecond: b.molPerSecond / a.molPerSecond })),
    peakRssPerWorker: rssPerWorker(medians),
    marginalWorkerRss: acrossWorkers(medians, workerCounts, programs, (a, b, added) => ({ bytes: (b.peakRssBytes - a.peakRssBytes) / added }))
  }
}

/** A run's duplicate products, and a product set that differs from its program's first run's. */
const repeatProblems = (program, workers, rep, digest, first) => {
  const where = `${program} at ${workers} workers, repetition ${rep}`
  const problems = []
  if (digest.distinct !== digest.count) problems.push(`${where}: ${digest.count - digest.distinct} duplicate product rows`)
  if (first !== undefined && first.sha256 !== digest.sha256) problems.push(`${where}: product set differs from its first run (${digest.distinct} vs ${first.distinct})`)
  return problems
}

const logRun = (record) =>
  log(
    `  ${record.program.padEnd(16)} w${record.workers} r${record.rep}: ${record.wallSeconds.toFixed(1)} s wall, ${record.cpuSeconds.toFixed(1)} s CPU, ` +
      `peak RSS ${(record.peakRssBytes / 2 ** 20).toFixed(0)} MiB (PSS ${(record.peakPssBytes / 2 ** 20).toFixed(0)}), ` +
      `${record.molPerSecond.toFixed(1)} mol/s, ${record.productsPerSecond.toFixed(0)} products/s, ${record.products} products; ` +
      `load ${record.loadBefore[0].toFixed(2)}`
  )

const runCase = async (c, reps, workerCounts, engines) => {
  const missing = [c.input, c.rules].filter((f) => !fs.existsSync(f))
  if (missing.length > 0) {
    log(`SKIP ${c.name}: missing ${missing.join(", ")} (set MOLEXPAND_SHARED to the shared data folder)`)
    return { name: c.name, title: c.title, status: "skipped", reason: `missing ${missing.join(", ")}` }
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `molexpand-bench-${c.name}-`))
  const programs = programsOf(engines)
  const result = {
    name: c.name,
    title: c.title,
    input: path.relative(sharedDir, c.input).startsWith("..") ? path.relative(repoRoot, c.input) : `shared/${path.relative(sharedDir, c.input)}`,
    rules: path.relative(sharedDir, c.rules).startsWith("..") ? path.relative(repoRoot, c.rules) : `shared/${path.relative(sharedDir, c.rules)}`,
    generations: c.generations,
    flags: c.flags,
    note: c.note,
    reps,
    workers: workerCounts,
    engines,
    uptimeBefore: uptimeText(),
    startedAt: new Date().toISOString(),
    runs: [],
    problems: []
  }
  log(`CASE ${c.name}: ${c.title}; ${reps} repetitions × workers ${workerCounts.join(",")} × (${programs.map((p) => p.name).join(", ")}); logs in ${workDir}/logs`)
  const firstDigest = {}
  // Each program's first product list, held until the comparisons with the peer's (they are large).
  let firstProducts = {}
  let failedRun = false
  for (let rep = 1; rep <= reps && !failedRun; rep++) {
    for (const workers of workerCounts) {
      for (const program of programs) {
        const { record, products } = await runOnce(c, program, workers, rep, workDir)
        result.runs.push(record)
        if (record.exitCode !== 0) {
          log(`  ${program.name} w${workers} r${rep}: FAILED (exit ${record.exitCode})\n${record.error}`)
          result.problems.push(`${program.name} at ${workers} workers, repetition ${rep}, exited with ${record.exitCode}`)
          failedRun = true
          continue
        }
        const digest = digestProducts(products)
        record.productsSha256 = digest.sha256
        result.problems.push(...repeatProblems(program.name, workers, rep, digest, firstDigest[program.name]))
        if (firstDigest[program.name] === undefined) {
          firstDigest[program.name] = digest
          firstProducts[program.name] = products
        }
        logRun(record)
      }
      if (firstProducts[PEER] && result.comparisons === undefined) {
        result.comparisons = await compareWithPeer(engines, firstProducts, result.problems)
        firstProducts = {}
      }
    }
  }
  result.uptimeAfter = uptimeText()
  result.finishedAt = new Date().toISOString()
  result.medians = aggregate(result.runs)
  Object.assign(result, figures(result.medians, workerCounts, engines))
  result.status = result.problems.length === 0 ? "ok" : "failed"
  if (!options.keep) fs.rmSync(workDir, { recursive: true, force: true })
  for (const problem of result.problems) log(`  PROBLEM ${c.name}: ${problem}`)
  return result
}

/** Each engine's first product set against the peer's first; a difference is one of the case's problems. */
const compareWithPeer = async (engines, firstProducts, problems) => {
  const comparisons = {}
  for (const engine of engines) {
    const program = molexpandProgram(engine)
    if (firstProducts[program] === undefined) continue
    const k = (comparisons[engine] = await compareCase(program, firstProducts[program], firstProducts[PEER]))
    if (k.equal) continue
    problems.push(
      `${program} against the peer: product sets differ after re-canonicalization: ${k.onlyMolexpandCount} only in ${program}, ${k.onlyPeerCount} only in the peer; ` +
        `${k.onlyPeerUnparsableByWasm} of the peer's are keys RDKit WASM cannot parse` +
        (k.onlyPeerUnparsableByWasm > 0 ? ` (native RDKit cannot parse ${k.onlyPeerUnparsableByNativeToo} of them again either)` : "") +
        `, ${k.unexplained} other differences`
    )
  }
  return comparisons
}

const compareCase = async (program, molexpandProducts, peerProducts) => {
  const t = performance.now()
  const cmp = await compareProductSets(molexpandProducts, peerProducts)
  const seconds = (performance.now() - t) / 1000
  const summary = {
    equal: cmp.equal,
    recanonicalizedWith: "RDKit WASM",
    molexpand: cmp.left,
    peer: cmp.right,
    onlyMolexpandCount: cmp.onlyLeft.length,
    onlyPeerCount: cmp.onlyRight.length,
    onlyMolexpand: cmp.onlyLeft.slice(0, SAVE_DIFFERENCES),
    onlyPeer: cmp.onlyRight.slice(0, SAVE_DIFFERENCES),
    seconds
  }
  // Keys one side's RDKit wrote but RDKit WASM cannot parse: a difference in what each RDKit version takes as a valid
  // product, not in how it writes one. Whether native RDKit parses its own key again is recorded as well.
  const unparsable = (items) => items.filter((item) => item.startsWith("UNPARSABLE:")).map((item) => item.slice("UNPARSABLE:".length, item.lastIndexOf("\t")))
  const peerUnparsable = unparsable(cmp.onlyRight)
  summary.onlyPeerUnparsableByWasm = peerUnparsable.length
  summary.onlyMolexpandUnparsableByWasm = unparsable(cmp.onlyLeft).length
  if (peerUnparsable.length > 0) {
    const check = spawnSync(PYTHON, ["-c", NATIVE_PARSES], { input: peerUnparsable.join("\n") + "\n", encoding: "utf8" })
    summary.onlyPeerUnparsableByNativeToo = check.status === 0 ? Number(check.stdout.trim()) : null
  }
  summary.unexplained = cmp.onlyLeft.length + cmp.onlyRight.length - peerUnparsable.length - summary.onlyMolexpandUnparsableByWasm
  if (cmp.equal) {
    log(`  ${program} against the peer: the sets of (smiles, generation) are equal after re-canonicalization (${cmp.left.distinct} products; ` +
      `${cmp.left.changedByRecanonicalization} ${program} / ${cmp.right.changedByRecanonicalization} peer keys rewritten; ${seconds.toFixed(1)} s)`)
  } else {
    log(`  ${program} against the peer: products DIFFER after re-canonicalization: ${cmp.onlyLeft.length} only in ${program}, ${cmp.onlyRight.length} only in the peer ` +
      `(${peerUnparsable.length} of the peer's are keys RDKit WASM cannot parse` +
      (peerUnparsable.length > 0 ? `, ${summary.onlyPeerUnparsableByNativeToo} of them native RDKit cannot parse again either` : "") +
      `; ${summary.unexplained} other differences)`)
    for (const item of cmp.onlyLeft.slice(0, PRINT_DIFFERENCES)) console.log(`    only ${program}: ${item}`)
    for (const item of cmp.onlyRight.slice(0, PRINT_DIFFERENCES)) console.log(`    only peer: ${item}`)
  }
  return summary
}

/** Which molexpand was measured: the entry file and the commit it was built from (MOLEXPAND_COMMIT for a snapshot). */
const molexpandBuild = () => {
  const git = (...args) => spawnSync("git", ["-C", repoRoot, ...args], { encoding: "utf8" }).stdout?.trim() ?? ""
  const own = path.resolve(molexpandMain) === path.join(repoRoot, "dist/main.js")
  return {
    main: molexpandMain,
    commit: process.env.MOLEXPAND_COMMIT ?? (own ? git("rev-parse", "HEAD") : "unknown"),
    workingTreeChanges: own && !process.env.MOLEXPAND_COMMIT ? git("status", "--porcelain", "--", "src").split("\n").filter(Boolean).length : null
  }
}

// ---- results -----------------------------------------------------------------------------------------------------

const mergeResults = (file, fresh) => {
  let previous = null
  try {
    previous = JSON.parse(fs.readFileSync(file, "utf8"))
  } catch {
    previous = null
  }
  // Each case keeps the build it measured: a later run of some cases may measure another commit.
  const cases = {}
  for (const c of Object.values(previous?.cases ?? {})) cases[c.name] = { ...c, molexpand: c.molexpand ?? previous.molexpand }
  for (const c of fresh.cases) cases[c.name] = { ...c, molexpand: fresh.molexpand }
  return { ...fresh, cases, scale: fresh.scale ?? previous?.scale ?? null }
}

/** The polyphenol case, whose products per molecule the coordinator's ceiling is stated at. */
const CLUSTER_INPUT = shared("data/polyphenols_public.smi")
const CLUSTER_RULES = repo("rules/polyphenol-phase2.tsv")
const DEFAULT_COPIES = 20

/** `--cluster` and `--coordinator`: results in `<date>-cluster.{json,md}`, each section kept until run again. */
const clusterAndCoordinator = async (base, date) => {
  const jsonFile = path.join(resultsDir, `${date}-cluster.json`)
  const mdFile = path.join(resultsDir, `${date}-cluster.md`)
  let previous = {}
  try {
    previous = JSON.parse(fs.readFileSync(jsonFile, "utf8"))
  } catch {
    previous = {}
  }
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "molexpand-bench-cluster-"))
  const reps = options.reps ? parseList(options.reps, "reps")[0] : DEFAULT_REPS
  // A section kept from an earlier run keeps that run's commit.
  const cluster = options.cluster
    ? { ...await runClusterBench({ repoRoot, molexpandMain, input: CLUSTER_INPUT, rules: CLUSTER_RULES, reps, log, logDir }), molexpand: base.molexpand }
    : previous.cluster && { molexpand: previous.molexpand, ...previous.cluster }
  const coordinator = options.coordinator
    ? { ...await runCoordinatorBench({ molexpandMain, input: CLUSTER_INPUT, rules: CLUSTER_RULES, copies: options.copies ? parseList(options.copies, "copies")[0] : DEFAULT_COPIES, log, logDir }), molexpand: base.molexpand }
    : previous.coordinator && { molexpand: previous.molexpand, ...previous.coordinator }
  const commits = [["cluster against local", cluster], ["the coordinator", coordinator]]
    .filter(([, section]) => section !== undefined)
    .map(([name, section]) => `${section.molexpand?.commit} (${name})`)
  const results = { ...base, uptimeAfter: uptimeText(), cluster, coordinator }
  fs.writeFileSync(jsonFile, JSON.stringify(results, null, 2) + "\n")
  fs.writeFileSync(mdFile, [
    `# molexpand on a cluster, ${date}`,
    "",
    "## Machine",
    "",
    `- ${base.machine.cores} cores (${base.machine.cpuModel}), ${(base.machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${base.machine.os}, Node ${base.machine.node}, RDKit WebAssembly ${base.machine.rdkitWasm}, native RDKit ${base.machine.rdkitNativeEngine ?? "not built"} (\`auto\` runs it where it is built)`,
    `- molexpand: commit ${commits.join(", ")}; load after: ${results.uptimeAfter}`,
    "- Coordinator, PostgreSQL and runners share this machine's 2 cores: the runs measure the cluster path's cost, not a cluster's speed.",
    "",
    ...(cluster === undefined ? [] : clusterReportLines(cluster)),
    ...(coordinator === undefined ? [] : coordinatorReportLines(coordinator))
  ].join("\n"))
  log(`results: ${path.relative(repoRoot, jsonFile)}, ${path.relative(repoRoot, mdFile)}`)
  const failed = (cluster?.runs ?? []).some((r) => r.local.exitCode !== 0 || r.cluster.exitCode !== 0 || r.local.products !== r.cluster.products)
  return failed ? 1 : 0
}

/** `--engines`, in the fixed run order; by default both where the native addon is built (WebAssembly always is). */
const chooseEngines = () => {
  if (options.engines === undefined) {
    const built = fs.existsSync(nativeAddon)
    const engines = built ? ENGINES : ["wasm"]
    log(`engines: ${engines.join(",")} (the native addon is ${built ? "built" : "not built"}: ${nativeAddon})`)
    return engines
  }
  const asked = options.engines.split(",").map((s) => s.trim()).filter(Boolean)
  if (asked.length === 0 || asked.some((e) => !ENGINES.includes(e))) {
    throw new RangeError(`--engines: expected a comma list of ${ENGINES.join(", ")}, got ${options.engines}`)
  }
  if (asked.includes("native") && !fs.existsSync(nativeAddon)) {
    throw new Error(`--engines native: the native addon is not built (${nativeAddon}; npm ci builds it where librdkit-dev is installed)`)
  }
  const engines = ENGINES.filter((e) => asked.includes(e))
  log(`engines: ${engines.join(",")} (--engines)`)
  return engines
}

const main = async () => {
  ensureNativeRdkit(log)
  const machine = await describeMachine()
  log(`machine: ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${machine.cpuModel}, ${machine.os}, Node ${machine.node}, RDKit WASM ${machine.rdkitWasm}, native RDKit ${machine.rdkitNativeEngine ?? "not built"} (molexpand) and ${machine.rdkitNative} (peer)`)
  log(`uptime: ${uptimeText()}`)
  const date = today()
  const suffix = options.quick ? "-quick" : options.scale ? "-scale" : ""
  const jsonFile = path.join(resultsDir, `${date}${suffix}.json`)
  const mdFile = path.join(resultsDir, `${date}${suffix}.md`)
  fs.mkdirSync(resultsDir, { recursive: true })

  const base = { date, generatedAt: new Date().toISOString(), machine, molexpand: molexpandBuild(), sharedDir }

  if (options.cluster || options.coordinator) {
    process.exit(await clusterAndCoordinator(base, date))
  }

  if (options.scale) {
    const scale = await runScale({
      repoRoot,
      molexpandMain,
      sizes: options["scale-sizes"] ? parseList(options["scale-sizes"], "scale-sizes") : undefined,
      modes: options["scale-modes"] ? options["scale-modes"].split(",") : undefined,
      reps: options["scale-reps"] ? parseList(options["scale-reps"], "scale-reps") : undefined,
      input: options["scale-input"],
      log,
      onPoint: (partial) => {
        const merged = mergeResults(jsonFile, { ...base, cases: [], scale: partial })
        fs.writeFileSync(jsonFile, JSON.stringify(merged, null, 2) + "\n")
        writeBenchReport(mdFile, merged)
      }
    })
    const merged = mergeResults(jsonFile, { ...base, cases: [], scale })
    fs.writeFileSync(jsonFile, JSON.stringify(merged, null, 2) + "\n")
    writeBenchReport(mdFile, merged)
    log(`results: ${path.relative(repoRoot, jsonFile)}, ${path.relative(repoRoot, mdFile)}`)
    process.exit(scale.points.some((p) => p.exitCode !== 0) ? 1 : 0)
  }

  const reps = options.reps ? parseList(options.reps, "reps")[0] : options.quick ? 1 : DEFAULT_REPS
  const workerCounts = options.workers ? parseList(options.workers, "workers") : DEFAULT_WORKERS
  const selected = options.cases
    ? options.cases.split(",").map((name) => {
        const found = CASES.find((c) => c.name === name.trim())
        if (!found) throw new Error(`unknown case ${name}; cases: ${CASES.map((c) => c.name).join(", ")}`)
        return found
      })
    : CASES.filter((c) => Boolean(c.quick) === options.quick)
  const engines = chooseEngines()
  log(`protocol: ${reps} repetition(s), workers ${workerCounts.join(",")}, order per repetition and worker count: ${programsOf(engines).map((p) => p.name).join(", ")}`)

  const results = []
  for (const c of selected) {
    results.push(await runCase(c, reps, workerCounts, engines))
    // Written after every case, so an interrupted run keeps what it finished.
    const merged = mergeResults(jsonFile, { ...base, generatedAt: new Date().toISOString(), cases: results })
    fs.writeFileSync(jsonFile, JSON.stringify(merged, null, 2) + "\n")
    writeBenchReport(mdFile, merged)
  }
  log(`uptime: ${uptimeText()}`)
  log(`results: ${path.relative(repoRoot, jsonFile)}, ${path.relative(repoRoot, mdFile)}`)
  const skipped = results.filter((r) => r.status === "skipped").map((r) => r.name)
  if (skipped.length > 0) log(`skipped (no data): ${skipped.join(", ")}`)
  const failed = results.filter((r) => r.status === "failed").map((r) => r.name)
  if (failed.length > 0) {
    log(`FAILED: ${failed.join(", ")}`)
    process.exit(1)
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
