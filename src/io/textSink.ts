/**
 * A line-oriented text file written through a bounded buffer: the quarantine file and the frontier files between
 * generations. Lines are buffered up to `textBufferBytes`, then written with one `write` call.
 *
 * Interrupted, the file holds every line up to the last full buffer; `close` writes the rest. A checkpoint records
 * `bytes()` after `flush`; a resumed run reopens the file cut back to that length, dropping lines written after it.
 */
import { Effect, FileSystem } from "effect"
import { describeCause, TextFileError } from "./errors.js"

/** Big enough that a write call carries hundreds of lines, small enough to be noise next to the run's memory. */
const textBufferBytes = 256 * 1024

export interface TextSink {
  readonly path: string
  readonly writeLine: (line: string) => Effect.Effect<void, TextFileError>
  /** Writes what is buffered and fsyncs, so that what is on disk survives a crash. */
  readonly flush: Effect.Effect<void, TextFileError>
  /** Bytes in the file, counting only what has been written out (all of it, right after `flush`). */
  readonly bytes: () => number
}

const failing = (path: string, action: string) => (cause: unknown) => new TextFileError({ path, reason: `${action}: ${describeCause(cause)}` })

/**
 * Opens a text file for the life of the scope: empty, or, to resume, cut back to `keepBytes` (what a checkpoint
 * recorded) and appended to.
 */
export const openTextSink = (path: string, keepBytes = 0) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const file = yield* Effect.gen(function*() {
      const file = yield* fs.open(path, { flag: keepBytes > 0 ? "r+" : "w" })
      yield* file.truncate(keepBytes)
      yield* file.seek(BigInt(keepBytes), "start")
      return file
    }).pipe(Effect.mapError(failing(path, "cannot open the file")))
    const encoder = new TextEncoder()
    let pending: Array<string> = []
    let pendingBytes = 0
    let written = keepBytes
    const writePending = Effect.suspend(() => {
      if (pending.length === 0) return Effect.void
      const bytes = encoder.encode(pending.join(""))
      pending = []
      pendingBytes = 0
      return Effect.map(file.writeAll(bytes), () => {
        written += bytes.length
      })
    }).pipe(Effect.mapError(failing(path, "cannot write")))
    const sink: TextSink = {
      path,
      bytes: () => written,
      writeLine: (line) =>
        Effect.suspend(() => {
          pending.push(line, "\n")
          pendingBytes += line.length + 1
          return pendingBytes >= textBufferBytes ? writePending : Effect.void
        }),
      flush: Effect.andThen(writePending, file.sync.pipe(Effect.mapError(failing(path, "cannot sync"))))
    }
    // Runs before the file is closed: finalizers run in reverse order of registration.
    yield* Effect.addFinalizer(() => Effect.ignore(writePending))
    return sink
  })

/** Tabs and line breaks would break a TSV row; inputs may hold them (CSV fields, binary garbage). */
export const tsvField = (text: string): string => text.replace(/[\t\r\n]/g, " ")
