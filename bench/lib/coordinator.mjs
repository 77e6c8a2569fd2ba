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
 * 3. The same replay as the job would feed it: there most keys a runner sends are already seen (89M products
 *    from 48M expansions: 1.85 new per expansion, against the keys an expansion sends over the job, from 4.). So
 *    after the first copy only that share of each copy's products keeps its copy's hash; the others keep the first
 *    copy's, and the deduper finds them seen: received and looked up, but not written.
 * 4. What a runner core sends: the case's two generations, each run on RDKit in batches of a cluster run's size (a
 *    worker sends a key once per batch): keys handed to the deduper per worker-second. The job's expansions are
 *    mostly second-generation ones, which send fewer keys per second than the first's: weighted by the job's
 *    expansions per generation, this is the load a runner core puts on the coordinator, and the keys per CPU second
 *    of the coordinator's slower thread divided by it is the number of runner cores one coordinator feeds.
 *
 * Keys per second = keys handed to the deduper / the run's seconds (the summary's, which leave out start-up).
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Layer, Stream } from "effect"
import { startClusterDev } from "./cluster.mjs"
import { fmt } from "./stats.mjs"

const RECORD_WORKERS = 2
/**
 * First-generation parents, in input order, whose products are the second generation's sample: 300 polyphenols give
 * about 6,400 molecules, a few minutes on 2 workers (the whole second generation would take about half an hour).
 */
const SECOND_GENERATION_PARENTS = 300
/** The job: ~89M products from ~48M molecule expansions (13.79M rows, 2 generations). */
const JOB_NEW_PRODUCTS_PER_EXPANSION = 89e6 / 48e6
/** The job's expansions by generation: its 13.79M rows, then the rest of the ~48M, their first generation's products. */
const JOB_EXPANSIONS_BY_GENERATION = [13.79e6, 48e6 - 13.79e6]
/** A product repeats the first copy's when its hash's low word, modulo this, falls at or above its share of it. */
const SHARE_RESOLUTION = 10_000
/** Replay requests at once: replaying is a lookup, so a few keep the deduper's inbox full. */
const REPLAY_SIZE = 4
export const COPY_MARK = "|"
/** Linux's USER_HZ, the unit of /proc's CPU times, on every platform Node supports. */
const CLOCK_TICKS_PER_SECOND = 100

/**
 * The build's library, its cluster batch size (`defaults.clusterBatchSize`: the RDKit runs below use a cluster run's
 * batches, since a worker sends each key once per batch) and its coordinator's client threads under
 * `--cluster-client thread` (`defaults.clusterClientThreads`).
 */
const loadLibrary = async (molexpandMain) => {
  const dist = path.dirname(molexpandMain)
  const [lib, config] = await Promise.all([import(path.join(dist, "index.js")), import(path.join(dist, "config.js"))])
  return { ...lib, clusterBatchSize: config.defaults.clusterBatchSize, clusterClientThreads: config.defaults.clusterClientThreads }
}

/**
 * One run of `input` on RDKit (the engine `auto` picks) in a cluster run's batches, its engine changed by `around`
 * (the engine's shape in, the shape to use out): the summary, and its workers' CPU seconds.
 */
const onRdkit = async (lib, { input, rules, output }, around) => {
  const engine = (ruleSet, settings, chosen) =>
    Layer.effect(lib.Engine, Effect.map(Effect.service(lib.Engine), around)).pipe(Layer.provide(lib.nodeEngineFor(ruleSet, settings, chosen)))
  const settings = lib.settingsOf({ input, rules, workers: RECORD_WORKERS, batchSize: lib.clusterBatchSize, output, overwrite: true })
  const workerCpuBefore = childCpuSeconds()
  const { summary } = await Effect.runPromise(lib.expandEffect({ settings, layers: { engine } }))
  return { summary, workerCpuSeconds: childCpuSeconds() - workerCpuBefore }
}

