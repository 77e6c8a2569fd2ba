/**
 * The one way reading molecules can fail: the input file itself cannot be opened or read.
 *
 * Bad lines are not errors: the reader turns each into a `Rejected` item that the run quarantines.
 */
import { Schema } from "effect"

/** The input file cannot be opened, decompressed or read, or its header lacks the SMILES column. */
export class InputFileError extends Schema.TaggedError<InputFileError>()("InputFileError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `Cannot read molecules from ${this.path}: ${this.reason}.`
  }
}
