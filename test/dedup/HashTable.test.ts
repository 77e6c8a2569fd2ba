import { assert, describe, it } from "@effect/vitest"
import { HashTable, MAX_LOAD_FACTOR } from "../../src/dedup/HashTable.js"
import { makeKeyHasher } from "../../src/dedup/keyHash.js"

/** Distinct keys in the bulk test, as the brief for the table asks. */
const KEY_COUNT = 200_000

/** SMILES-like fragments the random keys are built from. */
const FRAGMENTS = ["C", "c1ccccc1", "O", "N", "(=O)", "[C@@H]", "Cl", "(O)", "c2ccc(O)cc2", "[nH]", "S", "CC"]

/** Fragments per key: about 40 characters, like a mid-sized product's SMILES. */
const FRAGMENTS_PER_KEY = 10

/** Seed and multiplier of the tests' linear congruential generator (Numerical Recipes' constants). */
const SEED = 20_261_127
const LCG_MULTIPLIER = 1_664_525
const LCG_INCREMENT = 1_013_904_223

/** Random SMILES-like keys, made distinct by a base-36 counter suffix. */
const randomKeys = (count: number): Array<string> => {
  let state = SEED
  const keys: Array<string> = []
  for (let i = 0; i < count; i++) {
    let key = ""
    for (let j = 0; j < FRAGMENTS_PER_KEY; j++) {
      state = (Math.imul(state, LCG_MULTIPLIER) + LCG_INCREMENT) >>> 0
      key += FRAGMENTS[state % FRAGMENTS.length]
    }
    keys.push(`${key}.${i.toString(36)}`)
  }
  return keys
}

describe("HashTable", () => {
  it("accepts distinct keys once, then reports every one as seen", async () => {
    const { hashInto } = await makeKeyHasher()
    const keys = randomKeys(KEY_COUNT)
    const hashes = new Uint32Array(2 * KEY_COUNT)
    keys.forEach((key, i) => hashInto(key, hashes, 2 * i))
    const table = new HashTable(KEY_COUNT)
    let accepted = 0
    for (let i = 0; i < KEY_COUNT; i++) if (table.addIfNew(hashes[2 * i] ?? 0, hashes[2 * i + 1] ?? 0)) accepted++
    assert.strictEqual(accepted, KEY_COUNT)
    let acceptedAgain = 0
    for (let i = 0; i < KEY_COUNT; i++) if (table.addIfNew(hashes[2 * i] ?? 0, hashes[2 * i + 1] ?? 0)) acceptedAgain++
    assert.strictEqual(acceptedAgain, 0)
    assert.strictEqual(table.size, KEY_COUNT)
  })

  it("sizes its first allocation from the expected count, within the max load", () => {
    for (const [expected, capacity] of [[0, 16], [12, 16], [13, 32], [1_000, 2_048], [786_432, 1_048_576]] as const) {
      const table = new HashTable(expected)
      assert.strictEqual(table.capacity, capacity, `expected ${expected}`)
      assert.strictEqual(table.bytes, capacity * 8)
    }
  })

  it("keeps every key and stays under the max load as it grows from the smallest table", () => {
    const table = new HashTable(1)
    const count = 50_000
    let state = SEED
    const hashes = new Uint32Array(2 * count)
    for (let i = 0; i < 2 * count; i++) {
      state = (Math.imul(state, LCG_MULTIPLIER) + LCG_INCREMENT) >>> 0
      hashes[i] = state
    }
    for (let i = 0; i < count; i++) assert.isTrue(table.addIfNew(hashes[2 * i] ?? 0, hashes[2 * i + 1] ?? 0))
    assert.strictEqual(table.size, count)
    assert.isAtLeast(table.capacity, count / MAX_LOAD_FACTOR)
    assert.strictEqual(table.capacity & (table.capacity - 1), 0, "capacity is a power of two")
    for (let i = 0; i < count; i++) assert.isTrue(table.has(hashes[2 * i] ?? 0, hashes[2 * i + 1] ?? 0))
    assert.isFalse(table.has(1, 2))
  })

  it("stores the hash (0,0) although (0,0) marks an empty slot", () => {
    const table = new HashTable(10)
    assert.isFalse(table.has(0, 0))
    assert.isTrue(table.addIfNew(0, 0))
    assert.isFalse(table.addIfNew(0, 0))
    assert.isTrue(table.has(0, 0))
    assert.isTrue(table.addIfNew(0, 1))
    assert.isTrue(table.addIfNew(1, 0))
    assert.strictEqual(table.size, 3)
  })

  it("treats int32 and uint32 spellings of a hash as the same hash", () => {
    const table = new HashTable(10)
    assert.isTrue(table.addIfNew(-1, -2))
    assert.isFalse(table.addIfNew(0xffffffff, 0xfffffffe))
    assert.isTrue(table.has(0xffffffff, 0xfffffffe))
  })

  it("rejects an expected count that is negative or not a number", () => {
    for (const expected of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => new HashTable(expected), RangeError)
    }
  })
})
