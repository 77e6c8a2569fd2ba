/**
 * The engine on a cluster, as the pipeline sees it: each batch goes to a runner of an Effect Cluster, which runs it
 * on its own RDKit workers and streams the products back (`client.ts`). The coordinator (this process) keeps
 * everything else: inputs, the seen set, the output, checkpoints.
 *
 * The client runs on the main thread or in a thread of its own (`clientThread.ts`, `defaults.clusterClientThreadMinCores`):
 * receiving a key over the cluster costs about as much as reading, deduplicating and writing it, so with cores to
 * spare a thread lifts what one coordinator takes. Then this side starts that thread, keeps what it last said of the
 * capacity, the wait and the report, and passes requests and chunks across. Either way a chunk's keys reach the
 * deduper as the bytes they came in (`packedKeys.ts`), which decodes only those it keeps.
 */
import { Cause, Deferred, Effect, Layer, Queue, Redacted, Stream } from "effect"
import { Worker } from "node:worker_threads"
import { compiledEntry } from "../../compiledEntry.js"
import { depict } from "../depiction.js"
import { Engine, type EngineNotice, type EngineShape, WorkerCrashed } from "../Engine.js"
import * as NodeEngine from "../NodeEngine.js"
import { type ProductChunk, workerSettingsOf } from "../protocol.js"
import type { RuleParseError } from "../ruleErrors.js"
import * as Client from "./client.js"
import { type ClusterDatabase, type ClusterUnreachable, coordinatorLayer, unreachable } from "./connection.js"
import { type CanonicalizedPiece, type ChunkPiece, pieceToCanonicalized, pieceToChunk } from "./protocol.js"
import type { ClientStart, ClientState, FromClient, ToClient } from "./threadProtocol.js"

export interface ClusterEngineOptions extends Client.ClusterClientOptions {
  /** The client in a thread of its own, or on the main thread. */
  readonly inThread: boolean
}

/** What an expand request receives from the client thread, in order. */
type ExpandItem =
  | { readonly _tag: "Chunk"; readonly piece: ChunkPiece }
  | { readonly _tag: "Expanded" }
  | { readonly _tag: "Broken"; readonly error: WorkerCrashed }

type Pending =
  | { readonly _tag: "Expand"; readonly inbox: Queue.Queue<ExpandItem> }
  | { readonly _tag: "Canonicalize"; readonly answer: Deferred.Deferred<CanonicalizedPiece, WorkerCrashed> }

/** The client thread's id in `WorkerCrashed`: it is not one of the runners' workers. */
const clientThreadId = 0

const startOf = (options: ClusterEngineOptions): ClientStart => ({
  db: {
    host: options.db.host,
    port: options.db.port,
    database: options.db.database,
    username: options.db.username,
    password: options.db.password === undefined ? undefined : Redacted.value(options.db.password),
    displayUrl: options.db.displayUrl
  },
  ruleSet: options.ruleSet,
  options: options.options,
  engine: options.engine
})

/** A rule RDKit cannot parse must stop the run before any work, not on the first runner to see it. */
const checkRules = (options: ClusterEngineOptions) =>
  Effect.scoped(NodeEngine.make({
    workers: 1,
    engine: options.engine,
    moleculeTimeoutMs: options.options.moleculeTimeoutMs,
    settings: workerSettingsOf(options.ruleSet, options.options)
  }))

/** The coordinator holds no RDKit: its report's drawings are made in a thread of their own. */
const drawingsFor = (options: ClusterEngineOptions): EngineShape["depict"] => (smiles, size) => depict(smiles, size, options.engine.kind)

/** The engine around a client on this thread. */
const onMainThread = Effect.fnUntraced(function*(options: ClusterEngineOptions) {
  const client = yield* Client.make(options)
  return Engine.of({
    capacity: client.capacity,
    waiting: client.waiting,
    notices: client.notices,
    report: client.report,
    canonicalize: (smiles) => Effect.map(client.canonicalize(smiles), pieceToCanonicalized),
    expand: (keys, onChunk) => client.expand(keys, (piece) => onChunk(pieceToChunk(piece))),
    depict: drawingsFor(options)
  })
})

