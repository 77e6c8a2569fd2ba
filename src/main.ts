#!/usr/bin/env node
/**
 * The `molexpand` command. Flags map one to one onto `RunSettings` (see `settings.ts`); defaults come from
 * `config.ts`. Exit codes: 0 done, 2 unusable flags, rule file or input (nothing was done), 1 a failure during the
 * run, 130 interrupted.
 */
import * as path from "node:path"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { isCliError } from "effect/cli/CliError"
import { clusterDevCommand, runnerCommand } from "./cli/clusterCommands.js"
import { engineFlag, optionalProductSetFlag, productSetFlag, withDefault } from "./cli/flags.js"
import { stopOnSignals, stopRequested } from "./cli/stop.js"
import { clusterClientPlaces, defaults, defaultWorkers } from "./config.js"
import { displayClusterUrl } from "./engine/cluster/connection.js"
import { builtinRuleSets } from "./engine/rules.js"
import { expandEffect, resumedSettings } from "./expand.js"
import { RunStopped, SettingsError } from "./runErrors.js"
import { defaultSettings, type RunSettings } from "./settings.js"
import { makeCliReporter } from "./progress/cliReporter.js"
import { writeReport } from "./report/report.js"
import { formatSummary } from "./summary.js"
import { molexpandVersion } from "./versions.js"

