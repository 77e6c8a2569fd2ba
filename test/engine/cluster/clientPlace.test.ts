/** Where a coordinator runs its cluster client: asked for, or by the machine's cores. */
import { assert, describe, it } from "@effect/vitest"
import { clientInThread, defaults } from "../../../src/config.js"

describe("clientInThread", () => {
  const enough = defaults.clusterClientThreadMinCores
  it.each([
    { place: "thread", cores: 1, expected: true },
    { place: "main", cores: 64, expected: false },
    { place: "auto", cores: enough, expected: true },
    { place: "auto", cores: enough - 1, expected: false },
    { place: "auto", cores: 2, expected: false }
  ] as const)("--cluster-client $place on $cores cores: in a thread $expected", ({ place, cores, expected }) => {
    assert.strictEqual(clientInThread(place, cores), expected)
  })
})
