/**
 * Typed errors of the output side. Holds no state, so there is nothing to clean up if a run is interrupted.
 */
import { Schema } from "effect"

/** A Parquet file could not be created, written, synced or moved into place. */
export class ParquetWriteError extends Schema.TaggedError<ParquetWriteError>()("ParquetWriteError", {
  /** The final path the file was meant to reach: the one the user asked for, not the temporary name. */
  path: Schema.String,
  /** What was being done, in words, e.g. "could not create the temporary file …". */
  reason: Schema.String,
  /** The underlying fs or writer error, if any; kept whole so its stack and errno survive. */
  cause: Schema.Defect()
}) {
  override get message(): string {
    const detail = this.cause === undefined ? "" : ` (${describeCause(this.cause)})`
    return `Could not write the Parquet file ${this.path}: ${this.reason}${detail}.`
  }
}

/**
 * One phrase for a failure's cause. Node's own message names the errno and the path ("ENOSPC: no space left on
 * device, write"), which the file system layer's PlatformError keeps as its reason's cause; parquetjs-lite throws
 * bare strings.
 */
export const describeCause = (cause: unknown): string => {
  const nodeError = (cause as { reason?: { cause?: unknown } } | undefined)?.reason?.cause
  if (nodeError instanceof Error) return nodeError.message
  return cause instanceof Error ? cause.message : String(cause)
}

/** A text file of the run (quarantine, frontier) could not be created, written or read. */
export class TextFileError extends Schema.TaggedError<TextFileError>()("TextFileError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.path}: ${this.reason}`
  }
}

/** The output folder cannot be created or written. */
export class OutputFolderError extends Schema.TaggedError<OutputFolderError>()("OutputFolderError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `Cannot use the output folder ${this.path}: ${this.reason}`
  }
}