/** Runs the case once with RDKit, keeping what the engine answered. */
const record = async (lib, { input, rules, output }) => {
  const canonical = new Map()
  const products = new Map()
  const { summary, workerCpuSeconds } = await onRdkit(lib, { input, rules, output }, (inner) => ({
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
  }))
  return { canonical, products, summary, workerCpuSeconds }
}

/** One generation of `input` on RDKit in a cluster run's batches: keys handed to the deduper, and their rate per worker. */
const runnerLoad = async (lib, { input, rules, output }) => {
  let keys = 0
  const { summary, workerCpuSeconds } = await onRdkit(lib, { input, rules, output }, (inner) => ({
    ...inner,
    expand: (parents, onChunk) => inner.expand(parents, (chunk) => Effect.andThen(Effect.sync(() => (keys += chunk.keys.length)), onChunk(chunk)))
  }))
  return loadOf(summary.inputs.valid, keys, summary.candidates, summary.elapsedSeconds, workerCpuSeconds)
}

/**
 * CPU seconds of this process's ended children: the native engine's worker processes, which a run's end waits for.
 * A worker's rate per CPU second is its rate on a core of its own, whatever else shares this machine.
 */
const childCpuSeconds = () => {
  const fields = statFields("/proc/self/stat")
  // cutime and cstime are fields 16 and 17 of stat; after the command's ") " they are the 14th and 15th.
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND
}

/** A /proc stat file's fields after the command's name, which may itself hold spaces. */
const statFields = (file) => fs.readFileSync(file, "utf8").split(") ")[1].split(" ")

/**
 * A generation's load. Per worker-second: per CPU second of the native engine's worker processes; with WebAssembly
 * workers (threads of this process, not counted apart) per second of the run, which a shared machine makes slower.
 */
const loadOf = (expansions, keys, candidates, seconds, workerCpuSeconds) => {
  const workerSeconds = workerCpuSeconds > 0 ? workerCpuSeconds : seconds * RECORD_WORKERS
  return {
    expansions,
    keys,
    candidates,
    seconds,
    workerCpuSeconds,
    workerSecondsFrom: workerCpuSeconds > 0 ? "CPU" : "elapsed",
    keysPerExpansion: keys / expansions,
    expansionsPerWorkerSecond: expansions / workerSeconds,
    keysPerWorkerSecond: keys / workerSeconds
  }
}

/** The job's load: its expansions of each generation at that generation's keys per expansion and per worker-second. */
const jobLoad = (generations) => {
  const expansions = JOB_EXPANSIONS_BY_GENERATION.reduce((sum, n) => sum + n, 0)
  const keys = generations.reduce((sum, g, i) => sum + JOB_EXPANSIONS_BY_GENERATION[i] * g.keysPerExpansion, 0)
  const workerSeconds = generations.reduce((sum, g, i) => sum + JOB_EXPANSIONS_BY_GENERATION[i] / g.expansionsPerWorkerSecond, 0)
  return { keysPerExpansion: keys / expansions, keysPerWorkerSecond: keys / workerSeconds, expansionsPerWorkerSecond: expansions / workerSeconds }
}

/**
 * The replaying engine: lookups only. Counts the keys it hands on. In this process for `--coordinator`, in each
 * replaying runner (`replayRunner.mjs`) for `--coordinator --over-cluster`.
 */
export const replayEngineShape = (lib, recorded, counter, chunkSize, newShare) =>
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
            const low = entry.hashes[2 * i + 1]
            const repeated = low % SHARE_RESOLUTION >= newShare * SHARE_RESOLUTION
            chunk.keys.push(key)
            chunk.hashes.push(entry.hashes[2 * i] ^ (repeated ? 0 : copy), low)
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
  const fields = statFields(`/proc/${pid}/task/${tid}/stat`)
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

const startReplayRunner = (molexpandMain, url, recordedFile, chunkSize, newShare) =>
  new Promise((resolve, reject) => {
    const args = [replayRunnerScript, molexpandMain, url, recordedFile, String(REPLAY_RUNNER_BATCHES), String(chunkSize), String(newShare)]
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] })
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

