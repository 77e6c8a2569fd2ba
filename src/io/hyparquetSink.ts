/**
 * The hyparquet-writer table writer: its `ParquetWriter` encodes one row group per call, Snappy-compressed, with
 * dictionary pages where they at least halve a column. The encoding runs in a thread of the sink's own
 * (`parquetEncoderThread.ts`), since it is most of a row group's cost; this side writes the bytes it gets back into a
 * `DurableFile`.
 *
 * Row groups are encoded while the caller fills the next ones: `writeRowGroup` hands its rows over and returns, and
 * takes the oldest group's bytes into the file only when `defaults.parquetRowGroupsInThread` are under way
 * (`commit` takes them all). Waiting for each encoding instead would stall the writer, and with it every actor
 * upstream, for the encoding's whole time. A failed encoding therefore surfaces at a later call, which fails as the failed one would
 * have; either way no commit follows. Memory stays bounded: a few flush intervals' rows in the thread.
 *
 * The thread lives as long as the sink's scope. If the scope closes before commit, the thread is stopped and the
 * `DurableFile` finalizer deletes the temporary file; the final path is untouched.
 */
import { Worker } from "node:worker_threads"
import { Deferred, Effect, type FileSystem, type Scope } from "effect"
import type { SchemaElement } from "hyparquet-writer"
import { compiledEntry } from "../compiledEntry.js"
import { defaults } from "../config.js"
import { openDurableFile } from "./durableFile.js"
import { ParquetWriteError } from "./errors.js"
import type { EncoderStart, FromEncoder, ToEncoder } from "./parquetEncoderThread.js"
import type { RowGroupWriter } from "./ParquetSink.js"
import type { Column, Rows, Table } from "./tables.js"

/** A column as Parquet's schema declares it; the logical type makes readers decode UTF8 bytes as text. */
const schemaElement = <R extends Rows>(column: Column<R>): SchemaElement =>
  column.type === "utf8"
    ? { name: column.name, type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" }, repetition_type: "REQUIRED" }
    : { name: column.name, type: "INT32", repetition_type: "REQUIRED" }

export const schemaOf = <R extends Rows>(table: Table<R>): Array<SchemaElement> => [
  { name: "root", num_children: table.columns.length },
  ...table.columns.map(schemaElement)
]

/** The encoder thread's answers, in the order of the requests: each request waits on its own. */
interface EncoderThread {
  /** Posts the request at once and returns what waits for its bytes; a thread that fails or dies fails it. */
  readonly request: (reason: string, request: ToEncoder) => Deferred.Deferred<Uint8Array, ParquetWriteError>
}

/** The encoder thread, for the life of the scope. */
const startEncoder = <R extends Rows>(table: Table<R>, finalPath: string): Effect.Effect<EncoderThread, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() =>
        new Worker(compiledEntry(import.meta.url, "parquetEncoderThread.js"), { workerData: { schema: schemaOf(table) } satisfies EncoderStart })
      ),
      (worker) => Effect.promise(() => worker.terminate())
    ),
    (worker): EncoderThread => {
      const waiting: Array<{ readonly reason: string; readonly answer: Deferred.Deferred<Uint8Array, ParquetWriteError> }> = []
      const fail = (reason: string, cause: unknown, answer: Deferred.Deferred<Uint8Array, ParquetWriteError>) =>
        Deferred.doneUnsafe(answer, Effect.fail(new ParquetWriteError({ path: finalPath, reason, cause })))
      const failAll = (cause: unknown) => {
        for (const { reason, answer } of waiting.splice(0)) fail(reason, cause, answer)
      }
      worker.on("message", (reply: FromEncoder) => {
        const next = waiting.shift()
        if (next === undefined) return
        if (reply._tag === "Encoded") Deferred.doneUnsafe(next.answer, Effect.succeed(new Uint8Array(reply.bytes)))
        else fail(next.reason, new Error(reply.reason), next.answer)
      })
      worker.on("error", failAll)
      worker.on("exit", (code) => failAll(new Error(`the encoder thread exited with code ${code}`)))
      return {
        request: (reason, request) => {
          const answer = Deferred.makeUnsafe<Uint8Array, ParquetWriteError>()
          waiting.push({ reason, answer })
          worker.postMessage(request)
          return answer
        }
      }
    }
  )

export const openHyparquetSink = <R extends Rows>(
  table: Table<R>,
  finalPath: string
): Effect.Effect<RowGroupWriter<R>, ParquetWriteError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function* () {
    const file = yield* openDurableFile(finalPath)
    const encoder = yield* startEncoder(table, finalPath)
    /** Row groups in the thread, oldest first. */
    const inThread: Array<Deferred.Deferred<Uint8Array, ParquetWriteError>> = []
    /** Takes the oldest row group in the thread into the file once its bytes are back. */
    const takeOldest = Effect.suspend(() =>
      Effect.flatMap(Deferred.await(inThread.shift()!), (bytes) => Effect.andThen(Effect.sync(() => file.write(bytes)), file.drain()))
    )
    const takeWhile = (more: () => boolean) => Effect.whileLoop({ while: more, body: () => takeOldest, step: () => undefined })

    return {
      writeRowGroup: (rows: R, rowCount: number) =>
        Effect.andThen(
          takeWhile(() => inThread.length >= defaults.parquetRowGroupsInThread),
          Effect.sync(() => {
            inThread.push(encoder.request("could not encode a row group", {
              _tag: "RowGroup",
              // The thread gets a copy (postMessage clones), so lending it the readonly arrays is safe.
              columns: table.columns.map((column) => ({ name: column.name, data: rows[column.field] as Array<string | number> })),
              rows: rowCount
            }))
          })
        ),
      commit: takeWhile(() => inThread.length > 0).pipe(
        Effect.andThen(Effect.suspend(() => Deferred.await(encoder.request("could not write the footer", { _tag: "Finish" })))),
        Effect.flatMap((bytes) => Effect.andThen(Effect.sync(() => file.write(bytes)), file.commit()))
      )
    }
  })
