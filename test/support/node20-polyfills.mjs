// vitest 5's reporter calls Map.groupBy (Node 21+) when it prints a failure; on Node 20 it would crash instead of
// showing which test failed. Loaded by vitest.config.ts, so every way of starting vitest has it; the product needs no
// polyfill.
if (typeof Map.groupBy !== "function") {
  Map.groupBy = (items, keyOf) => {
    const groups = new Map()
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
