/**
 * The engine on Node worker threads: one RDKit instance per thread, a pool of idle threads, one request per thread
 * at a time. The main-thread half of the protocol in `protocol.ts`; the thread half is `workerMain.ts`.
 *
 * Shutdown: the layer's scope terminates every thread. A request interrupted half-way leaves its thread with a
 * pending request, so that thread is terminated and not put back in the pool.
 */
import { Worker } from "node:worker_threads"
import { Cause, Effect, Exit, Layer, Queue } from "effect"
import { RuleParseError } from "./ruleErrors.js"
import { Engine, WorkerCrashed } from "./Engine.js"
import type { FromWorker, ProductChunk, ToWorker, WorkerSettings } from "./protocol.js"

export interface NodeEngineOptions {
  readonly workers: number
  readonly settings: WorkerSettings
}

interface Thread {
  readonly id: number
  readonly worker: Worker
  /** Where the thread's answers go while it serves a request. */
  inbox: Queue.Queue<FromWorker, WorkerCrashed> | undefined
  /** Why the thread died, once it has. */
  crashed: WorkerCrashed | undefined
}

/** Compiled worker entry; tests run the sources through vitest, so they point at the build of the same file. */
const workerEntry = (): URL =>
  import.meta.url.endsWith(".ts")
    ? new URL("../../dist/engine/workerMain.js", import.meta.url)
    : new URL("./workerMain.js", import.meta.url)

const startThread = (id: number, settings: WorkerSettings) =>
  Effect.acquireRelease(
    Effect.callback<Thread, RuleParseError | WorkerCrashed>((resume) => {
      const worker = new Worker(workerEntry(), { workerData: settings })
      const thread: Thread = { id, worker, inbox: undefined, crashed: undefined }
      let ready = false
      const crash = (reason: string) => {
        const error = new WorkerCrashed({ workerId: id, reason })
        thread.crashed = error
        if (!ready) resume(Effect.fail(error))
        if (thread.inbox !== undefined) Queue.failCauseUnsafe(thread.inbox, Cause.fail(error))
      }
      worker.on("message", (message: FromWorker) => {
        if (message._tag === "Ready") {
          ready = true
          resume(Effect.succeed(thread))
        } else if (message._tag === "RuleRejected") {
          resume(Effect.fail(new RuleParseError({ file: settings.ruleSet.source, line: message.line, reason: message.reason })))
        } else if (thread.inbox !== undefined) {
          Queue.offerUnsafe(thread.inbox, message)
        }
      })
      worker.on("error", (error) => crash(String(error)))
      worker.on("exit", (code) => crash(`exited with code ${code}`))
    }),
    (thread) => Effect.promise(() => thread.worker.terminate())
  )

export const make = Effect.fnUntraced(function*(options: NodeEngineOptions) {
  const { settings } = options
  const threads = yield* Effect.forEach(
    Array.from({ length: options.workers }, (_, i) => i + 1),
    (id) => startThread(id, settings),
    { concurrency: "unbounded" }
  )
  const idle = yield* Queue.bounded<Thread>(threads.length)
  for (const thread of threads) Queue.offerUnsafe(idle, thread)
  let nextRequestId = 0

  /** Lends a thread for one request; it goes back to the pool only if the request ran to its end. */
  const withThread = <A, E, R>(
    use: (thread: Thread, requestId: number) => Effect.Effect<A, E, R>
  ): Effect.Effect<A, E | WorkerCrashed, R> =>
    Effect.acquireUseRelease(
      Queue.take(idle),
      (thread): Effect.Effect<A, E | WorkerCrashed, R> =>
        thread.crashed !== undefined
          ? Effect.fail(thread.crashed)
          : Effect.suspend(() => use(thread, ++nextRequestId)),
      (thread, exit) =>
        Effect.sync(() => {
          thread.inbox = undefined
          if (Exit.isSuccess(exit) && thread.crashed === undefined) Queue.offerUnsafe(idle, thread)
          else void thread.worker.terminate()
        })
    )

  const post = (thread: Thread, message: ToWorker) => thread.worker.postMessage(message)

  /** Replies a request may have outstanding: every credit's chunk, plus a crash notice. */
  const inboxCapacity = settings.credits + 1

  return Engine.of({
    size: threads.length,
    canonicalize: (smiles) =>
      withThread((thread, requestId) =>
        Effect.gen(function*() {
          const inbox = yield* Queue.bounded<FromWorker, WorkerCrashed>(inboxCapacity)
          thread.inbox = inbox
          post(thread, { _tag: "Canonicalize", requestId, smiles })
          const reply = yield* Queue.take(inbox)
          if (reply._tag !== "Canonicalized") {
            return yield* new WorkerCrashed({ workerId: thread.id, reason: `answered ${reply._tag} to Canonicalize` })
          }
          return reply
        })
      ),
    expand: <E, R>(keys: ReadonlyArray<string>, onChunk: (chunk: ProductChunk) => Effect.Effect<void, E, R>) =>
      withThread((thread, requestId) =>
        Effect.gen(function*() {
          const inbox = yield* Queue.bounded<FromWorker, WorkerCrashed>(inboxCapacity)
          thread.inbox = inbox
          post(thread, { _tag: "Expand", requestId, keys })
          while (true) {
            const reply = yield* Queue.take(inbox)
            if (reply._tag !== "Chunk") {
              return yield* new WorkerCrashed({ workerId: thread.id, reason: `answered ${reply._tag} to Expand` })
            }
            yield* onChunk(reply)
            if (reply.last) return
            post(thread, { _tag: "Credit", requestId })
          }
        })
      )
  })
})

export const layer = (options: NodeEngineOptions): Layer.Layer<Engine, RuleParseError | WorkerCrashed> =>
  Layer.effect(Engine, make(options))
