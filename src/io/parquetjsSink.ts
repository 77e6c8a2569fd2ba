/**
 * The parquetjs-lite product writer: Snappy-compressed v2 data pages, plain encoding (it has no dictionary pages),
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
import type { ProductRows, RowGroupWriter } from "./ProductSink.js"

/** Column order and types of the product file; UTF8 is written as BYTE_ARRAY with the UTF8 converted type. */
const SCHEMA = new parquet.ParquetSchema({
  smiles: { type: "UTF8", compression: "SNAPPY" },
  generation: { type: "INT32", compression: "SNAPPY" },
  parent: { type: "UTF8", compression: "SNAPPY" },
  root_id: { type: "UTF8", compression: "SNAPPY" },
  rule: { type: "UTF8", compression: "SNAPPY" }
})

/** Where the writer starts counting file offsets: a new file. */
const FILE_START = 0

/** parquetjs-lite throws Errors and bare strings. */
const toWriteError = (finalPath: string, reason: string) => (cause: unknown) =>
  new ParquetWriteError({ path: finalPath, reason, cause })

export const openParquetjsSink = (
  finalPath: string
): Effect.Effect<RowGroupWriter, ParquetWriteError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function* () {
    const file = yield* openDurableFile(finalPath)
    const writer = yield* Effect.try({
      try: () => {
        const envelope = new parquet.ParquetEnvelopeWriter(
          SCHEMA,
          (bytes) => file.write(bytes),
          // Closing is the commit's job: it must fsync and rename, which parquetjs-lite knows nothing of.
          () => undefined,
          FILE_START,
          {}
        )
        return new parquet.ParquetWriter(SCHEMA, envelope, {})
      },
      catch: toWriteError(finalPath, "could not start the file")
    })

    return {
      writeRowGroup: (rows: ProductRows, rowCount: number) =>
        Effect.tryPromise({
          try: async () => {
            // appendRow flushes a row group as soon as it holds rowGroupSize rows, so exactly these rows form one.
            writer.setRowGroupSize(rowCount)
            for (let i = 0; i < rowCount; i++) {
              // One at a time: overlapping appendRow calls make parquetjs-lite duplicate rows.
              await writer.appendRow({
                smiles: rows.smiles[i]!,
                generation: rows.generation[i]!,
                parent: rows.parent[i]!,
                root_id: rows.rootId[i]!,
                rule: rows.rule[i]!
              })
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
