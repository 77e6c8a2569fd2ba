/**
 * The thread that encodes one Parquet file for `hyparquetSink.ts`. Encoding (dictionaries, statistics, Snappy) is
 * most of what writing a row group costs, and it is pure: rows in, bytes out. Here it runs beside the main thread,
 * which meanwhile reads, deduplicates and receives; the main thread keeps the file itself, so that its `FileSystem`
 * service (and a full disk's error) and the atomic commit stay where they were.
 *
 * One hyparquet-writer `ParquetWriter` lives here for the whole file, so its offsets and footer are exactly those of
 * a writer in the main thread: the file's bytes are the same. Each request is answered with the bytes it added
 * (the constructor's magic number goes out with the first answer), moved to the main thread, not copied.
 */
import { ByteWriter, ParquetWriter, type SchemaElement } from "hyparquet-writer"
import { parentPort, workerData } from "node:worker_threads"

export interface EncoderStart {
  readonly schema: Array<SchemaElement>
}

export type ToEncoder =
  | {
    readonly _tag: "RowGroup"
    readonly columns: Array<{ readonly name: string; readonly data: Array<string | number> }>
    readonly rows: number
  }
  | { readonly _tag: "Finish" }

export type FromEncoder =
  | { readonly _tag: "Encoded"; readonly bytes: ArrayBuffer }
  | { readonly _tag: "Failed"; readonly reason: string }

/**
 * The output buffer's first size. It doubles as needed and is kept: it ends as large as the largest row group's
 * encoding (about 60 KB for 2,000 products), then never grows again.
 */
const INITIAL_OUTPUT_BYTES = 256 * 1024

const port = parentPort
if (port === null) throw new Error("parquetEncoderThread.js must run in a worker thread")

const { schema } = workerData as EncoderStart
const output = new ByteWriter(INITIAL_OUTPUT_BYTES)
let parquet: ParquetWriter | Error
try {
  parquet = new ParquetWriter({ writer: output, schema, codec: "SNAPPY" })
} catch (error) {
  parquet = error instanceof Error ? error : new Error(String(error))
}

const answer = (run: (writer: ParquetWriter) => void): FromEncoder => {
  try {
    if (parquet instanceof Error) throw parquet
    run(parquet)
    const bytes = output.getBuffer()
    output.index = 0
    return { _tag: "Encoded", bytes }
  } catch (error) {
    return { _tag: "Failed", reason: error instanceof Error ? error.message : String(error) }
  }
}

port.on("message", (message: ToEncoder) => {
  const reply = message._tag === "RowGroup"
    ? answer((writer) => writer.write({ columnData: message.columns, rowGroupSize: message.rows }))
    : answer((writer) => writer.finish())
  port.postMessage(reply, reply._tag === "Encoded" ? [reply.bytes] : [])
})
