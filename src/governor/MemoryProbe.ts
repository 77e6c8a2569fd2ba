/**
 * Where the governor's readings come from: one service, three layers.
 * - `layerSystem`: the machine's memory in use (`systeminformation`: total − available), or, under a cgroup memory
 *   limit, the share of that limit in use, since that is what gets the process killed; plus this process's RSS and
 *   heap.
 * - `layerScripted(readings)`: replays a list, one reading per poll, the last one repeated; for chaos tests and
 *   `--memory-probe script:FILE`.
 * - `readScript(file)`: parses such a file: an array of percents, or of `{ "systemPercent": 72, "rssBytes": … }`.
 */
import * as fs from "node:fs"
import si from "systeminformation"
import { Context, Effect, Layer, Schema } from "effect"
import { readCgroupMemory } from "./cgroup.js"

export interface MemoryReading {
  /** Percent of the machine's memory (or of the cgroup limit) in use. */
  readonly systemPercent: number
  readonly rssBytes: number
  readonly heapUsedBytes: number
  readonly source: "system" | "cgroup" | "script"
}

export class MemoryProbe extends Context.Service<MemoryProbe, {
  readonly sample: Effect.Effect<MemoryReading>
}>()("molexpand/governor/MemoryProbe") {}

const processMemory = () => {
  const usage = process.memoryUsage()
  return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed }
}

export const layerSystem: Layer.Layer<MemoryProbe> = Layer.succeed(MemoryProbe)({
  sample: Effect.promise(async () => {
    const cgroup = readCgroupMemory()
    if (cgroup !== undefined) {
      return { systemPercent: (100 * cgroup.usageBytes) / cgroup.limitBytes, ...processMemory(), source: "cgroup" as const }
    }
    const mem = await si.mem()
    return { systemPercent: (100 * (mem.total - mem.available)) / mem.total, ...processMemory(), source: "system" as const }
  })
})

export interface ScriptedReading {
  readonly systemPercent: number
  readonly rssBytes?: number | undefined
}

export const layerScripted = (readings: ReadonlyArray<ScriptedReading>): Layer.Layer<MemoryProbe> =>
  Layer.sync(MemoryProbe)(() => {
    let next = 0
    return {
      sample: Effect.sync(() => {
        const reading = readings[Math.min(next, readings.length - 1)]!
        next++
        const own = processMemory()
        return {
          systemPercent: reading.systemPercent,
          rssBytes: reading.rssBytes ?? own.rssBytes,
          heapUsedBytes: own.heapUsedBytes,
          source: "script" as const
        }
      })
    }
  })

/** A memory script that cannot be used; the run stops before any work. */
export class MemoryScriptError extends Schema.TaggedError<MemoryScriptError>()("MemoryScriptError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `--memory-probe script:${this.path}: ${this.reason}`
  }
}

const ScriptFile = Schema.NonEmptyArray(
  Schema.Union([
    Schema.Number,
    Schema.Struct({ systemPercent: Schema.Number, rssBytes: Schema.optional(Schema.Number) })
  ])
)

export const readScript = (path: string): Effect.Effect<ReadonlyArray<ScriptedReading>, MemoryScriptError> =>
  Effect.gen(function*() {
    const text = yield* Effect.try({
      try: () => fs.readFileSync(path, "utf8"),
      catch: (cause) => new MemoryScriptError({ path, reason: String(cause) })
    })
    const json = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (cause) => new MemoryScriptError({ path, reason: `not JSON: ${String(cause)}` })
    })
    const entries = yield* Schema.decodeUnknownEffect(ScriptFile)(json).pipe(
      Effect.mapError((issue) =>
        new MemoryScriptError({
          path,
          reason: `expected a non-empty array of percents or of { "systemPercent": n, "rssBytes"?: n }: ${String(issue)}`
        })
      )
    )
    return entries.map((entry) => (typeof entry === "number" ? { systemPercent: entry } : entry))
  })