/**
 * One coordinator run on the cluster, as a process: its summary, its main thread's CPU seconds, and those of its
 * busiest other thread. That is a cluster client's (receiving its share of the keys) or Parquet's encoder (encoding
 * every new one): Linux names them all `node`, so the busiest stands for all.
 */
const coordinatorRun = async (molexpandMain, args) => {
  const child = spawn(process.execPath, [molexpandMain, ...args, "--overwrite", "--quiet"], { stdio: ["ignore", "ignore", "pipe"] })
  let text = ""
  child.stderr.on("data", (chunk) => (text += chunk.toString()))
  const threads = new Map()
  const sampler = setInterval(() => {
    try {
      for (const tid of fs.readdirSync(`/proc/${child.pid}/task`)) threads.set(tid, threadCpuSeconds(child.pid, tid))
    } catch {
      // Exiting: the last readings stand.
    }
  }, CPU_SAMPLE_MS)
  const code = await new Promise((resolve) => child.once("exit", resolve))
  clearInterval(sampler)
  if (code !== 0) throw new Error(`the coordinator exited with ${code}:\n${text}`)
  const mainThreadCpuSeconds = threads.get(String(child.pid)) ?? 0
  threads.delete(String(child.pid))
  return {
    mainThreadCpuSeconds,
    busiestOtherThreadCpuSeconds: Math.max(0, ...threads.values()),
    summary: JSON.parse(fs.readFileSync(path.join(args[args.indexOf("--output") + 1], "summary.json"), "utf8"))
  }
}

/** `--cluster-client` placements measured: the client on the main thread, and in threads of its own. */
const CLIENT_PLACES = ["main", "thread"]
const placeName = (place, clientThreads) => place === "main" ? "main thread" : `${clientThreads} threads of its own`

/** One placement's figures: CPU per key of each thread, start-up (a one-molecule run's) left out. */
const placeResult = (full, startup, keys) => {
  const mainThreadCpuPerKey = (full.mainThreadCpuSeconds - startup.mainThreadCpuSeconds) / keys
  const otherThreadCpuPerKey = (full.busiestOtherThreadCpuSeconds - startup.busiestOtherThreadCpuSeconds) / keys
  return {
    products: full.summary.products.total,
    elapsedSeconds: full.summary.elapsedSeconds,
    keysPerSecond: keys / full.summary.elapsedSeconds,
    moleculesPerSecond: full.summary.inputs.valid / full.summary.elapsedSeconds,
    mainThreadCpuSeconds: full.mainThreadCpuSeconds,
    startupMainThreadCpuSeconds: startup.mainThreadCpuSeconds,
    mainThreadKeysPerCpuSecond: 1 / mainThreadCpuPerKey,
    busiestOtherThreadCpuSeconds: full.busiestOtherThreadCpuSeconds,
    startupBusiestOtherThreadCpuSeconds: startup.busiestOtherThreadCpuSeconds,
    otherThreadKeysPerCpuSecond: 1 / otherThreadCpuPerKey,
    /** The slower of the two threads bounds the coordinator, each with a core of its own. */
    keysPerCpuSecond: 1 / Math.max(mainThreadCpuPerKey, otherThreadCpuPerKey)
  }
}

/**
 * The same replay with the products coming over the cluster's transport from replaying runners: what the
 * coordinator pays to receive them (Effect RPC, decoding, acknowledging), on top of reading, deduplicating and
 * writing; with the cluster client on the main thread and in threads of its own. The runners and PostgreSQL share
 * this machine's cores with it, so its keys/s is a floor; each thread's CPU per key, less a one-molecule run's
 * (start-up), gives the rate a coordinator with a core for each thread would reach.
 */
