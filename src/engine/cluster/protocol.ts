/**
 * What a coordinator and its runners say to each other: one Effect Cluster entity, `Expander`, sharded over the
 * runners, with two calls. A batch is pure (rule set and molecules in, keys out), so any runner can take any batch,
 * and a batch sent again gives the same answer.
 *
 * - `canonicalize`: input SMILES in, one key (or a reason) each.
 * - `expand`: molecules in, a stream out: `Started` (which runner took it), then `Chunk`s of at most `chunkSize`
 *   products, numbered from 0. When a runner is lost mid-batch, Effect Cluster sends the call again to the shard's
 *   next owner and the stream starts over with a new `Started`; the coordinator takes each chunk number once, so no
 *   product is lost or doubled.
 *
 * Both carry the coordinator's versions (a runner of other versions refuses the batch, since it would write other
 * keys) and its rule set by content hash: the rules themselves travel only when a runner answers `RuleSetUnknown`.
 * Product columns travel as bytes (little-endian, as on every platform Node supports): a hash, a parent index
 * and a rule index per product, not an object each.
 */
import { Schema } from "effect"
import { Entity } from "effect/cluster"
import { Rpc } from "effect/rpc"
import type { Canonicalized, EngineOptions, ProductChunk } from "../protocol.js"
import type { RuleSet } from "../rules.js"
import { packKeys, PackedKeys } from "./packedKeys.js"

const SlotsSchema = Schema.Array(Schema.String)

export const RuleSetSchema = Schema.Struct({
  source: Schema.String,
  rules: Schema.Array(Schema.Struct({
    name: Schema.String,
    smarts: Schema.String,
    line: Schema.Number,
    slots: Schema.optionalKey(Schema.Struct({ reactants: SlotsSchema, products: SlotsSchema }))
  })),
  explicitH: Schema.Boolean,
  kekulize: Schema.Boolean,
  coreactants: Schema.optionalKey(Schema.Struct({
    source: Schema.String,
    entries: Schema.Array(Schema.Struct({ id: Schema.String, name: Schema.String, smiles: Schema.String, line: Schema.Number }))
  }))
}) satisfies Schema.Codec<RuleSet, RuleSet>

/** What a runner needs besides the molecules; its worker threads are kept per distinct value of this. */
export const EngineOptionsSchema = Schema.Struct({
  maxProductSets: Schema.Number,
  edges: Schema.Boolean,
  filters: Schema.Struct({
    maxHeavyAtoms: Schema.optionalKey(Schema.Number),
    maxMw: Schema.optionalKey(Schema.Number),
    elements: Schema.optionalKey(Schema.Array(Schema.String))
  }),
  chunkSize: Schema.Number,
  moleculeTimeoutMs: Schema.Number
}) satisfies Schema.Codec<EngineOptions, EngineOptions>

export const VersionsSchema = Schema.Struct({ molexpand: Schema.String, rdkit: Schema.String })

/** Every call's header: who asks (run and batch), with which versions, rules and engine options. */
const header = {
  run: Schema.String,
  batch: Schema.Number,
  versions: VersionsSchema,
  ruleSetHash: Schema.String,
  /** Sent only after the runner answered `RuleSetUnknown`. */
  ruleSet: Schema.optionalKey(RuleSetSchema),
  options: EngineOptionsSchema
}
export type BatchHeader = Schema.Struct<typeof header>["Type"]

/** The runner runs other versions of molexpand or RDKit than the coordinator: its keys would differ. */
export class VersionMismatch extends Schema.TaggedError<VersionMismatch>()("VersionMismatch", {
  runner: Schema.String,
  runnerVersions: VersionsSchema,
  coordinatorVersions: VersionsSchema
}) {
  override get message(): string {
    const { runnerVersions: r, coordinatorVersions: c } = this
    return `runner ${this.runner} refused: it runs molexpand ${r.molexpand} with RDKit ${r.rdkit}, this coordinator molexpand ${c.molexpand} with RDKit ${c.rdkit}`
  }
}

/** The runner has not compiled this rule set yet: send it along. */
export class RuleSetUnknown extends Schema.TaggedError<RuleSetUnknown>()("RuleSetUnknown", {
  runner: Schema.String,
  ruleSetHash: Schema.String
}) {}

/** The runner could not start RDKit worker threads for the rule set, or its pool broke: it cannot take batches. */
export class RunnerBroken extends Schema.TaggedError<RunnerBroken>()("RunnerBroken", {
  runner: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `runner ${this.runner} cannot take batches: ${this.reason}`
  }
}

export const BatchRefusedSchema = Schema.Union([VersionMismatch, RuleSetUnknown, RunnerBroken])
export type BatchRefused = VersionMismatch | RuleSetUnknown | RunnerBroken

export const StartedPiece = Schema.TaggedStruct("Started", { runner: Schema.String, workers: Schema.Number })

