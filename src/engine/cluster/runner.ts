/**
 * `molexpand runner`: a long-lived process that joins a cluster and runs the batches coordinators send it, on its own
 * RDKit worker threads (the same pool a local run uses). It holds no run state: a batch is rules and molecules in,
 * products out, and the rule set is compiled once per worker thread and kept while batches for it keep coming.
 *
 * It refuses batches from a coordinator of other versions (its keys would differ), and keeps its own memory under
 * `--target-memory` with the same governor a run uses: above target it runs fewer batches at once.
 */
import { Cause, Effect, Layer, Queue, RcMap, References, Schema, type Scope, Stream } from "effect"
import { RunnerAddress } from "effect/cluster"
import { defaults } from "../../config.js"
import type { GovernorSettings } from "../../governor/decide.js"
import * as Governor from "../../governor/Governor.js"
import * as MemoryProbe from "../../governor/MemoryProbe.js"
import { molexpandVersion } from "../../versions.js"
import type { ChosenEngine } from "../choice.js"
import type { EngineShape } from "../Engine.js"
import * as NodeEngine from "../NodeEngine.js"
import { workerSettingsOf } from "../protocol.js"
import { type RuleSet, ruleSetDigest } from "../rules.js"
import { type ClusterDatabase, runnerLayer, withoutPassword } from "./connection.js"
import { freePort, type ListenAddress } from "./listenAddress.js"
import {
  type BatchHeader,
  canonicalizedToPiece,
  chunkToPiece,
  Expander,
  type Piece,
  RuleSetUnknown,
  RunnerBroken,
  VersionMismatch
} from "./protocol.js"
import { addressText } from "./routing.js"

/** The runner could not join the cluster: its address cannot be listened on, or the database did not answer. */
export class RunnerStartError extends Schema.TaggedError<RunnerStartError>()("RunnerStartError", {
  reason: Schema.String
}) {
  override get message(): string {
    return `the runner cannot start: ${this.reason}`
  }
}

export interface RunnerOptions {
  readonly db: ClusterDatabase
  readonly workers: number
  /** The RDKit its workers run; a coordinator of another is refused. */
  readonly engine: ChosenEngine
  /** Where to listen, and the address the cluster knows it by; port 0 takes a free port. */
  readonly listen: ListenAddress
  readonly targetMemory: number
  readonly criticalMemory: number
  readonly pollMs: number
  readonly log: (line: string) => void
  /**
   * What runs each batch. By default RDKit worker pools, one per rule set and engine options; a benchmark gives one
   * that replays recorded products, to feed a coordinator faster than RDKit could.
   */
  readonly engineFor?: BatchEngines | undefined
}

/** The engine for a batch, held while the caller's scope lasts. */
export type BatchEngines = (header: BatchHeader) => Effect.Effect<EngineShape, RuleSetUnknown | RunnerBroken, Scope.Scope>

/** Worker pools by rule set and engine options, started on the first batch that needs one. */
const makePools = (workers: number, engine: ChosenEngine, log: (line: string) => void, runner: string) =>
  Effect.gen(function*() {
    // Compiled once, before the runner serves: the first batch of each rule set then waits only for its threads.
    const rdkit = engine.kind === "native"
      ? undefined
      : yield* NodeEngine.compiledRDKit.pipe(Effect.mapError((error) => new RunnerStartError({ reason: error.reason })))
    const ruleSets = new Map<string, RuleSet>()
    const pools = yield* RcMap.make({
      lookup: (key: string) => {
        const { ruleSetHash, options } = JSON.parse(key) as Pick<BatchHeader, "ruleSetHash" | "options">
        const ruleSet = ruleSets.get(ruleSetHash)!
        return NodeEngine.make({
          workers,
          engine,
          rdkit,
          moleculeTimeoutMs: options.moleculeTimeoutMs,
          settings: workerSettingsOf(ruleSet, options)
        }).pipe(
          Effect.tap(() => Effect.sync(() => log(`started ${workers} ${engine.kind} worker(s) for rule set ${ruleSet.source} (${ruleSetHash.slice(0, 12)})`))),
          Effect.mapError((error) => new RunnerBroken({ runner, reason: error.message }))
        )
      },
      idleTimeToLive: `${defaults.runnerPoolIdleSeconds} seconds`
    })
    /** The pool for this batch's rule set and options, held while the caller's scope lasts. */
    return (header: BatchHeader): ReturnType<BatchEngines> =>
      Effect.suspend((): Effect.Effect<EngineShape, RuleSetUnknown | RunnerBroken, Scope.Scope> => {
        if (header.ruleSet !== undefined && !ruleSets.has(header.ruleSetHash)) {
          if (ruleSetDigest(header.ruleSet) !== header.ruleSetHash) {
            return Effect.fail(new RunnerBroken({ runner, reason: "the rule set sent does not match its hash" }))
          }
          ruleSets.set(header.ruleSetHash, header.ruleSet)
        }
        if (!ruleSets.has(header.ruleSetHash)) return Effect.fail(new RuleSetUnknown({ runner, ruleSetHash: header.ruleSetHash }))
        return RcMap.get(pools, JSON.stringify({ ruleSetHash: header.ruleSetHash, options: header.options }))
      })
  })

