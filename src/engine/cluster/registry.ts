/**
 * The coordinator's view of a cluster's runners: which are alive (the cluster's registry, read every second), how
 * many workers each has, which shards each owns, how many of this run's batches each holds, and what each did. It
 * hands out runners with a free worker (`acquire`, waiting while none has one), and tells the run's user as runners
 * join, leave or are refused.
 */
import { Cause, Deferred, Effect, Queue, Schedule, Stream } from "effect"
import { type EntityId, RunnerStorage } from "effect/cluster"
import { defaults } from "../../config.js"
import type { EngineNotice, RunnerEvent, RunnerReport } from "../Engine.js"
import { molPerSecond } from "./clientReports.js"
import { describeError } from "./connection.js"
import { addressText, assignShards, entityIdsByShard, pickRunner, shardsByRunner } from "./routing.js"

export interface RunnerState {
  readonly address: string
  workers: number
  alive: boolean
  /** Why it gets no batches, once refused. */
  refused: string | undefined
  /** It has answered a batch that carried no rules: it holds the rule set. */
  hasRules: boolean
  inFlight: number
  batches: number
  molecules: number
  /** Batches it had taken that were sent again. */
  resent: number
  firstStartedAt: number | undefined
  lastEndedAt: number | undefined
}

/** A runner taken for a batch, and the entity id (of one of its shards) that reaches it. */
export interface Route {
  readonly runner: RunnerState
  readonly shard: number
  readonly entityId: string
}

export type RegistryRole = "sole" | "lead" | "other"

