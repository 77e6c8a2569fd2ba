/** Where a coordinator runs its cluster client: asked for, or by the machine's cores. */
import { assert, describe, it } from "@effect/vitest"
import { clientThreads, defaults } from "../../../src/config.js"

describe("clientThreads", () => {
  const enough = defaults.clusterClientThreadMinCores
  const threads = defaults.clusterClientThreads
  it.each([
    { place: "thread", cores: 1, expected: threads },
    { place: "main", cores: 64, expected: 0 },
    { place: "auto", cores: enough, expected: threads },
    { place: "auto", cores: enough - 1, expected: 0 },
    { place: "auto", cores: 2, expected: 0 }
  ] as const)("--cluster-client $place on $cores cores: $expected client threads", ({ place, cores, expected }) => {
    assert.strictEqual(clientThreads(place, cores), expected)
  })
})
