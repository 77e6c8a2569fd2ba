/**
 * The parquetjs-lite table writer: Snappy-compressed v2 data pages, plain encoding (it has no dictionary pages),
 * one row group per call, written into a `DurableFile`.
 *
 * Not `ParquetWriter.openFile`: its fs stream is hidden inside the writer, and the header write it starts in the
 * constructor is never awaited, so a failure there is an unhandled rejection. Instead the envelope writer hands every
 * encoded section to the DurableFile, which writes it out after the row group, and the file is published
 * by the same fsync-and-rename commit as the other writer's. A row group is written uninterruptibly: an interruption waits for
 * the group to finish, then the `DurableFile` finalizer deletes the temporary file; the final path is untouched.
 */
import parquet from "parquetjs-lite"
import { Effect, type FileSystem, type Scope } from "effect"
import { openDurableFile } from "./durableFile.js"
import { ParquetWriteError } from "./errors.js"
import type { RowGroupWriter } from "./ParquetSink.js"
import type { Rows, Table } from "./tables.js"

/** The table's columns in order; UTF8 is written as BYTE_ARRAY with the UTF8 converted type. */
const schemaOf = <R extends Rows>(table: Table<R>) =>
  new parquet.ParquetSchema(Object.fromEntries(table.columns.map((column) => [
    column.name,
    { type: column.type === "utf8" ? "UTF8" : "INT32", compression: "SNAPPY" }
  ])))

/** Where the writer starts counting file offsets: a new file. */
const FILE_START = 0

/** parquetjs-lite throws Errors and bare strings. */
const toWriteError = (finalPath: string, reason: string) => (cause: unknown) =>
  new ParquetWriteError({ path: finalPath, reason, cause })

export const openParquetjsSink = <R extends Rows>(
  table: Table<R>,
  finalPath: string
): Effect.Effect<RowGroupWriter<R>, ParquetWriteError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function* () {
    const file = yield* openDurableFile(finalPath)
    const schema = schemaOf(table)
    const writer = yield* Effect.try({
      try: () => {
        const envelope = new parquet.ParquetEnvelopeWriter(
          schema,
          (bytes) => file.write(bytes),
          // Closing is the commit's job: it must fsync and rename, which parquetjs-lite knows nothing of.
          () => undefined,
          FILE_START,
          {}
        )
        return new parquet.ParquetWriter(schema, envelope, {})
      },
      catch: toWriteError(finalPath, "could not start the file")
    })

    return {
      writeRowGroup: (rows: R, rowCount: number) =>
        Effect.tryPromise({
          try: async () => {
            // appendRow flushes a row group as soon as it holds rowGroupSize rows, so exactly these rows form one.
            writer.setRowGroupSize(rowCount)
            for (let i = 0; i < rowCount; i++) {
              // One at a time: overlapping appendRow calls make parquetjs-lite duplicate rows.
              await writer.appendRow(Object.fromEntries(table.columns.map((column) => [column.name, rows[column.field]![i]!])))
            }
          },
          catch: toWriteError(finalPath, "could not encode a row group")
        }).pipe(Effect.andThen(file.drain()), Effect.uninterruptible),
      commit: Effect.tryPromise({
        try: () => writer.close(),
        catch: toWriteError(finalPath, "could not write the footer")
      }).pipe(Effect.andThen(file.commit()), Effect.uninterruptible)
    }
  })
