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
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Layer, Stream } from "effect"
import { startClusterDev } from "./cluster.mjs"
import { fmt } from "./stats.mjs"

const RECORD_WORKERS = 2
/** Replay requests at once: replaying is a lookup, so a few keep the deduper's inbox full. */
const REPLAY_SIZE = 4
export const COPY_MARK = "|"
/** Linux's USER_HZ, the unit of /proc's CPU times, on every platform Node supports. */
const CLOCK_TICKS_PER_SECOND = 100

const loadLibrary = (molexpandMain) => import(path.join(path.dirname(molexpandMain), "index.js"))

/** Runs the case once with RDKit, keeping what the engine answered. */
const record = async (lib, { input, rules, output }) => {
  const canonical = new Map()
  const products = new Map()
  const recording = (ruleSet, settings, engine) =>
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
    }))).pipe(Layer.provide(lib.nodeEngineFor(ruleSet, settings, engine)))
  const settings = lib.settingsOf({ input, rules, workers: RECORD_WORKERS, output, overwrite: true })
  const outcome = await Effect.runPromise(lib.expandEffect({ settings, layers: { engine: recording } }))
  return { canonical, products, summary: outcome.summary }
}

/**
 * The replaying engine: lookups only. Counts the keys it hands on. In this process for `--coordinator`, in each
 * replaying runner (`replayRunner.mjs`) for `--coordinator --over-cluster`.
 */
export const replayEngineShape = (lib, recorded, counter, chunkSize) =>
  lib.Engine.of({
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
    // Products go out in chunks of up to `chunkSize`, across the batch's molecules, as a worker sends them.
    expand: (keys, onChunk) =>
      Effect.suspend(() => {
        const chunks = []
        let chunk = emptyChunk()
        keys.forEach((marked, index) => {
          const at = marked.lastIndexOf(COPY_MARK)
          const copy = Number(marked.slice(at + 1))
          const entry = recorded.products.get(marked.slice(0, at))
          if (entry === undefined) return
          counter.keys += entry.keys.length
          chunk.candidates += entry.candidates
          chunk.invalidCandidates += entry.invalidCandidates
          entry.keys.forEach((key, i) => {
            chunk.keys.push(key)
            chunk.hashes.push(entry.hashes[2 * i] ^ copy, entry.hashes[2 * i + 1])
            chunk.parents.push(index)
            chunk.rules.push(entry.rules[i])
            if (chunk.keys.length === chunkSize) {
              chunks.push(chunk)
              chunk = emptyChunk()
            }
          })
        })
        if (chunk.keys.length > 0 || chunks.length === 0) chunks.push(chunk)
        return Effect.forEach(chunks, (c, i) =>
          onChunk({
            _tag: "Chunk",
            requestId: 0,
            keys: c.keys,
            hashes: Uint32Array.from(c.hashes),
            parents: Uint32Array.from(c.parents),
            rules: Uint16Array.from(c.rules),
            // The case has no filters: every product passes.
            verdicts: new Uint8Array(c.keys.length),
            candidates: c.candidates,
            invalidCandidates: c.invalidCandidates,
            failures: [],
            last: i === chunks.length - 1
          }), { discard: true })
      })
  })

const emptyChunk = () => ({ keys: [], hashes: [], parents: [], rules: [], candidates: 0, invalidCandidates: 0 })

/** What was recorded, as JSON for the replaying runners, and back. */
export const recordedToJson = (recorded) => JSON.stringify({ canonical: [...recorded.canonical], products: [...recorded.products] })
export const recordedFromJson = (text) => {
  const { canonical, products } = JSON.parse(text)
  return { canonical: new Map(canonical), products: new Map(products) }
}

/** CPU seconds a thread has used so far (user + system, from /proc): a process's main thread is the one whose id is the pid. */
export const threadCpuSeconds = (pid, tid = pid) => {
  const fields = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1].split(" ")
  // utime and stime are fields 14 and 15 of stat; after the command's ") " they are the 12th and 13th.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND
}

/**
 * Replaying runners for the measurement over the cluster's transport, and the batches each takes at once: two
 * processes of a few batches keep the coordinator's inbox full, as many machines of RDKit workers would.
 */