const flags = {
  input: Flag.String("input").pipe(
    Flag.withAlias("i"),
    Flag.withDescription("Molecules: .smi (smiles [id]), .csv or .tsv with a header, .sdf (V2000/V3000), each optionally .gz; or .parquet, a file or a folder of parts (default: the bundled sample set)"),
    Flag.optional
  ),
  rules: productSetFlag(Flag.String("rules"), defaults.rules, `Rule set: a built-in name (${builtinRuleSets.join(", ")}) or a .tsv/.json rule file`),
  coreactants: optionalProductSetFlag(
    Flag.String("coreactants"),
    "Coreactants of a rule file in Pickaxe's format (#ID<TAB>Name<TAB>SMILES); built-in sets bring their own"
  ),
  maxProductSets: productSetFlag(Flag.Int("max-product-sets"), defaults.maxProductSetsPerRule, "Product sets RunReactants may give per rule and molecule (Pickaxe uses 10000)"),
  explicitH: Flag.Boolean("explicit-h").pipe(
    Flag.withDescription("Add explicit hydrogens before applying rules (default: as the rule set says)"),
    Flag.optional
  ),
  kekulize: Flag.Boolean("kekulize").pipe(
    Flag.withDescription("Kekulize molecules before applying rules (default: as the rule set says)"),
    Flag.optional
  ),
  generations: productSetFlag(Flag.Int("generations"), defaults.generations, "Rounds of rule application"),
  workers: withDefault(Flag.Int("workers").pipe(Flag.withAlias("w")), defaultWorkers(), "RDKit workers of a local run (the number of cores); with --cluster, each runner's own --workers count"),
  engine: engineFlag,
  batchSize: Flag.Int("batch-size").pipe(
    Flag.withDescription(`Molecules per batch sent to a worker (default: ${defaults.batchSize}; with --cluster, ${defaults.clusterBatchSize})`),
    Flag.optional
  ),
  chunkSize: withDefault(Flag.Int("chunk-size"), defaults.chunkSize, "Products per message from a worker"),
  flushInterval: withDefault(Flag.Int("flush-interval"), defaults.flushInterval, "Rows per Parquet row group; the writer never buffers more"),
  queueCapacity: withDefault(Flag.Int("queue-capacity"), defaults.queueCapacity, "Messages each actor's inbox holds"),
  dedup: productSetFlag(Flag.Literals("dedup", ["exact", "bloom"]), defaults.dedup, "Seen set: exact (64-bit hash table) or bloom (may drop products; the summary estimates how many)"),
  expectedProducts: productSetFlag(Flag.Int("expected-products"), defaults.expectedProducts, "Expected products; sizes the Bloom filter and the hash table's first allocation"),
  fpRate: productSetFlag(Flag.Finite("fp-rate"), defaults.fpRate, "Bloom filter false-positive rate"),
  parquetWriter: withDefault(Flag.Literals("parquet-writer", ["hyparquet-writer", "parquetjs-lite"]), defaults.parquetWriter, "Parquet library"),
  output: withDefault(Flag.String("output").pipe(Flag.withAlias("o")), defaults.output, "Output folder"),
  smilesColumn: productSetFlag(Flag.String("smiles-column"), defaults.smilesColumn, "SMILES column of a .csv, .tsv or Parquet input"),
  idField: optionalProductSetFlag(Flag.String("id-field"), "Data item holding an SD record's id (default: its title line)"),
  idColumn: productSetFlag(Flag.String("id-column"), defaults.idColumn, "Id column of a .csv, .tsv or Parquet input (rows without one get their line number)"),
  targetMemory: withDefault(Flag.Finite("target-memory"), defaults.targetMemory, "Percent of system memory (or of the cgroup's limit) to stay under; above it the governor halves the batches in flight and the flush interval"),
  criticalMemory: Flag.Finite("critical-memory").pipe(
    Flag.withDescription(`Percent at which the reader pauses until memory is back under target (default: target + ${defaults.criticalAboveTarget}, at most ${defaults.maxCriticalMemory})`),
    Flag.optional
  ),
  pollMs: withDefault(Flag.Int("poll-ms"), defaults.pollMs, "Milliseconds between memory readings"),
  memoryProbe: withDefault(Flag.String("memory-probe"), "system", "Memory readings: system, or script:FILE to replay a JSON array of percents or of {systemPercent, rssBytes}, one per poll, the last repeated"),
  quiet: Flag.Boolean("quiet").pipe(Flag.withDescription("Print only errors and the final summary"), Flag.withDefault(false)),
  logFormat: withDefault(Flag.Literals("log-format", ["text", "json"]), "text", "text for people; json writes each event (start, progress, flush, decision, warning, engine, checkpoint, end) as one line on stdout"),
  progressSeconds: withDefault(Flag.Finite("progress-seconds"), defaults.progressSeconds, "Seconds between progress lines when not on a terminal (a terminal gets one live line)"),
  resume: Flag.String("resume").pipe(
    Flag.withDescription("Continue the stopped run in this output folder with its own input, rules and settings (flags that would change its products must match; others, such as --workers, take effect)"),
    Flag.optional
  ),
  overwrite: Flag.Boolean("overwrite").pipe(Flag.withDescription("Replace the run in an existing output folder"), Flag.withDefault(false)),
  singleFile: Flag.Boolean("single-file").pipe(
    Flag.withDescription("Also merge the parts into one products.parquet (and reactions.parquet) at the end"),
    Flag.withDefault(false)
  ),
  reactions: productSetFlag(
    Flag.Boolean("reactions"),
    false,
    "Also write the reaction network: every distinct (reactant, rule, product) edge, to reactions/part-NNNNN.parquet"
  ),
  maxHeavyAtoms: optionalProductSetFlag(
    Flag.Int("max-heavy-atoms"),
    "Drop products with more heavy atoms (neither written nor expanded; listed in filtered.tsv)"
  ),
  maxMw: optionalProductSetFlag(Flag.Finite("max-mw"), "Drop products heavier than this average molecular weight (RDKit's MolWt)"),
  elements: optionalProductSetFlag(
    Flag.String("elements"),
    "Drop products with an element not in this list, e.g. C,H,N,O,S,P (hydrogen must be listed)"
  ),
  moleculeTimeoutMs: withDefault(Flag.Int("molecule-timeout-ms"), defaults.moleculeTimeoutMs, "A molecule whose rules run longer is stopped and quarantined"),
  heapGrowthPercent: withDefault(
    Flag.Int("heap-growth-percent"),
    defaults.heapGrowthPercent,
    "How far (percent) V8 lets a JavaScript heap grow past its live size before a full collection; 0 leaves V8's own choice (up to 300)"
  ),
  checkpointSeconds: withDefault(Flag.Finite("checkpoint-seconds"), defaults.checkpointSeconds, "Seconds between checkpoints; a kill loses at most the work since the last one"),
  cluster: Flag.String("cluster").pipe(
    Flag.withDescription("Send the batches to the runners of this cluster (postgres://USER@HOST[:PORT]/DATABASE; the password may come from PGPASSWORD) instead of this machine's worker threads"),
    Flag.optional
  ),
  clusterClient: withDefault(
    Flag.Literals("cluster-client", clusterClientPlaces),
    "auto",
    `With --cluster, where the coordinator receives the runners' products: ${defaults.clusterClientThreads} threads of its own, its main thread, or auto (threads on ${defaults.clusterClientThreadMinCores} cores or more)`
  )
}

type CliConfig = Command.Command.Config.Infer<typeof flags>