export const makeRegistry = Effect.fnUntraced(function*(options: {
  /** The cluster's id-to-shard function (`Sharding.getShardId`). */
  readonly shardOf: (entityId: EntityId.EntityId) => number
  /** Makes an error of the registry's database fit to show (no password). */
  readonly redact: (text: string) => string
  /**
   * A coordinator with several client threads has a registry in each, all reading the same runners: the `lead` one
   * tells the run's user as runners join, leave or are refused, or the user would read each change once a thread.
   * Only a `sole` registry holds all of the run's batches, and so can say how many a runner that left had.
   */
  readonly role: RegistryRole
}) {
  const storage = yield* RunnerStorage.RunnerStorage
  const started = Date.now()
  const seconds = () => (Date.now() - started) / 1000
  const entityIds = entityIdsByShard(defaults.clusterShards, (id) => options.shardOf(id as EntityId.EntityId), "batch-")

  const runners = new Map<string, RunnerState>()
  let assignment: ReadonlyArray<string | undefined> = []
  /** Shards found served by another runner than `assignment` says, until the next assignment. */
  const corrections = new Map<number, string>()
  let owned: ReadonlyMap<string, ReadonlyArray<number>> = new Map()
  let nextShard = 0
  let mostWorkers = 0
  const events: Array<RunnerEvent> = []
  const notices = yield* Queue.unbounded<EngineNotice>()
  /** Completed, and replaced, whenever runners or their loads change: what waiting batches wait on. */
  let changed = Deferred.makeUnsafe<void>()
  const signal = () => {
    const current = changed
    changed = Deferred.makeUnsafe<void>()
    Deferred.doneUnsafe(current, Effect.void)
  }
  const notify = (message: string) => Queue.offerUnsafe(notices, { message })
  const announce = (message: string) => {
    if (options.role !== "other") notify(message)
  }
  const record = (state: RunnerState, change: RunnerEvent["change"]) =>
    events.push({ seconds: seconds(), address: state.address, change, workers: state.workers })

  const usable = () => [...runners.values()].filter((state) => state.alive && state.refused === undefined && owned.has(state.address))
  /** Batches a runner is given at once: one per worker, and one waiting on the runner for the first worker free. */
  const slots = (state: RunnerState) => state.workers + defaults.runnerQueuedBatches
  const capacity = () => usable().reduce((total, state) => total + slots(state), 0)

  const reroute = () => {
    owned = shardsByRunner(assignment, corrections)
    mostWorkers = Math.max(mostWorkers, usable().reduce((total, state) => total + state.workers, 0))
    signal()
  }

  const joined = (address: string, workers: number) => {
    const state: RunnerState = runners.get(address) ?? {
      address,
      workers,
      alive: true,
      refused: undefined,
      hasRules: false,
      inFlight: 0,
      batches: 0,
      molecules: 0,
      resent: 0,
      firstStartedAt: undefined,
      lastEndedAt: undefined
    }
    // A runner that comes back may have been restarted with other versions or without the rules: ask again.
    Object.assign(state, { workers, alive: true, refused: undefined, hasRules: false })
    runners.set(address, state)
    record(state, "joined")
    announce(`runner ${address} joined with ${workers} worker(s)`)
  }

  /** Reads the registry: who is alive, with how many workers. */
  const refresh = Effect.gen(function*() {
    const healthy = (yield* storage.getRunners).filter(([, isHealthy]) => isHealthy).map(([runner]) => runner)
    const alive = new Set(healthy.map((runner) => addressText(runner.address)))
    let moved = false
    for (const runner of healthy) {
      const address = addressText(runner.address)
      const state = runners.get(address)
      if (state?.alive === true && state.workers === runner.weight) continue
      moved = true
      if (state?.alive === true) state.workers = runner.weight
      else joined(address, runner.weight)
    }
    for (const state of runners.values()) {
      if (!state.alive || alive.has(state.address)) continue
      moved = true
      state.alive = false
      record(state, "left")
      announce(`runner ${state.address} left${options.role === "sole" && state.inFlight > 0 ? `; its ${state.inFlight} batch(es) in flight go to other runners` : ""}`)
    }
    if (!moved) return
    assignment = assignShards(healthy.map((runner) => ({ address: runner.address, weight: runner.weight })), defaults.clusterShards)
    corrections.clear()
    reroute()
  })
  let failing = false
  const refreshQuietly = refresh.pipe(
    Effect.tap(() => Effect.sync(() => (failing = false))),
    Effect.catchCause((cause) =>
      Effect.sync(() => {
        if (!failing) announce(`cannot read the cluster's runners (${options.redact(describeError(Cause.squash(cause)))}); trying again`)
        failing = true
      })
    )
  )
  yield* refreshQuietly
  yield* refreshQuietly.pipe(Effect.repeat(Schedule.spaced(`${defaults.clusterRefreshMs} millis`)), Effect.forkScoped)

  /** A runner with a free worker, with one of its batches counted, and the way to it; waits while there is none. */
  const acquire: Effect.Effect<Route> = Effect.suspend(() => {
    const wake = changed
    const address = pickRunner(usable().map((state) => ({ address: state.address, slots: slots(state), inFlight: state.inFlight })))
    if (address === undefined) return Effect.andThen(Deferred.await(wake), acquire)
    const runner = runners.get(address)!
    runner.inFlight++
    // Its shards in turn, so that its batches spread over entities.
    const shards = owned.get(address)!
    const shard = shards[nextShard++ % shards.length]!
    return Effect.succeed({ runner, shard, entityId: entityIds[shard]! })
  })

  const release = (runner: RunnerState) => {
    runner.inFlight--
    signal()
  }

  return {
    acquire,
    release,
    /**
     * The runner that reported taking a batch sent by `route`, if another: the batch counts against it from now on,
     * and while the chosen runner is alive the shard is known to be the other's.
     */
    servedBy: (route: Route, address: string): RunnerState => {
      const actual = runners.get(address)
      if (actual === undefined || actual === route.runner) return route.runner
      if (route.runner.alive) {
        corrections.set(route.shard, address)
        reroute()
      }
      return actual
    },
    /** Moves a batch's count from one runner to another. */
    move: (from: RunnerState, to: RunnerState) => {
      if (from === to) return
      release(from)
      to.inFlight++
    },
    /** The runner gets no more batches, and the run's user is told why. */
    refuse: (address: string, reason: string) => {
      const runner = runners.get(address)
      if (runner === undefined || runner.refused !== undefined) return
      runner.refused = reason
      record(runner, "refused")
      announce(reason)
      reroute()
    },
    /** Tells the run's user something about the cluster. */
    notify,
    forgetRules: (address: string) => {
      const runner = runners.get(address)
      if (runner !== undefined) runner.hasRules = false
    },
    capacity,
    waiting: (): string | undefined => {
      if (capacity() > 0) return undefined
      const alive = [...runners.values()].filter((state) => state.alive)
      if (alive.length === 0) return "waiting for runners: none alive"
      return alive.every((state) => state.refused !== undefined)
        ? `waiting for runners: ${alive.length} alive, all refused`
        : `waiting for runners: ${alive.length} alive, taking their shards`
    },
    notices: Stream.fromQueue(notices),
    mostWorkers: () => mostWorkers,
    events: (): ReadonlyArray<RunnerEvent> => [...events],
    runners: (): ReadonlyArray<RunnerReport> =>
      [...runners.values()].map((state) => {
        const busySeconds = state.firstStartedAt === undefined || state.lastEndedAt === undefined
          ? 0
          : Math.max(0, (state.lastEndedAt - state.firstStartedAt) / 1000)
        return {
          address: state.address,
          workers: state.workers,
          batches: state.batches,
          molecules: state.molecules,
          busySeconds,
          molPerSecond: molPerSecond(state.molecules, busySeconds),
          resent: state.resent,
          refused: state.refused
        }
      })
  }
})

export type Registry = Effect.Success<ReturnType<typeof makeRegistry>>
