/**
 * `summary.json`: what a run read, produced, dropped and wrote, and how fast. Printed at the end of a run and kept in
 * the output folder, so a run can be judged without reading its products.
 */
import * as path from "node:path"
import type { FlushRecord, RunStats } from "./actors/stats.js"
import type { RuleExample } from "./io/manifest.js"
import type { GovernorEvent, GovernorReport, MemoryPoint } from "./governor/Governor.js"
import type { SeenSet } from "./dedup/SeenSet.js"
import { displayClusterUrl } from "./engine/cluster/connection.js"
import type { EngineReport } from "./engine/Engine.js"
import { describeFilters, filtersOf } from "./engine/filters.js"
import type { RuleSet } from "./engine/rules.js"
import type { RunSettings } from "./settings.js"

export interface Summary {
  readonly version: 1
  readonly settings: RunSettings & { readonly ruleSource: string; readonly explicitHApplied: boolean; readonly kekulizeApplied: boolean }
  readonly inputs: { readonly read: number; readonly valid: number; readonly invalid: number; readonly duplicate: number }
  readonly candidates: number
  readonly invalidCandidates: number
  readonly moleculeFailures: number
  readonly products: {
    readonly total: number
    readonly byGeneration: Record<string, number>
    /** Products credited to the rule that first reached them (which rule wins a product reached twice is timing). */
    readonly byRule: Record<string, number>
    /** Each rule's first product with its parent, as the report draws them. */
    readonly examples: Record<string, RuleExample>
  }
  /** The reaction network (`--reactions`): its distinct edges, by the generation that found them and by rule. */
  readonly reactions: {
    readonly edges: number
    readonly byGeneration: Record<string, number>
    readonly byRule: Record<string, number>
    /** The parts folder, or the merged `reactions.parquet` with `--single-file`. */
    readonly path: string
    readonly parts: ReadonlyArray<string>
    readonly bytes: number
  } | undefined
  /**
   * The product filters (`--max-heavy-atoms`, `--max-mw`, `--elements`): the molecules each kept out of the
   * products, each once, by the rule that first reached it, and the file that lists them.
   */
  readonly filtered: {
    readonly filters: string
    readonly total: number
    readonly byFilter: Record<string, { readonly total: number; readonly byRule: Record<string, number> }>
    readonly file: string
  } | undefined
  readonly dedup: {
    readonly mode: string
    readonly keys: number
    readonly bytes: number
    readonly bytesPerKey: number
    readonly estimatedFalsePositives: number
  }
  readonly writer: {
    readonly kind: string
    readonly flushInterval: number
    readonly flushes: number
    readonly maxBufferRows: number
    readonly rows: number
    readonly bytes: number
  }
  readonly memory: {
    readonly source: GovernorReport["source"]
    readonly targetPercent: number
    readonly criticalPercent: number
    readonly peak: GovernorReport["peak"]
    readonly low: GovernorReport["low"]
    /** Readings over the run (thinned evenly past `timelinePoints`). */
    readonly timeline: ReadonlyArray<MemoryPoint>
    /** Each row group written, with the interval in force and RSS before and after (thinned likewise). */
    readonly flushes: ReadonlyArray<FlushRecord>
  }
  readonly governor: {
    readonly polls: number
    /** Readings at or above the critical level. */
    readonly warnings: number
    readonly finalLimits: GovernorReport["finalLimits"]
    readonly decisions: ReadonlyArray<GovernorEvent>
    readonly settings: GovernorReport["settings"]
  }
  /** Each actor inbox's capacity and the most messages it held. */
  readonly queues: {
    readonly capacity: { readonly work: number; readonly dedup: number; readonly write: number }
    readonly maxDepth: { readonly work: number; readonly dedup: number; readonly write: number }
  }
  /** Worker threads, or the most workers a cluster's live runners had at once. */
  readonly workers: number
  /** Who did the work: this machine's worker threads, or a cluster's runners (each with its batches). */
  readonly engine: EngineReport
  readonly files: {
    /** The products: the parts folder, or the merged file with `--single-file`. */
    readonly products: string
    readonly parts: ReadonlyArray<string>
    readonly quarantine: string
    readonly summary: string
    /** `report.html`: the run's report for people; `molexpand report DIR` writes it again. */
    readonly report: string
  }
  /**
   * Checkpoints written over the whole run; over this session, the longest time between two (what a kill could
   * lose at most) and the longest drain before one (the pipeline idles while the last batches finish).
   */
  readonly checkpoints: { readonly count: number; readonly maxGapSeconds: number; readonly maxDrainSeconds: number }
  /** Whether this session continued an earlier one. */
  readonly resumed: boolean
  readonly elapsedSeconds: number
  /** Molecules expanded (every generation's frontier) per second of the whole run. */
  readonly molPerSecond: number
  readonly productsPerSecond: number
  readonly peakRssBytes: number
}

