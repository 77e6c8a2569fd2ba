/**
 * A whole run from settings: validate them, check the input, the rule set and the output folder, start the RDKit
 * workers, run the pipeline. Everything that can be wrong with the settings, the files or the folder fails here
 * before any work. This is what the CLI and the library API both call.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, FileSystem, type Layer } from "effect"
import { clientThreads, defaults } from "./config.js"
import { type ChosenEngine, chooseEngine, wasmEngine } from "./engine/choice.js"
import * as ClusterEngine from "./engine/cluster/ClusterEngine.js"
import { checkReachable, type ClusterDatabase, type ClusterUnreachable, parseClusterUrl } from "./engine/cluster/connection.js"
import type { Engine, WorkerCrashed } from "./engine/Engine.js"
import * as NodeEngine from "./engine/NodeEngine.js"
import { filtersOf } from "./engine/filters.js"
import { type EngineOptions, maxRules, workerSettingsOf } from "./engine/protocol.js"
import { RuleParseError } from "./engine/ruleErrors.js"
import { loadRuleSet, type RuleSet } from "./engine/rules.js"
import { heapGrowthScoped } from "./governor/heapGrowth.js"
import * as MemoryProbe from "./governor/MemoryProbe.js"
import { filteredName } from "./io/filtered.js"
import { productTable, reactionTable } from "./io/tables.js"
import { describeCause } from "./io/errors.js"
import { InputFileError } from "./io/inputErrors.js"
import { checkParquetInput, isParquetInput, parquetFilesOf } from "./io/parquetSource.js"
import {
  type Fingerprint,
  fingerprintDifferences,
  fingerprintOf,
  type Manifest,
  manifestName,
  readManifest,
  runDefinitionIn
} from "./io/manifest.js"
import { type InMemoryMolecules, runPipeline } from "./pipeline.js"
import { type EventSink, ignoreEvents } from "./progress/events.js"
import { OutputRejected, ResumeRefused, SettingsError } from "./runErrors.js"
import { bundledSample, defaultSettings, type RunSettings, validateSettings } from "./settings.js"

export { SettingsError }

/** The rule set as the run applies it: the user's --explicit-h / --kekulize win over what the rule file says. */
export const applyOverrides = (ruleSet: RuleSet, settings: RunSettings): RuleSet => ({
  ...ruleSet,
  explicitH: settings.explicitH ?? ruleSet.explicitH,
  kekulize: settings.kekulize ?? ruleSet.kekulize
})

export interface RunRequest {
  readonly settings: RunSettings
  /** SMILES in memory instead of `settings.input` (library API). */
  readonly molecules?: InMemoryMolecules | undefined
  /** Continue the run checkpointed in `settings.output`. */
  readonly resume?: boolean | undefined
  /** Polled between batches: once true, the run stops at its next checkpoint. */
  readonly stopRequested?: (() => boolean) | undefined
  /** Receives the run's events (start, progress, flush, decision, warning, checkpoint, end). */
  readonly onEvent?: EventSink | undefined
  /** Milliseconds between progress events; none when undefined. */
  readonly progressMs?: number | undefined
  /** Replacements for the run's services (tests, other platforms); each defaults to the Node one. */
  readonly layers?: RunLayers | undefined
}

export interface RunLayers {
  /**
   * The chemistry engine for the run's rule set and chosen RDKit. Default: RDKit on this machine's workers
   * (`NodeEngine`), or with `settings.cluster` the cluster's runners (`ClusterEngine`).
   */
  readonly engine?:
    | ((ruleSet: RuleSet, settings: RunSettings, engine: ChosenEngine) => Layer.Layer<Engine, RuleParseError | WorkerCrashed | ClusterUnreachable>)
    | undefined
  /** Where memory readings come from. Default: the system (or cgroup), or `script:FILE` as the settings say. */
  readonly probe?: Layer.Layer<MemoryProbe.MemoryProbe> | undefined
  /**
   * The file system everything in the output folder is written through (parts, manifest, frontiers, quarantine,
   * summary, report) and the manifest is read from. Default: Node's. The input file is read with Node's streams.
   */
  readonly fileSystem?: Layer.Layer<FileSystem.FileSystem> | undefined
}

const engineOptionsOf = (settings: RunSettings): EngineOptions => ({
  maxProductSets: settings.maxProductSets,
  edges: settings.reactions,
  filters: filtersOf(settings),
  chunkSize: settings.chunkSize,
  moleculeTimeoutMs: settings.moleculeTimeoutMs
})

