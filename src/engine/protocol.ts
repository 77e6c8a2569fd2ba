/**
 * Messages between the main thread and an RDKit worker thread.
 *
 * Results travel as columns (typed arrays and string arrays) rather than arrays of objects: structured cloning an
 * object per product costs more than the product itself. An `Expand` answer comes as chunks of at most `chunkSize`
 * products, and the worker sends a chunk only while it holds a credit; the main thread returns a credit when it has
 * handed a chunk on. So a worker never runs ahead of the pipeline by more than `credits` chunks (backpressure across
 * the thread boundary), and no message carries a whole batch's products.
 *
 * Progress goes through shared memory, not messages: before each molecule the worker stores its index and the time,
 * so the main thread can tell which molecule a crashed thread was on, and stop one that runs past the time limit.
 * When RDKit throws, its WebAssembly state can no longer be trusted: the worker answers with what it finished, names
 * the molecule (`Poisoned`), and exits; the pool replaces it.
 */
import { defaults } from "../config.js"
import type { ProductFilters } from "./filters.js"
import type { CompiledRDKit } from "./rdkit.js"
import type { RuleSet } from "./rules.js"

/** Rule indices travel as uint16. */
export const maxRules = 65_535

export interface WorkerSettings {
  readonly ruleSet: RuleSet
  readonly maxProductSets: number
  /**
   * Each molecule's products are its distinct (rule, key) pairs, not each key once with the first rule that reached
   * it: the reaction network (`--reactions`) needs every edge.
   */
  readonly edges: boolean
  readonly filters: ProductFilters
  readonly chunkSize: number
  readonly credits: number
}

/** What every engine takes from the run's settings besides the rule set: a local pool's and a runner's alike. */
export interface EngineOptions {
  readonly maxProductSets: number
  readonly edges: boolean
  readonly filters: ProductFilters
  readonly chunkSize: number
  readonly moleculeTimeoutMs: number
}

export const workerSettingsOf = (ruleSet: RuleSet, options: EngineOptions): WorkerSettings => ({
  ruleSet,
  maxProductSets: options.maxProductSets,
  edges: options.edges,
  filters: options.filters,
  chunkSize: options.chunkSize,
  credits: defaults.workerCredits
})

/** Shared progress of one worker: `[busy (1) or waiting (0), index of the current molecule]`, plus its start time. */
export interface ProgressBuffers {
  readonly state: SharedArrayBuffer
  readonly startedAt: SharedArrayBuffer
}
export const progressBusy = 0
export const progressIndex = 1

export interface WorkerData {
  readonly settings: WorkerSettings
  readonly progress: ProgressBuffers
  /** The key cache every worker of the pool shares (see `keyCache.ts`). */
  readonly keyCache: SharedArrayBuffer
  /** RDKit's WebAssembly, compiled once for the pool (see `rdkit.ts`). */
  readonly rdkit: CompiledRDKit
}

export type ToWorker =
  | { readonly _tag: "Canonicalize"; readonly requestId: number; readonly smiles: ReadonlyArray<string> }
  | { readonly _tag: "Expand"; readonly requestId: number; readonly keys: ReadonlyArray<string> }
  | { readonly _tag: "Credit"; readonly requestId: number }
  | { readonly _tag: "Depict"; readonly requestId: number; readonly smiles: ReadonlyArray<string>; readonly size: DrawingSize }

/** Pixels of a molecule's drawing (the report's). */
export interface DrawingSize {
  readonly width: number
  readonly height: number
}

/** Each molecule drawn as SVG, or null where RDKit could not read it. */
export interface Depicted {
  readonly _tag: "Depicted"
  readonly requestId: number
  readonly svgs: ReadonlyArray<string | null>
}

/** For each input SMILES, its key (or null) and why it is invalid (or null); hashes hold (high, low) per key. */
export interface Canonicalized {
  readonly _tag: "Canonicalized"
  readonly requestId: number
  readonly keys: ReadonlyArray<string | null>
  readonly reasons: ReadonlyArray<string | null>
  readonly hashes: Uint32Array
}

/**
 * Keys read one at a time: an array, or keys still in the bytes they arrived in (`cluster/packedKeys.ts`), which a
 * reader decodes only where it needs a key's text. Canonicalized inputs hold null in an invalid input's place.
 */
export interface KeyList {
  readonly length: number
  readonly at: (index: number) => string | null | undefined
}

/**
 * Products of some molecules of an `Expand` request; `parents` index the request's keys, `rules` the rule set. Without
 * edges a key appears once in a request's chunks, with the first molecule and rule that gave it.
 */
export interface ProductChunk {
  readonly _tag: "Chunk"
  readonly requestId: number
  readonly keys: KeyList
  readonly hashes: Uint32Array
  readonly parents: Uint32Array
  readonly rules: Uint16Array
  /** Each product's verdict from the filters (`filters.ts`): 0 passes, else 1 + the filter it failed. */
  readonly verdicts: Uint8Array
  readonly candidates: number
  readonly invalidCandidates: number
  /** Molecules RDKit failed on (threw, or ran past the time limit): quarantined by the caller. */
  readonly failures: ReadonlyArray<{ readonly index: number; readonly reason: string }>
  readonly last: boolean
}

/** RDKit threw on molecule `index` of the request; everything before it has been answered. The thread then exits. */
export interface Poisoned {
  readonly _tag: "Poisoned"
  readonly requestId: number
  readonly index: number
  readonly reason: string
}

/** A native worker's progress (a thread's goes through shared memory instead): it starts molecule `index`, or waits. */
export interface Progress {
  readonly _tag: "Progress"
  readonly busy: boolean
  readonly index: number
}

export type FromWorker =
  | { readonly _tag: "Ready" }
  | Progress
  | Poisoned
  /** A rule (or coreactant) RDKit cannot read, in `file` (the rule file, or the coreactant file). */
  | { readonly _tag: "RuleRejected"; readonly file: string; readonly line: number; readonly reason: string }
  | Canonicalized
  | ProductChunk
  | Depicted
