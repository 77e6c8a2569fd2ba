/**
 * Why a run refused to start. Each is the user's to fix (exit code 2), and each says what to fix: the flag, the
 * folder, or what differs from the run being resumed. Nothing has been written when one is raised.
 */
import { Schema } from "effect"

/** One or more settings are unusable; each problem names its flag. */
export class SettingsError extends Schema.TaggedError<SettingsError>()("SettingsError", {
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return this.problems.join("\n")
  }
}

/** The output folder cannot be used: not writable, or holding something a new run would overwrite. */
export class OutputRejected extends Schema.TaggedError<OutputRejected>()("OutputRejected", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `output folder ${this.path}: ${this.reason}`
  }
}

/** `--resume` cannot continue this folder's run with these inputs, rules or settings. */
export class ResumeRefused extends Schema.TaggedError<ResumeRefused>()("ResumeRefused", {
  path: Schema.String,
  reasons: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `cannot resume the run in ${this.path}:\n  ${this.reasons.join("\n  ")}`
  }
}

/** The run stopped at a checkpoint because it was asked to (a signal, an AbortSignal); `--resume` continues it. */
export class RunStopped extends Schema.TaggedError<RunStopped>()("RunStopped", {
  output: Schema.String,
  checkpoints: Schema.Number
}) {
  override get message(): string {
    return `stopped after checkpoint ${this.checkpoints}; the output in ${this.output} is complete up to it and resumable`
  }
}
