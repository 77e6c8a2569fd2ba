/**
 * One run, end to end: reader → worker pool → deduper → writer, one generation after another, each generation cut
 * into segments that end in a checkpoint.
 *
 * Generation 0 canonicalizes the inputs and seeds the seen set; generation g ≥ 1 expands the molecules first seen in
 * generation g−1, read back from the frontier file the writer wrote. A segment runs the four actors until a
 * checkpoint is due, then lets them drain: every batch taken is then fully written, so the checkpoint (the part's
 * commit, then the manifest) is a consistent cut. A resumed run starts from the last checkpoint with the seen set
 * rebuilt from it and recomputes exactly what came after.
 */
import * as path from "node:path"
import { Effect, FileSystem, Option, Schedule, Stream } from "effect"
import { expectedBeforeCheckpoint, largestBatch, nextBatchSize } from "./actors/batchSize.js"
import { runDeduper } from "./actors/deduper.js"
import * as Mailbox from "./actors/mailbox.js"
import type { ToDeduper, ToWriter, WorkBatch } from "./actors/messages.js"
import { readFrontier, readInputs, type SegmentControl } from "./actors/reader.js"
import { restoreStats, type RunStats, savedStats } from "./actors/stats.js"
import { runWorkerPool } from "./actors/workerPool.js"
import { flushRemainder, partRowGroups, type PartWriter, runWriter, type WriterState } from "./actors/writer.js"
import { defaults } from "./config.js"
import { makeSeenSet, type SeenSet } from "./dedup/SeenSet.js"
import { Engine, type EngineShape } from "./engine/Engine.js"
import { filtersOf, hasFilters } from "./engine/filters.js"
import { coreactantsOfRule, type RuleSet } from "./engine/rules.js"
import type { GovernorSettings } from "./governor/decide.js"
import * as Governor from "./governor/Governor.js"
import { type Cursor, makeCursor } from "./io/cursor.js"
import { mergeParts, partFileName, tableFolder } from "./io/dataset.js"
import { replaceFile } from "./io/durableFile.js"
import { describeCause, OutputFolderError, type TextFileError } from "./io/errors.js"
import { filteredHeader, filteredName, filteredOn } from "./io/filtered.js"
import { type FrontierEntry, frontierPath, readFrontier as readFrontierFile } from "./io/frontier.js"
import type { InputFileError } from "./io/inputErrors.js"
import { type Fingerprint, type Manifest, type PartRecord, runDefinitionOf, writeManifest } from "./io/manifest.js"
import { countItems, type InputItem, readMoleculeFile, readMoleculeIterable } from "./io/moleculeSource.js"
import { openParquetSink } from "./io/ParquetSink.js"
import { quarantineHeader, quarantineOn } from "./io/quarantine.js"
import { RowBuffer } from "./io/rowBuffer.js"
import { productTable, reactionTable, reactionTableOf, type Rows, type Table } from "./io/tables.js"
import { openTextSink, type TextSink } from "./io/textSink.js"
import type { EventSink, ProgressSnapshot } from "./progress/events.js"
import { etaSeconds } from "./progress/render.js"
import { writeReport } from "./report/report.js"
import { rebuildSeenSet } from "./resume.js"
import { bundledSample, criticalMemoryOf, type RunSettings } from "./settings.js"
import { makeSummary, type Summary } from "./summary.js"

/** Where a generation's batches come from: the input molecules, or the previous generation's frontier. */
type SegmentSource =
  | { readonly _tag: "Inputs"; readonly cursor: Cursor<InputItem, InputFileError> }
  | { readonly _tag: "Frontier"; readonly cursor: Cursor<FrontierEntry, TextFileError> }

export const outputFiles = (output: string) => ({
  parts: tableFolder(output, productTable),
  singleFile: path.join(output, `${productTable.name}.parquet`),
  reactionParts: tableFolder(output, reactionTable),
  reactionsSingleFile: path.join(output, `${reactionTable.name}.parquet`),
  quarantine: path.join(output, "quarantine.tsv"),
  filtered: path.join(output, filteredName),
  summary: path.join(output, "summary.json"),
  /** Frontier files live beside the output: on the same disk, kept until the run completes (a resume needs them). */
  frontiers: path.join(output, ".frontier")
})

/** Molecules given in memory by the library API, instead of `settings.input`. */
export type InMemoryMolecules = Iterable<string> | AsyncIterable<string>

export type RunOutcome =
  | { readonly _tag: "Complete"; readonly summary: Summary }
  /** A stop was asked for (a signal); everything up to `manifest` is written and resumable. */
  | { readonly _tag: "Stopped"; readonly manifest: Manifest }

