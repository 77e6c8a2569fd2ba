/**
 * `bench/run.mjs --coordinator`: the coordinator alone, the part of a run a cluster does not spread: reading,
 * deduplicating and writing. Its engine replays products recorded from a real run instead of running RDKit, so the
 * run goes as fast as the coordinator can take keys.
 *
 * 1. Record: one real run of the case (RDKit on 2 worker threads) through an engine layer that passes everything on
 *    and keeps each input's key and each parent's product keys, hashes and rules (and its candidate counts).
 * 2. Replay: `copies` copies of the input, each line's SMILES marked with its copy (`SMILES|c`). The replay engine
 *    answers a marked SMILES with the recorded key, marked likewise, and a marked parent with the recorded products,
 *    their hashes XORed with the copy number: every copy's keys are new to the seen set, as a larger library's
 *    would be, and every one is written. Nothing is computed but a lookup and an XOR per key.
 *
 * Keys per second = candidate keys handed to the deduper / the run's seconds (the summary's, which leave out start-up).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Layer, Stream } from "effect"
import { fmt } from "./stats.mjs"

const RECORD_WORKERS = 2
/** Replay requests at once: replaying is a lookup, so a few keep the deduper's inbox full. */
const REPLAY_SIZE = 4
const COPY_MARK = "|"

const loadLibrary = (molexpandMain) => import(path.join(path.dirname(molexpandMain), "index.js"))

/** Runs the case once with RDKit, keeping what the engine answered. */
const record = async (lib, { input, rules, output }) => {
  const canonical = new Map()
  const products = new Map()
  const recording = (ruleSet, settings) =>
    Layer.effect(lib.Engine, Effect.map(Effect.service(lib.Engine), (inner) => ({
      ...inner,
      canonicalize: (smiles) =>
        Effect.tap(inner.canonicalize(smiles), (answer) =>
          Effect.sync(() => smiles.forEach((s, i) => canonical.set(s, [answer.keys[i], answer.reasons[i], answer.hashes[2 * i], answer.hashes[2 * i + 1]])))),
      expand: (keys, onChunk) =>
        inner.expand(keys, (chunk) => {
          chunk.keys.forEach((key, i) => {
            const parent = keys[chunk.parents[i]]
            const entry = products.get(parent) ?? { keys: [], hashes: [], rules: [], candidates: 0, invalidCandidates: 0 }
            entry.keys.push(key)
            entry.hashes.push(chunk.hashes[2 * i], chunk.hashes[2 * i + 1])
            entry.rules.push(chunk.rules[i])
            products.set(parent, entry)
          })
          // A chunk's counts cover the molecules it closes; they are filed under its first product's parent.
          const first = chunk.keys.length > 0 ? keys[chunk.parents[0]] : keys[0]
          const entry = products.get(first) ?? { keys: [], hashes: [], rules: [], candidates: 0, invalidCandidates: 0 }
          entry.candidates += chunk.candidates
          entry.invalidCandidates += chunk.invalidCandidates
          products.set(first, entry)
          return onChunk(chunk)
        })
    }))).pipe(Layer.provide(lib.nodeEngineFor(ruleSet, settings)))
  const settings = lib.settingsOf({ input, rules, workers: RECORD_WORKERS, output, overwrite: true })
  const outcome = await Effect.runPromise(lib.expandEffect({ settings, layers: { engine: recording } }))
  return { canonical, products, summary: outcome.summary }
}

