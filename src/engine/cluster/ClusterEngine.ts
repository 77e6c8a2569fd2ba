/**
 * The engine on a cluster: each batch goes to a runner of an Effect Cluster, which runs it on its own RDKit worker
 * threads and streams the products back. The coordinator (this process) keeps everything else: inputs, the seen set,
 * the output, checkpoints. Runners hold no run state, so a lost runner costs only its batches, sent again.
 *
 * - **Capacity.** The registry of runners in the cluster's database says which are alive and how many workers each
 *   has (its shard weight). The capacity is their sum, less the runners refused; the pipeline keeps that many
 *   batches in flight, and waits, saying why, while it is 0.
 * - **Routing.** Each batch goes to the runner with the most free workers, through a shard it owns (`routing.ts`).
 * - **Taken once.** A stream that starts over (Effect Cluster sends a call again when its runner is lost) is
 *   recognised by its second `Started`; chunks are numbered, and each number is handed on once.
 * - **Refusals.** A runner of other versions, or one whose worker threads cannot start, is refused: it gets no
 *   further batches, and the batch goes elsewhere.
 */
import { randomUUID } from "node:crypto"
import { Cause, Deferred, Effect, Layer, Queue, Schedule, Stream } from "effect"
import { EntityId, RunnerStorage, Sharding } from "effect/cluster"
import { defaults } from "../../config.js"
import { rdkitVersion, versions } from "../../versions.js"
import { Engine, type EngineNotice, type EngineReport, type RunnerEvent, type RunnerReport, type WorkerCrashed } from "../Engine.js"
import * as NodeEngine from "../NodeEngine.js"
import type { Canonicalized, ProductChunk } from "../protocol.js"
import type { RuleParseError } from "../ruleErrors.js"
import { type RuleSet, ruleSetDigest } from "../rules.js"
import { type ClusterDatabase, ClusterUnreachable, coordinatorLayer, withoutPassword } from "./connection.js"
import {
  type BatchHeader,
  type BatchRefused,
  type CanonicalizedPiece,
  type EngineOptions,
  Expander,
  type Piece,
  pieceToCanonicalized,
  pieceToChunk,
  ruleSetPayload
} from "./protocol.js"
import { addressText, assignShards, entityIdsByShard, pickRunner, shardsByRunner } from "./routing.js"

export interface ClusterEngineOptions {
  readonly db: ClusterDatabase
  readonly ruleSet: RuleSet
  readonly options: EngineOptions
}

interface RunnerState {
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
  resent: number
  firstStartedAt: number | undefined
  lastEndedAt: number | undefined
}

/** How one attempt at a batch ended, when it did not end the batch. */
type Setback =
  | { readonly _tag: "Refused"; readonly error: BatchRefused }
  | { readonly _tag: "Lost"; readonly reason: string }

/** A failure of the caller's own `onChunk`, carried through the stream untouched. */
class ConsumerFailed<E> {
  constructor(readonly error: E) {}
}

const describeLoss = (cause: unknown): string => String(cause instanceof Error ? cause.message : cause).split("\n")[0] ?? ""

