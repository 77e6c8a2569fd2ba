/**
 * The reader actor: turns the molecule source (generation 0) or the previous generation's frontier file into work
 * batches for the pool. It owns the source position (a cursor) and nothing else.
 *
 * A run is cut into segments, one per checkpoint: the reader sends batches until `shouldStop` says the segment is
 * over (checkpoint due, or a stop was asked for) or the source ends, then ends the pool's inbox so the pipeline
 * drains. Its only bound is the pool's inbox: when that is full the reader waits, so a slow pipeline stops the
 * reading. Before each batch it passes the governor's gate, closed while memory is critical. Rejected input lines
 * go straight to the quarantine and are counted.
 */
import { Effect, Option } from "effect"
import type { Cursor } from "../io/cursor.js"
import type { TextFileError } from "../io/errors.js"
import type { FrontierEntry } from "../io/frontier.js"
import type { InputItem, InputRecord } from "../io/moleculeSource.js"
import type { Quarantine } from "../io/quarantine.js"
import type { Mailbox } from "./mailbox.js"
import type { WorkBatch } from "./messages.js"
import type { RunStats } from "./stats.js"

export interface SegmentControl {
  /** Molecules for the next batch (see `nextBatchSize`). */
  readonly batchSize: () => number
  readonly out: Mailbox<WorkBatch>
  /** Waits while the memory governor has paused the reader. */
  readonly gate: Effect.Effect<void>
  /** True when this segment should end before its next batch. */
  readonly shouldStop: () => boolean
}

/** Sends batches until the segment ends; true when the source is exhausted. */
const fillBatches = <Item, Kept, E>(
  cursor: Cursor<Item, E>,
  control: SegmentControl,
  accept: (item: Item) => Effect.Effect<Kept | undefined, TextFileError>,
  toWork: (kept: ReadonlyArray<Kept>) => WorkBatch
): Effect.Effect<boolean, E | TextFileError> =>
  Effect.gen(function*() {
    let exhausted = false
    while (!exhausted && !control.shouldStop()) {
      const kept: Array<Kept> = []
      const size = control.batchSize()
      while (kept.length < size) {
        const next = yield* cursor.next
        if (Option.isNone(next)) {
          exhausted = true
          break
        }
        const accepted = yield* accept(next.value)
        if (accepted !== undefined) kept.push(accepted)
      }
      if (kept.length > 0) {
        yield* control.gate
        yield* control.out.send(toWork(kept))
      }
    }
    return exhausted
  }).pipe(Effect.ensuring(control.out.end))

export const readInputs = <E>(
  cursor: Cursor<InputItem, E>,
  control: SegmentControl,
  options: { readonly quarantine: Quarantine; readonly stats: RunStats }
) =>
  fillBatches(
    cursor,
    control,
    (item): Effect.Effect<InputRecord | undefined, TextFileError> => {
      options.stats.inputsRead++
      if (item._tag === "Record") return Effect.succeed(item.record)
      options.stats.inputsInvalid++
      const { line, text, reason } = item.rejected
      return Effect.as(options.quarantine.add(line, text, reason), undefined)
    },
    (records) => ({ _tag: "Inputs", records })
  )

export const readFrontier = <E>(cursor: Cursor<FrontierEntry, E>, control: SegmentControl, generation: number) =>
  fillBatches(
    cursor,
    control,
    (entry) => Effect.succeed(entry),
    (entries) => ({
      _tag: "Frontier",
      generation,
      batch: { keys: entries.map((entry) => entry.key), rootIds: entries.map((entry) => entry.rootId) }
    })
  )
