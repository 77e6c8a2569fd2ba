/**
 * The cluster's client: each batch goes to a runner of an Effect Cluster, which runs it on its own RDKit workers and
 * streams the products back. It runs in the coordinator's client threads (`clientThread.ts`), so that receiving
 * (sockets, RPC, schema decoding) does not take the main thread's time from deduplicating and writing; the engine the
 * pipeline sees (`ClusterEngine.ts`) talks to it there. Runners hold no run state, so a lost runner costs only its
 * batches, sent again.
 *
 * - **Capacity.** The registry of runners in the cluster's database says which are alive and how many workers each
 *   has (its shard weight). The capacity is their sum, less the runners refused; the pipeline keeps that many
 *   batches in flight, and waits, saying why, while it is 0.
 * - **Routing.** Each batch goes to the runner with the most free workers, through a shard it owns (`registry.ts`,
 *   `routing.ts`). Clients in several threads each count only their own batches, so for a moment a runner may hold
 *   more than its workers; but each spreads its own batches evenly, and so their sum is even too.
 * - **Taken once.** A stream that starts over (Effect Cluster sends a call again when its runner is lost) is
 *   recognised by its second `Started`; chunks are numbered, and each number is handed on once.
 * - **Refusals.** A runner of other versions, or one whose worker threads cannot start, is refused: it gets no
 *   further batches, and the batch goes elsewhere.
 */
import { randomUUID } from "node:crypto"
import { Effect, Stream } from "effect"
import { Sharding } from "effect/cluster"
import { defaults } from "../../config.js"
import { molexpandVersion } from "../../versions.js"
import type { ChosenEngine } from "../choice.js"
import type { EngineNotice } from "../Engine.js"
import type { EngineOptions } from "../protocol.js"
import { type RuleSet, ruleSetDigest } from "../rules.js"
import type { ClusterReport } from "./clientReports.js"
import { type ClusterDatabase, describeError, withoutPassword } from "./connection.js"
import {
  type BatchHeader,
  type BatchRefused,
  type CanonicalizedPiece,
  type ChunkPiece,
  Expander,
  type Piece,
  ruleSetPayload
} from "./protocol.js"
import { makeRegistry, type RegistryRole, type Route, type RunnerState } from "./registry.js"

export interface ClusterClientOptions {
  readonly db: ClusterDatabase
  readonly ruleSet: RuleSet
  readonly options: EngineOptions
  /** The coordinator's RDKit: runners of another take no batch, since their keys could differ. */
  readonly engine: ChosenEngine
}

/**
 * One of a coordinator's `count` clients (several when each has a thread of its own): all send the same run's
 * batches, numbered apart.
 */
export interface ClientSeat {
  readonly run: string
  readonly index: number
  readonly count: number
}

export const soleSeat = (): ClientSeat => ({ run: randomUUID(), index: 0, count: 1 })

const roleOf = (seat: ClientSeat): RegistryRole => seat.count === 1 ? "sole" : seat.index === 0 ? "lead" : "other"

/** How one attempt at a batch ended, when it did not end the batch. */
type Setback =
  | { readonly _tag: "Refused"; readonly error: BatchRefused }
  | { readonly _tag: "Lost"; readonly reason: string }

/** A failure of the caller's own `onPiece`, carried through the stream untouched. */
class ConsumerFailed<E> {
  constructor(readonly error: E) {}
}

/** Tells failures of a call (refusals, a lost runner) from the caller's own, which pass through. */
const attemptOutcome = <E, R>(attempt: Effect.Effect<void, unknown, R>): Effect.Effect<Setback | undefined, E, R> =>
  attempt.pipe(
    Effect.as(undefined as Setback | undefined),
    Effect.catch((error): Effect.Effect<Setback | undefined, E> => {
      if (error instanceof ConsumerFailed) return Effect.fail(error.error as E)
      const tagged = error as { readonly _tag?: string }
      return Effect.succeed(
        tagged._tag === "VersionMismatch" || tagged._tag === "RuleSetUnknown" || tagged._tag === "RunnerBroken"
          ? { _tag: "Refused", error: error as BatchRefused }
          : { _tag: "Lost", reason: describeError(error) }
      )
    }),
    Effect.catchDefect((defect) => Effect.succeed<Setback>({ _tag: "Lost", reason: describeError(defect) }))
  )

/** The engine's shape on this side of the thread: chunks as the runners sent them, decoded by the main thread. */
export interface ClusterClient {
  readonly capacity: () => number
  readonly waiting: () => string | undefined
  readonly notices: Stream.Stream<EngineNotice>
  readonly report: () => ClusterReport
  readonly canonicalize: (smiles: ReadonlyArray<string>) => Effect.Effect<CanonicalizedPiece>
  readonly expand: <E, R>(keys: ReadonlyArray<string>, onPiece: (piece: ChunkPiece) => Effect.Effect<void, E, R>) => Effect.Effect<void, E, R>
}