/** The runners of the cluster whose database is `db`, each with its own worker threads. */
export const clusterEngineFor = (db: ClusterDatabase) => (ruleSet: RuleSet, settings: RunSettings, engine: ChosenEngine) =>
  ClusterEngine.layer({ db, ruleSet, options: engineOptionsOf(settings), engine, clientThreads: clientThreads(settings.clusterClient) })

/** RDKit on this machine's workers, as many as `settings.workers`. */
export const nodeEngineFor = (ruleSet: RuleSet, settings: RunSettings, engine: ChosenEngine) => {
  const options = engineOptionsOf(settings)
  return NodeEngine.layer({
    workers: settings.workers,
    moleculeTimeoutMs: options.moleculeTimeoutMs,
    engine,
    settings: workerSettingsOf(ruleSet, options)
  })
}

const probeFor = (settings: RunSettings) =>
  settings.memoryProbe.startsWith("script:")
    ? Effect.map(MemoryProbe.readScript(settings.memoryProbe.slice("script:".length)), MemoryProbe.layerScripted)
    : Effect.succeed(MemoryProbe.layerSystem)

const checkInput = (input: string) =>
  Effect.try({
    try: () => {
      if (fs.statSync(input).isDirectory()) {
        if (parquetFilesOf(input).length === 0) throw new Error("a folder, with no .parquet file in it")
        return
      }
      if (!fs.statSync(input).isFile()) throw new Error("not a file")
      const fd = fs.openSync(input, "r")
      try {
        fs.readSync(fd, Buffer.alloc(1), 0, 1, 0)
      } finally {
        fs.closeSync(fd)
      }
    },
    catch: (cause) =>
      new InputFileError({
        path: input,
        reason: (cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (cause as Error).message
      })
  })

/** What a run writes in its output folder; `--overwrite` removes these and nothing else. */
const runEntries = [
  ...[productTable, reactionTable].flatMap((table) => [table.name, `${table.name}.parquet`]),
  manifestName,
  "summary.json",
  "quarantine.tsv",
  filteredName,
  "report.html",
  ".frontier"
]

/** The nearest folder that exists on the way to `folder`: where a new output folder would be created. */
const nearestExisting = (fileSystem: FileSystem.FileSystem, folder: string) =>
  Effect.gen(function*() {
    let current = path.resolve(folder)
    while (!(yield* fileSystem.exists(current))) current = path.dirname(current)
    return current
  })

/**
 * A new run needs an empty (or absent) folder it can write, or `--overwrite`. Nothing is created here: the folder
 * appears only once the RDKit workers have accepted the rules.
 */
const checkNewOutput = (settings: RunSettings) =>
  Effect.gen(function*() {
    const fileSystem = yield* FileSystem.FileSystem
    const output = settings.output
    const existing = (yield* fileSystem.exists(output)) ? yield* fileSystem.readDirectory(output) : []
    if (existing.length > 0 && !settings.overwrite) {
      return yield* new OutputRejected({
        path: output,
        reason: existing.includes(manifestName)
          ? `it holds a molexpand run; continue it with --resume ${output}, or replace it with --overwrite`
          : "it exists and is not empty; choose another --output or pass --overwrite"
      })
    }
    const parent = yield* nearestExisting(fileSystem, output)
    if ((yield* fileSystem.stat(parent)).type !== "Directory") {
      return yield* new OutputRejected({ path: output, reason: `cannot write there: ${parent} is not a folder` })
    }
    yield* fileSystem.access(parent, { writable: true })
    if (settings.overwrite) {
      yield* Effect.forEach(runEntries, (entry) => fileSystem.remove(path.join(output, entry), { recursive: true, force: true }), { discard: true })
    }
  }).pipe(Effect.catchTag("PlatformError", (cause) => Effect.fail(new OutputRejected({ path: settings.output, reason: `cannot write there: ${describeCause(cause)}` }))))

/** The checkpointed run in the output folder, if it can go on. */
const savedRun = (settings: RunSettings) =>
  Effect.gen(function*() {
    const manifest: Manifest = yield* readManifest(settings.output).pipe(
      Effect.mapError((error) => new ResumeRefused({ path: settings.output, reasons: [error.reason] }))
    )
    if (manifest.complete) {
      return yield* new ResumeRefused({ path: settings.output, reasons: ["the run is already complete"] })
    }
    // Checkpoints from before the native engine name none: they were all made on WebAssembly; those from before the
    // reaction network wrote none.
    const saved = manifest.fingerprint as Partial<Fingerprint>
    const engine = saved.engine ?? wasmEngine.rdkit
    const maxProductSets = saved.maxProductSets ?? defaults.maxProductSetsPerRule
    return { ...manifest, fingerprint: { ...manifest.fingerprint, engine, reactions: saved.reactions ?? false, maxProductSets } }
  })

const checkResume = (saved: Manifest, settings: RunSettings, fingerprint: Fingerprint) => {
  const differences = fingerprintDifferences(saved.fingerprint, fingerprint)
  return differences.length > 0 ? Effect.fail(new ResumeRefused({ path: settings.output, reasons: differences })) : Effect.succeed(saved)
}

/** The RDKit the run uses (`--engine`); on a resume, `auto` keeps the checkpoint's where it can. */
const engineFor = (settings: RunSettings, saved: Manifest | undefined) => {
  const chosen = chooseEngine(settings.engine, saved?.fingerprint.engine)
  return chosen.ok ? Effect.succeed(chosen.engine) : Effect.fail(new SettingsError({ problems: [chosen.reason] }))
}

/**
 * The settings to resume the run in `output` with: the checkpoint's input, rules and every setting that decides the
 * product set, then what the caller gave (a given setting that changes the product set is then refused by the
 * fingerprint check, naming it; the others take effect).
 */
export const resumedSettings = (output: string, given: Partial<RunSettings>) =>
  Effect.map(
    readManifest(output).pipe(Effect.mapError((error) => new ResumeRefused({ path: output, reasons: [error.reason] }))),
    (manifest): RunSettings => ({ ...defaultSettings(), ...runDefinitionIn(manifest), ...given, output })
  )

/** The cluster's database, once it has answered: a wrong URL or a database that is down stops the run here. */
const reachableCluster = (url: string) =>
  Effect.gen(function*() {
    const db = yield* parseClusterUrl(url).pipe(Effect.mapError((error) => new SettingsError({ problems: [error.message] })))
    yield* checkReachable(db)
    return db
  })

export const prepareRun = Effect.fn("prepareRun")(function*(request: RunRequest) {
  const { settings, molecules } = request
  const problems = [
    ...validateSettings(settings),
    ...(request.resume === true && molecules !== undefined ? ["--resume needs the input as a file, not molecules in memory"] : [])
  ]
  if (problems.length > 0) return yield* new SettingsError({ problems })
  const input = settings.input ?? bundledSample()
  if (molecules === undefined) yield* checkInput(input)
  if (molecules === undefined && isParquetInput(input)) yield* checkParquetInput(input, settings)
  const ruleSet = applyOverrides(yield* loadRuleSet(settings.rules, settings.coreactants), settings)
  if (ruleSet.rules.length > maxRules) {
    return yield* new RuleParseError({ file: ruleSet.source, line: 0, reason: `more than ${maxRules} rules` })
  }
  const saved = request.resume === true ? yield* savedRun(settings) : undefined
  const engine = yield* engineFor(settings, saved)
  const fingerprint: Fingerprint = yield* fingerprintOf(settings, molecules === undefined ? input : undefined, ruleSet, engine)
  const resume = saved === undefined ? undefined : yield* checkResume(saved, settings, fingerprint)
  if (resume === undefined) yield* checkNewOutput(settings)
  const cluster = settings.cluster === undefined ? undefined : yield* reachableCluster(settings.cluster)
  return { ruleSet, fingerprint, resume, cluster, engine }
})

/** A whole run: `Complete` with its summary, or `Stopped` at a checkpoint when `stopRequested` said so. */
export const expandEffect = (request: RunRequest) =>
  expandWith(request).pipe(Effect.provide(request.layers?.fileSystem ?? NodeFileSystem.layer))

const expandWith = Effect.fn("expandEffect")(function*(request: RunRequest) {
  const { settings } = request
  const { ruleSet, fingerprint, resume, cluster, engine: chosen } = yield* prepareRun(request)
  const engine = (request.layers?.engine ?? (cluster === undefined ? nodeEngineFor : clusterEngineFor(cluster)))(ruleSet, settings, chosen)
  const probe = request.layers?.probe ?? (yield* probeFor(settings))
  const pipeline = runPipeline({
    settings,
    ruleSet,
    fingerprint,
    molecules: request.molecules,
    resume,
    stopRequested: request.stopRequested ?? (() => false),
    onEvent: request.onEvent ?? ignoreEvents,
    progressMs: request.progressMs
  })
  // Set before the workers start: V8 applies the factor when it next collects, and the first collections come early.
  return yield* Effect.andThen(heapGrowthScoped(settings.heapGrowthPercent), Effect.provide(pipeline, [engine, probe])).pipe(
    Effect.scoped
  )
})