export const ChunkPiece = Schema.TaggedStruct("Chunk", {
  seq: Schema.Number,
  /** The product keys, UTF-8, each ended by a newline (a SMILES has none): one value to decode, not one per key. */
  keys: Schema.Uint8Array,
  /** Two uint32 per key: the key's 64-bit hash, as the deduper takes it. */
  hashes: Schema.Uint8Array,
  /** One uint32 per key: its parent's index in the batch. */
  parents: Schema.Uint8Array,
  /** One uint16 per key: its rule's index in the rule set. */
  rules: Schema.Uint8Array,
  /** One byte per product: its filter verdict. */
  verdicts: Schema.Uint8Array,
  candidates: Schema.Number,
  invalidCandidates: Schema.Number,
  failures: Schema.Array(Schema.Struct({ index: Schema.Number, reason: Schema.String })),
  last: Schema.Boolean
})
export type ChunkPiece = typeof ChunkPiece.Type

export const Piece = Schema.Union([StartedPiece, ChunkPiece])
export type Piece = typeof Piece.Type

export const CanonicalizedPiece = Schema.Struct({
  runner: Schema.String,
  workers: Schema.Number,
  keys: Schema.Array(Schema.NullOr(Schema.String)),
  reasons: Schema.Array(Schema.NullOr(Schema.String)),
  hashes: Schema.Uint8Array
})
export type CanonicalizedPiece = typeof CanonicalizedPiece.Type

export const Expand = Rpc.make("expand", {
  payload: { ...header, keys: Schema.Array(Schema.String) },
  success: Piece,
  error: BatchRefusedSchema,
  stream: true
})

export const Canonicalize = Rpc.make("canonicalize", {
  payload: { ...header, smiles: Schema.Array(Schema.String) },
  success: CanonicalizedPiece,
  error: BatchRefusedSchema
})

export const Expander = Entity.make("MolexpandExpander", [Expand, Canonicalize])

/** Two uint32 per key. */
const BYTES_PER_HASH = 2 * Uint32Array.BYTES_PER_ELEMENT

/** The bytes of a typed array, without copying. */
const bytesOf = (array: Uint32Array | Uint16Array): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength)

/** A typed array over a copy of `bytes`: what arrives may sit at any offset of a larger buffer. */
const uint32sOf = (bytes: Uint8Array): Uint32Array => new Uint32Array(Uint8Array.prototype.slice.call(bytes).buffer)
const uint16sOf = (bytes: Uint8Array): Uint16Array => new Uint16Array(Uint8Array.prototype.slice.call(bytes).buffer)

export const chunkToPiece = (chunk: ProductChunk, seq: number): ChunkPiece => ({
  _tag: "Chunk",
  seq,
  keys: packKeys(chunk.keys),
  hashes: bytesOf(chunk.hashes),
  parents: bytesOf(chunk.parents),
  rules: bytesOf(chunk.rules),
  verdicts: chunk.verdicts,
  candidates: chunk.candidates,
  invalidCandidates: chunk.invalidCandidates,
  failures: chunk.failures,
  last: chunk.last
})

export const pieceToChunk = (piece: ChunkPiece): ProductChunk => ({
  _tag: "Chunk",
  requestId: piece.seq,
  keys: new PackedKeys(piece.keys, piece.hashes.byteLength / BYTES_PER_HASH),
  hashes: uint32sOf(piece.hashes),
  parents: uint32sOf(piece.parents),
  rules: uint16sOf(piece.rules),
  verdicts: piece.verdicts,
  candidates: piece.candidates,
  invalidCandidates: piece.invalidCandidates,
  failures: piece.failures,
  last: piece.last
})

export const canonicalizedToPiece = (answer: Canonicalized, runner: { readonly runner: string; readonly workers: number }) => ({
  ...runner,
  keys: answer.keys,
  reasons: answer.reasons,
  hashes: bytesOf(answer.hashes)
})

export const pieceToCanonicalized = (piece: CanonicalizedPiece): Canonicalized => ({
  _tag: "Canonicalized",
  requestId: 0,
  keys: piece.keys,
  reasons: piece.reasons,
  hashes: uint32sOf(piece.hashes)
})

/** The rule set as it travels: what its digest covers (rules with their slots, preparation, coreactants), no more. */
export const ruleSetPayload = (ruleSet: RuleSet): typeof RuleSetSchema.Type => ({
  source: ruleSet.source,
  rules: ruleSet.rules.map(({ name, smarts, line, slots }) => ({ name, smarts, line, ...(slots === undefined ? {} : { slots }) })),
  explicitH: ruleSet.explicitH,
  kekulize: ruleSet.kekulize,
  ...(ruleSet.coreactants === undefined ? {} : { coreactants: ruleSet.coreactants })
})
