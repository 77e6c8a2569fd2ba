import { assert, describe, it } from "@effect/vitest"
import { makeKeyHasher } from "../../src/dedup/keyHash.js"
import { makeSeenSet } from "../../src/dedup/SeenSet.js"

/** Distinct keys per test, each offered twice. An exact table for 5,000 keys at 0.75 load takes 8,192 slots. */
const KEY_COUNT = 5_000

const keys = Array.from({ length: KEY_COUNT }, (_, i) => `O=C(O)c1cc(O)c(O)c(O${i})c1`)

/** A Bloom filter hashes the key's text: the 64-bit hash plays no part. */
const noHash = new Uint32Array(2)

describe("makeSeenSet", () => {
  it("exact: accepts each distinct key once and never estimates drops", async () => {
    const { hashInto } = await makeKeyHasher()
    const seen = makeSeenSet({ mode: "exact", expectedProducts: KEY_COUNT, fpRate: 1e-6 })
    const hash = new Uint32Array(2)
    const offer = (key: string): boolean => {
      hashInto(key, hash, 0)
      return seen.addIfNew([key], hash, 0)
    }
    assert.isTrue(keys.every(offer))
    assert.isTrue(keys.every((key) => !offer(key)))
    assert.strictEqual(seen.mode, "exact")
    assert.strictEqual(seen.size, KEY_COUNT)
    assert.strictEqual(seen.estimatedFalsePositives, 0)
    assert.strictEqual(seen.bytes, 8_192 * 8)
  })

  it("exact: never reads a key's text, so keys that arrived as bytes stay undecoded", async () => {
    const { hashInto } = await makeKeyHasher()
    const seen = makeSeenSet({ mode: "exact", expectedProducts: KEY_COUNT, fpRate: 1e-6 })
    const hashes = new Uint32Array(2 * keys.length)
    keys.forEach((key, i) => hashInto(key, hashes, 2 * i))
    const unread = { length: keys.length, at: (): string => assert.fail("the exact table read a key's text") }
    assert.strictEqual(keys.filter((_, i) => seen.addIfNew(unread, hashes, i)).length, KEY_COUNT)
    assert.strictEqual(keys.filter((_, i) => seen.addIfNew(unread, hashes, i)).length, 0)
  })

  it("bloom: accepts each distinct key at most once and holds about m / 8 bytes", () => {
    const seen = makeSeenSet({ mode: "bloom", expectedProducts: KEY_COUNT, fpRate: 1e-6 })
    const accepted = keys.filter((key) => seen.addIfNew([key], noHash, 0)).length
    assert.isAtLeast(accepted, KEY_COUNT - 1)
    assert.isTrue(keys.every((key) => !seen.addIfNew([key], noHash, 0)))
    assert.strictEqual(seen.mode, "bloom")
    assert.strictEqual(seen.size, accepted)
    // 1e-6 needs -ln(1e-6) / (ln 2)^2 = 28.8 bits a key.
    assert.approximately(seen.bytes / KEY_COUNT, 28.76 / 8, 0.01)
    assert.isAbove(seen.estimatedFalsePositives, 0)
    assert.isBelow(seen.estimatedFalsePositives, 1)
  })
})