const governorSettings = (options: RunnerOptions): GovernorSettings => ({
  targetPercent: options.targetMemory,
  criticalPercent: options.criticalMemory,
  maxInFlight: options.workers,
  // A runner writes nothing: its only limit is how many batches it runs at once.
  maxFlushInterval: 1,
  minFlushInterval: 1,
  shrinkCooldownPolls: defaults.shrinkCooldownPolls,
  restoreAfterPolls: defaults.restoreAfterPolls,
  hysteresisPoints: defaults.hysteresisPoints,
  maxPausePolls: defaults.maxPausePolls
})

/** Runs until interrupted (a signal): joins the cluster, serves batches, leaves the cluster on the way out. */
export const runRunner = (options: RunnerOptions) =>
  Effect.gen(function*() {
    const port = options.listen.port === 0
      ? yield* freePort(options.listen.host).pipe(
        Effect.mapError((error) => new RunnerStartError({ reason: `no free port on ${options.listen.host}: ${error.message}` }))
      )
      : options.listen.port
    const address = RunnerAddress.make(options.listen.host, port)
    const name = addressText(address)
    const log = (line: string) => options.log(`molexpand runner ${name}: ${line}`)
    const self = { runner: name, workers: options.workers }

    const settings = governorSettings(options)
    const handles = yield* Governor.throttle(settings)
    yield* Governor.start(settings, {
      pollMs: options.pollMs,
      handles,
      capacity: () => options.workers,
      onDecision: (_, message) => log(message),
      onCritical: (reading) => log(`memory at ${reading.systemPercent.toFixed(1)}% is at or above the critical level of ${settings.criticalPercent}%`)
    })
    /** A batch runs when the governor lets it: within the batches it allows at once, and not while memory is critical. */
    const governed = <A, E, R>(work: Effect.Effect<A, E, R>) => Effect.andThen(handles.readerGate.await, handles.inFlight.withPermit(work))

    const versions = { molexpand: molexpandVersion, rdkit: options.engine.rdkit }
    const poolFor = options.engineFor ?? (yield* makePools(options.workers, options.engine, log, name))
    const refusedFrom = new Set<string>()
    const checkVersions = (header: BatchHeader): Effect.Effect<void, VersionMismatch> => {
      const theirs = header.versions
      if (theirs.molexpand === versions.molexpand && theirs.rdkit === versions.rdkit) return Effect.void
      const error = new VersionMismatch({ runner: name, runnerVersions: versions, coordinatorVersions: theirs })
      const key = `${theirs.molexpand}|${theirs.rdkit}`
      if (!refusedFrom.has(key)) {
        refusedFrom.add(key)
        log(`refusing batches of run ${header.run}: the coordinator runs molexpand ${theirs.molexpand} with RDKit ${theirs.rdkit}, this runner molexpand ${versions.molexpand} with RDKit ${versions.rdkit}`)
      }
      return Effect.fail(error)
    }
    const broken = (error: { readonly message: string }) => new RunnerBroken({ runner: name, reason: error.message })

    const handlers = Expander.of({
      expand: ({ payload }) =>
        Stream.callback<Piece, VersionMismatch | RuleSetUnknown | RunnerBroken>(
          (queue) =>
            Effect.gen(function*() {
              yield* checkVersions(payload)
              const engine = yield* poolFor(payload)
              yield* Queue.offer(queue, { _tag: "Started", ...self })
              let seq = 0
              yield* governed(engine.expand(payload.keys, (chunk) => Queue.offer(queue, chunkToPiece(chunk, seq++)))).pipe(
                Effect.mapError(broken)
              )
              yield* Queue.end(queue)
            }),
          { bufferSize: defaults.workerCredits }
        ),
      canonicalize: ({ payload }) =>
        Effect.scoped(Effect.gen(function*() {
          yield* checkVersions(payload)
          const engine = yield* poolFor(payload)
          const answer = yield* governed(engine.canonicalize(payload.smiles)).pipe(Effect.mapError(broken))
          return canonicalizedToPiece(answer, self)
        }))
    })

    yield* Layer.build(
      Expander.toLayer(handlers, { concurrency: "unbounded" }).pipe(Layer.provide(runnerLayer(options.db, { address, workers: options.workers })))
    ).pipe(
      Effect.catchCause((cause) =>
        Cause.hasInterruptsOnly(cause)
          ? Effect.failCause(cause as Cause.Cause<never>)
          : Effect.fail(new RunnerStartError({ reason: `${name}, cluster ${options.db.displayUrl}: ${withoutPassword(options.db, String(Cause.squash(cause)))}` }))
      )
    )
    log(`serving with ${options.workers} worker(s), molexpand ${versions.molexpand}, RDKit ${versions.rdkit}, cluster ${options.db.displayUrl}`)
    return yield* Effect.never
  }).pipe(
    Effect.scoped,
    Effect.provide(MemoryProbe.layerSystem),
    // Effect Cluster reports its routine (shard moves, listening) at Info; a runner's log is for what needs a look.
    Effect.provideService(References.MinimumLogLevel, "Warn")
  )