const REPLAY_RUNNERS = 2
const REPLAY_RUNNER_BATCHES = 4
/** How often the coordinator's main-thread CPU is read while it runs; the last reading before it exits counts. */
const CPU_SAMPLE_MS = 50
/** How long the replaying runners may take to serve, on a loaded machine. */
const RUNNER_START_TIMEOUT_MS = 60_000
const replayRunnerScript = fileURLToPath(new URL("./replayRunner.mjs", import.meta.url))

const startReplayRunner = (molexpandMain, url, recordedFile, chunkSize) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [replayRunnerScript, molexpandMain, url, recordedFile, String(REPLAY_RUNNER_BATCHES), String(chunkSize)], { stdio: ["ignore", "ignore", "pipe"] })
    let text = ""
    const timer = setTimeout(() => reject(new Error(`a replaying runner did not serve in ${RUNNER_START_TIMEOUT_MS} ms:\n${text}`)), RUNNER_START_TIMEOUT_MS)
    child.stderr.on("data", (chunk) => {
      text += chunk.toString()
      if (text.includes(": serving with")) {
        clearTimeout(timer)
        resolve(child)
      }
    })
    child.once("exit", (code) => reject(new Error(`a replaying runner exited with ${code}:\n${text}`)))
  })

/** One coordinator run on the cluster, as a process: its summary and its main thread's CPU seconds. */
const coordinatorRun = async (molexpandMain, args) => {
  const child = spawn(process.execPath, [molexpandMain, ...args, "--overwrite", "--quiet"], { stdio: ["ignore", "ignore", "pipe"] })
  let text = ""
  child.stderr.on("data", (chunk) => (text += chunk.toString()))
  let mainThreadCpuSeconds = 0
  const sampler = setInterval(() => {
    try {
      mainThreadCpuSeconds = threadCpuSeconds(child.pid)
    } catch {
      // Exiting: the last reading stands.
    }
  }, CPU_SAMPLE_MS)
  const code = await new Promise((resolve) => child.once("exit", resolve))
  clearInterval(sampler)
  if (code !== 0) throw new Error(`the coordinator exited with ${code}:\n${text}`)
  return { mainThreadCpuSeconds, summary: JSON.parse(fs.readFileSync(path.join(args[args.indexOf("--output") + 1], "summary.json"), "utf8")) }
}

/**
 * The same replay with the products coming over the cluster's transport from replaying runners: what the
 * coordinator pays to receive them (Effect RPC, decoding, acknowledging), on top of reading, deduplicating and
 * writing. The runners and PostgreSQL share this machine's cores with it, so its keys/s is a floor; its main
 * thread's CPU per key, less a one-molecule run's (start-up), gives the rate a coordinator with a core for that
 * thread would reach.
 */
const overCluster = async ({ molexpandMain, rules, replayInput, recorded, keys, chunkSize, log, logDir }) => {
  const recordedFile = path.join(logDir, "recorded.json")
  fs.writeFileSync(recordedFile, recordedToJson(recorded))
  const oneLine = path.join(logDir, "replay-one.smi")
  fs.writeFileSync(oneLine, fs.readFileSync(replayInput, "utf8").split("\n")[0] + "\n")
  const dev = await startClusterDev(molexpandMain, 0)
  const runners = []
  try {
    for (let i = 0; i < REPLAY_RUNNERS; i++) runners.push(await startReplayRunner(molexpandMain, dev.url, recordedFile, chunkSize))
    const cluster = ["--cluster", dev.url, "--rules", rules]
    const full = await coordinatorRun(molexpandMain, [...cluster, "--input", replayInput, "--output", path.join(logDir, "replay-cluster")])
    const startup = await coordinatorRun(molexpandMain, [...cluster, "--input", oneLine, "--output", path.join(logDir, "replay-cluster-one")])
    const mainThreadCpuPerKey = (full.mainThreadCpuSeconds - startup.mainThreadCpuSeconds) / keys
    const result = {
      runners: REPLAY_RUNNERS,
      batchesPerRunner: REPLAY_RUNNER_BATCHES,
      products: full.summary.products.total,
      elapsedSeconds: full.summary.elapsedSeconds,
      keysPerSecond: keys / full.summary.elapsedSeconds,
      moleculesPerSecond: full.summary.inputs.valid / full.summary.elapsedSeconds,
      mainThreadCpuSeconds: full.mainThreadCpuSeconds,
      startupMainThreadCpuSeconds: startup.mainThreadCpuSeconds,
      mainThreadKeysPerCpuSecond: 1 / mainThreadCpuPerKey
    }
    log(`coordinator over the cluster: ${fmt(result.keysPerSecond, 0)} keys/s sharing the machine; main thread ${fmt(result.mainThreadKeysPerCpuSecond, 0)} keys per CPU second`)
    return result
  } finally {
    for (const runner of runners) runner.kill("SIGKILL")
    await dev.stop()
  }
}

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
  const mainBefore = threadCpuSeconds(process.pid)
  const replaying = () => Layer.succeed(lib.Engine, replayEngineShape(lib, recorded, counter, settings.chunkSize))
  const outcome = await Effect.runPromise(lib.expandEffect({ settings, layers: { engine: replaying } }))
  const mainThreadCpuSeconds = threadCpuSeconds(process.pid) - mainBefore
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
    mainThreadCpuSeconds,
    keysPerSecond: counter.keys / summary.elapsedSeconds,
    productsPerSecond: summary.productsPerSecond,
    moleculesPerSecond: summary.inputs.valid / summary.elapsedSeconds,
    peakRssBytes: summary.peakRssBytes
  }
  log(`coordinator alone: ${fmt(result.keysPerSecond, 0)} keys/s, ${fmt(result.productsPerSecond, 0)} products/s, ${fmt(result.moleculesPerSecond, 0)} molecules/s; main thread ${fmt(counter.keys / mainThreadCpuSeconds, 0)} keys per CPU second`)
  return { ...result, overCluster: await overCluster({ molexpandMain, rules, replayInput, recorded, keys: counter.keys, chunkSize: settings.chunkSize, log, logDir }) }
}

