import { assert, describe, it } from "@effect/vitest"
import { makeKeyHasher } from "../../src/dedup/keyHash.js"

/** Keys hashed by both hashers in the determinism test. */
const KEY_COUNT = 10_000

const hashOf = (hashInto: (key: string, out: Uint32Array, offset: number) => void, key: string): [number, number] => {
  const out = new Uint32Array(2)
  hashInto(key, out, 0)
  return [out[0] ?? 0, out[1] ?? 0]
}

describe("keyHash", () => {
  it("matches xxHash64's reference values with seed 0, so a restarted run recomputes the same hashes", async () => {
    const { hashInto } = await makeKeyHasher()
    // XXH64("", 0) = 0xEF46DB3751D8E999 is the reference implementation's published empty-input value.
    assert.deepStrictEqual(hashOf(hashInto, ""), [0xef46db37, 0x51d8e999])
    const cco = 3317786392830917381n
    assert.deepStrictEqual(hashOf(hashInto, "CCO"), [Number(cco >> 32n), Number(cco & 0xffffffffn)])
  })

  it("gives the same hashes from two hasher instances", async () => {
    const first = await makeKeyHasher()
    const second = await makeKeyHasher()
    const a = new Uint32Array(2 * KEY_COUNT)
    const b = new Uint32Array(2 * KEY_COUNT)
    for (let i = 0; i < KEY_COUNT; i++) {
      const key = `CC(=O)Nc1ccc(O${i})cc1`
      first.hashInto(key, a, 2 * i)
      second.hashInto(key, b, 2 * i)
    }
    assert.deepStrictEqual(a, b)
  })

  it("writes at the given offset and nowhere else", async () => {
    const { hashInto } = await makeKeyHasher()
    const out = new Uint32Array(4)
    hashInto("c1ccccc1O", out, 1)
    assert.strictEqual(out[0], 0)
    assert.strictEqual(out[3], 0)
    assert.deepStrictEqual([out[1], out[2]], hashOf(hashInto, "c1ccccc1O"))
  })
})