/** The settings the command line gives: every flag with a value, a left-out optional flag not at all. */
const givenSettings = ({ resume: _resume, ...cli }: CliConfig): Partial<RunSettings> =>
  Object.fromEntries(
    Object.entries(cli).flatMap(([key, value]: [string, unknown]) =>
      Option.isOption(value) ? (Option.isSome(value) ? [[key, value.value]] : []) : [[key, value]]
    )
  ) as Partial<RunSettings>

/**
 * The command that continues a stopped run: the output folder holds its input, rules and settings. A cluster run is
 * continued on the cluster (its URL without a password, which comes from PGPASSWORD or is added back).
 */
const resumeCommand = (settings: RunSettings): string => {
  const invoked = process.argv[1] ?? "molexpand"
  const program = path.basename(invoked) === "molexpand" ? ["molexpand"] : ["node", path.relative(process.cwd(), invoked)]
  const cluster = settings.cluster === undefined ? [] : ["--cluster", displayClusterUrl(settings.cluster)]
  return [...program, "--resume", settings.output, ...cluster]
    .map((arg) => (/^[\w./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`))
    .join(" ")
}

const command = Command.make("molexpand", flags, (cli) =>
  Effect.gen(function*() {
    if (Option.isSome(cli.resume) && cli.output !== defaults.output && cli.output !== cli.resume.value) {
      return yield* new SettingsError({ problems: [`--output ${cli.output} and --resume ${cli.resume.value} name different folders`] })
    }
    const given = givenSettings(cli)
    const settings = Option.isSome(cli.resume)
      ? yield* resumedSettings(cli.resume.value, given)
      : { ...defaultSettings(), ...given }
    const reporter = makeCliReporter({ format: settings.logFormat, quiet: settings.quiet, progressSeconds: settings.progressSeconds })
    const outcome = yield* expandEffect({
      settings,
      resume: Option.isSome(cli.resume),
      stopRequested,
      onEvent: reporter.onEvent,
      progressMs: reporter.progressMs
    })
    if (outcome._tag === "Complete") {
      if (reporter.printSummary) yield* Effect.sync(() => console.log(formatSummary(outcome.summary)))
      return
    }
    yield* Effect.sync(() => {
      console.error(`molexpand: stopped; checkpoint ${outcome.manifest.checkpoints} holds everything written so far.`)
      console.error(`Resume with: ${resumeCommand(settings)}`)
    })
    return yield* new RunStopped({ output: settings.output, checkpoints: outcome.manifest.checkpoints })
  })).pipe(
    Command.withDescription("Apply reaction rules to molecules, generation after generation, and write the deduplicated products to Parquet"),
    Command.withSubcommands([
      runnerCommand,
      clusterDevCommand,
      Command.make("report", { output: Argument.String("output-dir") }, ({ output }) =>
        Effect.flatMap(writeReport(output), (file) => Effect.sync(() => console.log(file)))).pipe(
          Command.withDescription("Write OUTPUT_DIR/report.html again from OUTPUT_DIR/summary.json")
        )
    ])
  )

/** Failures that mean "nothing was done: fix the command line or its files". */
const runUsageErrors = new Set([
  "SettingsError",
  "RuleParseError",
  "InputFileError",
  "MemoryScriptError",
  "OutputRejected",
  "ResumeRefused",
  "ReportError",
  "ClusterUnreachable",
  "ClusterDevError",
  "RunnerStartError"
])
const usageExitCode = 2
const failureExitCode = 1
const stoppedExitCode = 130

const exitCodeOf = (error: { readonly _tag: string }): number =>
  isCliError(error) || runUsageErrors.has(error._tag) ? usageExitCode : error._tag === "RunStopped" ? stoppedExitCode : failureExitCode

stopOnSignals(stoppedExitCode)

const program = Command.run(command, { version: molexpandVersion }).pipe(
  Effect.tapError((error) =>
    Effect.sync(() => {
      // effect/cli has already printed its parse errors with the help text, and a stop has said how to resume.
      if (!isCliError(error) && error._tag !== "RunStopped") console.error(`molexpand: ${error.message}`)
    })
  ),
  Effect.provide(NodeServices.layer)
)

// Effect's runPromise holds no handle of its own; this keeps the process alive while the run waits on nothing else.
const keepAlive = setInterval(() => undefined, 2 ** 30)
void Effect.runPromiseExit(program).then((exit) => {
  clearInterval(keepAlive)
  if (exit._tag === "Success") process.exit(0)
  const failure = exit.cause.reasons.find((reason) => reason._tag === "Fail")
  if (failure === undefined) {
    console.error(`molexpand: ${String(exit.cause)}`)
    process.exit(failureExitCode)
  }
  process.exit(exitCodeOf(failure.error))
})
