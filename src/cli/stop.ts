/**
 * Stopping on a signal. A run polls `stopRequested` between batches and ends at its next checkpoint; a long-lived
 * command (runner, cluster-dev) is interrupted by `untilStopped`, which waits for its finalizers. A second signal
 * exits at once.
 */
import { Deferred, Effect, Fiber } from "effect"

/** Set by the first SIGINT/SIGTERM: the run stops taking input and ends at its next checkpoint. */
let stopped = false
export const stopRequested = (): boolean => stopped
/** Done at the first SIGINT/SIGTERM: what the long-lived commands (runner, cluster-dev) wait on to stop. */
const stopSignal = Deferred.makeUnsafe<void>()
/** What the first and a second signal do, said as each is received. */
let signalMeans = {
  first: "finishing the batches in flight and writing a checkpoint (send it again to exit at once)",
  second: "exiting now; the last checkpoint still holds."
}

/**
 * Runs a long-lived command until a signal, then interrupts it and waits for its finalizers (worker threads, child
 * processes, the cluster's registration, temporary folders) before the process exits. A command that ends by itself
 * ends the wait with its own result.
 */
export const untilStopped = <A, E, R>(service: Effect.Effect<A, E, R>, stopping: string) =>
  Effect.gen(function*() {
    signalMeans = { first: `${stopping} (send it again to exit at once)`, second: "exiting now" }
    const fiber = yield* Effect.forkChild(service)
    const stopped = yield* Effect.raceFirst(Effect.as(Fiber.await(fiber), false), Effect.as(Deferred.await(stopSignal), true))
    if (stopped) return yield* Fiber.interrupt(fiber)
    yield* Fiber.join(fiber)
  })

/**
 * Signals: the first asks for a clean stop (a run finishes what is in flight, checkpoints and exits with
 * `stoppedExitCode`, naming the resume command; a long-lived command stops); a second exits at once, which loses
 * only the work since the last checkpoint.
 */
export const stopOnSignals = (stoppedExitCode: number): void => {
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopped) {
      console.error(`molexpand: second ${signal}: ${signalMeans.second}`)
      process.exit(stoppedExitCode)
    }
    stopped = true
    Deferred.doneUnsafe(stopSignal, Effect.void)
    console.error(`molexpand: ${signal}: ${signalMeans.first}`)
  }
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
}
