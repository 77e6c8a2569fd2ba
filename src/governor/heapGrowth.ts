/**
 * How far V8 lets a JavaScript heap grow past what survived its last full collection before collecting again.
 *
 * V8 picks the factor itself, up to 4× when collections are cheap, and they are cheap here: the main thread keeps
 * about 26 MB alive, so its old space climbed to 100-120 MB before each full collection, and a run's RSS rose for the
 * first half minute and then swung by that much. That made a short run look leaner than a long one. A fixed, small
 * factor keeps each heap near its live size at the price of more frequent (still short) collections.
 *
 * The factor is a V8 flag, shared by every isolate of the process (the workers' too), so a run sets it for its own
 * duration and then gives the process back the value it was started with.
 */
import * as v8 from "node:v8"
import { Effect } from "effect"

const flagName = "--heap-growing-percent"

/** V8's own heuristic: the flag's value when nobody set it. */
export const v8Heuristic = 0

/** The flag's value given on the process's command line (`node --heap-growing-percent=N`), else V8's heuristic. */
export const startupHeapGrowth = (execArgv: ReadonlyArray<string>): number => {
  let value = v8Heuristic
  execArgv.forEach((arg, index) => {
    const [name, inline] = arg.replace(/_/g, "-").split("=", 2)
    if (name !== flagName) return
    const parsed = Number(inline ?? execArgv[index + 1])
    if (Number.isInteger(parsed) && parsed >= 0) value = parsed
  })
  return value
}

const setHeapGrowth = (percent: number) => v8.setFlagsFromString(`${flagName}=${percent}`)

/** Runs holding the setting now: only the last one to end restores the process's value. */
let holders = 0

/**
 * `percent` for as long as the enclosing scope is open. 0 leaves V8's heuristic (or the process's own setting)
 * alone. Concurrent runs in one process share the setting: the first one's value holds until all have ended.
 */
export const heapGrowthScoped = (percent: number) =>
  percent === v8Heuristic
    ? Effect.void
    : Effect.acquireRelease(
      Effect.sync(() => {
        if (holders++ === 0) setHeapGrowth(percent)
      }),
      () =>
        Effect.sync(() => {
          if (--holders === 0) setHeapGrowth(startupHeapGrowth(process.execArgv))
        })
    )
