/**
 * The writer actor: the single owner of the Parquet sink's row buffer and of the next generation's frontier file.
 *
 * Whatever size a message has, rows enter the buffer only up to the flush interval in force (read at every message,
 * since the memory governor may shrink it), and each full buffer is written as one row group. One writer runs per
 * segment (checkpoint) and writes that segment's part; what is left in the buffer at the segment's end is the
 * part's last, smaller row group. Interrupted, rows still in the buffer are lost with the unfinished part, which
 * never reaches its final name; the checkpoint before it still holds.
 */
import { Effect, Ref } from "effect"
import { frontierLine } from "../io/frontier.js"
import type { ProductSink } from "../io/ProductSink.js"
import type { RowBuffer } from "../io/rowBuffer.js"
import type { TextSink } from "../io/textSink.js"
import type { Mailbox } from "./mailbox.js"
import type { ToWriter } from "./messages.js"
import type { FlushRecord, RunStats } from "./stats.js"

export interface WriterState {
  readonly sink: ProductSink
  readonly buffer: RowBuffer
  readonly flushInterval: Ref.Ref<number>
  readonly stats: RunStats
  /** Row groups in this part; a part is closed early when its footer metadata would grow too large. */
  partRowGroups: number
  readonly onFlush: (record: FlushRecord) => void
}

const writeGroups = (state: WriterState, groups: ReturnType<RowBuffer["append"]>, interval: number) =>
  Effect.forEach(groups, (group) =>
    Effect.suspend(() => {
      const rssBefore = process.memoryUsage.rss()
      return Effect.andThen(state.sink.writeRowGroup(group), () =>
        Effect.sync(() => {
          state.stats.flushes++
          state.partRowGroups++
          state.stats.rowsWritten += group.smiles.length
          const record: FlushRecord = {
            seconds: (Date.now() - state.stats.startedAt) / 1000,
            rows: group.smiles.length,
            flushInterval: interval,
            rssBefore,
            rssAfter: process.memoryUsage.rss()
          }
          state.stats.flushLog.add(record)
          state.onFlush(record)
        }))
    }), { discard: true })

export const runWriter = (options: {
  readonly state: WriterState
  readonly inbox: Mailbox<ToWriter>
  /** Where this generation's new molecules go for the next one; absent in the last generation. */
  readonly frontier: TextSink | undefined
}) => {
  const { state, inbox, frontier } = options
  const toFrontier = (keys: ReadonlyArray<string>, rootIds: ReadonlyArray<string>) =>
    frontier === undefined
      ? Effect.void
      : Effect.forEach(keys, (key, i) => frontier.writeLine(frontierLine(key, rootIds[i]!)), { discard: true })

  return inbox.drain((message) =>
    Effect.gen(function*() {
      if (message._tag === "Seeds") return yield* toFrontier(message.keys, message.rootIds)
      const { rows } = message
      yield* toFrontier(rows.smiles, rows.rootId)
      const interval = yield* Ref.get(state.flushInterval)
      const groups = state.buffer.append(rows, interval)
      state.stats.maxBufferRows = Math.max(state.stats.maxBufferRows, state.buffer.maxRows)
      yield* writeGroups(state, groups, interval)
    })
  )
}

/** Writes what is left in the buffer at the end of a segment as its part's last, smaller row group. */
export const flushRemainder = (state: WriterState) =>
  Effect.suspend(() => {
    const rest = state.buffer.takeRemainder()
    return rest === undefined ? Effect.void : Effect.flatMap(Ref.get(state.flushInterval), (interval) => writeGroups(state, [rest], interval))
  })
