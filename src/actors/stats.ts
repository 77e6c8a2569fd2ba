import { defaults } from "../config.js"
import { Timeline } from "../governor/Timeline.js"

/** One row group written: its size, the flush interval in force, and the process's memory around the write. */
export interface FlushRecord {
  readonly seconds: number
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
  /** molecules RDKit threw on while expanding */
  moleculeFailures: number
  /** writer */
  flushes: number
  maxBufferRows: number
  rowsWritten: number
  flushLog: Timeline<FlushRecord>
  readonly startedAt: number
}

export const emptyStats = (): RunStats => ({
  inputsRead: 0,
  inputsInvalid: 0,
  inputsValid: 0,
  inputsDuplicate: 0,
  candidates: 0,
  invalidCandidates: 0,
  productsByGeneration: [],
  moleculeFailures: 0,
  flushes: 0,
  maxBufferRows: 0,
  rowsWritten: 0,
  flushLog: new Timeline<FlushRecord>(defaults.timelinePoints),
  startedAt: Date.now()
})