/** The replaying engine: lookups only. Counts the keys it hands on. */
const replayEngine = (lib, recorded, counter) => () =>
  Layer.succeed(lib.Engine, lib.Engine.of({
    size: REPLAY_SIZE,
    capacity: () => REPLAY_SIZE,
    waiting: () => undefined,
    notices: Stream.empty,
    report: () => ({ kind: "threads", workers: REPLAY_SIZE, rdkit: "replayed" }),
    depict: () => Effect.succeed(new Map()),
    canonicalize: (smiles) =>
      Effect.sync(() => {
        const keys = []
        const reasons = []
        const hashes = new Uint32Array(smiles.length * 2)
        smiles.forEach((marked, i) => {
          const at = marked.lastIndexOf(COPY_MARK)
          const copy = Number(marked.slice(at + 1))
          const [key, reason, high, low] = recorded.canonical.get(marked.slice(0, at))
          keys.push(key === null ? null : `${key}${COPY_MARK}${copy}`)
          reasons.push(reason)
          hashes[2 * i] = high ^ copy
          hashes[2 * i + 1] = low
        })
        return { _tag: "Canonicalized", requestId: 0, keys, reasons, hashes }
      }),
    expand: (keys, onChunk) =>
      Effect.forEach(keys, (marked, index) => {
        const at = marked.lastIndexOf(COPY_MARK)
        const copy = Number(marked.slice(at + 1))
        const entry = recorded.products.get(marked.slice(0, at))
        if (entry === undefined) return Effect.void
        const hashes = Uint32Array.from(entry.hashes)
        for (let i = 0; i < hashes.length; i += 2) hashes[i] ^= copy
        counter.keys += entry.keys.length
        return onChunk({
          _tag: "Chunk",
          requestId: 0,
          keys: entry.keys,
          hashes,
          parents: new Uint32Array(entry.keys.length).fill(index),
          rules: Uint16Array.from(entry.rules),
          candidates: entry.candidates,
          invalidCandidates: entry.invalidCandidates,
          failures: [],
          last: index === keys.length - 1
        })
      }, { discard: true })
  }))

export const runCoordinatorBench = async ({ molexpandMain, input, rules, copies, log, logDir }) => {
  const lib = await loadLibrary(molexpandMain)
  log(`recording ${path.basename(input)} with RDKit (${RECORD_WORKERS} workers)`)
  const recorded = await record(lib, { input, rules, output: path.join(logDir, "record") })
  const keysPerMolecule = [...recorded.products.values()].reduce((total, e) => total + e.keys.length, 0) / recorded.summary.inputs.valid
  const replayInput = path.join(logDir, "replay-input.smi")
  const lines = fs.readFileSync(input, "utf8").split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"))
  fs.writeFileSync(replayInput, Array.from({ length: copies }, (_, copy) =>
    lines.map((line) => line.replace(/^(\S+)/, `$1${COPY_MARK}${copy}`)).join("\n")).join("\n") + "\n")
  log(`replaying ${copies} copies (${lines.length * copies} molecules, ${fmt(keysPerMolecule)} keys per molecule)`)
  const counter = { keys: 0 }
  const cpuBefore = process.cpuUsage()
  const settings = lib.settingsOf({ input: replayInput, rules, output: path.join(logDir, "replay"), overwrite: true })
  const outcome = await Effect.runPromise(lib.expandEffect({ settings, layers: { engine: replayEngine(lib, recorded, counter) } }))
  const cpu = process.cpuUsage(cpuBefore)
  const summary = outcome.summary
  const result = {
    input,
    rules,
    copies,
    molecules: summary.inputs.valid,
    keysPerMolecule,
    keys: counter.keys,
    products: summary.products.total,
    elapsedSeconds: summary.elapsedSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    keysPerSecond: counter.keys / summary.elapsedSeconds,
    productsPerSecond: summary.productsPerSecond,
    moleculesPerSecond: summary.inputs.valid / summary.elapsedSeconds,
    peakRssBytes: summary.peakRssBytes
  }
  log(`coordinator alone: ${fmt(result.keysPerSecond, 0)} keys/s, ${fmt(result.productsPerSecond, 0)} products/s, ${fmt(result.moleculesPerSecond, 0)} molecules/s`)
  return result
}

export const coordinatorReportLines = (c, perWorker) => [
  "## The coordinator alone",
  "",
  `\`${path.basename(c.input)}\` × ${c.copies} copies (${c.molecules} molecules, ${fmt(c.keysPerMolecule)} candidate keys per molecule), replayed through reading, deduplication (exact) and writing, no RDKit.`,
  "",
  "| molecules | keys | products written | seconds | CPU s | keys/s | products/s | molecules/s |",
  "|---|---|---|---|---|---|---|---|",
  `| ${c.molecules} | ${c.keys} | ${c.products} | ${fmt(c.elapsedSeconds)} | ${fmt(c.cpuSeconds)} | ${fmt(c.keysPerSecond, 0)} | ${fmt(c.productsPerSecond, 0)} | ${fmt(c.moleculesPerSecond, 0)} |`,
  "",
  ...(perWorker === undefined
    ? []
    : [`At ${fmt(perWorker)} molecules/s per runner core (a local worker's rate on this case), one coordinator takes the output of about **${fmt(c.moleculesPerSecond / perWorker, 0)} runner cores**.`, ""])
]
