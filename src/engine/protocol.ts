/**
 * Messages between the main thread and an RDKit worker thread.
 *
 * Results travel as columns (typed arrays and string arrays) rather than arrays of objects: structured cloning an
 * object per product costs more than the product itself. An `Expand` answer comes as chunks of at most `chunkSize`
 * products, and the worker sends a chunk only while it holds a credit; the main thread returns a credit when it has
 * handed a chunk on. So a worker never runs ahead of the pipeline by more than `credits` chunks (backpressure across
 * the thread boundary), and no message carries a whole batch's products.
 */
import type { RuleSet } from "./rules.js"

/** Rule indices travel as uint16. */
export const maxRules = 65_535

export interface WorkerSettings {
  readonly ruleSet: RuleSet
  readonly maxProductSets: number
  readonly chunkSize: number
  readonly credits: number
}

export type ToWorker =
  | { readonly _tag: "Canonicalize"; readonly requestId: number; readonly smiles: ReadonlyArray<string> }
  | { readonly _tag: "Expand"; readonly requestId: number; readonly keys: ReadonlyArray<string> }
  | { readonly _tag: "Credit"; readonly requestId: number }

/** For each input SMILES, its key (or null) and why it is invalid (or null); hashes hold (high, low) per key. */
export interface Canonicalized {
  readonly _tag: "Canonicalized"
  readonly requestId: number
  readonly keys: ReadonlyArray<string | null>
  readonly reasons: ReadonlyArray<string | null>
  readonly hashes: Uint32Array
}

/** Products of some molecules of an `Expand` request; `parents` index the request's keys, `rules` the rule set. */
export interface ProductChunk {
  readonly _tag: "Chunk"
  readonly requestId: number
  readonly keys: ReadonlyArray<string>
  readonly hashes: Uint32Array
  readonly parents: Uint32Array
  readonly rules: Uint16Array
  readonly candidates: number
  readonly invalidCandidates: number
  /** Molecules RDKit threw on: quarantined by the caller, the rest of the batch goes on. */
  readonly failures: ReadonlyArray<{ readonly index: number; readonly reason: string }>
  readonly last: boolean
}

export type FromWorker =
  | { readonly _tag: "Ready" }
  | { readonly _tag: "RuleRejected"; readonly line: number; readonly reason: string }
  | Canonicalized
  | ProductChunk
