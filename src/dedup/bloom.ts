/**
 * The Bloom-filter seen set, for runs whose product count would not fit an exact table in memory.
 *
 * A Bloom filter never forgets a key, but it may take a key it has never seen for one it has (a false positive),
 * and the deduper then drops a genuinely new product. This module sizes the filter for a target false-positive rate
 * and keeps a running estimate of how many products were dropped that way, so a run can report it.
 *
 * Contains `bloomSize` and `expectedFalsePositiveRate` (pure sizing formulas) and `makeBloomSeenSet` (the seen set,
 * on `bloom-filters`' `BloomFilter`).
 *
 * **Gotchas**
 * - `bloom-filters` hashes the key string itself, twice per call, with a pure-JS 64-bit xxHash: 10,000 to 25,000
 *   `addIfNew` a second at 1e-6 (20 hashes), two orders of magnitude slower than the exact table.
 * - The false-positive rate holds only up to `expected` keys; past that it climbs quickly, and so does the estimate.
 */
import bloomFilters from "bloom-filters"
import type { SeenSet } from "./SeenSet.js"

export interface BloomSize {
  /** Bits in the filter (m). */
  readonly bits: number
  /** Hash functions per key (k). */
  readonly hashes: number
}

/**
 * The optimal filter for `expected` keys at false-positive rate `fpRate`: m = -n ln p / (ln 2)^2 bits and
 * k = (m / n) ln 2 hashes, the k that minimises the false-positive rate for that m and n.
 */
export const bloomSize = (expected: number, fpRate: number): BloomSize => {
  if (!(expected >= 1) || !Number.isFinite(expected)) {
    throw new RangeError(`bloomSize: expected must be a finite number >= 1, got ${expected}`)
  }
  if (!(fpRate > 0 && fpRate < 1)) {
    throw new RangeError(`bloomSize: fpRate must be strictly between 0 and 1, got ${fpRate}`)
  }
  const bits = Math.ceil((-expected * Math.log(fpRate)) / (Math.LN2 * Math.LN2))
  return { bits, hashes: Math.max(1, Math.round((bits / expected) * Math.LN2)) }
}

/** The chance that a key never inserted tests as present once `inserted` keys are in: (1 - e^(-kn/m))^k. */
export const expectedFalsePositiveRate = (bits: number, hashes: number, inserted: number): number =>
  Math.pow(1 - Math.exp((-hashes * inserted) / bits), hashes)

/**
 * A seen set on a Bloom filter sized for `expected` keys at `fpRate`.
 *
 * The estimate of dropped products: while the filter holds n keys, each genuinely new key is wrongly reported as
 * seen with probability r(n) = expectedFalsePositiveRate(m, k, n), independently of the others. The new keys that
 * arrive at fill n are therefore dropped until one gets through, which raises the fill to n + 1; the number dropped
 * first is geometric with mean r(n) / (1 - r(n)). Adding that mean each time a key is accepted gives the expected
 * total of new products lost. Keys that really were seen before are never counted: dropping them is correct.
 * The fill is the count of accepted keys, not the bits actually set, because `BloomFilter` counts its bits by
 * scanning the whole array.
 */
export const makeBloomSeenSet = (expected: number, fpRate: number): SeenSet => {
  const { bits, hashes } = bloomSize(expected, fpRate)
  const filter = new bloomFilters.BloomFilter(bits, hashes)
  let accepted = 0
  let estimatedFalsePositives = 0
  return {
    mode: "bloom",
    addIfNew: (keys, _hashes, index) => {
      const key = keys.at(index)!
      if (filter.has(key)) return false
      const rate = expectedFalsePositiveRate(bits, hashes, accepted)
      estimatedFalsePositives += rate / (1 - rate)
      filter.add(key)
      accepted++
      return true
    },
    get size() {
      return accepted
    },
    get bytes() {
      return filter._filter.array.byteLength
    },
    get estimatedFalsePositives() {
      return estimatedFalsePositives
    }
  }
}