export const makeSummary = (run: {
  readonly settings: RunSettings
  readonly ruleSet: RuleSet
  readonly stats: RunStats
  readonly seen: SeenSet
  readonly engine: EngineReport
  readonly queues: Summary["queues"]
  readonly governor: GovernorReport
  readonly files: {
    readonly products: string
    readonly parts: ReadonlyArray<string>
    readonly quarantine: string
    readonly summary: string
    readonly productsBytes: number
    readonly reactions: { readonly path: string; readonly parts: ReadonlyArray<string>; readonly bytes: number } | undefined
    /** `filtered.tsv`, with a product filter. */
    readonly filtered: string | undefined
  }
  readonly checkpoints: Summary["checkpoints"]
  readonly resumed: boolean
  readonly elapsedSeconds: number
}): Summary => {
  const { settings, stats, seen } = run
  const byGeneration = perGeneration(stats.productsByGeneration, settings.generations)
  const total = Object.values(byGeneration).reduce((a, b) => a + b, 0)
  const edgesByGeneration = perGeneration(stats.edgesByGeneration, settings.generations)
  // Generation g expands what generation g-1 found; the last generation's products are not expanded.
  const expanded = stats.inputsValid + total - (byGeneration[String(settings.generations)] ?? 0)
  const elapsed = Math.max(run.elapsedSeconds, Number.EPSILON)
  return {
    version: 1,
    settings: {
      ...settings,
      cluster: settings.cluster === undefined ? undefined : displayClusterUrl(settings.cluster),
      ruleSource: run.ruleSet.source,
      explicitHApplied: run.ruleSet.explicitH,
      kekulizeApplied: run.ruleSet.kekulize
    },
    inputs: { read: stats.inputsRead, valid: stats.inputsValid, invalid: stats.inputsInvalid, duplicate: stats.inputsDuplicate },
    candidates: stats.candidates,
    invalidCandidates: stats.invalidCandidates,
    moleculeFailures: stats.moleculeFailures,
    products: { total, byGeneration, byRule: { ...stats.productsByRule }, examples: { ...stats.ruleExamples } },
    reactions: run.files.reactions === undefined
      ? undefined
      : {
        edges: Object.values(edgesByGeneration).reduce((a, b) => a + b, 0),
        byGeneration: edgesByGeneration,
        byRule: { ...stats.edgesByRule },
        ...run.files.reactions
      },
    filtered: run.files.filtered === undefined ? undefined : filteredSummary(stats, describeFilters(filtersOf(settings)), run.files.filtered),
    dedup: {
      mode: seen.mode,
      keys: seen.size,
      bytes: seen.bytes,
      bytesPerKey: seen.size > 0 ? seen.bytes / seen.size : 0,
      estimatedFalsePositives: seen.estimatedFalsePositives
    },
    writer: {
      kind: settings.parquetWriter,
      flushInterval: settings.flushInterval,
      flushes: stats.flushes,
      maxBufferRows: stats.maxBufferRows,
      rows: stats.rowsWritten,
      bytes: run.files.productsBytes
    },
    memory: {
      source: run.governor.source,
      targetPercent: run.governor.settings.targetPercent,
      criticalPercent: run.governor.settings.criticalPercent,
      peak: run.governor.peak,
      low: run.governor.low,
      timeline: run.governor.timeline,
      flushes: stats.flushLog.toArray()
    },
    governor: {
      polls: run.governor.polls,
      warnings: run.governor.warnings,
      finalLimits: run.governor.finalLimits,
      decisions: run.governor.decisions,
      settings: run.governor.settings
    },
    queues: run.queues,
    workers: run.engine.workers,
    engine: run.engine,
    files: {
      products: run.files.products,
      parts: run.files.parts,
      quarantine: run.files.quarantine,
      summary: run.files.summary,
      report: path.join(path.dirname(run.files.summary), "report.html")
    },
    checkpoints: run.checkpoints,
    resumed: run.resumed,
    elapsedSeconds: run.elapsedSeconds,
    molPerSecond: expanded / elapsed,
    productsPerSecond: total / elapsed,
    peakRssBytes: peakRss()
  }
}

const filteredSummary = (stats: RunStats, filters: string, file: string): NonNullable<Summary["filtered"]> => {
  const byFilter = Object.fromEntries(Object.entries(stats.filteredByFilter).map(([filter, byRule]) =>
    [filter, { total: Object.values(byRule).reduce((a, b) => a + b, 0), byRule: { ...byRule } }]))
  return { filters, total: Object.values(byFilter).reduce((a, f) => a + f.total, 0), byFilter, file }
}

