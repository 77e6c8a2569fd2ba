/**
 * The memory governor's decision, as a pure function of (state, reading, settings). No clock, no Effect: the
 * governor fiber feeds it one reading per poll and applies what it returns.
 *
 * Rules, in order:
 * 1. Reading ≥ critical: pause the reader (and shrink, as in 2) until a reading is back under target. If memory stays
 *    critical for `maxPausePolls` with every limit at its floor, the run's own use cannot go lower: resume at the
 *    floor and do not pause again until memory has dropped below critical once ("pinned").
 * 2. Reading > target: halve the batches in flight (never below 1) and the flush interval (never below the floor),
 *    at most once every `shrinkCooldownPolls + 1` polls, since memory needs a poll or two to show the effect.
 * 3. Reading < target − hysteresis for `restoreAfterPolls` polls in a row: double both limits, never above what the
 *    user set. Readings between target − hysteresis and target hold the limits and reset the calm count. The band is
 *    `hysteresisPoints`, or a tenth of the target when that is smaller.
 *
 * Oscillation bound: while readings cross the target faster than `restoreAfterPolls`, nothing is restored, so the
 * decisions are only the halvings down to the floors: at most ⌈log2 maxInFlight⌉ + ⌈log2(maxFlush / minFlush)⌉ + 1
 * (both limits usually change in the same decision). Slower swings give at most one decision per
 * `shrinkCooldownPolls + 1` polls going up and one per `restoreAfterPolls` polls going down.
 */

export interface GovernorSettings {
  readonly targetPercent: number
  readonly criticalPercent: number
  readonly maxInFlight: number
  readonly maxFlushInterval: number
  readonly minFlushInterval: number
  readonly shrinkCooldownPolls: number
  readonly restoreAfterPolls: number
  readonly hysteresisPoints: number
  readonly maxPausePolls: number
}

export interface Limits {
  readonly inFlight: number
  readonly flushInterval: number
  readonly paused: boolean
}

export interface GovernorState {
  readonly limits: Limits
  /** Polls since the last shrink (large when there was none). */
  readonly sinceShrink: number
  /** Consecutive calm polls. */
  readonly calmPolls: number
  /** Consecutive polls paused at the floors. */
  readonly pausedAtFloorPolls: number
  /** Memory stayed critical at the floors: the reader goes on and is not paused again until it drops. */
  readonly pinned: boolean
}

export type Reason =
  | "above target"
  | "critical: pause reader"
  | "back under target: resume reader"
  | "critical at the floor limits: continue one batch at a time"
  | "calm: restore a step"

export interface Decision {
  readonly reason: Reason
  readonly from: Limits
  readonly to: Limits
}

/**
 * Share of the target that the hold band may take at most: 5 points under a 60% target, but only 0.65 under a 6.5%
 * target, which a large machine's idle use can sit at; a band wider than the target's own scale never lets it restore.
 */
const maxHysteresisShareOfTarget = 0.1

/** How far below target memory must be to count as calm. */
export const hysteresisBand = (s: GovernorSettings): number =>
  Math.min(s.hysteresisPoints, s.targetPercent * maxHysteresisShareOfTarget)

export const initialState = (settings: GovernorSettings): GovernorState => ({
  limits: { inFlight: settings.maxInFlight, flushInterval: settings.maxFlushInterval, paused: false },
  sinceShrink: Number.MAX_SAFE_INTEGER,
  calmPolls: 0,
  pausedAtFloorPolls: 0,
  pinned: false
})

/**
 * The state once the engine's capacity (the most batches it can run now) moves from `from` to `to`, both at least 1:
 * a run at full capacity follows it up or down, a run the governor has throttled keeps its limit unless the capacity
 * falls under it. A cluster's capacity moves as runners join and leave.
 */
export const followCapacity = (state: GovernorState, from: number, to: number): GovernorState => {
  const inFlight = state.limits.inFlight >= from ? to : Math.min(state.limits.inFlight, to)
  return inFlight === state.limits.inFlight ? state : { ...state, limits: { ...state.limits, inFlight } }
}

const atFloor = (limits: Limits, s: GovernorSettings) =>
  limits.inFlight === 1 && limits.flushInterval === Math.min(s.minFlushInterval, s.maxFlushInterval)

const halved = (limits: Limits, s: GovernorSettings): Limits => ({
  ...limits,
  inFlight: Math.max(1, Math.floor(limits.inFlight / 2)),
  flushInterval: Math.max(Math.min(s.minFlushInterval, s.maxFlushInterval), Math.floor(limits.flushInterval / 2))
})

const doubled = (limits: Limits, s: GovernorSettings): Limits => ({
  ...limits,
  inFlight: Math.min(s.maxInFlight, limits.inFlight * 2),
  flushInterval: Math.min(s.maxFlushInterval, limits.flushInterval * 2)
})

const sameLimits = (a: Limits, b: Limits) =>
  a.inFlight === b.inFlight && a.flushInterval === b.flushInterval && a.paused === b.paused

export const decide = (
  state: GovernorState,
  percent: number,
  s: GovernorSettings
): { readonly state: GovernorState; readonly decision: Decision | undefined } => {
  const from = state.limits
  const sinceShrink = Math.min(Number.MAX_SAFE_INTEGER, state.sinceShrink + 1)
  const canShrink = sinceShrink > s.shrinkCooldownPolls
  const result = (next: GovernorState, reason: Reason) => ({
    state: next,
    decision: sameLimits(from, next.limits) ? undefined : { reason, from, to: next.limits }
  })

  if (percent >= s.criticalPercent && !state.pinned) {
    const shrunk = canShrink ? halved(from, s) : from
    const floorPolls = atFloor(shrunk, s) && from.paused ? state.pausedAtFloorPolls + 1 : 0
    if (floorPolls >= s.maxPausePolls) {
      return result(
        { limits: { ...shrunk, paused: false }, sinceShrink, calmPolls: 0, pausedAtFloorPolls: 0, pinned: true },
        "critical at the floor limits: continue one batch at a time"
      )
    }
    return result(
      {
        limits: { ...shrunk, paused: true },
        sinceShrink: shrunk === from ? sinceShrink : 0,
        calmPolls: 0,
        pausedAtFloorPolls: floorPolls,
        pinned: false
      },
      "critical: pause reader"
    )
  }
  const pinned = state.pinned && percent >= s.criticalPercent
  if (percent > s.targetPercent) {
    const shrunk = canShrink ? halved(from, s) : from
    return result(
      { limits: shrunk, sinceShrink: shrunk === from ? sinceShrink : 0, calmPolls: 0, pausedAtFloorPolls: 0, pinned },
      "above target"
    )
  }
  if (from.paused) {
    return result(
      { limits: { ...from, paused: false }, sinceShrink, calmPolls: 0, pausedAtFloorPolls: 0, pinned: false },
      "back under target: resume reader"
    )
  }
  const calmPolls = percent < s.targetPercent - hysteresisBand(s) ? state.calmPolls + 1 : 0
  if (calmPolls >= s.restoreAfterPolls) {
    return result(
      { limits: doubled(from, s), sinceShrink, calmPolls: 0, pausedAtFloorPolls: 0, pinned: false },
      "calm: restore a step"
    )
  }
  return result({ limits: from, sinceShrink, calmPolls, pausedAtFloorPolls: 0, pinned: false }, "calm: restore a step")
}
