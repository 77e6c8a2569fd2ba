/**
 * What the coordinator's main thread and each of its cluster client threads (`clientThread.ts`) say to each other.
 * A client thread holds all of Effect Cluster (sockets, RPC, the registry of runners); the main thread holds the
 * pipeline. Chunks cross as the runners sent them, bytes, and only the keys the deduper keeps are ever decoded.
 */
import type { ChosenEngine } from "../choice.js"
import type { EngineOptions } from "../protocol.js"
import type { RuleSet } from "../rules.js"
import type { ClientSeat } from "./client.js"
import type { ClusterReport } from "./clientReports.js"
import type { CanonicalizedPiece, ChunkPiece } from "./protocol.js"

/** The thread's `workerData`. The database's password travels in the clear, inside this process only. */
export interface ClientStart {
  readonly db: {
    readonly host: string
    readonly port: number
    readonly database: string
    readonly username: string
    readonly password: string | undefined
    readonly displayUrl: string
  }
  readonly ruleSet: RuleSet
  readonly options: EngineOptions
  readonly engine: ChosenEngine
  readonly seat: ClientSeat
}

/** What the pipeline reads of the engine at any moment, kept on the main thread as the client last said it. */
export interface ClientState {
  readonly capacity: number
  readonly waiting: string | undefined
  readonly report: ClusterReport
}

export type ToClient =
  | { readonly _tag: "Expand"; readonly id: number; readonly keys: ReadonlyArray<string> }
  /** The main thread handed on a chunk of request `id`: the next may come. */
  | { readonly _tag: "Taken"; readonly id: number }
  | { readonly _tag: "Canonicalize"; readonly id: number; readonly smiles: ReadonlyArray<string> }
  /** The main thread stopped waiting for request `id`. */
  | { readonly _tag: "Interrupt"; readonly id: number }

export type FromClient =
  | { readonly _tag: "Ready"; readonly state: ClientState }
  /** The client stopped: before `Ready`, the cluster could not be joined; after it, the client broke. */
  | { readonly _tag: "Failed"; readonly reason: string }
  | { readonly _tag: "State"; readonly state: ClientState }
  | { readonly _tag: "Notice"; readonly message: string }
  | { readonly _tag: "Chunk"; readonly id: number; readonly piece: ChunkPiece }
  /** Sent after the state that counts the batch, so that a report read after it counts it too. */
  | { readonly _tag: "Expanded"; readonly id: number }
  | { readonly _tag: "Canonicalized"; readonly id: number; readonly piece: CanonicalizedPiece }
