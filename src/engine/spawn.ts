/**
 * How the pool (`NodeEngine.ts`) starts a worker, for either engine: a WebAssembly worker is a thread (its trap is
 * caught, and a thread costs less than a process), a native worker a child process (`native/spawnProcess.ts`).
 * Either way the pool sees the same handle: a way to send, a way to stop, and the worker's progress (busy or not, the
 * molecule, since when), which the worker keeps up to date.
 */
import { Worker } from "node:worker_threads"
import { compiledEntry } from "../compiledEntry.js"
import { defaults } from "../config.js"
import type { CompiledRDKit } from "./rdkit.js"
import type { FromWorker, ToWorker, WorkerData, WorkerSettings } from "./protocol.js"
import { progressBusy, progressIndex } from "./protocol.js"

export interface WorkerEvents {
  readonly onMessage: (message: FromWorker) => void
  /** The worker died, or could not start; called at most once. */
  readonly onCrash: (reason: string) => void
}

export interface WorkerHandle {
  readonly post: (message: ToWorker) => void
  /** Stops the worker at once, wherever it is, and resolves when it is gone. */
  readonly terminate: () => Promise<void>
  /** `[busy (1) or waiting (0), index of the current molecule]` */
  readonly progress: Int32Array
  /** When the current molecule started (milliseconds since the epoch). */
  readonly startedAt: Float64Array
}

export type Spawn = (events: WorkerEvents) => WorkerHandle

/** `onCrash` for a worker that may report its end twice (an error, then its exit): the first reason counts. */
export const crashOnce = (events: WorkerEvents): ((reason: string) => void) => {
  let crashed = false
  return (reason) => {
    if (crashed) return
    crashed = true
    events.onCrash(reason)
  }
}

/** What every thread of a WebAssembly pool shares: the key cache and RDKit's compiled WebAssembly. */
export interface PoolShared {
  readonly keyCache: SharedArrayBuffer
  readonly rdkit: CompiledRDKit
}

/** WebAssembly RDKit workers: threads that report progress through shared memory. */
export const threadSpawner = (settings: WorkerSettings, shared: PoolShared): Spawn => (events) => {
  const progress = { state: new SharedArrayBuffer(8), startedAt: new SharedArrayBuffer(8) }
  const data: WorkerData = { settings, progress, ...shared }
  const worker = new Worker(compiledEntry(import.meta.url, "workerMain.js"), {
    workerData: data,
    resourceLimits: { maxYoungGenerationSizeMb: defaults.workerYoungGenerationMb }
  })
  const crash = crashOnce(events)
  worker.on("message", events.onMessage)
  worker.on("error", (error) => crash(String(error)))
  worker.on("exit", (code) => crash(`exited with code ${code}`))
  return {
    post: (message) => worker.postMessage(message),
    terminate: () => worker.terminate().then(() => undefined),
    progress: new Int32Array(progress.state),
    startedAt: new Float64Array(progress.startedAt)
  }
}

/** Applies a worker's `Progress` message to its handle's progress (for workers without shared memory). */
export const recordProgress = (handle: Pick<WorkerHandle, "progress" | "startedAt">, message: { busy: boolean; index: number }) => {
  handle.startedAt[0] = Date.now()
  handle.progress[progressIndex] = message.index
  handle.progress[progressBusy] = message.busy ? 1 : 0
}
