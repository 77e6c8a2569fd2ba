/**
 * The Parquet sink for products: one interface, two writers (hyparquet-writer, parquetjs-lite) chosen by
 * `ParquetWriterKind`.
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

/** Columnar rows: Parquet is columnar, and columns avoid one object per product. All arrays have the same length. */
export interface ProductRows {
  /** Product key (canonical SMILES). */
  readonly smiles: ReadonlyArray<string>
  /** Written as INT32. */
  readonly generation: ReadonlyArray<number>
  /** The parent's key. */
  readonly parent: ReadonlyArray<string>
  /** Id of the input the product descends from (column name `root_id`). */
  readonly rootId: ReadonlyArray<string>
  readonly rule: ReadonlyArray<string>
}

export interface CommittedFile {
  readonly path: string
  readonly rows: number
  readonly rowGroups: number
  /** Size of the file on disk. */
  readonly bytes: number
}

export interface ProductSink {
  /** Writes exactly one row group holding these rows; zero rows write nothing. */
  readonly writeRowGroup: (rows: ProductRows) => Effect.Effect<void, ParquetWriteError>
  /** Writes the footer, fsyncs, renames the temporary file to its final path. */
  readonly commit: Effect.Effect<CommittedFile, ParquetWriteError>
}

/**
 * What each writer implements. `openProductSink` adds what both need: validation, one operation at a time, refusing
 * to go on after a failure, and counting.
 */
export interface RowGroupWriter {
  /** Called with at least one row, and validated rows only. */
  readonly writeRowGroup: (rows: ProductRows, rowCount: number) => Effect.Effect<void, ParquetWriteError>
  /** Returns the committed file's size in bytes. */
  readonly commit: Effect.Effect<number, ParquetWriteError>
}

const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1

/** Returns why the rows cannot be written, or undefined. parquetjs-lite would silently truncate 1.5 to 1. */
const invalidRows = (rows: ProductRows): string | undefined => {
  const lengths = {
    smiles: rows.smiles.length,
    generation: rows.generation.length,
    parent: rows.parent.length,
    rootId: rows.rootId.length,
    rule: rows.rule.length
  }
  if (new Set(Object.values(lengths)).size > 1) {
    return `the columns have different lengths (${Object.entries(lengths).map(([name, n]) => `${name} ${n}`).join(", ")})`
  }
  const badGeneration = rows.generation.findIndex((g) => !Number.isInteger(g) || g < INT32_MIN || g > INT32_MAX)
  if (badGeneration >= 0) {
    return `generation ${rows.generation[badGeneration]} at row ${badGeneration} is not a 32-bit integer`
  }
  return undefined
}

type SinkState = "open" | "failed" | "committed"

/** A record rather than a conditional, so that a new writer kind without an opener is a type error. */
const OPENERS: Record<
  ParquetWriterKind,
  (finalPath: string) => Effect.Effect<RowGroupWriter, ParquetWriteError, FileSystem.FileSystem | Scope.Scope>
> = {
  "hyparquet-writer": openHyparquetSink,
  "parquetjs-lite": openParquetjsSink
}

/**
 * Opens a sink writing to `finalPath` under a temporary name in the same folder. If the scope closes before commit,
 * the temporary file is removed: a final path never holds a partial file.
 */
export const openProductSink = (
  kind: ParquetWriterKind,
  finalPath: string
): Effect.Effect<ProductSink, ParquetWriteError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function* () {
    const writer = yield* OPENERS[kind](finalPath)
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
          const invalid = invalidRows(group)
          if (invalid !== undefined) return refuse(invalid)
          const rowCount = group.smiles.length
          if (rowCount === 0) return Effect.void
          return exclusive(
            writer.writeRowGroup(group, rowCount).pipe(
              Effect.tap(() =>
                Effect.sync(() => {
                  rows += rowCount
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
    } satisfies ProductSink
  })
