/**
 * The worker's side of an `Expand` request, with chemistry given as a table: which keys and rules leave the worker,
 * in which chunks, and what counts go with them.
 */
import { describe, expect, it } from "vitest"
import { makeKeyHasher } from "../../src/dedup/keyHash.js"
import type { MoleculeProducts } from "../../src/engine/chemistry.js"
import type { FromWorker, ProductChunk, ToWorker, WorkerSettings } from "../../src/engine/protocol.js"
import { serve, type WorkerChannel, type WorkerChemistry } from "../../src/engine/workerLoop.js"

/** Each parent's products as (key, rule) pairs, and its candidates (at least its products). */
type Table = Record<string, { readonly products: ReadonlyArray<readonly [string, number]>; readonly candidates: number }>

const chemistryOf = (table: Table): WorkerChemistry => ({
  canonicalize: (smiles) => ({ ok: true, key: smiles }) as ReturnType<WorkerChemistry["canonicalize"]>,
  expand: (key): MoleculeProducts => {
    const entry = table[key]!
    return { keys: entry.products.map(([k]) => k), rules: entry.products.map(([, r]) => r), candidates: entry.candidates, invalidCandidates: 0 }
  },
  judge: () => 0,
  draw: () => null
})

/** Serves the requests one after the other on one worker, granting a credit for every chunk; each one's chunks. */
const serveAll = async (table: Table, requests: ReadonlyArray<ReadonlyArray<string>>, options: { readonly edges: boolean; readonly chunkSize: number }) => {
  const hasher = await makeKeyHasher()
  let handler: (message: ToWorker) => void = () => undefined
  let chunks: Array<ProductChunk> = []
  let answered: () => void = () => undefined
  const channel: WorkerChannel = {
    send: (message: FromWorker) => {
      if (message._tag !== "Chunk") return
      chunks.push(message)
      if (message.last) answered()
      else queueMicrotask(() => handler({ _tag: "Credit", requestId: message.requestId }))
    },
    listen: (listener) => (handler = listener),
    busy: () => undefined,
    idle: () => undefined,
    exit: () => undefined
  }
  serve(channel, { edges: options.edges, chunkSize: options.chunkSize, credits: 1 } as WorkerSettings, chemistryOf(table), hasher)
  const answers = []
  for (const [n, parents] of requests.entries()) {
    chunks = []
    const done = new Promise<void>((resolve) => (answered = resolve))
    handler({ _tag: "Expand", requestId: n + 7, keys: parents })
    await done
    const rows = chunks.flatMap((chunk) => Array.from({ length: chunk.keys.length }, (_, i) => [chunk.keys.at(i)!, parents[chunk.parents[i]!]!, chunk.rules[i]!] as const))
    answers.push({ chunks, rows, candidates: chunks.reduce((sum, chunk) => sum + chunk.candidates, 0) })
  }
  return answers
}

const expand = async (table: Table, parents: ReadonlyArray<string>, options: { readonly edges: boolean; readonly chunkSize: number }) =>
  (await serveAll(table, [parents], options))[0]!

/** Siblings of one generation: each gives the other's product by another rule, as A then B is B then A. */
const siblings: Table = {
  A: { products: [["AB", 1], ["A2", 0]], candidates: 3 },
  B: { products: [["AB", 0], ["B2", 1]], candidates: 2 },
  C: { products: [["A2", 1], ["AB", 1], ["C2", 0]], candidates: 4 }
}

describe("a worker's Expand answer", () => {
  it("without edges, gives each key once per request, with the first molecule and rule that gave it", async () => {
    const { rows, candidates } = await expand(siblings, ["A", "B", "C"], { edges: false, chunkSize: 2 })
    expect(rows).toEqual([["AB", "A", 1], ["A2", "A", 0], ["B2", "B", 1], ["C2", "C", 0]])
    expect(candidates).toBe(9)
  })

  it("with edges, gives every (molecule, rule, key) the chemistry found", async () => {
    const { rows, candidates } = await expand(siblings, ["A", "B", "C"], { edges: true, chunkSize: 2 })
    expect(rows).toEqual([["AB", "A", 1], ["A2", "A", 0], ["AB", "B", 0], ["B2", "B", 1], ["A2", "C", 1], ["AB", "C", 1], ["C2", "C", 0]])
    expect(candidates).toBe(9)
  })

  it("keeps chunks within the chunk size, numbered to one request, the last one marked", async () => {
    const { chunks } = await expand(siblings, ["A", "B", "C"], { edges: true, chunkSize: 3 })
    expect(chunks.map((chunk) => chunk.keys.length)).toEqual([3, 3, 1])
    expect(chunks.map((chunk) => chunk.last)).toEqual([false, false, true])
    expect(new Set(chunks.map((chunk) => chunk.requestId))).toEqual(new Set([7]))
  })

  it("forgets a request's keys at the next: a key is new again to each request", async () => {
    const [first, second] = await serveAll(siblings, [["A", "B"], ["C"]], { edges: false, chunkSize: 10 })
    expect(first!.rows.map(([key]) => key)).toEqual(["AB", "A2", "B2"])
    expect(second!.rows.map(([key]) => key)).toEqual(["A2", "AB", "C2"])
    expect(new Set(second!.chunks.map((chunk) => chunk.requestId))).toEqual(new Set([8]))
  })
})
