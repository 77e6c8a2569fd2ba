/**
 * The coordinator's registry of runners, over an in-memory registry of the cluster: which of a coordinator's client
 * threads tells the run's user as runners join, leave or are refused.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { Runner, RunnerAddress, RunnerStorage } from "effect/cluster"
import { TestClock } from "effect/testing"
import { defaults } from "../../../src/config.js"
import { makeRegistry, type RegistryRole } from "../../../src/engine/cluster/registry.js"

const address = RunnerAddress.make("127.0.0.1", 34431)
const shardOf = (id: string) => (Number(id.slice(id.lastIndexOf("-") + 1)) % defaults.clusterShards) + 1

/** What a registry of `role` tells as a runner joins, takes a batch, is refused, and leaves with the batch. */
const told = (role: RegistryRole) =>
  Effect.gen(function*() {
    const storage = yield* RunnerStorage.RunnerStorage
    yield* storage.register(Runner.make({ address, groups: ["default"], weight: 2 }), true)
    const registry = yield* makeRegistry({ shardOf, redact: (text) => text, role })
    const notices: Array<string> = []
    yield* registry.notices.pipe(Stream.runForEach((notice) => Effect.sync(() => notices.push(notice.message))), Effect.forkScoped)
    const route = yield* registry.acquire
    registry.refuse(route.runner.address, "runner 127.0.0.1:34431 refused: another version")
    registry.notify("a batch on runner 127.0.0.1:34431 failed (lost); sending it again")
    yield* storage.unregister(address)
    yield* TestClock.adjust(`${defaults.clusterRefreshMs} millis`)
    yield* Effect.yieldNow
    return { notices, events: registry.events().map((event) => event.change) }
  }).pipe(Effect.scoped, Effect.provide(RunnerStorage.layerMemory))

describe("the registry of runners", () => {
  const batchFailed = "a batch on runner 127.0.0.1:34431 failed (lost); sending it again"
  it.effect.each<{ readonly role: RegistryRole; readonly notices: ReadonlyArray<string> }>([
    {
      role: "sole",
      notices: [
        "runner 127.0.0.1:34431 joined with 2 worker(s)",
        "runner 127.0.0.1:34431 refused: another version",
        batchFailed,
        "runner 127.0.0.1:34431 left; its 1 batch(es) in flight go to other runners"
      ]
    },
    {
      role: "lead",
      notices: ["runner 127.0.0.1:34431 joined with 2 worker(s)", "runner 127.0.0.1:34431 refused: another version", batchFailed, "runner 127.0.0.1:34431 left"]
    },
    { role: "other", notices: [batchFailed] }
  ])("a registry in the $role role tells what it should, and records every change", ({ role, notices }) =>
    Effect.gen(function*() {
      const seen = yield* told(role)
      assert.deepStrictEqual(seen.notices, notices)
      assert.deepStrictEqual(seen.events, ["joined", "refused", "left"])
    }))
})
