/**
 * The writer actor: the single owner of the Parquet sinks' row buffers (products, and with `--reactions` the
 * reaction network) and of the next generation's frontier file.
 *
 * Whatever size a message has, rows enter each buffer only up to the flush interval in force (read at every message,
 * since the memory governor may shrink it), and each full buffer is written as one row group. One writer runs per
 * segment (checkpoint) and writes that segment's part of each table; what is left in a buffer at the segment's end
 * is the part's last, smaller row group. Interrupted, rows still in the buffers are lost with the unfinished parts,
 * which never reach their final names; the checkpoint before them still holds.
 */
import { Effect, Ref } from "effect"
import { frontierLine } from "../io/frontier.js"
import type { ParquetSink } from "../io/ParquetSink.js"
import type { RowBuffer } from "../io/rowBuffer.js"
import { productTable, type ProductRows, type ReactionRows, rowCount, type Rows, type Table } from "../io/tables.js"
import type { TextSink } from "../io/textSink.js"
import type { Mailbox } from "./mailbox.js"
import type { ToWriter } from "./messages.js"
import type { FlushRecord, RunStats } from "./stats.js"

/** One table's part under way: its sink, its row buffer, and the row groups the part holds so far. */
export interface PartWriter<R extends Rows> {
  readonly table: Table<R>
  readonly sink: ParquetSink<R>
  readonly buffer: RowBuffer<R>
  /** A part is closed early when its footer metadata would grow too large. */
  rowGroups: number
}

export interface WriterState {
  readonly products: PartWriter<ProductRows>
  /** Absent without `--reactions`. */
  readonly reactions: PartWriter<ReactionRows> | undefined
  readonly flushInterval: Ref.Ref<number>
  readonly stats: RunStats
  readonly onFlush: (record: FlushRecord) => void
}

const writeGroups = <R extends Rows>(state: WriterState, part: PartWriter<R>, groups: ReadonlyArray<R>, interval: number) =>
  Effect.forEach(groups, (group) =>
    Effect.suspend(() => {
      const rssBefore = process.memoryUsage.rss()
      const rows = rowCount(part.table, group)
      return Effect.andThen(part.sink.writeRowGroup(group), () =>
        Effect.sync(() => {
          state.stats.flushes++
          part.rowGroups++
          if (part.table.name === productTable.name) state.stats.rowsWritten += rows
          const record: FlushRecord = {
            seconds: (Date.now() - state.stats.startedAt) / 1000,
            table: part.table.name,
            rows,
            flushInterval: interval,
            rssBefore,
            rssAfter: process.memoryUsage.rss()
          }
          state.stats.flushLog.add(record)
          state.onFlush(record)
        }))
    }), { discard: true })

/** Adds rows to a table's buffer and writes every row group that filled up. */
const append = <R extends Rows>(state: WriterState, part: PartWriter<R>, rows: R, interval: number) =>
  Effect.suspend(() => {
    const groups = part.buffer.append(rows, interval)
    state.stats.maxBufferRows = Math.max(state.stats.maxBufferRows, part.buffer.maxRows)
    return writeGroups(state, part, groups, interval)
  })

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
      const { rows, edges } = message
      yield* toFrontier(rows.smiles, rows.rootId)
      const interval = yield* Ref.get(state.flushInterval)
      yield* append(state, state.products, rows, interval)
      if (edges !== undefined && state.reactions !== undefined) yield* append(state, state.reactions, edges, interval)
    })
  )
}

/** The row groups the segment's parts hold so far: the most of either table's. */
export const partRowGroups = (state: WriterState): number => Math.max(state.products.rowGroups, state.reactions?.rowGroups ?? 0)

/** Writes what is left in each buffer at the end of a segment as its part's last, smaller row group. */
export const flushRemainder = (state: WriterState) =>
  Effect.flatMap(Ref.get(state.flushInterval), (interval) =>
    Effect.all([remainderOf(state, state.products, interval), state.reactions === undefined ? Effect.void : remainderOf(state, state.reactions, interval)], { discard: true }))

const remainderOf = <R extends Rows>(state: WriterState, part: PartWriter<R>, interval: number) =>
  Effect.suspend(() => {
    const rest = part.buffer.takeRemainder()
    return rest === undefined ? Effect.void : writeGroups(state, part, [rest], interval)
  })
