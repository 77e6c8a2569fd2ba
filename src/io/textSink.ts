/**
 * A line-oriented text file written through a bounded buffer: the quarantine file and the frontier files between
 * generations. Lines are buffered up to `textBufferBytes`, then written with one `write` call.
 *
 * Interrupted, the file holds every line up to the last full buffer; `close` writes the rest.
 */
import * as fs from "node:fs"
import { Effect } from "effect"
import { TextFileError } from "./errors.js"

/** Big enough that a write call carries hundreds of lines, small enough to be noise next to the run's memory. */
const textBufferBytes = 256 * 1024

export interface TextSink {
  readonly path: string
  readonly writeLine: (line: string) => Effect.Effect<void, TextFileError>
  /** Writes what is buffered and fsyncs, so that what is on disk survives a crash. */
  readonly flush: Effect.Effect<void, TextFileError>
  readonly lines: () => number
}

const attempt = <A>(path: string, action: string, f: () => A) =>
  Effect.try({ try: f, catch: (cause) => new TextFileError({ path, reason: `${action}: ${String(cause)}` }) })

/** Opens (truncating) a text file for the life of the scope. */
export const openTextSink = (path: string) =>
  Effect.gen(function*() {
    const fd = yield* Effect.acquireRelease(
      attempt(path, "cannot create the file", () => fs.openSync(path, "w")),
      (fd) => Effect.sync(() => fs.closeSync(fd))
    )
    let pending: Array<string> = []
    let pendingBytes = 0
    let lines = 0
    const writePending = attempt(path, "cannot write", () => {
      if (pending.length === 0) return
      fs.writeSync(fd, pending.join(""))
      pending = []
      pendingBytes = 0
    })
    const sink: TextSink = {
      path,
      lines: () => lines,
      writeLine: (line) =>
        Effect.suspend(() => {
          pending.push(line, "\n")
          pendingBytes += line.length + 1
          lines++
          return pendingBytes >= textBufferBytes ? writePending : Effect.void
        }),
      flush: Effect.andThen(writePending, attempt(path, "cannot sync", () => fs.fsyncSync(fd)))
    }
    yield* Effect.addFinalizer(() => Effect.ignore(writePending))
    return sink
  })

/** Tabs and line breaks would break a TSV row; inputs may hold them (CSV fields, binary garbage). */
export const tsvField = (text: string): string => text.replace(/[\t\r\n]/g, " ")