export const coordinatorReportLines = (c, perWorker) => {
  const cores = (keysPerSecond) => keysPerSecond / c.keysPerMolecule / perWorker
  const o = c.overCluster
  return [
    "## The coordinator alone",
    "",
    `\`${path.basename(c.input)}\` × ${c.copies} copies (${c.molecules} molecules, ${fmt(c.keysPerMolecule)} candidate keys per molecule), replayed through reading, deduplication (exact) and writing, no RDKit. Parquet is encoded in a thread of its own; "main thread" is the coordinator's other work (reading, deduplicating, building rows, receiving), whose CPU seconds per key bound what one coordinator takes when that thread has a core to itself.`,
    "",
    "| molecules | keys | products written | seconds | CPU s (all threads) | main thread CPU s | keys/s | products/s | molecules/s | keys per main-thread CPU second |",
    "|---|---|---|---|---|---|---|---|---|---|",
    `| ${c.molecules} | ${c.keys} | ${c.products} | ${fmt(c.elapsedSeconds)} | ${fmt(c.cpuSeconds)} | ${fmt(c.mainThreadCpuSeconds)} | ${fmt(c.keysPerSecond, 0)} | ${fmt(c.productsPerSecond, 0)} | ${fmt(c.moleculesPerSecond, 0)} | ${fmt(c.keys / c.mainThreadCpuSeconds, 0)} |`,
    "",
    ...(o === undefined
      ? []
      : [
        `Over the cluster's transport: the same replay, its products sent by ${o.runners} replaying runners (\`bench/lib/replayRunner.mjs\`, ${o.batchesPerRunner} batches at once each) through Effect Cluster to a coordinator process, PostgreSQL, runners and coordinator sharing this machine: **${fmt(o.keysPerSecond, 0)} keys/s** (${fmt(o.moleculesPerSecond, 0)} molecules/s, ${fmt(o.elapsedSeconds)} s, ${o.products} products), the coordinator's main thread ${fmt(o.mainThreadCpuSeconds)} CPU s (${fmt(o.startupMainThreadCpuSeconds)} of them start-up, from a one-molecule run): **${fmt(o.mainThreadKeysPerCpuSecond, 0)} keys per main-thread CPU second**.`,
        ""
      ]),
    ...(perWorker === undefined
      ? []
      : [
        `At ${fmt(perWorker)} molecules/s per runner core (a local worker's rate on this case) and ${fmt(c.keysPerMolecule)} keys per molecule, one coordinator takes the output of about **${fmt(cores(c.keysPerSecond), 0)} runner cores** as measured alone on this machine${o === undefined ? "" : `, and **${fmt(cores(o.mainThreadKeysPerCpuSecond), 0)}** receiving them over the cluster with a core for its main thread`}.`,
        ""
      ])
  ]
}
