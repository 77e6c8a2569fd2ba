/**
 * The chemistry engine as the pipeline sees it: a pool of RDKit instances that canonicalize input SMILES and expand
 * molecules by the rule set. It owns the RDKit instances and the rule set; it does not own deduplication, ordering
 * or output. Its Node layer (worker threads) is in `NodeEngine.ts`.
 */
import { Context, Schema } from "effect"
import type { Effect } from "effect"
import type { Canonicalized, ProductChunk } from "./protocol.js"

/** A worker thread died or broke the protocol; the request it held is lost and the run cannot trust the pool. */
export class WorkerCrashed extends Schema.TaggedError<WorkerCrashed>()("WorkerCrashed", {
  workerId: Schema.Number,
  reason: Schema.String
}) {
  override get message(): string {
    return `RDKit worker ${this.workerId} crashed: ${this.reason}`
  }
}

export interface EngineShape {
  /** How many requests can run at once (one per RDKit instance). */
  readonly size: number
  readonly canonicalize: (smiles: ReadonlyArray<string>) => Effect.Effect<Canonicalized, WorkerCrashed>
  /**
   * Applies the rule set to each key and hands the products to `onChunk`, one bounded chunk at a time; the engine
   * produces the next chunk only while earlier ones are being handed on, so a slow consumer slows the engine.
   */
  readonly expand: <E, R>(
    keys: ReadonlyArray<string>,
    onChunk: (chunk: ProductChunk) => Effect.Effect<void, E, R>
  ) => Effect.Effect<void, WorkerCrashed | E, R>
}

export class Engine extends Context.Service<Engine, EngineShape>()("molexpand/engine/Engine") {}
