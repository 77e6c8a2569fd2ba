/**
 * The hyparquet-writer table writer: its `ParquetWriter` encodes one row group per call, Snappy-compressed, with
 * dictionary pages where they at least halve a column, into a `DurableFile`.
 *
 * Encoding is synchronous, so a row group is never cut half-way by an interruption; its bytes are written out right
 * after. If the scope closes before commit, the `DurableFile` finalizer deletes the temporary file; the final path is
 * untouched.
 */
import { Effect, type FileSystem, type Scope } from "effect"
import { ByteWriter, ParquetWriter, type SchemaElement } from "hyparquet-writer"
import { openDurableFile, type DurableFile } from "./durableFile.js"
import { ParquetWriteError } from "./errors.js"
import type { RowGroupWriter } from "./ParquetSink.js"
import type { Column, Rows, Table } from "./tables.js"

/** A column as Parquet's schema declares it; the logical type makes readers decode UTF8 bytes as text. */
const schemaElement = <R extends Rows>(column: Column<R>): SchemaElement =>
  column.type === "utf8"
    ? { name: column.name, type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" }, repetition_type: "REQUIRED" }
    : { name: column.name, type: "INT32", repetition_type: "REQUIRED" }

const schemaOf = <R extends Rows>(table: Table<R>): SchemaElement[] => [
  { name: "root", num_children: table.columns.length },
  ...table.columns.map(schemaElement)
]

/**
 * 64 KiB of scratch for the Thrift headers and footer fields hyparquet-writer appends a few bytes at a time; the
 * DurableFile's blocks batch them into large writes, and page bodies this size or larger bypass the scratch.
 */
const SCRATCH_BYTES = 64 * 1024

/**
 * hyparquet-writer's `Writer` over a DurableFile, with a fixed-size scratch instead of ByteWriter's ever-growing
 * buffer. Inherits the `append*` encoders, which all reserve space through `ensure`.
 */
class DurableFileWriter extends ByteWriter {
  constructor(private readonly file: DurableFile) {
    super(SCRATCH_BYTES)
  }

  /** Only `appendBytes` can need more than the scratch holds, and it sends such chunks straight to the file. */
  override ensure(size: number): void {
    if (this.index + size > this.buffer.byteLength) this.drain()
  }

  override appendBytes(value: Uint8Array): void {
    if (value.length < SCRATCH_BYTES) {
      super.appendBytes(value)
      return
    }
    this.drain()
    this.file.write(value)
    this.offset += value.length
  }

  override finish(): void {
    this.drain()
  }

  // The bytes are in a file, not in memory; fail loudly rather than return a fragment of the scratch.
  override getBuffer(): ArrayBuffer {
    throw new Error("DurableFileWriter keeps no copy of the file")
  }

  override getBytes(): Uint8Array<ArrayBuffer> {
    throw new Error("DurableFileWriter keeps no copy of the file")
  }

  private drain(): void {
    if (this.index === 0) return
    this.file.write(new Uint8Array(this.buffer, 0, this.index))
    this.index = 0
  }
}

/** Wraps a synchronous encoding step: hyparquet-writer throws plain Errors. */
const writeStep = <A>(finalPath: string, reason: string, run: () => A): Effect.Effect<A, ParquetWriteError> =>
  Effect.try({ try: run, catch: (cause) => new ParquetWriteError({ path: finalPath, reason, cause }) })

export const openHyparquetSink = <R extends Rows>(
  table: Table<R>,
  finalPath: string
): Effect.Effect<RowGroupWriter<R>, ParquetWriteError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function* () {
    const file = yield* openDurableFile(finalPath)
    const output = new DurableFileWriter(file)
    const parquet = yield* writeStep(
      finalPath,
      "could not start the file",
      () => new ParquetWriter({ writer: output, schema: schemaOf(table), codec: "SNAPPY" })
    )

    return {
      writeRowGroup: (rows: R, rowCount: number) =>
        writeStep(finalPath, "could not encode a row group", () => {
          // ParquetWriter.write copies each column (`slice`) before encoding, so lending it the readonly arrays is safe.
          parquet.write({
            columnData: table.columns.map((column) => ({ name: column.name, data: rows[column.field] as Array<string | number> })),
            rowGroupSize: rowCount
          })
        }).pipe(Effect.andThen(file.drain())),
      commit: writeStep(finalPath, "could not write the footer", () => {
        parquet.finish()
      }).pipe(Effect.andThen(file.commit()))
    }
  })
