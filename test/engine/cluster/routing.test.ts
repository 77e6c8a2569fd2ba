/** Which runner gets the next batch, and through which shard: the pure routing rules, against Effect Cluster's own. */
import { assert, describe, it } from "@effect/vitest"
import { RunnerAddress } from "effect/cluster"
import { addressText, assignShards, entityIdsByShard, pickRunner, shardsByRunner } from "../../../src/engine/cluster/routing.js"

const load = (address: string, slots: number, inFlight: number) => ({ address, slots, inFlight })

describe("pickRunner", () => {
  it.each([
    { why: "nobody is free", runners: [load("a", 1, 1), load("b", 2, 2)], picked: undefined },
    { why: "the only free runner", runners: [load("a", 1, 1), load("b", 2, 1)], picked: "b" },
    { why: "the larger share of free workers", runners: [load("a", 16, 8), load("b", 2, 0)], picked: "b" },
    { why: "a share tie goes to the fewer in flight", runners: [load("a", 4, 2), load("b", 2, 1)], picked: "b" },
    { why: "a full tie goes to the first address", runners: [load("b", 1, 0), load("a", 1, 0)], picked: "a" },
    { why: "no runners", runners: [], picked: undefined }
  ])("$why", ({ runners, picked }) => {
    assert.strictEqual(pickRunner(runners), picked)
  })

  it("spreads batches in proportion to workers", () => {
    const state = [load("big", 16, 0), load("small", 1, 0)]
    const taken: Array<string> = []
    for (let i = 0; i < 17; i++) {
      const address = pickRunner(state)!
      taken.push(address)
      state.find((r) => r.address === address)!.inFlight++
    }
    assert.strictEqual(taken.filter((a) => a === "big").length, 16)
    assert.strictEqual(taken.filter((a) => a === "small").length, 1)
    assert.isUndefined(pickRunner(state))
  })
})

describe("assignShards", () => {
  const runners = [
    { address: RunnerAddress.make("10.0.0.1", 34431), weight: 1 },
    { address: RunnerAddress.make("10.0.0.2", 34431), weight: 3 }
  ]

  it("gives every shard an owner, in proportion to the runners' weights", () => {
    const owners = assignShards(runners, 300)
    assert.strictEqual(owners.length, 300)
    const first = owners.filter((o) => o === "10.0.0.1:34431").length
    const second = owners.filter((o) => o === "10.0.0.2:34431").length
    assert.strictEqual(first + second, 300)
    assert.approximately(second / first, 3, 0.5)
  })

  it("does not depend on the order the registry lists the runners in", () => {
    assert.deepStrictEqual(assignShards(runners, 60), assignShards([...runners].reverse(), 60))
  })

  it("has no owners without runners", () => {
    assert.deepStrictEqual(assignShards([], 3), [undefined, undefined, undefined])
  })
})

describe("entityIdsByShard", () => {
  it("finds one id per shard, each in its shard", () => {
    const shardOf = (id: string) => (Number(id.slice(1)) * 7) % 5 + 1
    const ids = entityIdsByShard(5, shardOf, "x")
    assert.strictEqual(ids.length, 5)
    ids.forEach((id, i) => assert.strictEqual(shardOf(id), i + 1))
  })
})

describe("shardsByRunner", () => {
  it("lays what runners reported over the computed assignment", () => {
    const byRunner = shardsByRunner(["a", "a", "b", undefined], new Map([[1, "b"]]))
    assert.deepStrictEqual(byRunner.get("a"), [0])
    assert.deepStrictEqual(byRunner.get("b"), [1, 2])
    assert.strictEqual(byRunner.size, 2)
  })

  it("names a runner by host and port", () => {
    assert.strictEqual(addressText(RunnerAddress.make("node-3", 34431)), "node-3:34431")
  })
})
