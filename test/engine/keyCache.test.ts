/** The worker's key cache: never more than its capacity, least recently used out first, invalid results remembered. */
import { assert, describe, it } from "vitest"
import { KeyCache } from "../../src/engine/keyCache.js"

describe("KeyCache", () => {
  it("holds at most its capacity, dropping the least recently used", () => {
    const cache = new KeyCache(3)
    cache.set("a", "A")
    cache.set("b", "B")
    cache.set("c", null)
    assert.strictEqual(cache.get("a"), "A") // a is now the most recently used: b goes first
    cache.set("d", "D")
    assert.strictEqual(cache.size, 3)
    assert.isUndefined(cache.get("b"))
    assert.strictEqual(cache.get("a"), "A")
    assert.isNull(cache.get("c"))
    assert.strictEqual(cache.get("d"), "D")
    for (let i = 0; i < 100; i++) cache.set(`k${i}`, `K${i}`)
    assert.strictEqual(cache.size, 3)
    assert.deepStrictEqual(["k97", "k98", "k99"].map((k) => cache.get(k)), ["K97", "K98", "K99"])
  })

  it("replaces a key it already holds without growing", () => {
    const cache = new KeyCache(2)
    cache.set("a", "A")
    cache.set("a", null)
    assert.strictEqual(cache.size, 1)
    assert.isNull(cache.get("a"))
  })

  it("refuses a capacity that is not a positive integer", () => {
    assert.throws(() => new KeyCache(0), RangeError)
    assert.throws(() => new KeyCache(1.5), RangeError)
  })
})