/** The engine around a client in a thread of its own. */
const inThread = Effect.fnUntraced(function*(options: ClusterEngineOptions) {
  const { db } = options
  const ready = yield* Deferred.make<void, ClusterUnreachable>()
  const notices = yield* Queue.unbounded<EngineNotice>()
  const pending = new Map<number, Pending>()
  let state: ClientState | undefined
  let broken: WorkerCrashed | undefined
  let nextId = 0

  /** The client thread stopped: before it was ready the cluster could not be joined, after it every request fails. */
  const stopped = (reason: string) => {
    if (!Deferred.isDoneUnsafe(ready)) {
      Deferred.doneUnsafe(ready, Effect.fail(unreachable(db, reason)))
    }
    broken ??= new WorkerCrashed({ workerId: clientThreadId, reason: `the cluster client stopped: ${reason}` })
    for (const request of pending.values()) {
      if (request._tag === "Expand") Queue.offerUnsafe(request.inbox, { _tag: "Broken", error: broken })
      else Deferred.doneUnsafe(request.answer, Effect.fail(broken))
    }
    pending.clear()
  }

  const onMessage = (message: FromClient) => {
    switch (message._tag) {
      case "Ready":
        state = message.state
        Deferred.doneUnsafe(ready, Effect.void)
        return
      case "State":
        state = message.state
        return
      case "Notice":
        Queue.offerUnsafe(notices, { message: message.message })
        return
      case "Failed":
        return stopped(message.reason)
      case "Chunk":
      case "Expanded": {
        const request = pending.get(message.id)
        if (request?._tag === "Expand") Queue.offerUnsafe(request.inbox, message)
        return
      }
      case "Canonicalized": {
        const request = pending.get(message.id)
        if (request?._tag === "Canonicalize") Deferred.doneUnsafe(request.answer, Effect.succeed(message.piece))
        return
      }
    }
  }

  const thread = yield* Effect.acquireRelease(
    Effect.sync(() => {
      const worker = new Worker(compiledEntry(import.meta.url, "clientThread.js"), { workerData: startOf(options) })
      worker.on("message", onMessage)
      worker.on("error", (error) => stopped(error.message))
      worker.on("exit", (code) => stopped(`its thread exited with code ${code}`))
      return worker
    }),
    (worker) => Effect.promise(() => worker.terminate())
  )
  const send = (message: ToClient) => thread.postMessage(message)
  yield* Deferred.await(ready)

  /** A request to the client thread; interrupted or failed on this side, it is interrupted there too. */
  const request = <A, E, R>(entry: Pending, ask: (id: number) => ToClient, await_: Effect.Effect<A, E, R>) =>
    Effect.suspend((): Effect.Effect<A, E | WorkerCrashed, R> => {
      if (broken !== undefined) return Effect.fail(broken)
      const id = ++nextId
      pending.set(id, entry)
      send(ask(id))
      return await_.pipe(Effect.onExit((exit) =>
        Effect.sync(() => {
          pending.delete(id)
          if (exit._tag === "Failure" && broken === undefined) send({ _tag: "Interrupt", id })
        })
      ))
    })

  const expand = <E, R>(keys: ReadonlyArray<string>, onChunk: (chunk: ProductChunk) => Effect.Effect<void, E, R>) =>
    Effect.flatMap(Queue.unbounded<ExpandItem>(), (inbox) => {
      let id = 0
      const takeAll: Effect.Effect<void, WorkerCrashed | E, R> = Effect.flatMap(Queue.take(inbox), (item) => {
        switch (item._tag) {
          case "Expanded":
            return Effect.void
          case "Broken":
            return Effect.fail(item.error)
          case "Chunk":
            return onChunk(pieceToChunk(item.piece)).pipe(
              Effect.andThen(Effect.sync(() => send({ _tag: "Taken", id }))),
              Effect.andThen(takeAll)
            )
        }
      })
      return request({ _tag: "Expand", inbox }, (assigned) => {
        id = assigned
        return { _tag: "Expand", id: assigned, keys }
      }, takeAll)
    })

  const canonicalize = (smiles: ReadonlyArray<string>) =>
    Effect.flatMap(Deferred.make<CanonicalizedPiece, WorkerCrashed>(), (answer) =>
      request({ _tag: "Canonicalize", answer }, (id) => ({ _tag: "Canonicalize", id, smiles }), Effect.map(Deferred.await(answer), pieceToCanonicalized)))

  return Engine.of({
    capacity: () => state!.capacity,
    waiting: () => state!.waiting,
    notices: Stream.fromQueue(notices),
    report: () => state!.report,
    canonicalize,
    expand,
    depict: drawingsFor(options)
  })
})

/** Why the engine could not start: the rules (as workers report them), or else the cluster's database. */
const startError = (db: ClusterDatabase, cause: Cause.Cause<unknown>): Effect.Effect<never, RuleParseError | WorkerCrashed | ClusterUnreachable> => {
  if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
  const error = Cause.squash(cause) as { readonly _tag?: string }
  if (error._tag === "RuleParseError" || error._tag === "WorkerCrashed") return Effect.fail(error as RuleParseError | WorkerCrashed)
  return Effect.fail(unreachable(db, error))
}

export const layer = (options: ClusterEngineOptions): Layer.Layer<Engine, RuleParseError | WorkerCrashed | ClusterUnreachable> =>
  options.inThread
    ? Layer.effect(Engine, Effect.andThen(checkRules(options), inThread(options)))
    : Layer.effect(Engine, Effect.andThen(checkRules(options), onMainThread(options))).pipe(
      Layer.provide(coordinatorLayer(options.db)),
      Layer.catchCause((cause) => Layer.effect(Engine, startError(options.db, cause)))
    )
