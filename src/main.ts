#!/usr/bin/env node
/**
 * The `molexpand` command. Flags map one to one onto `RunSettings` (see `settings.ts`); defaults come from
 * `config.ts`. Exit codes: 0 done, 2 unusable flags, rule file or input (nothing was done), 1 a failure during the
 * run, 130 interrupted.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { isCliError } from "effect/cli/CliError"
import { defaults, defaultWorkers } from "./config.js"
import { builtinRuleSets } from "./engine/rules.js"
import { expandEffect } from "./expand.js"
import { defaultSettings, type RunSettings } from "./settings.js"
import { formatSummary } from "./summary.js"

const withDefault = <A>(flag: Flag.Flag<A>, value: A, description: string) =>
  flag.pipe(Flag.withDescription(`${description} (default: ${String(value)})`), Flag.withDefault(value))

const flags = {
  input: Flag.String("input").pipe(
    Flag.withAlias("i"),
    Flag.withDescription("Molecules: .smi (smiles [id]), .csv or .tsv with a header, each optionally .gz (default: the bundled sample set)"),
    Flag.optional
  ),
  rules: withDefault(Flag.String("rules"), defaults.rules, `Rule set: a built-in name (${builtinRuleSets.join(", ")}) or a .tsv/.json rule file`),
  explicitH: Flag.Boolean("explicit-h").pipe(
    Flag.withDescription("Add explicit hydrogens before applying rules (default: as the rule set says)"),
    Flag.optional
  ),
  kekulize: Flag.Boolean("kekulize").pipe(
    Flag.withDescription("Kekulize molecules before applying rules (default: as the rule set says)"),
    Flag.optional
  ),
  generations: withDefault(Flag.Int("generations"), defaults.generations, "Rounds of rule application"),
  workers: withDefault(Flag.Int("workers").pipe(Flag.withAlias("w")), defaultWorkers(), "RDKit worker threads (the number of cores)"),
  batchSize: withDefault(Flag.Int("batch-size"), defaults.batchSize, "Molecules per batch sent to a worker"),
  chunkSize: withDefault(Flag.Int("chunk-size"), defaults.chunkSize, "Products per message from a worker"),
  flushInterval: withDefault(Flag.Int("flush-interval"), defaults.flushInterval, "Rows per Parquet row group; the writer never buffers more"),
  queueCapacity: withDefault(Flag.Int("queue-capacity"), defaults.queueCapacity, "Messages each actor's inbox holds"),
  dedup: withDefault(Flag.Literals("dedup", ["exact", "bloom"]), defaults.dedup, "Seen set: exact (64-bit hash table) or bloom (may drop products; the summary estimates how many)"),
  expectedProducts: withDefault(Flag.Int("expected-products"), defaults.expectedProducts, "Expected products; sizes the Bloom filter and the hash table's first allocation"),
  fpRate: withDefault(Flag.Finite("fp-rate"), defaults.fpRate, "Bloom filter false-positive rate"),
  parquetWriter: withDefault(Flag.Literals("parquet-writer", ["hyparquet-writer", "parquetjs-lite"]), defaults.parquetWriter, "Parquet library"),
  output: withDefault(Flag.String("output").pipe(Flag.withAlias("o")), defaults.output, "Output folder"),
  smilesColumn: withDefault(Flag.String("smiles-column"), defaults.smilesColumn, "SMILES column of a .csv/.tsv input"),
  idColumn: withDefault(Flag.String("id-column"), defaults.idColumn, "Id column of a .csv/.tsv input (rows without one get their line number)"),
  targetMemory: withDefault(Flag.Finite("target-memory"), defaults.targetMemory, "Percent of system memory (or of the cgroup's limit) to stay under; above it the governor halves the batches in flight and the flush interval"),
  criticalMemory: Flag.Finite("critical-memory").pipe(
    Flag.withDescription(`Percent at which the reader pauses until memory is back under target (default: target + ${defaults.criticalAboveTarget}, at most ${defaults.maxCriticalMemory})`),
    Flag.optional
  ),
  pollMs: withDefault(Flag.Int("poll-ms"), defaults.pollMs, "Milliseconds between memory readings"),
  memoryProbe: withDefault(Flag.String("memory-probe"), "system", "Memory readings: system, or script:FILE to replay a JSON array of percents or of {systemPercent, rssBytes}, one per poll, the last repeated"),
  quiet: Flag.Boolean("quiet").pipe(Flag.withDescription("Print only errors and the final summary"), Flag.withDefault(false))
}

const toSettings = (cli: Command.Command.Config.Infer<typeof flags>): RunSettings => ({
  ...defaultSettings(),
  ...cli,
  input: Option.getOrUndefined(cli.input),
  explicitH: Option.getOrUndefined(cli.explicitH),
  kekulize: Option.getOrUndefined(cli.kekulize),
  criticalMemory: Option.getOrUndefined(cli.criticalMemory)
})

const command = Command.make("molexpand", flags, (cli) =>
  Effect.gen(function*() {
    const summary = yield* expandEffect(toSettings(cli))
    yield* Effect.sync(() => console.log(formatSummary(summary)))
  })).pipe(
    Command.withDescription("Apply reaction rules to molecules, generation after generation, and write the deduplicated products to Parquet")
  )

/** Failures that mean "nothing was done: fix the command line or its files". */
const runUsageErrors = new Set(["SettingsError", "RuleParseError", "InputFileError", "MemoryScriptError"])
const usageExitCode = 2
const failureExitCode = 1
const interruptedExitCode = 130

const program = Command.run(command, { version: "0.1.0" }).pipe(
  Effect.tapError((error) =>
    Effect.sync(() => {
      // effect/cli has already printed its own parse errors with the help text.
      if (isCliError(error)) {
        process.exitCode = usageExitCode
      } else {
        process.exitCode = runUsageErrors.has(error._tag) ? usageExitCode : failureExitCode
        console.error(`molexpand: ${error.message}`)
      }
    })
  ),
  Effect.provide(NodeServices.layer)
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    if (exit._tag === "Success") return onExit(0)
    if (exit.cause.reasons.every((reason) => reason._tag === "Interrupt")) return onExit(interruptedExitCode)
    return onExit(typeof process.exitCode === "number" ? process.exitCode : failureExitCode)
  }
})
