/**
 * Why a run report could not be written. The report is made after the run, from `summary.json`, so this never
 * affects the products: the run's output stays complete and `molexpand report DIR` can try again.
 */
import { Schema } from "effect"

/** `summary.json` could not be read or is not a molexpand summary, or `report.html` could not be written. */
export class ReportError extends Schema.TaggedError<ReportError>()("ReportError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `Could not write the run report for ${this.path}: ${this.reason}`
  }
}
