/**
 * `quarantine.tsv`: every input line or molecule the run could not use, with why, so nothing is lost silently.
 * Columns: `line` (the input's line number; empty for a product molecule), `text`, `reason`.
 */
import type { Effect } from "effect"
import type { TextFileError } from "./errors.js"
import { type TextSink, tsvField } from "./textSink.js"

/** A 5 MB garbage line is quarantined by its start: enough to find it in the input, not enough to bloat the file. */
const maxQuarantinedText = 1_000

export const quarantineHeader = "line\ttext\treason"

export interface Quarantine {
  readonly add: (line: number | undefined, text: string, reason: string) => Effect.Effect<void, TextFileError>
}

/** Wraps a sink whose header line has been written. */
export const quarantineOn = (sink: TextSink): Quarantine => ({
  add: (line, text, reason) =>
    sink.writeLine(`${line ?? ""}\t${tsvField(text.slice(0, maxQuarantinedText))}\t${tsvField(reason)}`)
})
