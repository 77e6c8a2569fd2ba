/**
 * A cluster runner whose batches replay recorded products instead of running RDKit (`coordinator.mjs`), for
 * `bench/run.mjs --coordinator`: it answers as fast as the cluster's transport goes, so the coordinator is fed
 * more than RDKit on this machine could feed it. It claims the coordinator's RDKit (the engine `auto` picks here),
 * since a runner of another is refused.
 *
 *   node bench/lib/replayRunner.mjs MOLEXPAND_MAIN CLUSTER_URL RECORDED_JSON WORKERS CHUNK_SIZE [NEW_SHARE]
 *
 * NEW_SHARE (default 1): the share of a copy's products that are new to the seen set (`coordinator.mjs`).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { recordedFromJson, replayEngineShape } from "./coordinator.mjs"

/** Far above what replaying needs: the runner's governor must not hold batches back. */
const TARGET_MEMORY_PERCENT = 90
const CRITICAL_MEMORY_PERCENT = 95
const POLL_MS = 500

const [molexpandMain, url, recordedFile, workers, chunkSize, newShare = "1"] = process.argv.slice(2)
const dist = path.dirname(molexpandMain)
const lib = await import(path.join(dist, "index.js"))
const { runRunner } = await import(path.join(dist, "engine/cluster/runner.js"))
const { parseClusterUrl } = await import(path.join(dist, "engine/cluster/connection.js"))
const { chooseEngine } = await import(path.join(dist, "engine/choice.js"))

const shape = replayEngineShape(lib, recordedFromJson(fs.readFileSync(recordedFile, "utf8")), { keys: 0 }, Number(chunkSize), Number(newShare))
const chosen = chooseEngine("auto")
await Effect.runPromise(Effect.flatMap(parseClusterUrl(url), (db) =>
  runRunner({
    db,
    workers: Number(workers),
    engine: chosen.engine,
    listen: { host: "127.0.0.1", port: 0 },
    targetMemory: TARGET_MEMORY_PERCENT,
    criticalMemory: CRITICAL_MEMORY_PERCENT,
    pollMs: POLL_MS,
    log: (line) => process.stderr.write(`${line}\n`),
    engineFor: () => Effect.succeed(shape)
  })))
