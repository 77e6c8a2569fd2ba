/**
 * RowBuffer: groups never exceed the flush interval in force, the buffer never holds more than the largest interval,
 * and no row is lost, duplicated or reordered. Pure and in memory: nothing is left behind if interrupted.
 */
import { assert, describe, it } from "@effect/vitest"
import { productTable, type ProductRows } from "../../src/io/tables.js"
import { RowBuffer } from "../../src/io/rowBuffer.js"

/** Rows numbered from `start`, so that order and completeness can be checked by value. */
const numberedRows = (start: number, count: number): ProductRows => {
  const ids = Array.from({ length: count }, (_, i) => start + i)
  return {
    smiles: ids.map((i) => `C${i}`),
    generation: ids.map((i) => i % 3),
    parent: ids.map((i) => `P${i}`),
    rootId: ids.map((i) => `R${i}`),
    rule: ids.map((i) => `rule-${i % 5}`)
  }
}

const concat = (groups: ReadonlyArray<ProductRows>): ProductRows => ({
  smiles: groups.flatMap((g) => g.smiles),
  generation: groups.flatMap((g) => g.generation),
  parent: groups.flatMap((g) => g.parent),
  rootId: groups.flatMap((g) => g.rootId),
  rule: groups.flatMap((g) => g.rule)
})

/** Column by column, index by index: chai's deep equality takes seconds on a million rows. */
const assertSameRows = (actual: ProductRows, expected: ProductRows): void => {
  for (const column of ["smiles", "generation", "parent", "rootId", "rule"] as const) {
    assert.strictEqual(actual[column].length, expected[column].length, `${column} length`)
    const mismatch = actual[column].findIndex((value, i) => value !== expected[column][i])
    assert.strictEqual(mismatch, -1, `${column} differs at row ${mismatch}`)
  }
}

/** Deterministic, so a failure can be replayed: mulberry32. */
const seededRandom = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

describe("RowBuffer", () => {
  it("cuts one 500,000-product message into 250 groups of 2,000 without holding more than 2,000", () => {
    const buffer = new RowBuffer(productTable)
    const input = numberedRows(0, 500_000)
    const groups = buffer.append(input, 2_000)
    assert.strictEqual(groups.length, 250)
    assert.isTrue(groups.every((g) => g.smiles.length === 2_000))
    assert.strictEqual(buffer.size, 0)
    assert.isUndefined(buffer.takeRemainder())
    assert.strictEqual(buffer.maxRows, 2_000)
    assertSameRows(concat(groups), input)
  })

  it("keeps the remainder across messages and gives it back at the end", () => {
    const buffer = new RowBuffer(productTable)
    const sizes = [0, 1, 999, 1_000, 1_001, 7_500, 3]
    let start = 0
    const groups: ProductRows[] = []
    for (const size of sizes) {
      groups.push(...buffer.append(numberedRows(start, size), 1_000))
      start += size
    }
    assert.isTrue(groups.every((g) => g.smiles.length === 1_000))
    assert.strictEqual(buffer.size, start % 1_000)
    const remainder = buffer.takeRemainder()
    assert.isDefined(remainder)
    assertSameRows(concat([...groups, remainder!]), numberedRows(0, start))
    assert.strictEqual(buffer.size, 0)
    assert.strictEqual(buffer.maxRows, 1_000)
  })

  it("after the interval shrinks below what it holds, first emits the held rows in groups of the new interval", () => {
    const buffer = new RowBuffer(productTable)
    assert.deepStrictEqual(buffer.append(numberedRows(0, 1_500), 2_000), [])
    const groups = buffer.append(numberedRows(1_500, 0), 400)
    assert.deepStrictEqual(
      groups.map((g) => g.smiles.length),
      [400, 400, 400]
    )
    assert.strictEqual(buffer.size, 300)
    const next = buffer.append(numberedRows(1_500, 250), 400)
    assert.deepStrictEqual(
      next.map((g) => g.smiles.length),
      [400]
    )
    assert.strictEqual(buffer.size, 150)
    assertSameRows(concat([...groups, ...next, buffer.takeRemainder()!]), numberedRows(0, 1_750))
    assert.strictEqual(buffer.maxRows, 1_500)
  })

  it("holds the invariants under random message sizes and a flush interval that keeps changing", () => {
    const random = seededRandom(42)
    const intervals = [250, 500, 1_000, 2_000, 4_000]
    const messages = 500
    // Mostly messages below every interval, sometimes one far above all of them.
    const BIG_MESSAGE_SHARE = 0.05
    const BIG_MESSAGE_MAX = 20_000
    const SMALL_MESSAGE_MAX = 1_500
    const buffer = new RowBuffer(productTable)
    const groups: ProductRows[] = []
    let start = 0
    let largestInterval = 0
    for (let m = 0; m < messages; m++) {
      const interval = intervals[Math.floor(random() * intervals.length)]!
      largestInterval = Math.max(largestInterval, interval)
      const size = Math.floor(random() * (random() < BIG_MESSAGE_SHARE ? BIG_MESSAGE_MAX : SMALL_MESSAGE_MAX))
      const emitted = buffer.append(numberedRows(start, size), interval)
      start += size
      for (const group of emitted) assert.isAtMost(group.smiles.length, interval)
      assert.isBelow(buffer.size, interval)
      groups.push(...emitted)
    }
    const remainder = buffer.takeRemainder()
    assert.isAtMost(buffer.maxRows, largestInterval)
    assertSameRows(concat(remainder === undefined ? groups : [...groups, remainder]), numberedRows(0, start))
  })

  it("rejects a flush interval that is not a positive integer, and columns of unequal length", () => {
    const buffer = new RowBuffer(productTable)
    assert.throws(() => buffer.append(numberedRows(0, 10), 0), RangeError)
    assert.throws(() => buffer.append(numberedRows(0, 10), 2.5), RangeError)
    assert.throws(() => buffer.append({ ...numberedRows(0, 10), rule: ["x"] }, 100), RangeError)
    assert.strictEqual(buffer.size, 0)
  })
})
