/**
 * Native RDKit workers as child processes (see `processMain.ts` for why not threads). A process that RDKit's C++
 * crashes, or that the pool kills at its time limit, takes nothing else with it; the pool replaces it as it replaces
 * a dead thread. Its progress arrives as messages and is kept here, where the pool reads it as a thread's.
 */
import { fork } from "node:child_process"
import { compiledEntry } from "../../compiledEntry.js"
import { defaults } from "../../config.js"
import type { FromWorker, WorkerSettings } from "../protocol.js"
import { crashOnce, recordProgress, type Spawn } from "../spawn.js"
import type { ProcessStart } from "./processMain.js"

export const processSpawner = (settings: WorkerSettings): Spawn => (events) => {
  const child = fork(compiledEntry(import.meta.url, "processMain.js"), [], {
    serialization: "advanced",
    // The process's stdout is not the run's: a CLI run may be writing JSON there. Its stderr is, for a crash's words.
    stdio: ["ignore", "ignore", "inherit", "ipc"],
    // Not the parent's flags (a debugger's port, a test runner's loader): a worker needs only its heap bounded.
    execArgv: [`--max-semi-space-size=${defaults.workerSemiSpaceMb}`]
  })
  const handle = { progress: new Int32Array(2), startedAt: new Float64Array(1) }
  const crash = crashOnce(events)
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  child.on("message", (message: FromWorker) => {
    if (message._tag === "Progress") recordProgress(handle, message)
    else events.onMessage(message)
  })
  child.on("error", (error) => crash(String(error)))
  child.on("exit", (code, signal) => crash(signal === null ? `exited with code ${code}` : `killed by ${signal}`))
  child.send({ _tag: "Start", settings } satisfies ProcessStart)
  return {
    ...handle,
    post: (message) => {
      if (child.connected) child.send(message)
    },
    terminate: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
      return exited
    }
  }
}
