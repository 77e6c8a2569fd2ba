/**
 * The worker pool actor: as many fibers as the engine may ever run requests at once, each taking the next work batch
 * from the reader. A batch is in flight from the moment a fiber takes it until its last product chunk is in the
 * deduper's inbox. A fiber takes a permit of `inFlight` before it takes a batch and holds it all that time, so the
 * batches taken never outnumber the permits: the memory governor sizes that gate to the engine's capacity (a
 * cluster's live workers, far fewer than its fibers) and shrinks it to hold fewer batches at once.
 *
 * It owns no state. When the reader has ended its inbox and every fiber has finished its batch, it ends the deduper's
 * inbox. Interrupted, the batches in flight are abandoned; their products never reached the writer.
 */
import { Effect, Option } from "effect"
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
  /** One batch under a permit; false once the reader has ended the inbox. */
  const next = inFlight.withPermit(
    Effect.flatMap(inbox.take, (work) =>
      Option.isNone(work)
        ? Effect.succeed(false)
        : Effect.as(handle(work.value).pipe(Effect.tap(() => Effect.sync(() => (stats.moleculesDone += size(work.value))))), true))
  )
  const fiber = Effect.gen(function*() {
    while (yield* next) continue
  })
  return Effect.all(Array.from({ length: engine.size }, () => fiber), { concurrency: "unbounded", discard: true }).pipe(
    Effect.ensuring(out.end)
  )
}