const overCluster = async ({ molexpandMain, clientThreads, rules, replayInput, recorded, keys, chunkSize, newShare, log, logDir }) => {
  const recordedFile = path.join(logDir, "recorded.json")
  fs.writeFileSync(recordedFile, recordedToJson(recorded))
  const oneLine = path.join(logDir, "replay-one.smi")
  fs.writeFileSync(oneLine, fs.readFileSync(replayInput, "utf8").split("\n")[0] + "\n")
  const dev = await startClusterDev(molexpandMain, 0)
  const runners = []
  try {
    for (let i = 0; i < REPLAY_RUNNERS; i++) runners.push(await startReplayRunner(molexpandMain, dev.url, recordedFile, chunkSize, newShare))
    const results = {}
    for (const place of CLIENT_PLACES) {
      const cluster = ["--cluster", dev.url, "--rules", rules, "--cluster-client", place]
      const full = await coordinatorRun(molexpandMain, [...cluster, "--input", replayInput, "--output", path.join(logDir, "replay-cluster")])
      const startup = await coordinatorRun(molexpandMain, [...cluster, "--input", oneLine, "--output", path.join(logDir, "replay-cluster-one")])
      results[place] = placeResult(full, startup, keys)
      log(`coordinator over the cluster, its client on ${placeName(place, clientThreads)}: ${fmt(results[place].keysPerSecond, 0)} keys/s sharing the machine; keys per CPU second: main thread ${fmt(results[place].mainThreadKeysPerCpuSecond, 0)}, busiest other thread ${fmt(results[place].otherThreadKeysPerCpuSecond, 0)}`)
    }
    return { runners: REPLAY_RUNNERS, batchesPerRunner: REPLAY_RUNNER_BATCHES, clientThreads, ...results }
  } finally {
    for (const runner of runners) runner.kill("SIGKILL")
    await dev.stop()
  }
}


