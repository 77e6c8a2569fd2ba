/**
 * The engine on a cluster, as the pipeline sees it: each batch goes to a runner of an Effect Cluster, which runs it
 * on its own RDKit workers and streams the products back (`client.ts`). The coordinator (this process) keeps
 * everything else: inputs, the seen set, the output, checkpoints.
 *
 * The client runs on the main thread, or as several clients in threads of their own (`clientThread.ts`,
 * `defaults.clusterClientThreads`): receiving a key over the cluster costs more than reading, deduplicating and
 * writing it, so with cores to spare the threads lift what one coordinator takes. Then this side starts the threads,
 * gives each request to the one holding fewest, keeps what each last said of the capacity, the wait and the report,
 * and passes requests and chunks across. Either way a chunk's keys reach the deduper as the bytes they came in
 * (`packedKeys.ts`), which decodes only those it keeps.
 */
import { randomUUID } from "node:crypto"
import { Cause, Deferred, Effect, Layer, Queue, Redacted, Stream } from "effect"
import { Worker } from "node:worker_threads"
import { compiledEntry } from "../../compiledEntry.js"
import { depict } from "../depiction.js"
import { Engine, type EngineNotice, type EngineShape, WorkerCrashed } from "../Engine.js"
import * as NodeEngine from "../NodeEngine.js"
import { type ProductChunk, workerSettingsOf } from "../protocol.js"
import type { RuleParseError } from "../ruleErrors.js"
import * as Client from "./client.js"
import { mergeReports } from "./clientReports.js"
import { type ClusterDatabase, type ClusterUnreachable, coordinatorLayer, unreachable } from "./connection.js"
import { type CanonicalizedPiece, type ChunkPiece, pieceToCanonicalized, pieceToChunk } from "./protocol.js"
import type { ClientStart, ClientState, FromClient, ToClient } from "./threadProtocol.js"

export interface ClusterEngineOptions extends Client.ClusterClientOptions {
  /** The clients in threads of their own, this many; 0: one client, on the main thread. */
  readonly clientThreads: number
}

/** What an expand request receives from its client thread, in order. */
type ExpandItem =
  | { readonly _tag: "Chunk"; readonly piece: ChunkPiece }
  | { readonly _tag: "Expanded" }
  | { readonly _tag: "Broken"; readonly error: WorkerCrashed }

type Pending =
  | { readonly _tag: "Expand"; readonly inbox: Queue.Queue<ExpandItem> }
  | { readonly _tag: "Canonicalize"; readonly answer: Deferred.Deferred<CanonicalizedPiece, WorkerCrashed> }

/** The client threads' id in `WorkerCrashed`: they are not among the runners' workers. */
const clientThreadId = 0

