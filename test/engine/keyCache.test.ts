/**
 * The workers' shared key cache: what is set is got back, from any thread attached to the buffer; a newer entry
 * replaces the older of its two slots; what does not fit a slot is not kept; a busy slot is a miss, never a wrong key.
 */
import { Worker } from "node:worker_threads"
import { assert, describe, it } from "vitest"
import { KeyCache, keyCacheSlotBytes } from "../../src/engine/keyCache.js"

describe("KeyCache", () => {
  it("gives back each key set, remembers invalid results as null, and misses what it never saw", () => {
    const cache = KeyCache.create(64)
    cache.set("c1ccccc1O", "Oc1ccccc1")
    cache.set("C(C)(C)(C)(C)C", null)
    cache.set("CC(=O)O", "CC(=O)O")
    assert.strictEqual(cache.get("c1ccccc1O"), "Oc1ccccc1")
    assert.isNull(cache.get("C(C)(C)(C)(C)C"))
    assert.strictEqual(cache.get("CC(=O)O"), "CC(=O)O")
    assert.isUndefined(cache.get("CCO"))
    assert.strictEqual(cache.size, 3)
  })

  it("resolves a raw SMILES by parsing it once, then from memory, invalid results included", () => {
    const cache = KeyCache.create(64)
    const parsed: Array<string> = []
    const parse = (raw: string) => {
      parsed.push(raw)
      return raw === "C(C)(C)(C)(C)C" ? null : raw.toUpperCase()
    }
    assert.strictEqual(cache.resolve("c1ccccc1", parse), "C1CCCCC1")
    assert.strictEqual(cache.resolve("c1ccccc1", parse), "C1CCCCC1")
    assert.isNull(cache.resolve("C(C)(C)(C)(C)C", parse))
    assert.isNull(cache.resolve("C(C)(C)(C)(C)C", parse))
    assert.strictEqual(cache.get("c1ccccc1"), "C1CCCCC1")
    assert.deepStrictEqual(parsed, ["c1ccccc1", "C(C)(C)(C)(C)C"])
    const long = "C".repeat(keyCacheSlotBytes)
    assert.strictEqual(cache.resolve(long, parse), long)
    assert.strictEqual(cache.resolve(long, parse), long)
    assert.strictEqual(parsed.length, 4)
  })

  it("holds at most its slots, and a raw SMILES' two slots keep its two newest rivals", () => {
    const cache = KeyCache.create(2)
    for (let i = 0; i < 100; i++) cache.set(`C${i}`, `K${i}`)
    assert.strictEqual(cache.size, 2)
    assert.deepStrictEqual(["C98", "C99"].map((raw) => cache.get(raw)), ["K98", "K99"])
    assert.isUndefined(cache.get("C97"))
  })

  it("shares its entries with every cache attached to the same buffer", () => {
    const cache = KeyCache.create(64)
    const attached = KeyCache.attach(cache.buffer)
    attached.set("OC(=O)c1ccccc1", "O=C(O)c1ccccc1")
    assert.strictEqual(cache.get("OC(=O)c1ccccc1"), "O=C(O)c1ccccc1")
  })

  it("does not keep an entry too long for a slot, and keeps a long one whose key is its raw SMILES once", () => {
    const cache = KeyCache.create(64)
    const long = "C".repeat(keyCacheSlotBytes)
    const half = "C".repeat(keyCacheSlotBytes / 2)
    cache.set(long, "C")
    cache.set("CC", long)
    cache.set(half, half + "O")
    assert.isUndefined(cache.get(long))
    assert.isUndefined(cache.get("CC"))
    assert.isUndefined(cache.get(half))
    cache.set(half, half)
    assert.strictEqual(cache.get(half), half)
    assert.strictEqual(cache.size, 1)
  })

  it("refuses a slot count that is not an even integer ≥ 2, and a buffer that is not a cache's", () => {
    assert.throws(() => KeyCache.create(0), RangeError)
    assert.throws(() => KeyCache.create(3), RangeError)
    assert.throws(() => KeyCache.attach(new SharedArrayBuffer(100)), RangeError)
  })

  it("never gives a wrong key while two threads write and read the same slots at once", async () => {
    // Few slots and many distinct raw SMILES: both threads keep replacing each other's entries. Every key is a
    // function of its raw SMILES, so any hit can be checked.
    const cache = KeyCache.create(8)
    const source = `
      const { parentPort, workerData } = require("node:worker_threads")
      import(${JSON.stringify(new URL("../../dist/engine/keyCache.js", import.meta.url).href)}).then(({ KeyCache }) => {
        const cache = KeyCache.attach(workerData.buffer)
        let hits = 0, wrong = 0
        for (let i = 0; i < 200000; i++) {
          const n = (i * 7919 + workerData.seed) % 50
          const raw = "C".repeat(n % 40 + 1) + "O" + n
          const expected = n % 5 === 0 ? null : raw + "|" + n
          const got = cache.get(raw)
          if (got !== undefined) { hits++; if (got !== expected) wrong++ }
          else cache.set(raw, expected)
        }
        parentPort.postMessage({ hits, wrong })
      })
    `
    const run = (seed: number) =>
      new Promise<{ hits: number; wrong: number }>((resolve, reject) => {
        const worker = new Worker(source, { eval: true, workerData: { buffer: cache.buffer, seed } })
        worker.once("message", (result) => void worker.terminate().then(() => resolve(result)))
        worker.once("error", reject)
      })
    const results = await Promise.all([run(1), run(2)])
    for (const { hits, wrong } of results) {
      assert.isAbove(hits, 0)
      assert.strictEqual(wrong, 0)
    }
  })
})
