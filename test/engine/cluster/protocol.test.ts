/** A product chunk as it crosses between a runner and the coordinator: everything the deduper needs, unchanged. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { ChunkPiece, chunkToPiece, pieceToChunk, ruleSetPayload, RuleSetSchema } from "../../../src/engine/cluster/protocol.js"
import { loadRuleSet, ruleSetDigest } from "../../../src/engine/rules.js"
import type { KeyList, ProductChunk } from "../../../src/engine/protocol.js"

const textOf = (keys: KeyList) => Array.from({ length: keys.length }, (_, i) => keys.at(i))

const chunkOf = (keys: ReadonlyArray<string>): ProductChunk => ({
  _tag: "Chunk",
  requestId: 7,
  keys,
  hashes: Uint32Array.from(keys.flatMap((_, i) => [i * 3 + 1, 0xffffffff - i])),
  parents: Uint32Array.from(keys.map((_, i) => i % 2)),
  rules: Uint16Array.from(keys.map((_, i) => 65_535 - i)),
  verdicts: Uint8Array.from(keys.map((_, i) => i % 4)),
  candidates: 12,
  invalidCandidates: 2,
  failures: [{ index: 1, reason: "RDKit failed on this molecule" }],
  last: true
})

describe("chunk pieces", () => {
  it.each([
    ["no products", []],
    ["one product", ["Oc1ccccc1"]],
    ["keys with brackets, charges and non-ASCII ids", ["C[C@H](N)C(=O)[O-]", "[13CH3]O", "c1ccc2c(c1)oc1ccccc12", "Oé"]]
  ])("carry %s unchanged", (_, keys) => {
    const chunk = chunkOf(keys)
    const piece = Schema.decodeUnknownSync(ChunkPiece)(chunkToPiece(chunk, 3))
    const back = pieceToChunk(piece)
    assert.strictEqual(piece.seq, 3)
    assert.deepStrictEqual(textOf(back.keys), keys)
    assert.deepStrictEqual([...back.hashes], [...chunk.hashes])
    assert.deepStrictEqual([...back.parents], [...chunk.parents])
    assert.deepStrictEqual([...back.rules], [...chunk.rules])
    assert.deepStrictEqual([...back.verdicts], [...chunk.verdicts])
    assert.deepStrictEqual(back.failures, chunk.failures)
    assert.strictEqual(back.candidates, 12)
    assert.strictEqual(back.invalidCandidates, 2)
    assert.isTrue(back.last)
  })

  it("reads columns that arrive at any offset of a larger buffer", () => {
    const piece = chunkToPiece(chunkOf(["CCO", "CCN"]), 0)
    const shifted = (bytes: Uint8Array) => {
      const larger = new Uint8Array(bytes.length + 3)
      larger.set(bytes, 3)
      return larger.subarray(3)
    }
    const back = pieceToChunk({ ...piece, hashes: shifted(piece.hashes), parents: shifted(piece.parents), rules: shifted(piece.rules) })
    assert.deepStrictEqual([...back.hashes], [1, 0xffffffff, 4, 0xfffffffe])
    assert.deepStrictEqual([...back.parents], [0, 1])
    assert.deepStrictEqual([...back.rules], [65_535, 65_534])
  })
})

describe("rule set payloads", () => {
  it.effect.each(["polyphenol-phase2", "mine-enzymatic-full"])("carry %s whole: slots, preparation and coreactants, so its digest holds", (name) =>
    Effect.gen(function*() {
      const ruleSet = yield* loadRuleSet(name)
      const travelled = Schema.decodeUnknownSync(RuleSetSchema)(JSON.parse(JSON.stringify(Schema.encodeSync(RuleSetSchema)(ruleSetPayload(ruleSet)))))
      assert.strictEqual(ruleSetDigest(travelled), ruleSetDigest(ruleSet))
      assert.strictEqual(travelled.coreactants?.entries.length, ruleSet.coreactants?.entries.length)
    }))
})
