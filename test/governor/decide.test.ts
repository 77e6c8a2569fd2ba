/** The governor's decision rules, one table per rule, on the pure function alone. */
import { assert, describe, it } from "@effect/vitest"
import { decide, followCapacity, type GovernorSettings, type GovernorState, initialState } from "../../src/governor/decide.js"

const settings: GovernorSettings = {
  targetPercent: 60,
  criticalPercent: 80,
  maxInFlight: 8,
  maxFlushInterval: 2_000,
  minFlushInterval: 250,
  shrinkCooldownPolls: 2,
  restoreAfterPolls: 3,
  hysteresisPoints: 5,
  maxPausePolls: 4
}

/** Feeds readings one poll at a time and returns every state and decision. */
const replay = (readings: ReadonlyArray<number>, s = settings, start: GovernorState = initialState(s)) => {
  let state = start
  return readings.map((percent) => {
    const next = decide(state, percent, s)
    state = next.state
    return next
  })
}

describe("decide", () => {
  it.each([
    { reading: 50, inFlight: 8, flush: 2_000, reason: undefined },
    { reading: 60, inFlight: 8, flush: 2_000, reason: undefined },
    { reading: 61, inFlight: 4, flush: 1_000, reason: "above target" },
    { reading: 79.9, inFlight: 4, flush: 1_000, reason: "above target" },
    { reading: 80, inFlight: 4, flush: 1_000, reason: "critical: pause reader" }
  ])("from the user's limits, a reading of $reading gives in flight $inFlight, flush $flush", ({ reading, inFlight, flush, reason }) => {
    const { state, decision } = decide(initialState(settings), reading, settings)
    assert.strictEqual(state.limits.inFlight, inFlight)
    assert.strictEqual(state.limits.flushInterval, flush)
    assert.strictEqual(decision?.reason, reason)
  })

  it("halves at most once per cooldown while memory stays above target", () => {
    const steps = replay([70, 70, 70, 70, 70, 70, 70])
    assert.deepStrictEqual(steps.map((s) => s.state.limits.inFlight), [4, 4, 4, 2, 2, 2, 1])
    assert.deepStrictEqual(steps.map((s) => s.decision !== undefined), [true, false, false, true, false, false, true])
  })

  it("never goes below one batch in flight nor below the flush floor", () => {
    const last = replay(new Array(40).fill(75)).at(-1)!
    assert.strictEqual(last.state.limits.inFlight, 1)
    assert.strictEqual(last.state.limits.flushInterval, 250)
  })

  it("holds the limits between target − hysteresis and target", () => {
    const [, ...rest] = replay([70, 58, 57, 56, 58, 59, 56, 57])
    assert.isTrue(rest.every((step) => step.decision === undefined && step.state.limits.inFlight === 4))
  })

  it("restores one step after enough calm polls, never above the user's limits", () => {
    const steps = replay([70, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50])
    const restores = steps.filter((s) => s.decision?.reason === "calm: restore a step")
    assert.deepStrictEqual(restores.map((s) => s.decision!.to.inFlight), [8])
    assert.deepStrictEqual(restores.map((s) => s.decision!.to.flushInterval), [2_000])
    assert.strictEqual(steps.at(-1)!.state.limits.inFlight, 8)
  })

  it("a calm count is broken by one reading in the hold band", () => {
    const steps = replay([70, 50, 50, 58, 50, 50, 50])
    assert.deepStrictEqual(steps.map((s) => s.state.limits.inFlight), [4, 4, 4, 4, 4, 4, 8])
  })

  it("pauses the reader at critical and resumes it once back under target", () => {
    const steps = replay([85, 75, 61, 59])
    assert.deepStrictEqual(steps.map((s) => s.state.limits.paused), [true, true, true, false])
    assert.strictEqual(steps[3]!.decision?.reason, "back under target: resume reader")
  })

  it("at critical with every limit at its floor, resumes after maxPausePolls and stays resumed until memory drops", () => {
    const steps = replay(new Array(30).fill(99))
    const reasons = steps.flatMap((s) => (s.decision === undefined ? [] : [s.decision.reason]))
    assert.strictEqual(reasons.at(-1), "critical at the floor limits: continue one batch at a time")
    assert.isFalse(steps.at(-1)!.state.limits.paused)
    assert.strictEqual(steps.at(-1)!.state.limits.inFlight, 1)
    assert.strictEqual(steps.at(-1)!.state.limits.flushInterval, 250)
    // Below critical once, then critical again: it may pause again.
    const after = replay([70, 99], settings, steps.at(-1)!.state)
    assert.isTrue(after[1]!.state.limits.paused)
  })

  it("an oscillation across the target makes no more decisions than the halvings to the floors", () => {
    const oscillation = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 62 : 58))
    const decisions = replay(oscillation).filter((s) => s.decision !== undefined)
    const bound = Math.ceil(Math.log2(settings.maxInFlight)) + Math.ceil(Math.log2(settings.maxFlushInterval / settings.minFlushInterval)) + 1
    assert.isAtMost(decisions.length, bound)
    assert.isAbove(decisions.length, 0)
  })

  it("under a small target the hold band shrinks to a tenth of it, so the limits can come back", () => {
    const small = { ...settings, targetPercent: 6.5 }
    const steps = replay([7, 5.8, 5.8, 5.8, 5.8], small)
    assert.strictEqual(steps[0]!.state.limits.inFlight, 4)
    assert.strictEqual(steps.at(-1)!.state.limits.inFlight, 8)
  })

  it("a flush floor above the user's interval keeps the user's interval", () => {
    const small = { ...settings, maxFlushInterval: 100 }
    const last = replay(new Array(20).fill(75), small).at(-1)!
    assert.strictEqual(last.state.limits.flushInterval, 100)
  })
})

describe("followCapacity", () => {
  const withInFlight = (inFlight: number): GovernorState => ({ ...initialState(settings), limits: { ...initialState(settings).limits, inFlight } })
  it.each([
    { inFlight: 8, from: 8, to: 16, after: 16, why: "a run at full capacity grows with it" },
    { inFlight: 8, from: 8, to: 2, after: 2, why: "a run at full capacity shrinks with it" },
    { inFlight: 2, from: 8, to: 16, after: 2, why: "a throttled run keeps its limit when capacity grows" },
    { inFlight: 4, from: 8, to: 2, after: 2, why: "a throttled limit above the new capacity falls to it" },
    { inFlight: 1, from: 1, to: 4, after: 4, why: "from one runner's worker to four" }
  ])("$why: $inFlight in flight, capacity $from → $to gives $after", ({ inFlight, from, to, after }) => {
    assert.strictEqual(followCapacity(withInFlight(inFlight), from, to).limits.inFlight, after)
  })

  it("leaves the flush interval and the pause alone", () => {
    const paused: GovernorState = { ...initialState(settings), limits: { inFlight: 8, flushInterval: 500, paused: true } }
    const next = followCapacity(paused, 8, 3)
    assert.deepStrictEqual(next.limits, { inFlight: 3, flushInterval: 500, paused: true })
  })

  it("never restores above the capacity it follows", () => {
    const state = followCapacity(initialState(settings), 8, 2)
    const calm = replay([10, 10, 10, 10], { ...settings, maxInFlight: 2 }, state)
    assert.isTrue(calm.every((step) => step.state.limits.inFlight <= 2))
  })
})
