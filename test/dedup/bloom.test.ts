import { assert, describe, it } from "@effect/vitest"
import bloomFilters from "bloom-filters"
import { bloomSize, expectedFalsePositiveRate, makeBloomSeenSet } from "../../src/dedup/bloom.js"

/** Fresh keys queried to measure the false-positive rate: about 1,000 false positives at 1e-2. */
const FRESH_KEYS = 100_000

/** The measured rate must land within this factor of the target; binomial noise at 1,000 events is about 3%. */
const RATE_TOLERANCE = 1.5

/** The small filter that is overfilled to force drops: sized for 10,000 keys at 1e-2, then offered twice as many. */
const SMALL_EXPECTED = 10_000
const SMALL_FP_RATE = 1e-2
const OVERFILL = 2

describe("bloomSize", () => {
  it("gives the optimal bits and hashes", () => {
    // m = -n ln p / (ln 2)^2 and k = round((m / n) ln 2), worked out by hand.
    const cases = [
      { expected: 1e6, fpRate: 1e-3, bits: 14_377_588, hashes: 10 },
      { expected: 1e6, fpRate: 1e-2, bits: 9_585_059, hashes: 7 },
      { expected: 1e8, fpRate: 1e-6, bits: 2_875_517_514, hashes: 20 },
      { expected: 1, fpRate: 0.5, bits: 2, hashes: 1 }
    ]
    for (const { bits, expected, fpRate, hashes } of cases) {
      const size = bloomSize(expected, fpRate)
      assert.approximately(size.bits, bits, 1, `bits for n=${expected}, p=${fpRate}`)
      assert.strictEqual(size.hashes, hashes, `hashes for n=${expected}, p=${fpRate}`)
    }
  })

  it("rejects an expected count below 1 and a rate outside (0, 1)", () => {
    const cases: Array<[number, number]> = [
      [0, 1e-3],
      [-5, 1e-3],
      [Number.NaN, 1e-3],
      [Number.POSITIVE_INFINITY, 1e-3],
      [1_000, 0],
      [1_000, 1],
      [1_000, -0.1],
      [1_000, 1.5],
      [1_000, Number.NaN]
    ]
    for (const [expected, fpRate] of cases) {
      assert.throws(() => bloomSize(expected, fpRate), RangeError, undefined, `n=${expected}, p=${fpRate}`)
    }
  })
})

describe("expectedFalsePositiveRate", () => {
  it("is 0 when empty and the target rate when filled to the expected count", () => {
    const { bits, hashes } = bloomSize(1e6, 1e-3)
    assert.strictEqual(expectedFalsePositiveRate(bits, hashes, 0), 0)
    assert.approximately(expectedFalsePositiveRate(bits, hashes, 1e6), 1e-3, 1e-5)
    assert.isAbove(expectedFalsePositiveRate(bits, hashes, 2e6), 1e-2)
  })
})

/** A Bloom filter hashes the key's text: the 64-bit hash the exact table takes plays no part. */
const noHash = new Uint32Array(2)

describe("Bloom seen set", () => {
  it("reports every inserted key as seen", () => {
    const seen = makeBloomSeenSet(1_000, 1e-3)
    const keys = Array.from({ length: 1_000 }, (_, i) => `OC(=O)c1ccc(O)c(O${i})c1`)
    const accepted = keys.filter((key) => seen.addIfNew([key], noHash, 0)).length
    assert.isAtLeast(accepted, 990)
    assert.strictEqual(seen.size, accepted)
    assert.isTrue(keys.every((key) => !seen.addIfNew([key], noHash, 0)))
    assert.strictEqual(seen.size, accepted)
    assert.strictEqual(seen.mode, "bloom")
    assert.strictEqual(seen.bytes, Math.ceil(bloomSize(1_000, 1e-3).bits / 8))
  })

  it("sized by bloomSize, wrongly reports about the target share of fresh keys as seen", () => {
    const { bits, hashes } = bloomSize(SMALL_EXPECTED, SMALL_FP_RATE)
    const filter = new bloomFilters.BloomFilter(bits, hashes)
    for (let i = 0; i < SMALL_EXPECTED; i++) filter.add(`CC(=O)Oc1ccccc1C(=O)O.${i}`)
    let falsePositives = 0
    for (let i = 0; i < FRESH_KEYS; i++) if (filter.has(`CC(=O)Oc1ccccc1C(=O)O.fresh${i}`)) falsePositives++
    const measured = falsePositives / FRESH_KEYS
    assert.isAbove(measured, SMALL_FP_RATE / RATE_TOLERANCE)
    assert.isBelow(measured, SMALL_FP_RATE * RATE_TOLERANCE)
  })

  it("estimates the new keys it dropped when overfilled, within a factor of 2 of the count", () => {
    const seen = makeBloomSeenSet(SMALL_EXPECTED, SMALL_FP_RATE)
    const offered = SMALL_EXPECTED * OVERFILL
    for (let i = 0; i < offered; i++) seen.addIfNew([`Nc1ccc(cc1)S(=O)(=O)N${i}`], noHash, 0)
    const dropped = offered - seen.size
    assert.isAbove(dropped, 0)
    assert.isAbove(seen.estimatedFalsePositives, dropped / 2)
    assert.isBelow(seen.estimatedFalsePositives, dropped * 2)
  })
})
