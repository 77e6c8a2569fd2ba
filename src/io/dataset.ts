/**
 * Each table a run writes as a dataset of parts: `products/part-NNNNN.parquet` (and `reactions/...` with
 * `--reactions`), one per checkpoint that wrote rows. A part is
 * complete or absent (it is written under a hidden temporary name, fsynced and renamed), and only parts listed in the
 * manifest count: a part renamed just before a kill, whose checkpoint never reached the manifest, is an orphan
 * that a resume deletes, since its batches are run again.
 *
 * Reading parts back (to rebuild the seen set on resume, or to merge them into one file) goes one row group at a
 * time, so memory stays bounded by a row group whatever the dataset's size.
 */
import * as path from "node:path"
import { Effect, FileSystem, type Scope, Stream } from "effect"
import type { ParquetWriterKind } from "../config.js"
import { describeCause, OutputFolderError, ParquetWriteError } from "./errors.js"
import type { PartRecord } from "./manifest.js"
import { parquetRowGroups } from "./parquetRows.js"
import { openParquetSink } from "./ParquetSink.js"
import { productTable, type Rows, type Table } from "./tables.js"

/** A table's parts live in the folder named for it. */
export const tableFolder = <R extends Rows>(output: string, table: Table<R>) => path.join(output, table.name)
export const partsFolder = (output: string) => tableFolder(output, productTable)

/** Five digits keep the names in order for `ls` and globs up to 100,000 parts (checkpoints), far past a 20-hour run. */
export const partFileName = (index: number) => `part-${String(index).padStart(5, "0")}.parquet`

/** Deletes every file in a table's folder that the checkpoint does not list: temporary files and orphan parts. */
export const removeUnlistedParts = <R extends Rows>(output: string, table: Table<R>, parts: ReadonlyArray<PartRecord>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const folder = tableFolder(output, table)
    if (!(yield* fs.exists(folder))) return []
    const listed = new Set(parts.map((part) => part.file))
    const removed = (yield* fs.readDirectory(folder)).filter((name) => !listed.has(name))
    yield* Effect.forEach(removed, (name) => fs.remove(path.join(folder, name), { force: true }), { discard: true })
    return removed
  }).pipe(
    Effect.mapError((cause) => new OutputFolderError({ path: tableFolder(output, table), reason: `cannot clean the parts folder: ${describeCause(cause)}` }))
  )

const readError = (file: string) => (cause: unknown) =>
  new ParquetWriteError({ path: file, reason: "could not read a completed part back", cause })

/** Calls `onRows` with each row group of a part, in order. */
export const forEachRowGroup = (
  file: string,
  columns: ReadonlyArray<string> | undefined,
  onRows: (rows: ReadonlyArray<Record<string, unknown>>) => Effect.Effect<void, ParquetWriteError>
): Effect.Effect<void, ParquetWriteError> =>
  Stream.fromAsyncIterable(parquetRowGroups(file, columns), readError(file)).pipe(Stream.runForEach(onRows))

/** Rows read back as objects, by column name, made columnar again. */
const toRows = <R extends Rows>(table: Table<R>, rows: ReadonlyArray<Record<string, unknown>>): R =>
  Object.fromEntries(table.columns.map((column) => [
    column.field,
    column.type === "int32" ? rows.map((row) => Number(row[column.name])) : rows.map((row) => String(row[column.name]))
  ])) as unknown as R

/**
 * `--single-file`: copies a table's parts, row group by row group, into one Parquet file at `finalPath` (written
 * under a temporary name and renamed when complete, like every part).
 */
export const mergeParts = <R extends Rows>(
  output: string,
  table: Table<R>,
  parts: ReadonlyArray<PartRecord>,
  kind: ParquetWriterKind,
  finalPath: string
): Effect.Effect<{ readonly rows: number; readonly bytes: number }, ParquetWriteError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function*() {
    const sink = yield* openParquetSink(kind, table, finalPath)
    for (const part of parts) {
      yield* forEachRowGroup(path.join(tableFolder(output, table), part.file), undefined, (rows) =>
        sink.writeRowGroup(toRows(table, rows)))
    }
    const committed = yield* sink.commit
    return { rows: committed.rows, bytes: committed.bytes }
  })