export interface PipelineInput {
  readonly settings: RunSettings
  readonly ruleSet: RuleSet
  readonly fingerprint: Fingerprint
  readonly molecules?: InMemoryMolecules | undefined
  /** The checkpoint to continue from (`--resume`). */
  readonly resume?: Manifest | undefined
  /** True once the run should stop at its next checkpoint. */
  readonly stopRequested: () => boolean
  readonly onEvent: EventSink
  /** Milliseconds between progress events; none when undefined. */
  readonly progressMs: number | undefined
}

const makeFolder = (folder: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeDirectory(folder, { recursive: true })).pipe(
    Effect.mapError((cause) => new OutputFolderError({ path: folder, reason: describeCause(cause) }))
  )

const governorSettingsOf = (settings: RunSettings, workers: number): GovernorSettings => ({
  targetPercent: settings.targetMemory,
  criticalPercent: criticalMemoryOf(settings),
  maxInFlight: workers,
  maxFlushInterval: settings.flushInterval,
  minFlushInterval: defaults.minFlushInterval,
  shrinkCooldownPolls: defaults.shrinkCooldownPolls,
  restoreAfterPolls: defaults.restoreAfterPolls,
  hysteresisPoints: defaults.hysteresisPoints,
  maxPausePolls: defaults.maxPausePolls
})

/**
 * The coreactants are seen from the start (the product contract): a coreactant is never a product, nor expanded,
 * nor counted as an input. Their keys come from the run's own engine, as every key does.
 */
const seedCoreactants = (seen: SeenSet, ruleSet: RuleSet, engine: EngineShape) =>
  Effect.gen(function*() {
    const entries = ruleSet.coreactants?.entries ?? []
    if (entries.length === 0) return
    const canonical = yield* engine.canonicalize(entries.map((coreactant) => coreactant.smiles))
    canonical.keys.forEach((key, i) => {
      if (key !== null) seen.addIfNew(canonical.keys, canonical.hashes, i)
    })
  })

/** Commits a table's part of the segment, if it holds rows, and lists it for the checkpoint. */
const commitPart = <R extends Rows>(part: PartWriter<R>, committed: Array<PartRecord>) =>
  part.rowGroups === 0
    ? Effect.void
    : Effect.map(part.sink.commit, (file) => {
      committed.push({ file: path.basename(file.path), rows: file.rows, rowGroups: file.rowGroups, bytes: file.bytes })
    })

