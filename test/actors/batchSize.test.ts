/** Sizing the reader's batches: full while plenty remains, shrinking toward a drain, never empty nor above the bound. */
import { assert, describe, it } from "@effect/vitest"
import { expectedBeforeCheckpoint, largestBatch, nextBatchSize } from "../../src/actors/batchSize.js"
import { defaults } from "../../src/config.js"

const size = (remaining: number | undefined, workers = 2) =>
  nextBatchSize({ batchSize: 50, workers, remaining: [remaining], tailDivisor: 2 })

describe("largestBatch", () => {
  it.each([
    { batchSize: undefined, cluster: undefined, expected: defaults.batchSize },
    { batchSize: undefined, cluster: "postgres://molexpand@db/molexpand", expected: defaults.clusterBatchSize },
    { batchSize: 7, cluster: undefined, expected: 7 },
    { batchSize: 7, cluster: "postgres://molexpand@db/molexpand", expected: 7 }
  ])("--batch-size $batchSize, cluster $cluster: at most $expected", ({ batchSize, cluster, expected }) => {
    assert.strictEqual(largestBatch({ batchSize, cluster }), expected)
  })
})

describe("nextBatchSize", () => {
  it.each([
    { remaining: undefined, workers: 2, expected: 50 },
    { remaining: 10_000, workers: 2, expected: 50 },
    { remaining: 200, workers: 2, expected: 50 },
    { remaining: 199, workers: 2, expected: 50 },
    { remaining: 100, workers: 2, expected: 25 },
    { remaining: 101, workers: 2, expected: 26 },
    { remaining: 100, workers: 8, expected: 7 },
    { remaining: 3, workers: 2, expected: 1 },
    { remaining: 0, workers: 2, expected: 1 }
  ])("with $remaining left for $workers workers, a batch of $expected", ({ remaining, workers, expected }) => {
    assert.strictEqual(size(remaining, workers), expected)
  })

  it("shrinks for the nearest known drain", () => {
    const sized = (remaining: ReadonlyArray<number | undefined>) => nextBatchSize({ batchSize: 50, workers: 2, remaining, tailDivisor: 2 })
    assert.strictEqual(sized([1_000, 40]), 10)
    assert.strictEqual(sized([40, 1_000]), 10)
    assert.strictEqual(sized([undefined, 40]), 10)
    assert.strictEqual(sized([undefined, undefined]), 50)
    assert.strictEqual(sized([]), 50)
  })

  it("hands out a generation's tail in batches that shrink to single molecules", () => {
    const batches: Array<number> = []
    for (let left = 130; left > 0; left -= batches.at(-1)!) batches.push(Math.min(left, size(left)))
    assert.deepStrictEqual(batches.slice(0, 3), [33, 25, 18])
    assert.strictEqual(batches.reduce((a, b) => a + b, 0), 130)
    assert.isTrue(batches.every((b, i) => i === 0 || b <= batches[i - 1]!))
    assert.deepStrictEqual(batches.slice(-3), [1, 1, 1])
  })
})

describe("expectedBeforeCheckpoint", () => {
  it("knows nothing before the first molecule is done", () => {
    assert.isUndefined(expectedBeforeCheckpoint({ done: 0, elapsedMs: 5_000, leftMs: 55_000 }))
    assert.isUndefined(expectedBeforeCheckpoint({ done: 10, elapsedMs: 0, leftMs: 60_000 }))
  })

  it("extrapolates the segment's rate over the time left, and is zero once the checkpoint is due", () => {
    assert.strictEqual(expectedBeforeCheckpoint({ done: 100, elapsedMs: 10_000, leftMs: 5_000 }), 50)
    assert.strictEqual(expectedBeforeCheckpoint({ done: 100, elapsedMs: 61_000, leftMs: -1_000 }), 0)
  })
})