export const make = Effect.fnUntraced(function*(options: ClusterClientOptions, seat: ClientSeat) {
  const { ruleSet } = options
  const { run } = seat
  const sharding = yield* Sharding.Sharding
  const clientFor = yield* Expander.client
  const registry = yield* makeRegistry({
    shardOf: (id) => sharding.getShardId(id, "default").id,
    redact: (text) => withoutPassword(options.db, text),
    role: roleOf(seat)
  })
  const versions = { molexpand: molexpandVersion, rdkit: options.engine.rdkit }
  const ruleSetHash = ruleSetDigest(ruleSet)
  let batches = 0
  const nextBatch = () => seat.index + 1 + seat.count * batches++
  let resentBatches = 0

  const header = (batch: number, runner: RunnerState, withRules: boolean): BatchHeader => ({
    run,
    batch,
    versions,
    ruleSetHash,
    ...(withRules || !runner.hasRules ? { ruleSet: ruleSetPayload(ruleSet) } : {}),
    options: options.options
  })

  const resent = (runner: RunnerState) => {
    resentBatches++
    runner.resent++
  }

  /** What a refusal or loss means; true when the batch must carry its rules next time. */
  const setback = (runner: RunnerState, outcome: Setback): Effect.Effect<boolean> => {
    if (outcome._tag === "Lost") {
      resent(runner)
      registry.notify(`a batch on runner ${runner.address} failed (${outcome.reason}); sending it again`)
      return Effect.as(Effect.sleep(`${defaults.clusterRefreshMs} millis`), false)
    }
    const error = outcome.error
    if (error._tag === "RuleSetUnknown") {
      registry.forgetRules(error.runner)
      return Effect.succeed(true)
    }
    registry.refuse(error.runner, error.message)
    return Effect.succeed(false)
  }

  /** The runner that reported taking the batch; a batch another runner took because the chosen one left was resent. */
  const takenBy = (route: Route, address: string): RunnerState => {
    const actual = registry.servedBy(route, address)
    if (actual !== route.runner && !route.runner.alive) resent(route.runner)
    return actual
  }

  const finished = (runner: RunnerState, molecules: number, withRules: boolean) => {
    if (!withRules) runner.hasRules = true
    runner.batches++
    runner.molecules += molecules
    runner.lastEndedAt = Date.now()
  }

  const expand = <E, R>(keys: ReadonlyArray<string>, onPiece: (piece: ChunkPiece) => Effect.Effect<void, E, R>) =>
    Effect.gen(function*() {
      const batch = nextBatch()
      /** Chunks handed on, numbered from 0: a stream that starts over skips these. */
      let taken = 0
      let withRules = false
      while (true) {
        const route = yield* registry.acquire
        let serving = route.runner
        let starts = 0
        const take = (piece: Piece): Effect.Effect<void, ConsumerFailed<E>, R> => {
          if (piece._tag === "Started") {
            // Started again in one call: Effect Cluster sent it to the shard's next owner after losing a runner.
            if (++starts > 1) resent(serving)
            const actual = takenBy(route, piece.runner)
            registry.move(serving, actual)
            serving = actual
            serving.firstStartedAt ??= Date.now()
            return Effect.void
          }
          if (piece.seq < taken) return Effect.void
          if (piece.seq > taken) return Effect.die(new Error(`runner ${serving.address} skipped chunk ${taken} of batch ${batch}`))
          taken++
          return Effect.mapError(onPiece(piece), (error) => new ConsumerFailed(error))
        }
        const outcome: Setback | undefined = yield* attemptOutcome<E, R>(
          Stream.runForEach(clientFor(route.entityId).expand({ ...header(batch, route.runner, withRules), keys }), take)
        ).pipe(Effect.onExit((exit) => Effect.sync(() => exit._tag === "Success" || registry.release(serving))))
        registry.release(serving)
        if (outcome === undefined) return finished(serving, keys.length, withRules)
        withRules = yield* setback(serving, outcome)
      }
    })

  const canonicalize = (smiles: ReadonlyArray<string>): Effect.Effect<CanonicalizedPiece> =>
    Effect.gen(function*() {
      const batch = nextBatch()
      let withRules = false
      while (true) {
        const route = yield* registry.acquire
        let answer: CanonicalizedPiece | undefined
        const outcome: Setback | undefined = yield* attemptOutcome<never, never>(
          Effect.map(clientFor(route.entityId).canonicalize({ ...header(batch, route.runner, withRules), smiles }), (piece) => {
            answer = piece
          })
        ).pipe(Effect.onInterrupt(() => Effect.sync(() => registry.release(route.runner))))
        registry.release(route.runner)
        if (outcome !== undefined) {
          withRules = yield* setback(route.runner, outcome)
          continue
        }
        const serving = takenBy(route, answer!.runner)
        serving.firstStartedAt ??= Date.now()
        finished(serving, smiles.length, withRules)
        return answer!
      }
    })

  return {
    capacity: registry.capacity,
    waiting: registry.waiting,
    notices: registry.notices,
    report: (): ClusterReport => ({
      kind: "cluster",
      workers: registry.mostWorkers(),
      rdkit: options.engine.rdkit,
      cluster: options.db.displayUrl,
      runners: registry.runners(),
      resentBatches,
      events: registry.events()
    }),
    canonicalize,
    expand
  } satisfies ClusterClient
})
