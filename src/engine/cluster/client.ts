/**
 * The engine on a cluster: each batch goes to a runner of an Effect Cluster, which runs it on its own RDKit worker
 * threads and streams the products back. The coordinator (this process) keeps everything else: inputs, the seen set,
 * the output, checkpoints. Runners hold no run state, so a lost runner costs only its batches, sent again.
 *
 * - **Capacity.** The registry of runners in the cluster's database says which are alive and how many workers each
 *   has (its shard weight). The capacity is their sum, less the runners refused; the pipeline keeps that many
 *   batches in flight, and waits, saying why, while it is 0.
 * - **Routing.** Each batch goes to the runner with the most free workers, through a shard it owns (`registry.ts`,
 *   `routing.ts`).
 * - **Taken once.** A stream that starts over (Effect Cluster sends a call again when its runner is lost) is
 *   recognised by its second `Started`; chunks are numbered, and each number is handed on once.
 * - **Refusals.** A runner of other versions, or one whose worker threads cannot start, is refused: it gets no
 *   further batches, and the batch goes elsewhere.
 */
import { randomUUID } from "node:crypto"
import { Cause, Effect, Layer, Stream } from "effect"
import { Sharding } from "effect/cluster"
import { defaults } from "../../config.js"
import { molexpandVersion } from "../../versions.js"
import type { ChosenEngine } from "../choice.js"
import { Engine, type EngineReport, type WorkerCrashed } from "../Engine.js"
import { depict } from "../depiction.js"
import * as NodeEngine from "../NodeEngine.js"
import { type Canonicalized, type EngineOptions, type ProductChunk, workerSettingsOf } from "../protocol.js"
import type { RuleParseError } from "../ruleErrors.js"
import { type RuleSet, ruleSetDigest } from "../rules.js"
import { type ClusterDatabase, ClusterUnreachable, coordinatorLayer, describeError, withoutPassword } from "./connection.js"
import {
  type BatchHeader,
  type BatchRefused,
  type CanonicalizedPiece,
  Expander,
  type Piece,
  pieceToCanonicalized,
  pieceToChunk,
  ruleSetPayload
} from "./protocol.js"
import { makeRegistry, type Route, type RunnerState } from "./registry.js"

export interface ClusterEngineOptions {
  readonly db: ClusterDatabase
  readonly ruleSet: RuleSet
  readonly options: EngineOptions
  /** The coordinator's RDKit: runners of another take no batch, since their keys could differ. */
  readonly engine: ChosenEngine
}

/** How one attempt at a batch ended, when it did not end the batch. */
type Setback =
  | { readonly _tag: "Refused"; readonly error: BatchRefused }
  | { readonly _tag: "Lost"; readonly reason: string }

/** A failure of the caller's own `onChunk`, carried through the stream untouched. */
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

export const make = Effect.fnUntraced(function*(options: ClusterEngineOptions) {
  const { ruleSet } = options
  // A rule RDKit cannot parse must stop the run before any work, not on the first runner to see it.
  yield* Effect.scoped(NodeEngine.make({
    workers: 1,
    engine: options.engine,
    moleculeTimeoutMs: options.options.moleculeTimeoutMs,
    settings: workerSettingsOf(ruleSet, options.options)
  }))
  const sharding = yield* Sharding.Sharding
  const clientFor = yield* Expander.client
  const registry = yield* makeRegistry({
    shardOf: (id) => sharding.getShardId(id, "default").id,
    redact: (text) => withoutPassword(options.db, text)
  })
  const versions = { molexpand: molexpandVersion, rdkit: options.engine.rdkit }
  const run = randomUUID()
  const ruleSetHash = ruleSetDigest(ruleSet)
  let nextBatch = 0
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

  const expand = <E, R>(keys: ReadonlyArray<string>, onChunk: (chunk: ProductChunk) => Effect.Effect<void, E, R>) =>
    Effect.gen(function*() {
      const batch = ++nextBatch
      /** Chunks handed on, numbered from 0: a stream that starts over skips these. */
      let taken = 0
      let withRules = false
      while (true) {
        const route = yield* registry.acquire
        let serving = route.runner
        let starts = 0
        const onPiece = (piece: Piece): Effect.Effect<void, ConsumerFailed<E>, R> => {
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
          return Effect.mapError(onChunk(pieceToChunk(piece)), (error) => new ConsumerFailed(error))
        }
        const outcome: Setback | undefined = yield* attemptOutcome<E, R>(
          Stream.runForEach(clientFor(route.entityId).expand({ ...header(batch, route.runner, withRules), keys }), onPiece)
        ).pipe(Effect.onExit((exit) => Effect.sync(() => exit._tag === "Success" || registry.release(serving))))
        registry.release(serving)
        if (outcome === undefined) return finished(serving, keys.length, withRules)
        withRules = yield* setback(serving, outcome)
      }
    })

  const canonicalize = (smiles: ReadonlyArray<string>): Effect.Effect<Canonicalized> =>
    Effect.gen(function*() {
      const batch = ++nextBatch
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
        return pieceToCanonicalized(answer!)
      }
    })

  return Engine.of({
    capacity: registry.capacity,
    waiting: registry.waiting,
    notices: registry.notices,
    report: (): EngineReport => ({
      kind: "cluster",
      workers: registry.mostWorkers(),
      rdkit: options.engine.rdkit,
      cluster: options.db.displayUrl,
      runners: registry.runners(),
      resentBatches,
      events: registry.events()
    }),
    canonicalize,
    expand,
    // The coordinator holds no RDKit: its report's drawings are made in a thread of their own.
    depict: (smiles, size) => depict(smiles, size, options.engine.kind)
  })
})

/** Why the engine could not start: the rules (as workers report them), or else the cluster's database. */
const startError = (db: ClusterDatabase, cause: Cause.Cause<unknown>): Effect.Effect<never, RuleParseError | WorkerCrashed | ClusterUnreachable> => {
  if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
  const error = Cause.squash(cause) as { readonly _tag?: string }
  if (error._tag === "RuleParseError" || error._tag === "WorkerCrashed") return Effect.fail(error as RuleParseError | WorkerCrashed)
  return Effect.fail(new ClusterUnreachable({ url: db.displayUrl, host: `${db.host}:${db.port}`, reason: withoutPassword(db, describeError(error)) }))
}

export const layer = (options: ClusterEngineOptions): Layer.Layer<Engine, RuleParseError | WorkerCrashed | ClusterUnreachable> =>
  Layer.effect(Engine, make(options)).pipe(
    Layer.provide(coordinatorLayer(options.db)),
    Layer.catchCause((cause) => Layer.effect(Engine, startError(options.db, cause)))
  )
