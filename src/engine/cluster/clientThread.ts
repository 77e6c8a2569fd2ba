/**
 * One of the coordinator's cluster client threads: Effect Cluster's sockets, RPC and registry of runners, and the
 * client (`client.ts`) that sends the batches the main thread gives it. Receiving the runners' products costs more
 * per key than deduplicating and writing them (`bench/README.md`); here it runs beside the main thread instead of on
 * it, and beside the other client threads, each receiving its own batches. Each chunk goes to the main thread as it
 * came, and the next is read only once the main thread has taken it, so a slow pipeline still slows the runners.
 */
import { Cause, Deferred, Effect, FiberMap, Queue, Redacted, Stream } from "effect"
import { parentPort, workerData } from "node:worker_threads"
import { defaults } from "../../config.js"
import { make as makeClient, type ClusterClient } from "./client.js"
import { coordinatorLayer, reasonOf } from "./connection.js"
import type { ChunkPiece } from "./protocol.js"
import type { ClientStart, ClientState, FromClient, ToClient } from "./threadProtocol.js"

const port = parentPort
if (port === null) throw new Error("clientThread.js must run in a worker thread")
const start = workerData as ClientStart
const db = { ...start.db, password: start.db.password === undefined ? undefined : Redacted.make(start.db.password) }

const send = (message: FromClient, transfer?: ReadonlyArray<ArrayBuffer>) => port.postMessage(message, transfer)

/**
 * A chunk's columns that own their whole buffer, as the runner's message decodes them: they are handed over to the
 * main thread rather than copied. A column that views part of a larger buffer is copied, since handing the buffer
 * over would take the rest of it away from this thread.
 */
const ownBuffers = (piece: ChunkPiece): Array<ArrayBuffer> => {
  const buffers = new Set<ArrayBuffer>()
  for (const column of [piece.keys, piece.hashes, piece.parents, piece.rules, piece.verdicts]) {
    if (column.buffer instanceof ArrayBuffer && column.byteOffset === 0 && column.byteLength === column.buffer.byteLength) buffers.add(column.buffer)
  }
  return [...buffers]
}

const stateOf = (client: ClusterClient): ClientState => ({ capacity: client.capacity(), waiting: client.waiting(), report: client.report() })

const serve = Effect.gen(function*() {
  const client = yield* makeClient({ db, ruleSet: start.ruleSet, options: start.options, engine: start.engine }, start.seat)
  const inbox = yield* Queue.unbounded<ToClient>()
  port.on("message", (message: ToClient) => Queue.offerUnsafe(inbox, message))
  const requests = yield* FiberMap.make<number>()
  /** Per expand request, the main thread's word that it took the last chunk. */
  const taken = new Map<number, Deferred.Deferred<void>>()
  const publish = Effect.sync(() => send({ _tag: "State", state: stateOf(client) }))

  const expand = (id: number, keys: ReadonlyArray<string>) =>
    client.expand(keys, (piece) =>
      Effect.gen(function*() {
        const next = yield* Deferred.make<void>()
        taken.set(id, next)
        send({ _tag: "Chunk", id, piece }, ownBuffers(piece))
        yield* Deferred.await(next)
      })).pipe(
        Effect.andThen(publish),
        Effect.andThen(Effect.sync(() => send({ _tag: "Expanded", id }))),
        Effect.ensuring(Effect.sync(() => taken.delete(id)))
      )

  const canonicalize = (id: number, smiles: ReadonlyArray<string>) =>
    client.canonicalize(smiles).pipe(
      Effect.tap(publish),
      Effect.map((piece) => send({ _tag: "Canonicalized", id, piece }))
    )

  yield* client.notices.pipe(Stream.runForEach((notice) => Effect.sync(() => send({ _tag: "Notice", message: notice.message }))), Effect.forkScoped)
  // Runners join and leave between batches too: the progress line's capacity and waiting follow the registry.
  yield* publish.pipe(Effect.delay(`${defaults.clusterRefreshMs} millis`), Effect.forever, Effect.forkScoped)
  send({ _tag: "Ready", state: stateOf(client) })
  return yield* Stream.fromQueue(inbox).pipe(Stream.runForEach((message): Effect.Effect<unknown> => {
    switch (message._tag) {
      case "Expand":
        return FiberMap.run(requests, message.id, expand(message.id, message.keys))
      case "Canonicalize":
        return FiberMap.run(requests, message.id, canonicalize(message.id, message.smiles))
      case "Taken": {
        const next = taken.get(message.id)
        return next === undefined ? Effect.void : Deferred.succeed(next, undefined)
      }
      case "Interrupt":
        return FiberMap.remove(requests, message.id)
    }
  }))
})

Effect.runFork(serve.pipe(
  Effect.provide(coordinatorLayer(db)),
  Effect.scoped,
  Effect.catchCause((cause) => Effect.sync(() => send({ _tag: "Failed", reason: reasonOf(db, Cause.squash(cause)) })))
))
