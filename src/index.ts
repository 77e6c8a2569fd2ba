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
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { expandEffect, nodeEngineFor, resumedSettings } from "./expand.js"
import type { EventSink } from "./progress/events.js"
import { RunStopped } from "./runErrors.js"
import type { InMemoryMolecules } from "./pipeline.js"
import { defaultSettings, type RunSettings } from "./settings.js"
import type { Summary } from "./summary.js"

export interface ExpandOptions extends Partial<RunSettings> {
  /** SMILES in memory (an array or an async iterable), instead of `input`; ids are their 1-based positions. */
  readonly molecules?: InMemoryMolecules
  /** Continue the run checkpointed in `output`, with its input, rules and product-set settings unless given. */
  readonly resume?: boolean
  /** Aborting stops the run at its next checkpoint; the promise then rejects with `RunStopped`. */
  readonly signal?: AbortSignal
  /** Called with each event of the run: start, progress (every `progressSeconds`), flush, decision, warning, checkpoint, end. */
  readonly onEvent?: EventSink
}

/** The settings the options give, quiet unless told otherwise: a library run prints nothing. */
const givenSettings = (options: ExpandOptions): Partial<RunSettings> => {
  const { molecules: _molecules, resume: _resume, signal: _signal, onEvent: _onEvent, ...given } = options
  return { quiet: true, ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) }
}

/** A new run's settings: the options given, the CLI's defaults for the rest. */
export const settingsOf = (options: ExpandOptions): RunSettings => ({ ...defaultSettings(), ...givenSettings(options) })

/**
 * Runs an expansion; resolves to the run's summary (also written to `summary.json` in the output folder). With
 * `resume`, the checkpoint in `output` gives the input, rules and product-set settings the options leave out.
 */
export const expand = (options: ExpandOptions = {}): Promise<Summary> =>
  Effect.runPromise(Effect.gen(function*() {
    const settings = options.resume === true
      ? yield* resumedSettings(options.output ?? defaultSettings().output, givenSettings(options)).pipe(Effect.provide(NodeFileSystem.layer))
      : settingsOf(options)
    const outcome = yield* expandEffect({
      settings,
      molecules: options.molecules,
      resume: options.resume,
      stopRequested: () => options.signal?.aborted === true,
      onEvent: options.onEvent,
      progressMs: options.onEvent === undefined ? undefined : settings.progressSeconds * 1000
    })
    if (outcome._tag === "Complete") return outcome.summary
    return yield* new RunStopped({ output: settings.output, checkpoints: outcome.manifest.checkpoints })
  }))

export { expandEffect, nodeEngineFor }
export type { RunLayers, RunRequest } from "./expand.js"
export { Engine, WorkerCrashed } from "./engine/Engine.js"
export * as MemoryProbe from "./governor/MemoryProbe.js"
export { OutputRejected, ResumeRefused, RunStopped, SettingsError } from "./runErrors.js"
export { builtinRuleSets } from "./engine/rules.js"
export type { RunSettings } from "./settings.js"
export type { EventSink, ProgressSnapshot, RunEvent } from "./progress/events.js"
export type { Summary } from "./summary.js"
