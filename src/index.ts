/**
 * molexpand as a library, for notebooks and programs:
 *
 * ```ts
 * import { expand } from "molexpand"
 * const summary = await expand({ input: "lib.smi", rules: "polyphenol-phase2", generations: 2, output: "out" })
 * const fromMemory = await expand({ molecules: ["Oc1ccccc1", "Oc1ccc(O)cc1"], output: "out2" })
 * ```
 *
 * Options are the CLI's flags in camelCase; anything left out takes the CLI's default. `expandEffect` is the same
 * run as an Effect, for programs built on Effect.
 */
import { Effect } from "effect"
import { expandEffect, nodeEngineFor } from "./expand.js"
import type { EventSink } from "./progress/events.js"
import { RunStopped } from "./runErrors.js"
import type { InMemoryMolecules } from "./pipeline.js"
import { defaultSettings, type RunSettings } from "./settings.js"
import type { Summary } from "./summary.js"

export interface ExpandOptions extends Partial<RunSettings> {
  /** SMILES in memory (an array or an async iterable), instead of `input`; ids are their 1-based positions. */
  readonly molecules?: InMemoryMolecules
  /** Continue the run checkpointed in `output` (same input, rules and settings). */
  readonly resume?: boolean
  /** Aborting stops the run at its next checkpoint; the promise then rejects with `RunStopped`. */
  readonly signal?: AbortSignal
  /** Called with each event of the run: start, progress (every `progressSeconds`), flush, decision, warning, checkpoint, end. */
  readonly onEvent?: EventSink
}

export const settingsOf = (options: ExpandOptions): RunSettings => {
  const { molecules: _molecules, resume: _resume, signal: _signal, onEvent: _onEvent, ...given } = options
  const defined = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined))
  return { ...defaultSettings(), quiet: true, ...defined }
}

/** Runs an expansion; resolves to the run's summary (also written to `summary.json` in the output folder). */
export const expand = (options: ExpandOptions = {}): Promise<Summary> =>
  Effect.runPromise(
    expandEffect({
      settings: settingsOf(options),
      molecules: options.molecules,
      resume: options.resume,
      stopRequested: () => options.signal?.aborted === true,
      onEvent: options.onEvent,
      progressMs: options.onEvent === undefined ? undefined : settingsOf(options).progressSeconds * 1000
    }).pipe(
      Effect.flatMap((outcome) =>
        outcome._tag === "Complete"
          ? Effect.succeed(outcome.summary)
          : Effect.fail(new RunStopped({ output: options.output ?? defaultSettings().output, checkpoints: outcome.manifest.checkpoints }))
      )
    )
  )

export { expandEffect, nodeEngineFor }
export type { RunLayers, RunRequest } from "./expand.js"
export { Engine, WorkerCrashed } from "./engine/Engine.js"
export * as MemoryProbe from "./governor/MemoryProbe.js"
export { OutputRejected, ResumeRefused, RunStopped, SettingsError } from "./runErrors.js"
export { builtinRuleSets } from "./engine/rules.js"
export type { RunSettings } from "./settings.js"
export type { EventSink, ProgressSnapshot, RunEvent } from "./progress/events.js"
export type { Summary } from "./summary.js"