/** The replay through this process's pipeline: keys per second, and per CPU second of its main thread. */
const alone = async (lib, { recorded, replayInput, rules, newShare, logDir }) => {
  const counter = { keys: 0 }
  const cpuBefore = process.cpuUsage()
  const settings = lib.settingsOf({ input: replayInput, rules, output: path.join(logDir, "replay"), overwrite: true })
  const mainBefore = threadCpuSeconds(process.pid)
  const replaying = () => Layer.succeed(lib.Engine, replayEngineShape(lib, recorded, counter, settings.chunkSize, newShare))
  const outcome = await Effect.runPromise(lib.expandEffect({ settings, layers: { engine: replaying } }))
  const mainThreadCpuSeconds = threadCpuSeconds(process.pid) - mainBefore
  const cpu = process.cpuUsage(cpuBefore)
  const summary = outcome.summary
  return {
    chunkSize: settings.chunkSize,
    molecules: summary.inputs.valid,
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
}

export const runCoordinatorBench = async ({ molexpandMain, input, rules, copies, log, logDir }) => {
  const lib = await loadLibrary(molexpandMain)
  log(`recording ${path.basename(input)} with RDKit (${RECORD_WORKERS} workers)`)
  const recorded = await record(lib, { input, rules, output: path.join(logDir, "record") })
  const recordedKeys = [...recorded.products.values()].reduce((total, e) => total + e.keys.length, 0)
  const keysPerMolecule = recordedKeys / recorded.summary.inputs.valid
  const lines = fs.readFileSync(input, "utf8").split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"))
  const firstGeneration = loadOf(recorded.summary.inputs.valid, recordedKeys, recorded.summary.candidates, recorded.summary.elapsedSeconds, recorded.workerCpuSeconds)
  const secondInput = path.join(logDir, "second-generation.smi")
  const sampled = new Set(lines.slice(0, SECOND_GENERATION_PARENTS).flatMap((line) => recorded.products.get(recorded.canonical.get(line.split(/\s+/)[0])?.[0])?.keys ?? []))
  fs.writeFileSync(secondInput, [...sampled].join("\n") + "\n")
  log(`the second generation's load: ${sampled.size} products of the first ${SECOND_GENERATION_PARENTS} inputs, on RDKit (${RECORD_WORKERS} workers)`)
  const secondGeneration = await runnerLoad(lib, { input: secondInput, rules, output: path.join(logDir, "second-generation") })
  const job = jobLoad([firstGeneration, secondGeneration])
  log(`a runner core sends ${fmt(firstGeneration.keysPerWorkerSecond, 0)} keys/s in generation 1, ${fmt(secondGeneration.keysPerWorkerSecond, 0)} in generation 2: ${fmt(job.keysPerWorkerSecond, 0)} over the job`)
  const replayInput = path.join(logDir, "replay-input.smi")
  fs.writeFileSync(replayInput, Array.from({ length: copies }, (_, copy) =>
    lines.map((line) => line.replace(/^(\S+)/, `$1${COPY_MARK}${copy}`)).join("\n")).join("\n") + "\n")
  const mixes = [
    { name: "every key new", newShare: 1 },
    { name: "as the job", newShare: Math.min(1, JOB_NEW_PRODUCTS_PER_EXPANSION / job.keysPerExpansion) }
  ]
  const measured = []
  for (const mix of mixes) {
    log(`replaying ${copies} copies (${lines.length * copies} molecules, ${fmt(keysPerMolecule)} keys per molecule), ${mix.name}: ${fmt(100 * mix.newShare)}% of a later copy's keys new`)
    const result = await alone(lib, { recorded, replayInput, rules, newShare: mix.newShare, logDir })
    log(`coordinator alone: ${fmt(result.keysPerSecond, 0)} keys/s, ${fmt(result.productsPerSecond, 0)} products/s, ${fmt(result.moleculesPerSecond, 0)} molecules/s; main thread ${fmt(result.keys / result.mainThreadCpuSeconds, 0)} keys per CPU second`)
    const overClusterResult = await overCluster({ molexpandMain, clientThreads: lib.clusterClientThreads, rules, replayInput, recorded, keys: result.keys, chunkSize: result.chunkSize, newShare: mix.newShare, log, logDir })
    measured.push({ ...mix, ...result, overCluster: overClusterResult })
  }
  return {
    input,
    rules,
    copies,
    keysPerMolecule,
    jobNewProductsPerExpansion: JOB_NEW_PRODUCTS_PER_EXPANSION,
    runnerLoad: { batchSize: lib.clusterBatchSize, workers: RECORD_WORKERS, secondGenerationParents: SECOND_GENERATION_PARENTS, jobExpansionsByGeneration: JOB_EXPANSIONS_BY_GENERATION, generations: [firstGeneration, secondGeneration], job },
    mixes: measured
  }
}

export const coordinatorReportLines = (c) => {
  const load = c.runnerLoad
  const cores = (keysPerSecond) => fmt(keysPerSecond / load.job.keysPerWorkerSecond, 0)
  const o = c.mixes[0].overCluster
  const generationRow = (name, g) =>
    `| ${name} | ${g.expansions} | ${g.candidates} | ${g.keys} | ${fmt(g.keysPerExpansion)} | ${fmt(g.seconds)} | ${g.workerSecondsFrom === "CPU" ? fmt(g.workerCpuSeconds) : "–"} | ${fmt(g.expansionsPerWorkerSecond)} | ${fmt(g.keysPerWorkerSecond, 0)} |`
  return [
    "## What a runner core sends",
    "",
    `\`${path.basename(c.input)}\`, rules \`${path.basename(c.rules)}\`, on RDKit with ${load.workers} workers in batches of ${load.batchSize} (a cluster run's; a worker sends a key once per batch). Generation 1: every input. Generation 2: the ${load.generations[1].expansions} first-generation products of the first ${load.secondGenerationParents} inputs. The job: ${load.jobExpansionsByGeneration.map((n) => fmt(n / 1e6, 2) + "M").join(" and ")} expansions in its two generations, each at its generation's rates.`,
    "",
    `| generation | expansions | candidates | keys sent | keys per expansion | s | workers' CPU s | expansions per worker-second | keys per worker-second |`,
    "|---|---|---|---|---|---|---|---|---|",
    generationRow("1", load.generations[0]),
    generationRow("2 (sample)", load.generations[1]),
    `| the job, weighted | ${fmt(load.jobExpansionsByGeneration.reduce((a, b) => a + b, 0) / 1e6, 2)}M | | | ${fmt(load.job.keysPerExpansion)} | | | ${fmt(load.job.expansionsPerWorkerSecond)} | **${fmt(load.job.keysPerWorkerSecond, 0)}** |`,
    "",
    load.generations.every((g) => g.workerSecondsFrom === "CPU")
      ? "A worker-second is a CPU second of the native engine's worker processes: a worker's rate on a core of its own, however loaded this machine was."
      : "A worker-second is a second of the run per worker (WebAssembly workers are threads of the run's process, not counted apart): on a loaded machine this understates a worker's rate, and so overstates the cores a coordinator feeds.",
    "",
    "## The coordinator alone",
    "",
    `\`${path.basename(c.input)}\` × ${c.copies} copies (${c.mixes[0].molecules} molecules, ${fmt(c.keysPerMolecule)} keys sent per molecule), replayed through reading, deduplication (exact) and writing, no RDKit, twice: every key new (each copy's hashes differ), and as the issue's job would feed it (${fmt(c.jobNewProductsPerExpansion)} new products per expansion, of the ${fmt(c.runnerLoad.job.keysPerExpansion)} keys an expansion sends over the job: after the first copy, only that share of the keys is new, the rest are seen and not written). Parquet is encoded in a thread of its own; "main thread" is the coordinator's other work (reading, deduplicating, building rows, receiving), whose CPU seconds per key bound what one coordinator takes when that thread has a core to itself.`,
    "",
    `Alone: in this process. Over the cluster: the same replay, its products sent by ${o.runners} replaying runners (\`bench/lib/replayRunner.mjs\`, ${o.batchesPerRunner} batches at once each) through Effect Cluster to a coordinator process, with PostgreSQL, runners and coordinator sharing this machine, its cluster client (sockets, RPC, decoding the runners' messages) on the main thread or in ${o.clientThreads} threads of its own, each receiving its share of the batches (\`--cluster-client main|thread\`). Each thread's CPU less a one-molecule run's (start-up) is measured for the main thread and for the busiest other thread (a client's or Parquet's encoder: Linux names both \`node\`), and the slower of the two bounds the coordinator when each has a core.`,
    "",
    "| keys | keys new | products written | alone s | alone keys/s | alone keys per main-thread CPU s | cluster client | over the cluster s | over the cluster keys/s | main thread CPU s (start-up) | busiest other thread CPU s (start-up) | keys per CPU s: main / other thread | runner cores fed |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...c.mixes.flatMap((m) =>
      CLIENT_PLACES.map((place) => {
        const p = m.overCluster[place]
        return `| ${m.keys} | ${m.name} (${fmt(100 * m.newShare)}% after the first copy) | ${m.products} | ${fmt(m.elapsedSeconds)} | ${fmt(m.keysPerSecond, 0)} | ${fmt(m.keys / m.mainThreadCpuSeconds, 0)} | ${placeName(place, o.clientThreads)} | ${fmt(p.elapsedSeconds)} | ${fmt(p.keysPerSecond, 0)} | ${fmt(p.mainThreadCpuSeconds)} (${fmt(p.startupMainThreadCpuSeconds)}) | ${fmt(p.busiestOtherThreadCpuSeconds)} (${fmt(p.startupBusiestOtherThreadCpuSeconds)}) | ${fmt(p.mainThreadKeysPerCpuSecond, 0)} / ${fmt(p.otherThreadKeysPerCpuSecond, 0)} | **${cores(p.keysPerCpuSecond)}** |`
      })
    ),
    "",
    `Runner cores fed: keys per CPU second of the slower thread over the cluster ÷ ${fmt(load.job.keysPerWorkerSecond, 0)} keys a runner core sends a second over the job (above).`,
    ""
  ]
}