export const runPipeline = Effect.fn("runPipeline")(function*(input: PipelineInput) {
  const { settings, ruleSet, resume } = input
  const started = Date.now()
  const engine = yield* Engine
  const output = settings.output
  const files = outputFiles(output)
  yield* makeFolder(files.parts)
  if (settings.reactions) yield* makeFolder(files.reactionParts)
  yield* makeFolder(files.frontiers)

  const stats: RunStats = restoreStats(resume?.stats)
  const seen: SeenSet = makeSeenSet({ mode: settings.dedup, expectedProducts: settings.expectedProducts, fpRate: settings.fpRate })
  if (resume !== undefined) yield* rebuildSeenSet(seen, output, resume)
  yield* seedCoreactants(seen, ruleSet, engine)

  const quarantineSink = yield* openTextSink(files.quarantine, resume?.quarantineBytes ?? 0)
  if (resume === undefined) yield* quarantineSink.writeLine(quarantineHeader)
  const quarantine = quarantineOn(quarantineSink)
  const filteredSink = hasFilters(filtersOf(settings)) ? yield* openTextSink(files.filtered, resume?.filteredBytes ?? 0) : undefined
  if (filteredSink !== undefined && (resume?.filteredBytes ?? 0) === 0) yield* filteredSink.writeLine(filteredHeader)
  const filtered = filteredSink === undefined ? undefined : filteredOn(filteredSink)

  const governorSettings = governorSettingsOf(settings, Math.max(1, engine.capacity()))
  const handles = yield* Governor.throttle(governorSettings)
  const seconds = () => (Date.now() - started) / 1000
  /**
   * The run's events, `end` always last: the progress and governor fibers live until the caller's scope closes
   * (after the workers are terminated), so one of them could otherwise speak after the end.
   */
  let ended = false
  const emit: EventSink = (event) => {
    if (ended) return
    if (event.type === "end") ended = true
    input.onEvent(event)
  }
  emit({
    type: "start",
    seconds: 0,
    input: input.molecules === undefined ? settings.input ?? bundledSample() : "(molecules in memory)",
    rules: ruleSet.source,
    generations: settings.generations,
    workers: engine.report().workers,
    engine: engine.report().kind,
    rdkit: engine.report().rdkit,
    resumed: resume !== undefined
  })
  yield* engine.notices.pipe(
    Stream.runForEach((notice) => Effect.sync(() => emit({ type: "engine", seconds: seconds(), message: notice.message }))),
    Effect.forkScoped
  )
  const governor = yield* Governor.start(governorSettings, {
    pollMs: settings.pollMs,
    handles,
    capacity: engine.capacity,
    onDecision: (event, message) => emit({ type: "decision", message, ...event }),
    onCritical: (reading) =>
      emit({
        type: "warning",
        seconds: seconds(),
        message: `memory at ${reading.systemPercent.toFixed(1)}% is at or above the critical level of ${governorSettings.criticalPercent}%`
      })
  })
  const edgeTable = reactionTableOf(ruleSet.coreactants !== undefined)
  const buffers = { products: new RowBuffer(productTable), reactions: new RowBuffer(edgeTable) }
  const ruleNames = ruleSet.rules.map((rule) => rule.name)
  const ruleCoreactants = ruleSet.rules.map(coreactantsOfRule)
  const queueDepths = { work: 0, dedup: 0, write: 0 }
  const queueCapacity = {
    work: Math.min(settings.queueCapacity, Math.max(1, engine.capacity())),
    dedup: settings.queueCapacity,
    write: settings.queueCapacity
  }
  const parts: Array<PartRecord> = [...(resume?.parts ?? [])]
  const reactionParts: Array<PartRecord> = [...(resume?.reactionParts ?? [])]
  const frontierBytes: Record<string, number> = { ...resume?.frontierBytes }
  let checkpoints = resume?.checkpoints ?? 0
  /**
   * How much a kill could lose: the longest time between two checkpoints of this session, and the longest drain
   * (from the reader's last batch to the checkpoint on disk), which is what a checkpoint costs in throughput.
   */
  const checkpointTiming = { lastAt: started, readerEndedAt: started, maxGapSeconds: 0, maxDrainSeconds: 0 }

  /** The last checkpoint written: the run is marked complete on it once the summary is on disk. */
  let lastManifest: Manifest | undefined = resume

  const checkpoint = (state: { generation: number; consumed: number; complete: boolean }) => {
    checkpoints++
    const manifest: Manifest = {
      version: 1,
      fingerprint: input.fingerprint,
      run: runDefinitionOf(settings),
      ...state,
      frontierBytes: { ...frontierBytes },
      quarantineBytes: quarantineSink.bytes(),
      ...(filteredSink === undefined ? {} : { filteredBytes: filteredSink.bytes() }),
      parts: [...parts],
      ...(settings.reactions ? { reactionParts: [...reactionParts] } : {}),
      stats: savedStats(stats),
      checkpoints,
      savedAt: new Date().toISOString()
    }
    return Effect.as(writeManifest(output, manifest), manifest).pipe(
      Effect.tap(() =>
        Effect.sync(() => {
          lastManifest = manifest
          emit({ type: "checkpoint", seconds: seconds(), count: checkpoints, generation: state.generation, consumed: state.consumed, parts: parts.length })
          const now = Date.now()
          checkpointTiming.maxGapSeconds = Math.max(checkpointTiming.maxGapSeconds, (now - checkpointTiming.lastAt) / 1000)
          checkpointTiming.maxDrainSeconds = Math.max(checkpointTiming.maxDrainSeconds, (now - checkpointTiming.readerEndedAt) / 1000)
          checkpointTiming.lastAt = now
        })
      )
    )
  }

  /**
   * Runs the actors until the segment ends; true when the generation's source is exhausted. `remaining` tells how many
   * of the generation's molecules are not yet handed out, when known: with the checkpoint's due time, it lets the
   * batches before either drain shrink.
   */
  const runSegment = (
    generation: number,
    source: SegmentSource,
    frontier: TextSink | undefined,
    remaining: () => number | undefined
  ) =>
    Effect.scoped(Effect.gen(function*() {
      const segmentStarted = Date.now()
      const doneAtSegmentStart = stats.moleculesDone
      const work = yield* Mailbox.make<WorkBatch>(queueCapacity.work)
      const toDedup = yield* Mailbox.make<ToDeduper>(queueCapacity.dedup)
      const toWrite = yield* Mailbox.make<ToWriter>(queueCapacity.write)
      const openPart = <R extends Rows>(table: Table<R>, buffer: RowBuffer<R>, committed: ReadonlyArray<PartRecord>) =>
        Effect.map(
          openParquetSink(settings.parquetWriter, table, path.join(tableFolder(output, table), partFileName(committed.length))),
          (sink): PartWriter<R> => ({ table, sink, buffer, rowGroups: 0 })
        )
      const writer: WriterState = {
        products: yield* openPart(productTable, buffers.products, parts),
        reactions: settings.reactions ? yield* openPart(edgeTable, buffers.reactions, reactionParts) : undefined,
        flushInterval: handles.flushInterval,
        stats,
        onFlush: (record) => emit({ type: "flush", ...record })
      }
      const control: SegmentControl = {
        batchSize: () => {
          const elapsedMs = Date.now() - segmentStarted
          const beforeCheckpoint = expectedBeforeCheckpoint({
            done: stats.moleculesDone - doneAtSegmentStart,
            elapsedMs,
            leftMs: settings.checkpointSeconds * 1000 - elapsedMs
          })
          return nextBatchSize({
            batchSize: largestBatch(settings),
            workers: Math.max(1, engine.capacity()),
            remaining: [remaining(), beforeCheckpoint],
            tailDivisor: defaults.tailBatchDivisor
          })
        },
        out: work,
        gate: handles.readerGate.await,
        shouldStop: () =>
          input.stopRequested() ||
          Date.now() - segmentStarted >= settings.checkpointSeconds * 1000 ||
          partRowGroups(writer) >= defaults.maxRowGroupsPerPart
      }
      const [exhausted] = yield* Effect.all([
        (source._tag === "Inputs"
          ? readInputs(source.cursor, control, { quarantine, stats })
          : readFrontier(source.cursor, control, generation)
        ).pipe(Effect.tap(() => Effect.sync(() => (checkpointTiming.readerEndedAt = Date.now())))),
        runWorkerPool({ engine, inbox: work, out: toDedup, inFlight: handles.inFlight, stats }),
        runDeduper({ seen, ruleNames, ruleCoreactants, edges: settings.reactions, inbox: toDedup, out: toWrite, quarantine, filtered, stats }),
        runWriter({ state: writer, inbox: toWrite, frontier })
      ], { concurrency: "unbounded" })
      yield* flushRemainder(writer)
      yield* commitPart(writer.products, parts)
      if (writer.reactions !== undefined) yield* commitPart(writer.reactions, reactionParts)
      if (frontier !== undefined) {
        yield* frontier.flush
        frontierBytes[String(generation)] = frontier.bytes()
      }
      yield* quarantineSink.flush
      if (filteredSink !== undefined) yield* filteredSink.flush
      queueDepths.work = Math.max(queueDepths.work, work.maxDepth())
      queueDepths.dedup = Math.max(queueDepths.dedup, toDedup.maxDepth())
      queueDepths.write = Math.max(queueDepths.write, toWrite.maxDepth())
      return exhausted
    }))

  /** The generation under way, for progress events: its start, and how many molecules its source holds. */
  const current = { generation: 0, startedAt: started, doneAtStart: 0, total: undefined as number | undefined }
  const inputLines = input.molecules === undefined
    ? yield* countItems(settings.input ?? bundledSample()).pipe(Effect.option)
    : Option.none()
  const totalOf = (generation: number): number | undefined =>
    generation === 0
      ? Option.getOrUndefined(inputLines)
      : generation === 1
      ? stats.inputsValid
      : stats.productsByGeneration[generation - 1] ?? 0

  const progress = (): ProgressSnapshot => {
    const limits = governor.limits()
    const done = current.generation === 0 ? stats.inputsRead : stats.moleculesDone
    const elapsed = Math.max((Date.now() - current.startedAt) / 1000, Number.EPSILON)
    const molPerSecond = (done - current.doneAtStart) / elapsed
    return {
      generation: current.generation,
      generations: settings.generations,
      done,
      total: current.total,
      molPerSecond,
      products: stats.productsByGeneration.reduce((a, b) => a + (b ?? 0), 0),
      systemPercent: governor.lastReading()?.systemPercent,
      targetPercent: settings.targetMemory,
      inFlight: limits.inFlight,
      paused: limits.paused,
      waiting: engine.waiting(),
      etaSeconds: etaSeconds(done, current.total, molPerSecond)
    }
  }
  if (input.progressMs !== undefined) {
    yield* Effect.sync(() => emit({ type: "progress", seconds: seconds(), ...progress() })).pipe(
      Effect.repeat(Schedule.spaced(`${input.progressMs} millis`)),
      Effect.forkScoped({ startImmediately: true })
    )
  }

  const runGeneration = (generation: number, skip: number) =>
    Effect.scoped(Effect.gen(function*() {
      stats.moleculesDone = generation === 0 ? 0 : skip
      current.generation = generation
      current.startedAt = Date.now()
      current.doneAtStart = generation === 0 ? stats.inputsRead : skip
      current.total = totalOf(generation)
      const frontier = generation < settings.generations
        ? yield* openTextSink(frontierPath(files.frontiers, generation), frontierBytes[String(generation)] ?? 0)
        : undefined
      const source: SegmentSource = generation === 0
        ? {
          _tag: "Inputs",
          cursor: yield* makeCursor(
            (input.molecules === undefined
              ? readMoleculeFile(settings.input ?? bundledSample(), settings)
              : readMoleculeIterable(input.molecules)).pipe(Stream.drop(skip))
          )
        }
        : {
          _tag: "Frontier",
          cursor: yield* makeCursor(readFrontierFile(frontierPath(files.frontiers, generation - 1)).pipe(Stream.drop(skip)))
        }
      const remaining = () => current.total === undefined ? undefined : Math.max(0, current.total - skip - source.cursor.consumed())
      while (true) {
        const exhausted = yield* runSegment(generation, source, frontier, remaining)
        const consumed = skip + source.cursor.consumed()
        if (exhausted) {
          // After the last generation the checkpoint points past it: a run killed before its summary is on disk
          // resumes to the end steps alone.
          const manifest = yield* checkpoint({ generation: generation + 1, consumed: 0, complete: false })
          return input.stopRequested() && generation < settings.generations ? manifest : undefined
        }
        const manifest = yield* checkpoint({ generation, consumed, complete: false })
        if (input.stopRequested()) return manifest
      }
    }))

  for (let generation = resume?.generation ?? 0; generation <= settings.generations; generation++) {
    const skip = generation === resume?.generation ? resume.consumed : 0
    const stoppedAt = yield* runGeneration(generation, skip)
    if (stoppedAt !== undefined) {
      emit({ type: "end", seconds: seconds(), outcome: "stopped", summary: undefined })
      return { _tag: "Stopped", manifest: stoppedAt } satisfies RunOutcome
    }
  }

  const single = settings.singleFile
    ? yield* Effect.scoped(mergeParts(output, productTable, parts, settings.parquetWriter, files.singleFile))
    : undefined
  if (settings.singleFile && settings.reactions) {
    yield* Effect.scoped(mergeParts(output, edgeTable, reactionParts, settings.parquetWriter, files.reactionsSingleFile))
  }
  const summary: Summary = makeSummary({
    settings,
    ruleSet,
    stats,
    seen,
    engine: engine.report(),
    queues: { capacity: queueCapacity, maxDepth: queueDepths },
    governor: governor.report(),
    files: {
      products: single === undefined ? files.parts : files.singleFile,
      parts: parts.map((part) => path.join(files.parts, part.file)),
      reactions: settings.reactions
        ? {
          path: settings.singleFile ? files.reactionsSingleFile : files.reactionParts,
          parts: reactionParts.map((part) => path.join(files.reactionParts, part.file)),
          bytes: reactionParts.reduce((total, part) => total + part.bytes, 0)
        }
        : undefined,
      filtered: filteredSink === undefined ? undefined : files.filtered,
      quarantine: files.quarantine,
      summary: files.summary,
      productsBytes: parts.reduce((total, part) => total + part.bytes, 0)
    },
    checkpoints: {
      count: checkpoints,
      maxGapSeconds: checkpointTiming.maxGapSeconds,
      maxDrainSeconds: checkpointTiming.maxDrainSeconds
    },
    resumed: resume !== undefined,
    elapsedSeconds: (Date.now() - started) / 1000
  })
  yield* replaceFile(files.summary, JSON.stringify(summary, null, 2) + "\n").pipe(
    Effect.mapError((error) => new OutputFolderError({ path: files.summary, reason: error.message }))
  )
  // The report is for people; failing to draw it must not fail a run whose products are safe.
  yield* writeReport(output, engine.depict).pipe(
    Effect.catch((error) => Effect.sync(() => emit({ type: "warning", seconds: seconds(), message: error.message })))
  )
  // Complete once the summary and the report are on disk; a kill before this resumes to them.
  yield* writeManifest(output, { ...lastManifest!, complete: true, savedAt: new Date().toISOString() })
  // Only a complete run loses its frontiers: until then a resume rebuilds the seen set from the first one.
  const fileSystem = yield* FileSystem.FileSystem
  yield* fileSystem.remove(files.frontiers, { recursive: true, force: true }).pipe(
    Effect.mapError((cause) => new OutputFolderError({ path: files.frontiers, reason: describeCause(cause) }))
  )
  emit({ type: "end", seconds: seconds(), outcome: "complete", summary })
  return { _tag: "Complete", summary } satisfies RunOutcome
})

