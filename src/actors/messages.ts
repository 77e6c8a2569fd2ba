/**
 * The protocol between the actors: reader → worker pool → deduper → writer.
 *
 * Every message is bounded: a work batch by `batchSize` molecules, everything after it by `chunkSize` products
 * (the engine cuts a batch's products into chunks), so an inbox of N messages holds a known maximum.
 */
import type { ProductChunk, Canonicalized } from "../engine/protocol.js"
import type { FrontierBatch } from "../io/frontier.js"
import type { InputRecord } from "../io/moleculeSource.js"
import type { ProductRows, ReactionRows } from "../io/tables.js"

/** Work for the pool: input records to canonicalize (generation 0) or frontier molecules to expand. */
export type WorkBatch =
  | { readonly _tag: "Inputs"; readonly records: ReadonlyArray<InputRecord> }
  | { readonly _tag: "Frontier"; readonly generation: number; readonly batch: FrontierBatch }

export type ToDeduper =
  | { readonly _tag: "Canonicalized"; readonly records: ReadonlyArray<InputRecord>; readonly result: Canonicalized }
  | { readonly _tag: "Products"; readonly generation: number; readonly batch: FrontierBatch; readonly chunk: ProductChunk }

/**
 * New molecules: the inputs that seed the first frontier, or a generation's new products, with the edges of the
 * reaction network that the same chunk gave (`--reactions`).
 */
export type ToWriter =
  | { readonly _tag: "Seeds"; readonly keys: ReadonlyArray<string>; readonly rootIds: ReadonlyArray<string> }
  | { readonly _tag: "Products"; readonly rows: ProductRows; readonly edges: ReactionRows | undefined }