const startOf = (options: ClusterEngineOptions, seat: Client.ClientSeat): ClientStart => ({
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
  engine: options.engine,
  seat
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
  const client = yield* Client.make(options, Client.soleSeat())
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

/** One client thread, as the main thread sees it: what it last said, and how many requests it holds. */
interface ClientThread {
  readonly worker: Worker
  state: ClientState | undefined
  requests: number
}

/**
 * The client threads, started and ready, and the way to ask them: `request` gives each request to the least busy
 * thread; once any thread stops, every request fails (`WorkerCrashed`).
 */
const startClientThreads = Effect.fnUntraced(function*(options: ClusterEngineOptions) {
  const { db } = options
  const run = randomUUID()
  const ready = yield* Deferred.make<void, ClusterUnreachable>()
  const notices = yield* Queue.unbounded<EngineNotice>()
  const pending = new Map<number, Pending>()
  let broken: WorkerCrashed | undefined
  let nextId = 0

  /** A client thread stopped: before all were ready the cluster could not be joined, after it every request fails. */
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

  const threads: Array<ClientThread> = []
  const onMessage = (thread: ClientThread) => (message: FromClient) => {
    switch (message._tag) {
      case "Ready":
        thread.state = message.state
        if (threads.length === options.clientThreads && threads.every((each) => each.state !== undefined)) Deferred.doneUnsafe(ready, Effect.void)
        return
      case "State":
        thread.state = message.state
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

  const start = (index: number) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const seat = { run, index, count: options.clientThreads }
        const worker = new Worker(compiledEntry(import.meta.url, "clientThread.js"), { workerData: startOf(options, seat) })
        const thread: ClientThread = { worker, state: undefined, requests: 0 }
        threads.push(thread)
        worker.on("message", onMessage(thread))
        worker.on("error", (error) => stopped(error.message))
        worker.on("exit", (code) => stopped(`its thread exited with code ${code}`))
        return thread
      }),
      (thread) => Effect.promise(() => thread.worker.terminate())
    )
  for (let index = 0; index < options.clientThreads; index++) yield* start(index)
  yield* Deferred.await(ready)
  const [lead, ...others] = threads as [ClientThread, ...Array<ClientThread>]

  /**
   * A request to the least busy client thread; interrupted or failed on this side, it is interrupted there too.
   * `ask` gets the request's id and the way to send that thread more about it.
   */
  const request = <A, E, R>(entry: Pending, ask: (id: number, send: (message: ToClient) => void) => ToClient, await_: Effect.Effect<A, E, R>) =>
    Effect.suspend((): Effect.Effect<A, E | WorkerCrashed, R> => {
      if (broken !== undefined) return Effect.fail(broken)
      const thread = threads.reduce((least, each) => each.requests < least.requests ? each : least)
      const send = (message: ToClient) => thread.worker.postMessage(message)
      const id = ++nextId
      pending.set(id, entry)
      thread.requests++
      send(ask(id, send))
      return await_.pipe(Effect.onExit((exit) =>
        Effect.sync(() => {
          pending.delete(id)
          thread.requests--
          if (exit._tag === "Failure" && broken === undefined) send({ _tag: "Interrupt", id })
        })
      ))
    })

  return { lead, others, notices, request }
})

/** The engine around clients in threads of their own, each sending part of the batches. */
const inThreads = Effect.fnUntraced(function*(options: ClusterEngineOptions) {
  const { lead, others, notices, request } = yield* startClientThreads(options)

  const expand = <E, R>(keys: ReadonlyArray<string>, onChunk: (chunk: ProductChunk) => Effect.Effect<void, E, R>) =>
    Effect.flatMap(Queue.unbounded<ExpandItem>(), (inbox) => {
      let taken = () => {}
      const takeAll: Effect.Effect<void, WorkerCrashed | E, R> = Effect.flatMap(Queue.take(inbox), (item) => {
        switch (item._tag) {
          case "Expanded":
            return Effect.void
          case "Broken":
            return Effect.fail(item.error)
          case "Chunk":
            return onChunk(pieceToChunk(item.piece)).pipe(
              Effect.andThen(Effect.sync(taken)),
              Effect.andThen(takeAll)
            )
        }
      })
      return request({ _tag: "Expand", inbox }, (id, send) => {
        taken = () => send({ _tag: "Taken", id })
        return { _tag: "Expand", id, keys }
      }, takeAll)
    })

  const canonicalize = (smiles: ReadonlyArray<string>) =>
    Effect.flatMap(Deferred.make<CanonicalizedPiece, WorkerCrashed>(), (answer) =>
      request({ _tag: "Canonicalize", answer }, (id) => ({ _tag: "Canonicalize", id, smiles }), Effect.map(Deferred.await(answer), pieceToCanonicalized)))

  // The lead's registry speaks for all: each thread reads the same runners.
  return Engine.of({
    capacity: () => lead.state!.capacity,
    waiting: () => lead.state!.waiting,
    notices: Stream.fromQueue(notices),
    report: () => mergeReports(lead.state!.report, others.map((thread) => thread.state!.report)),
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
  options.clientThreads > 0
    ? Layer.effect(Engine, Effect.andThen(checkRules(options), inThreads(options)))
    : Layer.effect(Engine, Effect.andThen(checkRules(options), onMainThread(options))).pipe(
      Layer.provide(coordinatorLayer(options.db)),
      Layer.catchCause((cause) => Layer.effect(Engine, startError(options.db, cause)))
    )
