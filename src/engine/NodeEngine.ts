/**
 * The engine on this machine's workers: one RDKit instance per worker, a pool of idle workers, one request per worker
 * at a time. A WebAssembly worker is a thread, a native one a child process (`spawn.ts` says why); both speak the
 * protocol in `protocol.ts`, whose worker half is `workerLoop.ts`. ("Thread" below means either.)
 *
 * Failures of a molecule never fail the run. A thread whose RDKit threw (it names the molecule), that ran one
 * molecule past `moleculeTimeoutMs` (stopped here), or that died outright is replaced by a new thread, and the rest
 * of its batch goes on: the molecule that threw or ran too long is reported as a failure (the caller quarantines
 * it); a molecule a thread died on without saying why is tried once more, then reported.
 *
 * Shutdown: the layer's scope terminates every thread. A request interrupted half-way leaves its thread with a
 * pending request, so that thread is terminated and not put back in the pool.
 */
import { Cause, Deferred, Effect, Exit, Layer, Queue, Schedule, Scope, Stream } from "effect"
import { defaults } from "../config.js"
import type { ChosenEngine } from "./choice.js"
import { Engine, WorkerCrashed } from "./Engine.js"
import { KeyCache } from "./keyCache.js"
import { processSpawner } from "./native/spawnProcess.js"
import type { Canonicalized, DrawingSize, FromWorker, ProductChunk, ToWorker, WorkerSettings } from "./protocol.js"
import { progressBusy, progressIndex } from "./protocol.js"
import { type CompiledRDKit, compileRDKit } from "./rdkit.js"
import { RuleParseError } from "./ruleErrors.js"
import { type Spawn, threadSpawner, type WorkerHandle } from "./spawn.js"

export interface NodeEngineOptions {
  readonly workers: number
  readonly settings: WorkerSettings
  readonly moleculeTimeoutMs: number
  /** Native workers are processes, WebAssembly workers threads (see `spawn.ts`). */
  readonly engine: ChosenEngine
  /** RDKit's WebAssembly compiled beforehand (a runner compiles it once for every pool it starts); else compiled here. */
  readonly rdkit?: CompiledRDKit | undefined
}

interface Thread {
  readonly id: number
  readonly worker: WorkerHandle
  /** Where the thread's answers go while it serves a request. */
  inbox: Queue.Queue<FromWorker, WorkerCrashed> | undefined
  /** Why the thread died, once it has. */
  crashed: WorkerCrashed | undefined
  /** The thread said it will exit (RDKit threw): it must not serve another request. */
  retiring: boolean
  /** The molecule (index in the request) that ran past the time limit, if the thread was stopped for it. */
  timedOutAt: number | undefined
}

const startThread = (id: number, spawn: Spawn) =>
  Effect.acquireRelease(
    Effect.callback<Thread, RuleParseError | WorkerCrashed>((resume) => {
      let ready = false
      const crash = (reason: string) => {
        const error = new WorkerCrashed({ workerId: id, reason })
        thread.crashed = error
        if (!ready) resume(Effect.fail(error))
        if (thread.inbox !== undefined) Queue.failCauseUnsafe(thread.inbox, Cause.fail(error))
      }
      const onMessage = (message: FromWorker) => {
        if (message._tag === "Ready") {
          ready = true
          resume(Effect.succeed(thread))
        } else if (message._tag === "RuleRejected") {
          resume(Effect.fail(new RuleParseError({ file: message.file, line: message.line, reason: message.reason })))
        } else {
          if (message._tag === "Poisoned") thread.retiring = true
          if (thread.inbox !== undefined) Queue.offerUnsafe(thread.inbox, message)
        }
      }
      const thread: Thread = {
        id,
        worker: spawn({ onMessage, onCrash: crash }),
        inbox: undefined,
        crashed: undefined,
        retiring: false,
        timedOutAt: undefined
      }
    }),
    (thread) => Effect.promise(() => thread.worker.terminate())
  )

/** How one attempt at a request ended. `index` counts in the attempt's own list of molecules. */
type Attempt =
  | { readonly _tag: "Done" }
  | {
    readonly _tag: "Failed"
    readonly index: number
    readonly reason: string
    /** The thread died without a reason: the molecule deserves one more try. */
    readonly retry: boolean
    /** Results for the molecules before `index` were handed over. */
    readonly deliveredBefore: boolean
  }

/** RDKit's WebAssembly, compiled for a pool's threads to instantiate. */
export const compiledRDKit = Effect.tryPromise({
  try: compileRDKit,
  catch: (error) => new WorkerCrashed({ workerId: 0, reason: `RDKit's WebAssembly did not compile: ${String(error)}` })
})

