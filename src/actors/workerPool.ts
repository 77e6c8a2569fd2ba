/**
 * The worker pool actor: one fiber per RDKit instance, each taking the next work batch from the reader. A batch is
 * in flight from the moment a fiber takes it until its last product chunk is in the deduper's inbox, and it holds a
 * permit of `inFlight` all that time: the memory governor shrinks that gate to hold fewer batches at once.
 *
 * It owns no state. When the reader has ended its inbox and every fiber has finished its batch, it ends the deduper's
 * inbox. Interrupted, the batches in flight are abandoned; their products never reached the writer.
 */
import { Effect } from "effect"
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
  const fiber = inbox.drain((work) =>
    inFlight.withPermit(handle(work)).pipe(Effect.tap(() => Effect.sync(() => (stats.moleculesDone += size(work)))))
  )
  return Effect.all(Array.from({ length: engine.size }, () => fiber), { concurrency: "unbounded", discard: true }).pipe(
    Effect.ensuring(out.end)
  )
}
