import { assert, describe, it } from "vitest"
import { startupHeapGrowth, v8Heuristic } from "../../src/governor/heapGrowth.js"

describe("startupHeapGrowth", () => {
  it("is V8's heuristic when the process was started without the flag", () => {
    assert.strictEqual(startupHeapGrowth([]), v8Heuristic)
    assert.strictEqual(startupHeapGrowth(["--max-old-space-size=512", "--enable-source-maps"]), v8Heuristic)
  })

  it("reads the flag in each spelling V8 accepts", () => {
    assert.strictEqual(startupHeapGrowth(["--heap-growing-percent=50"]), 50)
    assert.strictEqual(startupHeapGrowth(["--heap_growing_percent=40"]), 40)
    assert.strictEqual(startupHeapGrowth(["--heap-growing-percent", "25", "--enable-source-maps"]), 25)
  })

  it("takes the last value, as V8 does when a flag is repeated", () => {
    assert.strictEqual(startupHeapGrowth(["--heap-growing-percent=50", "--heap-growing-percent=20"]), 20)
  })
})
