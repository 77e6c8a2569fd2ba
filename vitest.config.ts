import { defineConfig } from "vitest/config"

// Vitest's reporter groups a failed test's attempts with Map.groupBy, which Node 20 lacks: without it the failure's
// message is lost behind a TypeError. Node 21 and later have it, so this only fills the gap.
const mapWithGroupBy = Map as unknown as { groupBy?: unknown }
if (typeof mapWithGroupBy.groupBy !== "function") {
  mapWithGroupBy.groupBy = <T, K>(items: Iterable<T>, keyOf: (item: T, index: number) => K): Map<K, Array<T>> => {
    const groups = new Map<K, Array<T>>()
    let index = 0
    for (const item of items) {
      const key = keyOf(item, index++)
      const group = groups.get(key)
      if (group === undefined) groups.set(key, [item])
      else group.push(item)
    }
    return groups
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // End-to-end runs start RDKit worker threads; two cores run two such files at a time at most.
    maxWorkers: 2,
    testTimeout: 600_000,
    hookTimeout: 600_000
  }
})