export const make = Effect.fnUntraced(function*(options: ClusterEngineOptions) {
  const { ruleSet } = options
  // A rule RDKit cannot parse must stop the run before any work, not on the first runner to see it.
  yield* Effect.scoped(NodeEngine.make({
    workers: 1,
    moleculeTimeoutMs: options.options.moleculeTimeoutMs,
    settings: { ruleSet, maxProductSets: options.options.maxProductSets, chunkSize: options.options.chunkSize, credits: defaults.workerCredits }
  }))
  const sharding = yield* Sharding.Sharding
  const storage = yield* RunnerStorage.RunnerStorage
  const clientFor = yield* Expander.client
  const started = Date.now()
  const seconds = () => (Date.now() - started) / 1000
  const run = randomUUID()
  const ruleSetHash = ruleSetDigest(ruleSet)
  const entityIds = entityIdsByShard(defaults.clusterShards, (id) => sharding.getShardId(EntityId.make(id), "default").id, "batch-")

  const runners = new Map<string, RunnerState>()
  let assignment: ReadonlyArray<string | undefined> = []
  /** Shards found served by another runner than `assignment` says, until the next assignment. */
  const corrections = new Map<number, string>()
  let owned: ReadonlyMap<string, ReadonlyArray<number>> = new Map()
  let nextShard = 0
  let nextBatch = 0
  let resentBatches = 0
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
  const record = (state: RunnerState, change: RunnerEvent["change"]) =>
    events.push({ seconds: seconds(), address: state.address, change, workers: state.workers })

  const usable = () => [...runners.values()].filter((state) => state.alive && state.refused === undefined && owned.has(state.address))
  const capacity = () => usable().reduce((total, state) => total + state.workers, 0)

  const reroute = () => {
    owned = shardsByRunner(assignment, corrections)
    mostWorkers = Math.max(mostWorkers, capacity())
    signal()
  }

  /** Reads the registry: who is alive, with how many workers. */
  const refresh = Effect.gen(function*() {
    const listed = yield* storage.getRunners
    const healthy = listed.filter(([, isHealthy]) => isHealthy).map(([runner]) => runner)
    const alive = new Set(healthy.map((runner) => addressText(runner.address)))
    let moved = false
    for (const runner of healthy) {
      const address = addressText(runner.address)
      const state = runners.get(address)
      if (state !== undefined && state.alive && state.workers === runner.weight) continue
      moved = true
      if (state !== undefined && state.alive) {
        state.workers = runner.weight
        continue
      }
      const joined: RunnerState = state ?? {
        address,
        workers: runner.weight,
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
      Object.assign(joined, { workers: runner.weight, alive: true, refused: undefined, hasRules: false })
      runners.set(address, joined)
      record(joined, "joined")
      notify(`runner ${address} joined with ${joined.workers} worker(s)`)
    }
    for (const state of runners.values()) {
      if (!state.alive || alive.has(state.address)) continue
      moved = true
      state.alive = false
      record(state, "left")
      notify(`runner ${state.address} left${state.inFlight > 0 ? `; its ${state.inFlight} batch(es) in flight go to other runners` : ""}`)
    }
    if (!moved) return
    assignment = assignShards(healthy.map((runner) => ({ address: runner.address, weight: runner.weight })), defaults.clusterShards)
    corrections.clear()
    reroute()
  })
  let registryFailing = false
  const refreshQuietly = refresh.pipe(
    Effect.tap(() => Effect.sync(() => (registryFailing = false))),
    Effect.catchCause((cause) =>
      Effect.sync(() => {
        if (!registryFailing) notify(`cannot read the cluster's runners (${withoutPassword(options.db, describeLoss(Cause.squash(cause)))}); trying again`)
        registryFailing = true
      })
    )
  )
  yield* refreshQuietly
  yield* refreshQuietly.pipe(Effect.repeat(Schedule.spaced(`${defaults.clusterRefreshMs} millis`)), Effect.forkScoped)

  /** A runner with a free worker, its in-flight count taken; waits while there is none. */
  const acquire: Effect.Effect<RunnerState> = Effect.suspend(() => {
    const wake = changed
    const address = pickRunner(usable())
    if (address === undefined) return Effect.andThen(Deferred.await(wake), acquire)
    const state = runners.get(address)!
    state.inFlight++
    return Effect.succeed(state)
  })
  const release = (state: RunnerState) => {
    state.inFlight--
    signal()
  }
  /** The entity id to reach `state` through: its shards in turn, so that its batches spread over entities. */
  const entityIdFor = (state: RunnerState): string => {
    const shards = owned.get(state.address) ?? []
    const shard = shards[nextShard++ % Math.max(1, shards.length)] ?? 0
    return entityIds[shard]!
  }

  const header = (batch: number, state: RunnerState, withRules: boolean): BatchHeader => ({
    run,
    batch,
    versions,
    ruleSetHash,
    ...(withRules || !state.hasRules ? { ruleSet: ruleSetPayload(ruleSet) } : {}),
    options: options.options
  })

  /** What a refusal or loss means for the runner; true when the batch must carry its rules next time. */
  const setback = (state: RunnerState, outcome: Setback): Effect.Effect<boolean> => {
    if (outcome._tag === "Lost") {
      resentBatches++
      state.resent++
      return Effect.as(Effect.sleep(`${defaults.clusterRefreshMs} millis`), false)
    }
    const error = outcome.error
    if (error._tag === "RuleSetUnknown") {
      const holder = runners.get(error.runner)
      if (holder !== undefined) holder.hasRules = false
      return Effect.succeed(true)
    }
    const refusedRunner = runners.get(error.runner) ?? state
    if (refusedRunner.refused === undefined) {
      refusedRunner.refused = error.message
      record(refusedRunner, "refused")
      notify(error.message)
      reroute()
    }
    return Effect.succeed(false)
  }

  /** Tells failures of the call (refusals, a lost runner) from the caller's own, which pass through. */
  const attemptOutcome = <E, R>(attempt: Effect.Effect<void, unknown, R>) =>
    attempt.pipe(
      Effect.as(undefined as Setback | undefined),
      Effect.catch((error): Effect.Effect<Setback | undefined, E> => {
        if (error instanceof ConsumerFailed) return Effect.fail(error.error as E)
        const tagged = error as { readonly _tag?: string }
        return Effect.succeed(
          tagged._tag === "VersionMismatch" || tagged._tag === "RuleSetUnknown" || tagged._tag === "RunnerBroken"
            ? { _tag: "Refused", error: error as BatchRefused }
            : { _tag: "Lost", reason: describeLoss(error) }
        )
      }),
      Effect.catchDefect((defect) => Effect.succeed<Setback>({ _tag: "Lost", reason: describeLoss(defect) }))
    )

  const finished = (state: RunnerState, molecules: number) => {
    state.batches++
    state.molecules += molecules
    state.lastEndedAt = Date.now()
  }

  const expand = <E, R>(keys: ReadonlyArray<string>, onChunk: (chunk: ProductChunk) => Effect.Effect<void, E, R>) =>
    Effect.gen(function*() {
      const batch = ++nextBatch
      /** Chunks handed on, numbered from 0: a stream that starts over skips these. */
      let taken = 0
      let starts = 0
      let withRules = false
      while (true) {
        const chosen = yield* acquire
        let serving = chosen
        const onPiece = (piece: Piece): Effect.Effect<void, ConsumerFailed<E>, R> => {
          if (piece._tag === "Started") {
            starts++
            const actual = runners.get(piece.runner) ?? serving
            // Started again, or by another runner because the chosen one left: the batch was sent again.
            if (starts > 1 || (actual !== chosen && !chosen.alive)) {
              resentBatches++
              serving.resent++
            }
            if (actual !== serving) {
              release(serving)
              actual.inFlight++
              serving = actual
            }
            serving.firstStartedAt ??= Date.now()
            return Effect.void
          }
          if (piece.seq < taken) return Effect.void
          if (piece.seq > taken) return Effect.die(new Error(`runner ${serving.address} skipped chunk ${taken} of batch ${batch}`))
          taken++
          return Effect.mapError(onChunk(pieceToChunk(piece)), (error) => new ConsumerFailed(error))
        }
        const outcome: Setback | undefined = yield* attemptOutcome<E, R>(
          Stream.runForEach(clientFor(entityIdFor(chosen)).expand({ ...header(batch, chosen, withRules), keys }), onPiece)
        ).pipe(Effect.onInterrupt(() => Effect.sync(() => release(serving))), Effect.tapError(() => Effect.sync(() => release(serving))))
        release(serving)
        if (outcome === undefined) {
          if (!withRules) serving.hasRules = true
          finished(serving, keys.length)
          return
        }
        withRules = yield* setback(serving, outcome)
      }
    })

  const canonicalize = (smiles: ReadonlyArray<string>): Effect.Effect<Canonicalized> =>
    Effect.gen(function*() {
      const batch = ++nextBatch
      let withRules = false
      while (true) {
        const chosen = yield* acquire
        let answer: CanonicalizedPiece | undefined
        const outcome: Setback | undefined = yield* attemptOutcome<never, never>(
          Effect.map(clientFor(entityIdFor(chosen)).canonicalize({ ...header(batch, chosen, withRules), smiles }), (piece) => {
            answer = piece
          })
        ).pipe(Effect.onInterrupt(() => Effect.sync(() => release(chosen))))
        release(chosen)
        if (outcome !== undefined) {
          withRules = yield* setback(chosen, outcome)
          continue
        }
        const serving = runners.get(answer!.runner) ?? chosen
        // Answered by another runner because the chosen one left: Effect Cluster sent the call again.
        if (serving !== chosen && !chosen.alive) {
          resentBatches++
          chosen.resent++
        }
        if (!withRules) serving.hasRules = true
        serving.firstStartedAt ??= Date.now()
        finished(serving, smiles.length)
        return pieceToCanonicalized(answer!)
      }
    })

  const report = (): EngineReport => ({
    kind: "cluster",
    workers: mostWorkers,
    rdkit: rdkitVersion,
    cluster: options.db.displayUrl,
    runners: [...runners.values()].map((state): RunnerReport => {
      const busySeconds = state.firstStartedAt === undefined || state.lastEndedAt === undefined
        ? 0
        : Math.max(0, (state.lastEndedAt - state.firstStartedAt) / 1000)
      return {
        address: state.address,
        workers: state.workers,
        batches: state.batches,
        molecules: state.molecules,
        busySeconds,
        molPerSecond: busySeconds > 0 ? state.molecules / busySeconds : 0,
        resent: state.resent,
        refused: state.refused
      }
    }),
    resentBatches,
    events: [...events]
  })

  const waiting = (): string | undefined => {
    if (capacity() > 0) return undefined
    const alive = [...runners.values()].filter((state) => state.alive)
    if (alive.length === 0) return "waiting for runners: none alive"
    const refused = alive.filter((state) => state.refused !== undefined).length
    return refused === alive.length
      ? `waiting for runners: ${alive.length} alive, all refused`
      : `waiting for runners: ${alive.length} alive, taking their shards`
  }

  return Engine.of({
    capacity,
    waiting,
    notices: Stream.fromQueue(notices),
    report,
    canonicalize,
    expand
  })
})

/** Why the engine could not start: the rules (as workers report them), or else the cluster's database. */
const startError = (db: ClusterDatabase, cause: Cause.Cause<unknown>): Effect.Effect<never, RuleParseError | WorkerCrashed | ClusterUnreachable> => {
  if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
  const error = Cause.squash(cause) as { readonly _tag?: string }
  if (error._tag === "RuleParseError" || error._tag === "WorkerCrashed") return Effect.fail(error as RuleParseError | WorkerCrashed)
  return Effect.fail(new ClusterUnreachable({ url: db.displayUrl, host: `${db.host}:${db.port}`, reason: withoutPassword(db, describeLoss(error)) }))
}

export const layer = (options: ClusterEngineOptions): Layer.Layer<Engine, RuleParseError | WorkerCrashed | ClusterUnreachable> =>
  Layer.effect(Engine, make(options)).pipe(
    Layer.provide(coordinatorLayer(options.db)),
    Layer.catchCause((cause) => Layer.effect(Engine, startError(options.db, cause)))
  )
