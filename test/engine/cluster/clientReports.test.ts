/** One report from a coordinator's client threads: each counted its own batches to the same runners. */
import { assert, describe, it } from "@effect/vitest"
import type { RunnerReport } from "../../../src/engine/Engine.js"
import { type ClusterReport, mergeReports } from "../../../src/engine/cluster/clientReports.js"

const runner = (address: string, batches: number, molecules: number, busySeconds: number, resent = 0, refused?: string): RunnerReport => ({
  address,
  workers: 4,
  batches,
  molecules,
  busySeconds,
  molPerSecond: busySeconds > 0 ? molecules / busySeconds : 0,
  resent,
  refused
})

const report = (runners: ReadonlyArray<RunnerReport>, resentBatches: number, workers: number, events: ClusterReport["events"] = []): ClusterReport => ({
  kind: "cluster",
  workers,
  rdkit: "2022.09.3",
  cluster: "postgres://molexpand@db/molexpand",
  runners,
  resentBatches,
  events
})

describe("mergeReports", () => {
  const joined = [{ seconds: 0.5, address: "a:1", change: "joined", workers: 4 }] as const

  it("sums each runner's batches, molecules and re-sent batches over the threads, and rates them over the longer span", () => {
    const merged = mergeReports(
      report([runner("a:1", 3, 1200, 10, 1), runner("b:2", 2, 800, 8)], 1, 8, joined),
      [report([runner("a:1", 4, 1600, 12), runner("b:2", 1, 400, 6, 2, "runner b:2 refused")], 2, 8, [])]
    )
    assert.deepStrictEqual(merged.runners, [
      { address: "a:1", workers: 4, batches: 7, molecules: 2800, busySeconds: 12, molPerSecond: 2800 / 12, resent: 1, refused: undefined },
      { address: "b:2", workers: 4, batches: 3, molecules: 1200, busySeconds: 8, molPerSecond: 150, resent: 2, refused: "runner b:2 refused" }
    ])
    assert.strictEqual(merged.resentBatches, 3)
    assert.deepStrictEqual(merged.events, joined)
  })

  it.each([
    { name: "a runner only another thread has used", lead: [], other: [runner("c:3", 1, 50, 2)], addresses: ["c:3"] },
    { name: "a runner no batch reached", lead: [runner("d:4", 0, 0, 0)], other: [runner("d:4", 0, 0, 0)], addresses: ["d:4"] }
  ])("keeps $name", ({ lead, other, addresses }) => {
    const merged = mergeReports(report(lead, 0, 4), [report(other, 0, 4)])
    assert.deepStrictEqual(merged.runners.map((each) => each.address), addresses)
    assert.isTrue(merged.runners.every((each) => Number.isFinite(each.molPerSecond)))
  })

  it("takes the most workers any thread saw, and the lead's report alone unchanged", () => {
    assert.strictEqual(mergeReports(report([], 0, 4), [report([], 0, 12)]).workers, 12)
    const alone = report([runner("a:1", 3, 1200, 10)], 1, 4, joined)
    assert.deepStrictEqual(mergeReports(alone, []), alone)
  })
})
