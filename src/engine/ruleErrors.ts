/**
 * The error a rule set that cannot be used stops the run with, before any work: it names the file, the line and
 * the reason, as the product contract asks.
 */
import { Schema } from "effect"

/**
 * `line` is 1-based: the physical line of a TSV file, the position of the rule in a JSON file's `rules` array.
 * Line 0 stands for the whole file (unreadable, invalid JSON at an unknown place, no rules), and the message then
 * leaves the line out, because an editor cannot jump to line 0.
 */
export class RuleParseError extends Schema.TaggedError<RuleParseError>()("RuleParseError", {
  file: Schema.String,
  line: Schema.Number,
  reason: Schema.String
}) {
  override get message(): string {
    return this.line > 0 ? `${this.file}:${this.line}: ${this.reason}` : `${this.file}: ${this.reason}`
  }
}
