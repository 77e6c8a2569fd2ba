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
  rowsWritten: 0
})
