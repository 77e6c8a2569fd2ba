import { defaults } from "../config.js"
import { Timeline } from "../governor/Timeline.js"
import type { RuleExample, SavedStats } from "../io/manifest.js"

/** One row group written: its table, its size, the flush interval in force, and the process's memory around the write. */
export interface FlushRecord {
  readonly seconds: number
  /** `products` or `reactions`. */
  readonly table: string
  readonly rows: number
  readonly flushInterval: number
  readonly rssBefore: number
  readonly rssAfter: number
}

/**
 * The run's counters. Each field has exactly one actor that writes it (named beside it), so no two fibers update the
 * same number; the summary reads them when every actor has finished.
 */
export interface RunStats {
  /** reader */
  inputsRead: number
  /** reader (bad lines) and deduper (SMILES RDKit rejects) */
  inputsInvalid: number
  /** deduper */
  inputsValid: number
  inputsDuplicate: number
  candidates: number
  invalidCandidates: number
  productsByGeneration: Array<number>
  /** New products credited to the rule that first reached them. */
  productsByRule: Record<string, number>
  /** Each rule's first product and its parent: the example the report draws. */
  ruleExamples: Record<string, RuleExample>
  /** Edges of the reaction network (`--reactions`), by the generation that found them and by rule. */
  edgesByGeneration: Array<number>
  edgesByRule: Record<string, number>
  /** Molecules the product filters kept out, each once: by filter, then by the rule that first reached it. */
  filteredByFilter: Record<string, Record<string, number>>
  /** worker pool: molecules of the current generation's source that are done (valid records in generation 0) */
  moleculesDone: number
  /** molecules RDKit threw on while expanding */
  moleculeFailures: number
  /** writer: row groups and the largest buffer of either table; product rows */
  flushes: number
  maxBufferRows: number
  rowsWritten: number
  flushLog: Timeline<FlushRecord>
  readonly startedAt: number
}

/** Fresh counters, or the counters a checkpoint saved (a resumed run goes on counting from them). */
export const restoreStats = (saved: SavedStats | undefined): RunStats => ({
  inputsRead: saved?.inputsRead ?? 0,
  inputsValid: saved?.inputsValid ?? 0,
  inputsInvalid: saved?.inputsInvalid ?? 0,
  inputsDuplicate: saved?.inputsDuplicate ?? 0,
  candidates: saved?.candidates ?? 0,
  invalidCandidates: saved?.invalidCandidates ?? 0,
  productsByGeneration: Array.from(saved?.productsByGeneration ?? [], (n) => n ?? 0),
  productsByRule: { ...saved?.productsByRule },
  ruleExamples: { ...saved?.ruleExamples },
  edgesByGeneration: Array.from(saved?.edgesByGeneration ?? [], (n) => n ?? 0),
  edgesByRule: { ...saved?.edgesByRule },
  filteredByFilter: Object.fromEntries(Object.entries(saved?.filteredByFilter ?? {}).map(([filter, byRule]) => [filter, { ...byRule }])),
  moleculeFailures: saved?.moleculeFailures ?? 0,
  moleculesDone: 0,
  flushes: saved?.flushes ?? 0,
  maxBufferRows: saved?.maxBufferRows ?? 0,
  rowsWritten: saved?.rowsWritten ?? 0,
  flushLog: new Timeline<FlushRecord>(defaults.timelinePoints),
  startedAt: Date.now()
})

export const emptyStats = (): RunStats => restoreStats(undefined)

/** The counters as a checkpoint stores them. */
export const savedStats = (stats: RunStats): SavedStats => ({
  inputsRead: stats.inputsRead,
  inputsValid: stats.inputsValid,
  inputsInvalid: stats.inputsInvalid,
  inputsDuplicate: stats.inputsDuplicate,
  candidates: stats.candidates,
  invalidCandidates: stats.invalidCandidates,
  productsByGeneration: Array.from(stats.productsByGeneration, (n) => n ?? 0),
  productsByRule: { ...stats.productsByRule },
  ruleExamples: { ...stats.ruleExamples },
  edgesByGeneration: Array.from(stats.edgesByGeneration, (n) => n ?? 0),
  edgesByRule: { ...stats.edgesByRule },
  filteredByFilter: Object.fromEntries(Object.entries(stats.filteredByFilter).map(([filter, byRule]) => [filter, { ...byRule }])),
  moleculeFailures: stats.moleculeFailures,
  flushes: stats.flushes,
  rowsWritten: stats.rowsWritten,
  maxBufferRows: stats.maxBufferRows
})