/** Counts of generations 1..G by generation number (0 where none). */
const perGeneration = (counts: ReadonlyArray<number>, generations: number): Record<string, number> =>
  Object.fromEntries(Array.from({ length: generations }, (_, i) => [String(i + 1), counts[i + 1] ?? 0]))

/** The process's peak resident set so far; `resourceUsage` reports it in kilobytes. */
const peakRss = (): number => process.resourceUsage().maxRSS * 1024

const count = (n: number): string => n.toLocaleString("en-US")
const plural = (n: number, one: string, many = `${one}s`): string => `${count(n)} ${n === 1 ? one : many}`

/** Who did a cluster run's work: each runner's batches, and what was sent again or refused. */
const clusterLines = (s: Summary): Array<string> => {
  if (s.engine.kind !== "cluster") return []
  const { runners, resentBatches } = s.engine
  const refused = runners.filter((r) => r.refused !== undefined).length
  return [
    `  cluster: ${s.engine.cluster}, ${plural(runners.length - refused, "runner")}${refused > 0 ? ` (${refused} refused)` : ""}, ${plural(resentBatches, "batch", "batches")} sent again`,
    ...runners
      .filter((r) => r.refused === undefined)
      .map((r) => `    ${r.address}: ${plural(r.workers, "worker")}, ${plural(r.batches, "batch", "batches")}, ${count(r.molecules)} molecules, ${r.molPerSecond.toFixed(1)} mol/s`)
  ]
}

/** Each filter's share of the filtered molecules, when any was filtered. */
const filteredBreakdown = (filtered: NonNullable<Summary["filtered"]>): string => {
  const byFilter = Object.entries(filtered.byFilter)
  return byFilter.length === 0 ? "" : ` (${byFilter.map(([filter, f]) => `${filter}: ${count(f.total)}`).join(", ")})`
}

/** The end-of-run report printed on the terminal; `summary.json` holds the same and more. */
export const formatSummary = (s: Summary): string =>
  [
    `molexpand: ${count(s.inputs.read)} inputs read, ${count(s.inputs.valid)} valid, ${count(s.inputs.invalid)} invalid (quarantined), ${count(s.inputs.duplicate)} duplicate`,
    `  products: ${count(s.products.total)} (${Object.entries(s.products.byGeneration).map(([g, n]) => `generation ${g}: ${count(n)}`).join(", ")})`,
    `  candidates: ${count(s.candidates)}, invalid candidates: ${count(s.invalidCandidates)}`,
    ...(s.reactions === undefined
      ? []
      : [`  reactions: ${count(s.reactions.edges)} edges (${Object.entries(s.reactions.byGeneration).map(([g, n]) => `generation ${g}: ${count(n)}`).join(", ")}) in ${s.reactions.path}`]),
    ...(s.filtered === undefined
      ? []
      : [`  filtered (${s.filtered.filters}): ${plural(s.filtered.total, "molecule")}${filteredBreakdown(s.filtered)} in ${s.filtered.file}`]),
    `  dedup: ${s.dedup.mode}, ${s.dedup.bytesPerKey.toFixed(1)} bytes/key, estimated products dropped: ${s.dedup.estimatedFalsePositives.toFixed(2)}`,
    `  writer: ${s.writer.kind}, ${count(s.writer.flushes)} row groups of at most ${count(s.writer.flushInterval)} rows, largest buffer ${count(s.writer.maxBufferRows)} rows`,
    `  ${s.elapsedSeconds.toFixed(1)} s, ${s.molPerSecond.toFixed(1)} mol/s, ${s.productsPerSecond.toFixed(1)} products/s, ${s.workers} workers (RDKit ${s.engine.rdkit}), peak RSS ${(s.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
    `  memory: peak ${s.memory.peak.systemPercent.toFixed(1)}% (target ${s.memory.targetPercent}%, critical ${s.memory.criticalPercent}%), ${s.governor.decisions.length} governor decisions, ${s.governor.warnings} critical readings`,
    ...(s.governor.finalLimits.inFlight === 1 && s.governor.warnings > 0
      ? [`  memory stayed high: the run finished at ${s.governor.finalLimits.inFlight} batch in flight and row groups of ${s.governor.finalLimits.flushInterval} rows`]
      : []),
    ...clusterLines(s),
    `  output: ${s.files.products} (${plural(s.files.parts.length, "part")}, ${plural(s.checkpoints.count, "checkpoint")}${s.resumed ? ", resumed" : ""}), ${s.files.quarantine}, ${s.files.summary}, ${s.files.report}`
  ].join("\n")
