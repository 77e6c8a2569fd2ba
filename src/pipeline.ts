/**
 * One run, end to end: reader → worker pool → deduper → writer, one generation after another.
 *
 * Generation 0 canonicalizes the inputs and seeds the seen set; generation g ≥ 1 expands the molecules first seen in
 * generation g-1, read back from the frontier file the writer wrote. Products go to `products.parquet`, written
 * under a temporary name and renamed only when complete, with the quarantine and `summary.json` beside it.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import * as Mailbox from "./actors/mailbox.js"
import type { ToDeduper, ToWriter, WorkBatch } from "./actors/messages.js"
import { readFrontier, readInputs } from "./actors/reader.js"
import { runDeduper } from "./actors/deduper.js"
import { emptyStats } from "./actors/stats.js"
import { runWorkerPool } from "./actors/workerPool.js"
import { flushRemainder, runWriter, type WriterState } from "./actors/writer.js"
import { defaults } from "./config.js"
import { makeSeenSet } from "./dedup/SeenSet.js"
import { Engine } from "./engine/Engine.js"
import type { GovernorSettings } from "./governor/decide.js"
import * as Governor from "./governor/Governor.js"
import type { RuleSet } from "./engine/rules.js"
import { OutputFolderError } from "./io/errors.js"
import { frontierPath, readFrontier as readFrontierFile } from "./io/frontier.js"
import { readMoleculeFile, readMoleculeIterable } from "./io/moleculeSource.js"
import { openProductSink } from "./io/ProductSink.js"
import { quarantineHeader, quarantineOn } from "./io/quarantine.js"
import { RowBuffer } from "./io/rowBuffer.js"
import { openTextSink, type TextSink } from "./io/textSink.js"
import { bundledSample, criticalMemoryOf, type RunSettings } from "./settings.js"
import { makeSummary, type Summary } from "./summary.js"

export const outputFiles = (output: string) => ({
  products: path.join(output, "products.parquet"),
  quarantine: path.join(output, "quarantine.tsv"),
  summary: path.join(output, "summary.json"),
  /** Frontier files live beside the output: on the same disk, and removed when the run ends. */
  frontiers: path.join(output, ".frontier")
})

const makeFolder = (folder: string) =>
  Effect.try({
    try: () => fs.mkdirSync(folder, { recursive: true }),
    catch: (cause) => new OutputFolderError({ path: folder, reason: String(cause) })
  })

/** Molecules given in memory by the library API, instead of `settings.input`. */
export type InMemoryMolecules = Iterable<string> | AsyncIterable<string>

export const runPipeline = Effect.fn("runPipeline")(function*(
  settings: RunSettings,
  ruleSet: RuleSet,
  molecules?: InMemoryMolecules
) {
  const started = Date.now()
  const engine = yield* Engine
  const files = outputFiles(settings.output)
  yield* makeFolder(settings.output)
  yield* makeFolder(files.frontiers)
  yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(files.frontiers, { recursive: true, force: true })))

  const stats = emptyStats()
  const seen = makeSeenSet({ mode: settings.dedup, expectedProducts: settings.expectedProducts, fpRate: settings.fpRate })
  const quarantineSink = yield* openTextSink(files.quarantine)
  yield* quarantineSink.writeLine(quarantineHeader)
  const quarantine = quarantineOn(quarantineSink)
  const governorSettings: GovernorSettings = {
    targetPercent: settings.targetMemory,
    criticalPercent: criticalMemoryOf(settings),
    maxInFlight: engine.size,
    maxFlushInterval: settings.flushInterval,
    minFlushInterval: defaults.minFlushInterval,
    shrinkCooldownPolls: defaults.shrinkCooldownPolls,
    restoreAfterPolls: defaults.restoreAfterPolls,
    hysteresisPoints: defaults.hysteresisPoints,
    maxPausePolls: defaults.maxPausePolls
  }
  const handles = yield* Governor.throttle(governorSettings)
  const governor = yield* Governor.start(governorSettings, {
    pollMs: settings.pollMs,
    handles,
    onDecision: (line) => {
      if (!settings.quiet) console.error(line)
    }
  })
  const writer: WriterState = {
    sink: yield* openProductSink(settings.parquetWriter, files.products),
    buffer: new RowBuffer(),
    flushInterval: handles.flushInterval,
    stats
  }
  const gate = handles.readerGate.await
  const ruleNames = ruleSet.rules.map((rule) => rule.name)
  const queueDepths = { work: 0, dedup: 0, write: 0 }

  const runGeneration = (generation: number) =>
    Effect.scoped(Effect.gen(function*() {
      const work = yield* Mailbox.make<WorkBatch>(settings.queueCapacity)
      const toDedup = yield* Mailbox.make<ToDeduper>(settings.queueCapacity)
      const toWrite = yield* Mailbox.make<ToWriter>(settings.queueCapacity)
      const frontier: TextSink | undefined = generation < settings.generations
        ? yield* openTextSink(frontierPath(files.frontiers, generation))
        : undefined
      const reader = generation === 0
        ? readInputs(molecules === undefined ? readMoleculeFile(settings.input ?? bundledSample(), settings) : readMoleculeIterable(molecules), {
          batchSize: settings.batchSize,
          out: work,
          quarantine,
          stats,
          gate
        })
        : readFrontier(readFrontierFile(frontierPath(files.frontiers, generation - 1), settings.batchSize), {
          generation,
          out: work,
          gate
        })
      yield* Effect.all([
        reader,
        runWorkerPool({ engine, inbox: work, out: toDedup, inFlight: handles.inFlight }),
        runDeduper({ seen, ruleNames, inbox: toDedup, out: toWrite, quarantine, stats }),
        runWriter({ state: writer, inbox: toWrite, frontier })
      ], { concurrency: "unbounded", discard: true })
      if (frontier !== undefined) yield* frontier.flush
      queueDepths.work = Math.max(queueDepths.work, work.maxDepth())
      queueDepths.dedup = Math.max(queueDepths.dedup, toDedup.maxDepth())
      queueDepths.write = Math.max(queueDepths.write, toWrite.maxDepth())
    }))

  for (let generation = 0; generation <= settings.generations; generation++) {
    yield* runGeneration(generation)
  }
  yield* flushRemainder(writer)
  const committed = yield* writer.sink.commit
  yield* quarantineSink.flush

  const summary: Summary = makeSummary({
    settings,
    ruleSet,
    stats,
    seen,
    engineSize: engine.size,
    queueDepths,
    governor: governor.report(),
    files: { ...files, productsBytes: committed.bytes },
    elapsedSeconds: (Date.now() - started) / 1000
  })
  yield* Effect.try({
    try: () => fs.writeFileSync(files.summary, JSON.stringify(summary, null, 2) + "\n"),
    catch: (cause) => new OutputFolderError({ path: files.summary, reason: String(cause) })
  })
  return summary
})
