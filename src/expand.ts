/**
 * A whole run from settings: validate them, load the rule set, start the RDKit workers, run the pipeline.
 * Everything that can be wrong with the settings, the rule file or the input file fails here before any work.
 * This is what the CLI and the library API both call.
 */
import * as fs from "node:fs"
import { Effect, Schema } from "effect"
import { defaults } from "./config.js"
import * as NodeEngine from "./engine/NodeEngine.js"
import { maxRules } from "./engine/protocol.js"
import { RuleParseError } from "./engine/ruleErrors.js"
import { loadRuleSet, type RuleSet } from "./engine/rules.js"
import * as MemoryProbe from "./governor/MemoryProbe.js"
import { InputFileError } from "./io/inputErrors.js"
import { type InMemoryMolecules, runPipeline } from "./pipeline.js"
import { bundledSample, type RunSettings, validateSettings } from "./settings.js"

/** One or more settings are unusable; each problem names its flag. */
export class SettingsError extends Schema.TaggedError<SettingsError>()("SettingsError", {
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return this.problems.join("\n")
  }
}

/** The rule set as the run applies it: the user's --explicit-h / --kekulize win over what the rule file says. */
export const applyOverrides = (ruleSet: RuleSet, settings: RunSettings): RuleSet => ({
  ...ruleSet,
  explicitH: settings.explicitH ?? ruleSet.explicitH,
  kekulize: settings.kekulize ?? ruleSet.kekulize
})

const checkInput = (input: string) =>
  Effect.try({
    try: () => {
      const fd = fs.openSync(input, "r")
      fs.closeSync(fd)
    },
    catch: (cause) =>
      new InputFileError({
        path: input,
        reason: (cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(cause)
      })
  })

export const prepareRun = Effect.fn("prepareRun")(function*(settings: RunSettings, molecules?: InMemoryMolecules) {
  const problems = validateSettings(settings)
  if (problems.length > 0) return yield* new SettingsError({ problems })
  if (molecules === undefined) yield* checkInput(settings.input ?? bundledSample())
  const ruleSet = applyOverrides(yield* loadRuleSet(settings.rules), settings)
  if (ruleSet.rules.length > maxRules) {
    return yield* new RuleParseError({ file: ruleSet.source, line: 0, reason: `more than ${maxRules} rules` })
  }
  return ruleSet
})

/** A whole run; `molecules` replaces `settings.input` with SMILES given in memory. */
export const expandEffect = Effect.fn("expandEffect")(function*(settings: RunSettings, molecules?: InMemoryMolecules) {
  const ruleSet = yield* prepareRun(settings, molecules)
  const engine = NodeEngine.layer({
    workers: settings.workers,
    settings: {
      ruleSet,
      maxProductSets: defaults.maxProductSetsPerRule,
      chunkSize: settings.chunkSize,
      credits: defaults.workerCredits
    }
  })
  const probe = settings.memoryProbe.startsWith("script:")
    ? MemoryProbe.layerScripted(yield* MemoryProbe.readScript(settings.memoryProbe.slice("script:".length)))
    : MemoryProbe.layerSystem
  return yield* runPipeline(settings, ruleSet, molecules).pipe(Effect.provide([engine, probe]), Effect.scoped)
})
