import { assert, describe, it } from "@effect/vitest"
import { Timeline } from "../../src/governor/Timeline.js"

describe("Timeline", () => {
  it("keeps every point while under capacity", () => {
    const timeline = new Timeline<number>(10)
    for (let i = 0; i < 10; i++) timeline.add(i)
    assert.deepStrictEqual(timeline.toArray(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it("never holds more than capacity (+ the latest point), spread evenly, from the first point", () => {
    const timeline = new Timeline<number>(100)
    for (let i = 0; i < 100_000; i++) timeline.add(i)
    const points = timeline.toArray()
    assert.isAtMost(points.length, 101)
    assert.isAtLeast(points.length, 50)
    assert.strictEqual(points[0], 0)
    assert.strictEqual(points.at(-1), 99_999)
    const gaps = new Set(points.slice(1, -1).map((p, i) => p - points[i]!))
    assert.strictEqual(gaps.size, 1)
    assert.strictEqual(timeline.total, 100_000)
  })

  it("rejects a capacity below 2", () => {
    assert.throws(() => new Timeline(1), RangeError)
  })
})
