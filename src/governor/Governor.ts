/**
 * The governor fiber: samples the memory probe every poll, asks `decide` what to do, and applies it to the three
 * handles the pipeline gave it: the in-flight gate (a semaphore resized at run time), the writer's flush interval
 * (read by the writer at every message) and the reader's gate (closed while paused). It owns nothing else: the
 * pipeline never waits on it, and interrupting it leaves the last limits in force.
 *
 * Every reading goes to a bounded timeline and every change to the decision log, both returned by `report` for
 * `summary.json`.
 */
import { Effect, Latch, Ref, Schedule, Semaphore } from "effect"
import { defaults } from "../config.js"
import { decide, followCapacity, type GovernorSettings, initialState, type Limits, type Reason } from "./decide.js"
import { MemoryProbe, type MemoryReading } from "./MemoryProbe.js"
import { Timeline } from "./Timeline.js"

export interface Throttle {
  readonly inFlight: Semaphore.Semaphore
  readonly flushInterval: Ref.Ref<number>
  readonly readerGate: Latch.Latch
}

export interface MemoryPoint {
  readonly seconds: number
  readonly systemPercent: number
  readonly rssBytes: number
  readonly heapUsedBytes: number
  readonly inFlight: number
  readonly flushInterval: number
  readonly paused: boolean
}

export interface GovernorEvent {
  readonly seconds: number
  readonly poll: number
  readonly systemPercent: number
  readonly rssBytes: number
  readonly reason: Reason
  readonly from: Limits
  readonly to: Limits
}

export interface GovernorReport {
  readonly settings: GovernorSettings & { readonly pollMs: number }
  readonly polls: number
  /** Readings at or above the critical level. */
  readonly warnings: number
  readonly source: MemoryReading["source"] | "none"
  readonly peak: { readonly systemPercent: number; readonly rssBytes: number; readonly heapUsedBytes: number }
  readonly low: { readonly systemPercent: number; readonly rssBytes: number }
  readonly finalLimits: Limits
  readonly decisions: ReadonlyArray<GovernorEvent>
  readonly timeline: ReadonlyArray<MemoryPoint>
}

export interface Governor {
  readonly report: () => GovernorReport
  /** The limits in force now. */
  readonly limits: () => Limits
  readonly lastReading: () => MemoryReading | undefined
}

/** Decisions are few by design (see `decide`); this only caps a pathological run. */
const maxRecordedDecisions = 10_000

export const throttle = (settings: GovernorSettings) =>
  Effect.all({
    inFlight: Semaphore.make(settings.maxInFlight),
    flushInterval: Ref.make(settings.maxFlushInterval),
    readerGate: Latch.make(true)
  })

const describe = (event: GovernorEvent): string => {
  const change = (name: string, a: number, b: number) => (a === b ? [] : [`${name} ${a} → ${b}`])
  const parts = [
    ...change("in flight", event.from.inFlight, event.to.inFlight),
    ...change("flush interval", event.from.flushInterval, event.to.flushInterval),
    ...(event.from.paused === event.to.paused ? [] : [event.to.paused ? "reader paused" : "reader resumed"])
  ]
  return `molexpand: governor at ${event.systemPercent.toFixed(1)}% memory: ${event.reason}: ${parts.join(", ")}`
}

export const start = Effect.fnUntraced(function*(
  settings: GovernorSettings,
  options: {
    readonly pollMs: number
    readonly handles: Throttle
    /**
     * The engine's capacity now (see `Engine.capacity`); the batches in flight follow it, read at every poll. Its
     * value at the start is `settings.maxInFlight`.
     */
    readonly capacity: () => number
    /** Each change of limits, with a one-line description of it. */
    readonly onDecision: (event: GovernorEvent, message: string) => void
    /** A reading at or above the critical level, after one below it. */
    readonly onCritical: (reading: MemoryReading) => void
  }
) {
  const probe = yield* MemoryProbe
  const started = Date.now()
  let state = initialState(settings)
  /** The capacity the limits were last fitted to: `decide` never restores the batches in flight above it. */
  let capacity = settings.maxInFlight
  let polls = 0
  let warnings = 0
  let wasCritical = false
  let lastReading: MemoryReading | undefined
  let source: GovernorReport["source"] = "none"
  const peak = { systemPercent: 0, rssBytes: 0, heapUsedBytes: 0 }
  const low = { systemPercent: Number.POSITIVE_INFINITY, rssBytes: Number.POSITIVE_INFINITY }
  const timeline = new Timeline<MemoryPoint>(defaults.timelinePoints)
  const decisions: Array<GovernorEvent> = []
  const { handles } = options

  const apply = (limits: Limits) =>
    Effect.gen(function*() {
      yield* handles.inFlight.resize(limits.inFlight)
      yield* Ref.set(handles.flushInterval, limits.flushInterval)
      yield* limits.paused ? handles.readerGate.close : handles.readerGate.open
    })

  const poll = Effect.gen(function*() {
    const reading = yield* probe.sample
    polls++
    source = reading.source
    if (reading.systemPercent >= settings.criticalPercent) {
      if (!wasCritical) options.onCritical(reading)
      warnings++
    }
    wasCritical = reading.systemPercent >= settings.criticalPercent
    lastReading = reading
    peak.systemPercent = Math.max(peak.systemPercent, reading.systemPercent)
    peak.rssBytes = Math.max(peak.rssBytes, reading.rssBytes)
    peak.heapUsedBytes = Math.max(peak.heapUsedBytes, reading.heapUsedBytes)
    low.systemPercent = Math.min(low.systemPercent, reading.systemPercent)
    low.rssBytes = Math.min(low.rssBytes, reading.rssBytes)
    const seconds = (Date.now() - started) / 1000
    const nowCapacity = Math.max(1, options.capacity())
    if (nowCapacity !== capacity) {
      const before = state.limits
      state = followCapacity(state, capacity, nowCapacity)
      capacity = nowCapacity
      if (state.limits !== before) yield* apply(state.limits)
    }
    const next = decide(state, reading.systemPercent, { ...settings, maxInFlight: capacity })
    state = next.state
    if (next.decision !== undefined) {
      const event: GovernorEvent = {
        seconds,
        poll: polls,
        systemPercent: reading.systemPercent,
        rssBytes: reading.rssBytes,
        ...next.decision
      }
      if (decisions.length < maxRecordedDecisions) decisions.push(event)
      options.onDecision(event, describe(event))
      yield* apply(next.decision.to)
    }
    timeline.add({
      seconds,
      systemPercent: reading.systemPercent,
      rssBytes: reading.rssBytes,
      heapUsedBytes: reading.heapUsedBytes,
      inFlight: state.limits.inFlight,
      flushInterval: state.limits.flushInterval,
      paused: state.limits.paused
    })
  })

  yield* poll.pipe(
    Effect.repeat(Schedule.spaced(`${options.pollMs} millis`)),
    Effect.forkScoped({ startImmediately: true })
  )

  return {
    limits: () => state.limits,
    lastReading: () => lastReading,
    report: (): GovernorReport => ({
      settings: { ...settings, pollMs: options.pollMs },
      polls,
      warnings,
      source,
      peak: { ...peak },
      low: { systemPercent: Number.isFinite(low.systemPercent) ? low.systemPercent : 0, rssBytes: Number.isFinite(low.rssBytes) ? low.rssBytes : 0 },
      finalLimits: state.limits,
      decisions: [...decisions],
      timeline: timeline.toArray()
    })
  } satisfies Governor
})
