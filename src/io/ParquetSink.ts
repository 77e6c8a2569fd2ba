/**
 * The Parquet sink for one of the run's tables (`tables.ts`): one interface, two writers (hyparquet-writer,
 * parquetjs-lite) chosen by `ParquetWriterKind`.
 *
 * Every file is written under a hidden temporary name in the final path's folder and renamed into place by `commit`
 * after an fsync. If the scope closes before `commit` (failure, interruption), the temporary file is deleted, so the
 * final path never holds a partial file. A write that fails part-way leaves the sink refusing further writes and the
 * commit: the half-written row group cannot be taken back.
 *
 * Both writers compress with Snappy. hyparquet-writer (the default) also dictionary-encodes columns where that at least
 * halves them; parquetjs-lite has no dictionary encoding, so its files are about a quarter larger.
 */
import { Effect, type FileSystem, Semaphore, type Scope } from "effect"
import type { ParquetWriterKind } from "../config.js"
import { ParquetWriteError } from "./errors.js"
import { openHyparquetSink } from "./hyparquetSink.js"
import { openParquetjsSink } from "./parquetjsSink.js"
import { rowCount, type Rows, type Table } from "./tables.js"

export interface CommittedFile {
  readonly path: string
  readonly rows: number
  readonly rowGroups: number
  /** Size of the file on disk. */
  readonly bytes: number
}

export interface ParquetSink<R extends Rows> {
  /** Writes exactly one row group holding these rows; zero rows write nothing. */
  readonly writeRowGroup: (rows: R) => Effect.Effect<void, ParquetWriteError>
  /** Writes the footer, fsyncs, renames the temporary file to its final path. */
  readonly commit: Effect.Effect<CommittedFile, ParquetWriteError>
}

/**
 * What each writer implements. `openParquetSink` adds what both need: validation, one operation at a time, refusing
 * to go on after a failure, and counting.
 */
export interface RowGroupWriter<R extends Rows> {
  /** Called with at least one row, and validated rows only. */
  readonly writeRowGroup: (rows: R, rowCount: number) => Effect.Effect<void, ParquetWriteError>
  /** Returns the committed file's size in bytes. */
  readonly commit: Effect.Effect<number, ParquetWriteError>
}

const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1

/** Returns why the rows cannot be written, or undefined. parquetjs-lite would silently truncate 1.5 to 1. */
const invalidRows = <R extends Rows>(table: Table<R>, rows: R): string | undefined => {
  const lengths = table.columns.map((column) => [column.name, rows[column.field]!.length] as const)
  if (new Set(lengths.map(([, n]) => n)).size > 1) {
    return `the columns have different lengths (${lengths.map(([name, n]) => `${name} ${n}`).join(", ")})`
  }
  for (const column of table.columns) {
    if (column.type !== "int32") continue
    const values = rows[column.field] as ReadonlyArray<number>
    const bad = values.findIndex((v) => !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX)
    if (bad >= 0) return `${column.name} ${values[bad]} at row ${bad} is not a 32-bit integer`
  }
  return undefined
}

type SinkState = "open" | "failed" | "committed"

/** A record rather than a conditional, so that a new writer kind without an opener is a type error. */
const OPENERS: Record<
  ParquetWriterKind,
  <R extends Rows>(table: Table<R>, finalPath: string) => Effect.Effect<RowGroupWriter<R>, ParquetWriteError, FileSystem.FileSystem | Scope.Scope>
> = {
  "hyparquet-writer": openHyparquetSink,
  "parquetjs-lite": openParquetjsSink
}

/**
 * Opens a sink writing to `finalPath` under a temporary name in the same folder. If the scope closes before commit,
 * the temporary file is removed: a final path never holds a partial file.
 */
export const openParquetSink = <R extends Rows>(
  kind: ParquetWriterKind,
  table: Table<R>,
  finalPath: string
): Effect.Effect<ParquetSink<R>, ParquetWriteError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function* () {
    const writer = yield* OPENERS[kind](table, finalPath)
    // parquetjs-lite interleaves concurrent appends into a corrupt file; one operation at a time rules that out.
    const lock = yield* Semaphore.make(1)
    let state: SinkState = "open"
    let rows = 0
    let rowGroups = 0

    const refuse = (reason: string) => Effect.fail(new ParquetWriteError({ path: finalPath, reason, cause: undefined }))
    /** Runs one operation alone, if the file can still take it; if it ends any other way than success, none can. */
    const exclusive = <A>(run: Effect.Effect<A, ParquetWriteError>): Effect.Effect<A, ParquetWriteError> =>
      lock.withPermit(
        Effect.suspend(() => {
          if (state === "committed") return refuse("the file is already committed")
          if (state === "failed") return refuse("an earlier write or commit failed, so the file is incomplete")
          return run.pipe(Effect.onError(() => Effect.sync(() => (state = "failed"))))
        })
      )

    return {
      writeRowGroup: (group) =>
        Effect.suspend(() => {
          const invalid = invalidRows(table, group)
          if (invalid !== undefined) return refuse(invalid)
          const count = rowCount(table, group)
          if (count === 0) return Effect.void
          return exclusive(
            writer.writeRowGroup(group, count).pipe(
              Effect.tap(() =>
                Effect.sync(() => {
                  rows += count
                  rowGroups += 1
                })
              )
            )
          )
        }),
      commit: exclusive(
        writer.commit.pipe(
          Effect.map((bytes): CommittedFile => {
            state = "committed"
            return { path: finalPath, rows, rowGroups, bytes }
          })
        )
      )
    } satisfies ParquetSink<R>
  })