export const make = Effect.fnUntraced(function*(options: NodeEngineOptions) {
  const { settings, moleculeTimeoutMs } = options
  const layerScope = yield* Effect.scope
  const spawn: Spawn = options.engine.kind === "native"
    ? processSpawner(settings)
    : threadSpawner(settings, {
      // One for the pool: a replacement thread attaches to what its predecessors learned.
      keyCache: KeyCache.create(defaults.keyCacheSlots).buffer,
      rdkit: options.rdkit ?? (yield* compiledRDKit)
    })
  const threads = yield* Effect.forEach(
    Array.from({ length: options.workers }, (_, i) => i + 1),
    (id) => startThread(id, spawn),
    { concurrency: "unbounded" }
  )
  const idle = yield* Queue.bounded<Thread>(threads.length)
  for (const thread of threads) Queue.offerUnsafe(idle, thread)
  /** Fails every waiting request if a replacement thread cannot be started: the pool would starve. */
  const broken = yield* Deferred.make<never, WorkerCrashed>()
  let nextThreadId = threads.length
  let nextRequestId = 0

  const replace = (dead: Thread) =>
    Effect.gen(function*() {
      yield* Effect.promise(() => dead.worker.terminate())
      const fresh = yield* startThread(++nextThreadId, spawn).pipe(Scope.provide(layerScope))
      Queue.offerUnsafe(idle, fresh)
    }).pipe(
      Effect.catch((error) =>
        Deferred.fail(broken, error._tag === "WorkerCrashed" ? error : new WorkerCrashed({ workerId: nextThreadId, reason: error.message }))
      ),
      Effect.forkIn(layerScope)
    )

  /** Lends a thread for one attempt; a thread that died or will die is replaced instead of going back. */
  const withThread = <A, E, R>(
    use: (thread: Thread, requestId: number) => Effect.Effect<A, E, R>
  ): Effect.Effect<A, E | WorkerCrashed, R> =>
    Effect.acquireUseRelease(
      Effect.raceFirst(Queue.take(idle), Deferred.await(broken)),
      (thread) => Effect.suspend(() => use(thread, ++nextRequestId)),
      (thread, exit) =>
        Effect.suspend(() => {
          thread.inbox = undefined
          const healthy = Exit.isSuccess(exit) && thread.crashed === undefined && !thread.retiring
          if (healthy) return Effect.sync(() => Queue.offerUnsafe(idle, thread))
          return Effect.asVoid(replace(thread))
        })
    )

  /** Stops the thread if its current molecule runs past the limit; the crash handler then ends the attempt. */
  const watchdog = (thread: Thread) =>
    Effect.sync(() => {
      const busy = Atomics.load(thread.worker.progress, progressBusy) === 1
      if (busy && Date.now() - thread.worker.startedAt[0]! > moleculeTimeoutMs && thread.timedOutAt === undefined) {
        thread.timedOutAt = Atomics.load(thread.worker.progress, progressIndex)
        void thread.worker.terminate()
      }
    }).pipe(
      Effect.repeat(Schedule.spaced(`${Math.max(1, Math.floor(moleculeTimeoutMs / defaults.timeoutChecksPerLimit))} millis`)),
      Effect.forkScoped
    )

  /** Turns the end of a failed attempt into its `Attempt`: why, and at which molecule. */
  const failedAttempt = (thread: Thread, poisoned: { index: number; reason: string } | undefined, deliveredBefore: boolean): Attempt => {
    if (poisoned !== undefined) return { _tag: "Failed", ...poisoned, retry: false, deliveredBefore }
    if (thread.timedOutAt !== undefined) {
      return {
        _tag: "Failed",
        index: thread.timedOutAt,
        reason: `its rules ran longer than the limit of ${moleculeTimeoutMs} ms (--molecule-timeout-ms)`,
        retry: false,
        deliveredBefore: false
      }
    }
    return {
      _tag: "Failed",
      index: Atomics.load(thread.worker.progress, progressIndex),
      reason: `the RDKit worker died on it (${thread.crashed?.reason ?? "no reason given"})`,
      retry: true,
      deliveredBefore: false
    }
  }

  const startRequest = (thread: Thread, message: ToWorker) =>
    Effect.gen(function*() {
      const inbox = yield* Queue.bounded<FromWorker, WorkerCrashed>(settings.credits + 2)
      thread.inbox = inbox
      thread.timedOutAt = undefined
      yield* watchdog(thread)
      thread.worker.post(message)
      return inbox
    })

  /**
   * Runs `attempt` over the molecules still pending until every one is answered or reported failed. A thread's
   * death costs at most a re-run of the molecules it had not delivered, and each death settles at least one molecule
   * (a molecule is retried once), so this ends.
   */
  const withRecovery = <E1, E2, R>(
    count: number,
    attempt: (pending: ReadonlyArray<number>) => Effect.Effect<Attempt, E1, R>,
    onFailure: (index: number, reason: string) => Effect.Effect<void, E2, R>
  ): Effect.Effect<void, E1 | E2, R> =>
    Effect.gen(function*() {
      let pending: ReadonlyArray<number> = Array.from({ length: count }, (_, i) => i)
      const retried = new Set<number>()
      while (pending.length > 0) {
        const outcome = yield* attempt(pending)
        if (outcome._tag === "Done") return
        const failed = pending[outcome.index]!
        const rest = outcome.deliveredBefore ? pending.slice(outcome.index) : pending
        if (outcome.retry && !retried.has(failed)) {
          retried.add(failed)
          pending = rest
        } else {
          yield* onFailure(failed, outcome.reason)
          pending = rest.filter((index) => index !== failed)
        }
      }
    })

  const canonicalize = (smiles: ReadonlyArray<string>) =>
    Effect.gen(function*() {
      const keys: Array<string | null> = new Array(smiles.length).fill(null)
      const reasons: Array<string | null> = new Array(smiles.length).fill(null)
      const hashes = new Uint32Array(smiles.length * 2)
      const store = (pending: ReadonlyArray<number>, answer: Canonicalized) =>
        answer.keys.forEach((key, i) => {
          const at = pending[i]!
          keys[at] = key
          reasons[at] = answer.reasons[i] ?? null
          hashes[2 * at] = answer.hashes[2 * i]!
          hashes[2 * at + 1] = answer.hashes[2 * i + 1]!
        })
      yield* withRecovery(
        smiles.length,
        (pending) =>
          withThread((thread, requestId) =>
            Effect.scoped(Effect.gen(function*() {
              const inbox = yield* startRequest(thread, { _tag: "Canonicalize", requestId, smiles: pending.map((i) => smiles[i]!) })
              let delivered = false
              while (true) {
                const reply = yield* Effect.result(Queue.take(inbox))
                if (reply._tag === "Failure") return failedAttempt(thread, undefined, delivered)
                const message = reply.success
                if (message._tag === "Canonicalized") {
                  store(pending, message)
                  delivered = true
                  if (message.keys.length === pending.length) return { _tag: "Done" } as const
                } else if (message._tag === "Poisoned") {
                  return failedAttempt(thread, message, delivered)
                }
              }
            }))
          ),
        (index, reason) => Effect.sync(() => (reasons[index] = reason))
      )
      return { _tag: "Canonicalized", requestId: 0, keys, reasons, hashes } satisfies Canonicalized
    })

  const expand = <E, R>(keys: ReadonlyArray<string>, onChunk: (chunk: ProductChunk) => Effect.Effect<void, E, R>) =>
    withRecovery(
      keys.length,
      (pending) =>
        withThread((thread, requestId) =>
          Effect.scoped(Effect.gen(function*() {
            const inbox = yield* startRequest(thread, { _tag: "Expand", requestId, keys: pending.map((i) => keys[i]!) })
            while (true) {
              const reply = yield* Effect.result(Queue.take(inbox))
              if (reply._tag === "Failure") return failedAttempt(thread, undefined, false)
              const message = reply.success
              if (message._tag === "Poisoned") return failedAttempt(thread, message, true)
              if (message._tag !== "Chunk") continue
              // The attempt numbers its molecules from 0; the caller knows them by their place in `keys`.
              for (let i = 0; i < message.parents.length; i++) message.parents[i] = pending[message.parents[i]!]!
              yield* onChunk(message)
              if (message.last) return { _tag: "Done" } as const
              thread.worker.post({ _tag: "Credit", requestId } satisfies ToWorker)
            }
          }))
        ),
      (index, reason) =>
        onChunk({
          _tag: "Chunk",
          requestId: 0,
          keys: [],
          hashes: new Uint32Array(0),
          parents: new Uint32Array(0),
          rules: new Uint16Array(0),
          verdicts: new Uint8Array(0),
          candidates: 0,
          invalidCandidates: 0,
          failures: [{ index, reason }],
          last: false
        })
    )

  /** Drawn by one of the pool's workers, whose RDKit is loaded already: a report costs the run no more memory. */
  const depict = (smiles: ReadonlyArray<string>, size: DrawingSize): Effect.Effect<ReadonlyMap<string, string>> => {
    const unique = [...new Set(smiles)]
    if (unique.length === 0) return Effect.succeed(new Map())
    return withThread((thread, requestId) =>
      Effect.scoped(Effect.gen(function*() {
        const inbox = yield* startRequest(thread, { _tag: "Depict", requestId, smiles: unique, size })
        while (true) {
          const reply = yield* Queue.take(inbox)
          if (reply._tag === "Depicted") {
            const drawings = new Map<string, string>()
            reply.svgs.forEach((svg, i) => {
              if (svg !== null) drawings.set(unique[i]!, svg)
            })
            return drawings as ReadonlyMap<string, string>
          }
        }
      }))
    ).pipe(Effect.orElseSucceed(() => new Map<string, string>()))
  }

  return Engine.of({
    capacity: () => threads.length,
    waiting: () => undefined,
    notices: Stream.empty,
    report: () => ({ kind: "threads", workers: threads.length, rdkit: options.engine.rdkit }),
    canonicalize,
    expand,
    depict
  })
})

export const layer = (options: NodeEngineOptions): Layer.Layer<Engine, RuleParseError | WorkerCrashed> =>
  Layer.effect(Engine, make(options))
