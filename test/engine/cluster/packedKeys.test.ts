/** Keys packed as one text: each read back as it was, only when asked for, and a malformed pack refused. */
import { assert, describe, it } from "@effect/vitest"
import { PackedKeys, packKeys } from "../../../src/engine/cluster/packedKeys.js"

describe("packed keys", () => {
  it.each([
    ["none", []],
    ["one", ["Oc1ccccc1"]],
    ["brackets, charges, isotopes and non-ASCII text", ["C[C@H](N)C(=O)[O-]", "[13CH3]O", "", "Oé", "c1ccc2c(c1)oc1ccccc12"]]
  ])("read back %s, each key by its place", (_, keys) => {
    const packed = new PackedKeys(packKeys(keys), keys.length)
    assert.strictEqual(packed.length, keys.length)
    assert.deepStrictEqual(keys.map((_, i) => packed.at(i)), keys)
    assert.isUndefined(packed.at(keys.length))
    assert.isUndefined(packed.at(-1))
  })

  it("read keys from any offset of a larger buffer", () => {
    const bytes = packKeys(["CCO", "CCN"])
    const larger = new Uint8Array(bytes.length + 5)
    larger.set(bytes, 5)
    const packed = new PackedKeys(larger.subarray(5), 2)
    assert.deepStrictEqual([packed.at(1), packed.at(0)], ["CCN", "CCO"])
  })

  it.each([
    ["fewer keys than the chunk's hashes count", ["CCO"], 2, /end after 1 of 2/],
    ["more keys than the chunk's hashes count", ["CCO", "CCN"], 1, /more than its 1 keys/]
  ])("refuse %s", (_, keys, count, message) => {
    assert.throws(() => new PackedKeys(packKeys(keys), count), message)
  })

  it("refuse bytes that do not end with a key's end", () => {
    assert.throws(() => new PackedKeys(new TextEncoder().encode("CCO\nCC"), 1), /more than its 1 keys/)
  })
})
