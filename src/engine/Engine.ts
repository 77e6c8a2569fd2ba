/**
 * The chemistry engine as the pipeline sees it: something that canonicalizes input SMILES and expands molecules by
 * the rule set, a batch at a time. It owns its RDKit instances and the rule set; it does not own deduplication,
 * ordering or output. Two implementations: RDKit on this machine's workers (`NodeEngine.ts`: WebAssembly threads,
 * or processes of the native addon in `native/`), and a cluster of runners, each with its own workers (`cluster/`).
 */
import { Context, Schema } from "effect"
import type { Effect, Stream } from "effect"
import type { Canonicalized, DrawingSize, ProductChunk } from "./protocol.js"

/** A worker thread died or broke the protocol; the request it held is lost and the run cannot trust the pool. */
export class WorkerCrashed extends Schema.TaggedError<WorkerCrashed>()("WorkerCrashed", {
  workerId: Schema.Number,
  reason: Schema.String
}) {
  override get message(): string {
    return `RDKit worker ${this.workerId} crashed: ${this.reason}`
  }
}

/** What the engine tells the run's user as it happens (a runner of a cluster joined, left or was refused). */
export interface EngineNotice {
  readonly message: string
}

export interface EngineShape {
  /**
   * How many requests it takes at once now: fixed for worker threads; for a cluster, the live runners' workers and
   * a batch queued on each (0 while none is alive). The batches in flight follow it.
   */
  readonly capacity: () => number
  /** Why requests wait, for the progress line (a cluster with no runner alive), or undefined when they do not. */
  readonly waiting: () => string | undefined
  /** Notices for the run's log, in the order they happened. */
  readonly notices: Stream.Stream<EngineNotice>
  /** Who did the work, for the summary and the report. */
  readonly report: () => EngineReport
  readonly canonicalize: (smiles: ReadonlyArray<string>) => Effect.Effect<Canonicalized, WorkerCrashed>
  /** Molecules drawn by RDKit as SVG, for the report: those it could draw, by SMILES. Never fails the run. */
  readonly depict: (smiles: ReadonlyArray<string>, size: DrawingSize) => Effect.Effect<ReadonlyMap<string, string>>
  /**
   * Applies the rule set to each key and hands the products to `onChunk`, one bounded chunk at a time; the engine
   * produces the next chunk only while earlier ones are being handed on, so a slow consumer slows the engine.
   */
  readonly expand: <E, R>(
    keys: ReadonlyArray<string>,
    onChunk: (chunk: ProductChunk) => Effect.Effect<void, E, R>
  ) => Effect.Effect<void, WorkerCrashed | E, R>
}

/** One runner of a cluster run, as the coordinator saw it. */
export interface RunnerReport {
  /** `host:port` it serves on. */
  readonly address: string
  readonly workers: number
  /** Batches it finished for this run, and their molecules. */
  readonly batches: number
  readonly molecules: number
  /** Seconds from the start of its first batch to the end of its last. */
  readonly busySeconds: number
  readonly molPerSecond: number
  /** Batches it had started that were sent again elsewhere (it left), or that it started again. */
  readonly resent: number
  /** Why its batches were refused (another molexpand or RDKit version), if they were. */
  readonly refused: string | undefined
}

/** A runner joining, leaving or being refused, seconds after the run started. */
export interface RunnerEvent {
  readonly seconds: number
  readonly address: string
  readonly change: "joined" | "left" | "refused"
  readonly workers: number
}

export type EngineReport =
  | { readonly kind: "threads"; readonly workers: number; readonly rdkit: string }
  | {
    readonly kind: "cluster"
    /** The most workers the live runners had at once. */
    readonly workers: number
    readonly rdkit: string
    /** The cluster's database, without its password. */
    readonly cluster: string
    readonly runners: ReadonlyArray<RunnerReport>
    /** Batches sent again because a runner left or restarted them. */
    readonly resentBatches: number
    readonly events: ReadonlyArray<RunnerEvent>
  }

export class Engine extends Context.Service<Engine, EngineShape>()("molexpand/engine/Engine") {}
