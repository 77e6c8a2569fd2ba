/**
 * The worker pool actor: takes work batches from the reader and runs each on the engine, as many at once as the
 * in-flight gate allows. A batch is in flight from the moment it is taken until its last product chunk is in the
 * deduper's inbox, and it holds a permit of `inFlight` all that time. The permit is taken before the batch, so the
 * batches taken never outnumber the permits: the memory governor sizes that gate to the engine's capacity (a
 * cluster's live workers, which come and go) and shrinks it to hold fewer batches at once.
 *
 * One fiber takes the batches and starts a fiber per batch; none waits for work it cannot run yet. It owns no state.
 * When the reader has ended its inbox and every batch is done, it ends the deduper's inbox. A failed batch fails the
 * pool at once. Interrupted, the batches in flight are abandoned; their products never reached the writer.
 */
import { Effect, FiberSet, Option } from "effect"
import type { Semaphore } from "effect"
import type { EngineShape } from "../engine/Engine.js"
import type { Mailbox } from "./mailbox.js"
import type { ToDeduper, WorkBatch } from "./messages.js"
import type { RunStats } from "./stats.js"

export const runWorkerPool = (options: {
  readonly engine: EngineShape
  readonly inbox: Mailbox<WorkBatch>
  readonly out: Mailbox<ToDeduper>
  readonly inFlight: Semaphore.Semaphore
  readonly stats: RunStats
}) => {
  const { engine, inbox, out, inFlight, stats } = options
  const handle = (work: WorkBatch) =>
    work._tag === "Inputs"
      ? Effect.flatMap(
        engine.canonicalize(work.records.map((record) => record.smiles)),
        (result) => out.send({ _tag: "Canonicalized", records: work.records, result })
      )
      : engine.expand(work.batch.keys, (chunk) =>
        out.send({ _tag: "Products", generation: work.generation, batch: work.batch, chunk }))
  const size = (work: WorkBatch) => (work._tag === "Inputs" ? work.records.length : work.batch.keys.length)

  return Effect.scoped(Effect.gen(function*() {
    const running = yield* FiberSet.make<void, Effect.Error<ReturnType<typeof handle>>>()
    const dispatch = Effect.gen(function*() {
      while (true) {
        yield* inFlight.take(1)
        const work = yield* inbox.take
        if (Option.isNone(work)) return yield* inFlight.release(1)
        yield* FiberSet.run(
          running,
          handle(work.value).pipe(
            Effect.tap(() => Effect.sync(() => (stats.moleculesDone += size(work.value)))),
            Effect.ensuring(inFlight.release(1))
          )
        )
      }
    })
    // The first failed batch ends the pool; otherwise it ends when the inbox has ended and every batch is done.
    yield* Effect.raceFirst(Effect.andThen(dispatch, FiberSet.awaitEmpty(running)), FiberSet.join(running))
  })).pipe(Effect.ensuring(out.end))
}
