/**
 * What a run tells the outside world while it works: one typed event stream, rendered by the CLI as a live line,
 * plain lines or JSON lines, and handed to library callers as they are. Events are facts already counted elsewhere;
 * emitting one never changes the run.
 */
import type { GovernorEvent } from "../governor/Governor.js"
import type { Summary } from "../summary.js"

export interface ProgressSnapshot {
  readonly generation: number
  readonly generations: number
  /** Molecules of this generation's source handled so far (input lines in generation 0). */
  readonly done: number
  /** How many there are, when known (a line count of the input, or the previous generation's products). */
  readonly total: number | undefined
  readonly molPerSecond: number
  readonly products: number
  readonly systemPercent: number | undefined
  readonly targetPercent: number
  readonly inFlight: number
  readonly paused: boolean
  /** Why the engine cannot take work now (a cluster with no runner alive), when it cannot. */
  readonly waiting: string | undefined
  /** Seconds until this generation ends at the current rate, when the total is known. */
  readonly etaSeconds: number | undefined
}

export type RunEvent =
  | {
    readonly type: "start"
    readonly seconds: number
    readonly input: string
    readonly rules: string
    readonly generations: number
    /** The engine's capacity at the start: worker threads, or the cluster's live runners' workers. */
    readonly workers: number
    /** Who does the work: `threads`, or `cluster` (runners fetch nothing from the coordinator but their batches). */
    readonly engine: "threads" | "cluster"
    /** RDKit's version and build (`--engine`). */
    readonly rdkit: string
    readonly resumed: boolean
  }
  | ({ readonly type: "progress"; readonly seconds: number } & ProgressSnapshot)
  | { readonly type: "flush"; readonly seconds: number; readonly table: string; readonly rows: number; readonly flushInterval: number; readonly rssBefore: number; readonly rssAfter: number }
  | ({ readonly type: "decision"; readonly message: string } & GovernorEvent)
  | { readonly type: "warning"; readonly seconds: number; readonly message: string }
  /** Something the engine noticed (a cluster's runner joined, left or was refused). */
  | { readonly type: "engine"; readonly seconds: number; readonly message: string }
  | { readonly type: "checkpoint"; readonly seconds: number; readonly count: number; readonly generation: number; readonly consumed: number; readonly parts: number }
  | { readonly type: "end"; readonly seconds: number; readonly outcome: "complete" | "stopped"; readonly summary: Summary | undefined }

export type EventSink = (event: RunEvent) => void

export const ignoreEvents: EventSink = () => undefined
