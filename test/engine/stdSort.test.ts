/** GCC's std::sort, element for element: the order native RDKit lists rings of equal size in. */
import * as fs from "node:fs"
import { assert, describe, it } from "vitest"
import { gccSort } from "../../src/engine/stdSort.js"

/** The keys test/fixtures/reference/gcc_sort.cpp sorts: the same generator, lengths and key range. */
const arrays = (lengths: ReadonlyArray<number>) => {
  let state = 1
  return lengths.map((n) =>
    Array.from({ length: n }, (_, position) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0
      return { key: 5 + ((state >>> 16) % 3), position }
    })
  )
}

describe("gccSort", () => {
  it("leaves equal keys in the order g++ 12's std::sort does, for short (insertion) and long (introsort) arrays", () => {
    const expected = fs.readFileSync(new URL("../fixtures/reference/gcc_sort.txt", import.meta.url), "utf8").trim().split("\n")
      .map((line) => line.split(" ").map(Number))
    const lengths = expected.map(([n]) => n!)
    assert.deepStrictEqual(lengths, [5, 16, 17, 40, 100, 333])
    arrays(lengths).forEach((items, i) => {
      assert.isTrue(gccSort(items, (a, b) => a.key < b.key))
      assert.deepStrictEqual(items.map((item) => item.position), expected[i]!.slice(1), `length ${lengths[i]}`)
    })
  })

  it("differs from a stable sort beyond 16 elements, which is why it is reproduced rather than Array.sort used", () => {
    const lengths = [16, 17, 40, 100, 333]
    const sorted = arrays(lengths)
    const stable = sorted.map((items) => [...items].sort((a, b) => a.key - b.key).map((item) => item.position))
    sorted.forEach((items) => gccSort(items, (a, b) => a.key < b.key))
    const same = sorted.map((items, i) => items.every((item, j) => item.position === stable[i]![j]))
    assert.deepStrictEqual(same, [true, false, false, false, false])
  })
})
