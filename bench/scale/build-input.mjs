#!/usr/bin/env node
/**
 * Builds the scale runs' input: at least 1,000,000 distinct real molecules, the generation-1 products of the public
 * molecule sets (../shared/data) under several rule sets, shuffled with a fixed seed so that every prefix (the first
 * 10K, 100K, 1M lines) is a like sample of the whole.
 *
 *   node bench/scale/build-input.mjs [--target 1000000] [--workers 2] [--out bench/scale/out]
 *
 * Writes OUT/scale-input.smi (`smiles<TAB>id`, ids S1, S2, ...) and OUT/scale-input.json (the sources and their
 * counts). OUT (bench/scale/out/ by default) is gitignored: the file is about 100 MB.
 *
 * The products are computed by the peer (bench/peer/peer_expand.py: native RDKit, a process pool), which expands
 * these rule sets about twice as fast as molexpand does here; each source's products are kept in OUT/parts/, so an
 * interrupted build picks up where it stopped. Sources run in order until the distinct products reach the target;
 * the MINE generalized MetaCyc rules on the CMNPD phenols run in chunks of 100 molecules (each
 * gives about 200K products), so the build stops soon after the target.
 *
 * Environment: MOLEXPAND_SHARED (default ../shared beside the repository).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import * as readline from "node:readline"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
const sharedDir = process.env.MOLEXPAND_SHARED ?? path.resolve(repoRoot, "../shared")
const PYTHON = "/usr/bin/python3"
const peerScript = path.join(repoRoot, "bench/peer/peer_expand.py")

const { values: options } = parseArgs({
  options: {
    target: { type: "string", default: "1000000" },
    workers: { type: "string", default: "2" },
    out: { type: "string", default: path.join(repoRoot, "bench/scale/out") },
    seed: { type: "string", default: "20261127" }
  }
})
const target = Number(options.target)
const outDir = path.resolve(options.out)
const partsDir = path.join(outDir, "parts")
fs.mkdirSync(partsDir, { recursive: true })

const shared = (p) => path.join(sharedDir, p)
const repo = (p) => path.join(repoRoot, p)
const METACYC = repo("test/fixtures/rules/mine_metacyc_generalized.tsv")
const CMNPD_CHUNK = 100

const log = (message) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`)

/** The CMNPD phenols in chunks of CMNPD_CHUNK lines, each a source of its own. */
const cmnpdChunks = () => {
  const file = shared("data/cmnpd_phenols.smi")
  if (!fs.existsSync(file)) return []
  const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean)
  const chunks = []
  for (let start = 0; start < lines.length; start += CMNPD_CHUNK) {
    const name = `cmnpd${start + 1}-${Math.min(start + CMNPD_CHUNK, lines.length)}.metacyc`
    chunks.push({
      name,
      input: () => {
        const chunkFile = path.join(partsDir, `${name}.smi`)
        fs.writeFileSync(chunkFile, lines.slice(start, start + CMNPD_CHUNK).join("\n") + "\n")
        return chunkFile
      },
      rules: METACYC,
      flags: ["--kekulize"]
    })
  }
  return chunks
}

/**
 * In order of products per CPU second (the peer at 2 workers here: generalized MetaCyc about 850, polyphenol-phase2
 * about 770, GLORYx about 350), the cheap ones first; the later sources run only while the target is not reached.
 */
const SOURCES = [
  { name: "nci.metacyc", input: () => shared("data/nci_phenols.smi"), rules: METACYC, flags: ["--kekulize"] },
  { name: "polyphenols.phase2", input: () => shared("data/polyphenols_public.smi"), rules: repo("rules/polyphenol-phase2.tsv"), flags: [] },
  { name: "cmnpd.sygma2", input: () => shared("data/cmnpd_phenols.smi"), rules: shared("rules/public/sygma_phase2.tsv"), flags: [] },
  ...cmnpdChunks(),
  { name: "cmnpd1500.gloryx", input: () => shared("data/cmnpd_phenols_1500.smi"), rules: shared("rules/public/gloryx.tsv"), flags: ["--explicit-h"] },
  { name: "nci.enzymatic", input: () => shared("data/nci_phenols.smi"), rules: repo("rules/mine-enzymatic.tsv"), flags: ["--explicit-h"] }
]

/** Runs the peer for one source unless its products are already in OUT/parts. */
const productsOf = (source) => {
  const file = path.join(partsDir, `${source.name}.tsv`)
  const done = `${file}.json`
  if (fs.existsSync(done)) return { file, stats: JSON.parse(fs.readFileSync(done, "utf8")) }
  const input = source.input()
  if (!fs.existsSync(input) || !fs.existsSync(source.rules)) {
    log(`skip ${source.name}: ${fs.existsSync(input) ? source.rules : input} is missing`)
    return null
  }
  log(`${source.name}: ${path.basename(input)} × ${path.basename(source.rules)} ${source.flags.join(" ")}, 1 generation`)
  const run = spawnSync(PYTHON, [peerScript, input, source.rules, "1", `${file}.partial`, "--workers", options.workers, ...source.flags], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 26
  })
  if (run.status !== 0) throw new Error(`the peer failed on ${source.name} (exit ${run.status})`)
  const stats = JSON.parse(run.stdout.trim().split("\n").at(-1))
  fs.renameSync(`${file}.partial`, file)
  fs.writeFileSync(done, JSON.stringify(stats))
  log(`  ${stats.products.total} products in ${stats.elapsedSeconds.toFixed(0)} s`)
  return { file, stats }
}

const addKeys = async (file, keys) => {
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
  let added = 0
  for await (const line of lines) {
    const tab = line.indexOf("\t")
    const key = tab < 0 ? line : line.slice(0, tab)
    if (key && !keys.has(key)) {
      keys.add(key)
      added++
    }
  }
  return added
}

/** A seeded shuffle (mulberry32), so the same parts always give the same file. */
const shuffle = (items, seed) => {
  let state = seed >>> 0
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
  return items
}

const keys = new Set()
const used = []
for (const source of SOURCES) {
  if (keys.size >= target) break
  const result = productsOf(source)
  if (result === null) continue
  const added = await addKeys(result.file, keys)
  used.push({ name: source.name, rules: path.relative(repoRoot, source.rules), flags: source.flags, products: result.stats.products.total, newDistinct: added, seconds: result.stats.elapsedSeconds })
  log(`  ${source.name}: ${added} new distinct molecules, ${keys.size} in all`)
}
if (keys.size < target) {
  console.error(`only ${keys.size} distinct molecules from every source, fewer than the target ${target}`)
  process.exit(1)
}

const all = shuffle([...keys], Number(options.seed))
const outFile = path.join(outDir, "scale-input.smi")
const fd = fs.openSync(`${outFile}.partial`, "w")
const BLOCK = 50_000
for (let i = 0; i < all.length; i += BLOCK) {
  fs.writeSync(fd, all.slice(i, i + BLOCK).map((smiles, j) => `${smiles}\tS${i + j + 1}`).join("\n") + "\n")
}
fs.closeSync(fd)
fs.renameSync(`${outFile}.partial`, outFile)
fs.writeFileSync(
  path.join(outDir, "scale-input.json"),
  JSON.stringify({ file: outFile, molecules: all.length, target, seed: Number(options.seed), canonicalizedBy: "native RDKit (the peer)", sources: used }, null, 2) + "\n"
)
log(`wrote ${all.length} molecules to ${outFile}`)
