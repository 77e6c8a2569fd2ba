/**
 * The writer's promise, for both Parquet libraries: whatever size a message has, neither buffer (products, reaction
 * edges) ever holds more than the flush interval and no row group is larger. Pins the seed pipeline's bug: one
 * 500,000-product message grew its buffer to 940,000 rows.
 */
import * as path from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Ref } from "effect"
import * as Mailbox from "../../src/actors/mailbox.js"
import type { ToWriter } from "../../src/actors/messages.js"
import { emptyStats } from "../../src/actors/stats.js"
import { flushRemainder, type PartWriter, runWriter, type WriterState } from "../../src/actors/writer.js"
import { openParquetSink } from "../../src/io/ParquetSink.js"
import { RowBuffer } from "../../src/io/rowBuffer.js"
import { productTable, reactionTable, type Rows, type Table } from "../../src/io/tables.js"
import { tempFolder } from "../support/cli.js"
import { readProducts, rowGroupSizes } from "../support/products.js"

const bigMessage = 500_000
const flushInterval = 2_000

const rows = (n: number) => ({
  smiles: Array.from({ length: n }, (_, i) => `C${"C".repeat(i % 7)}O${i}`),
  generation: new Array<number>(n).fill(1),
  parent: new Array<string>(n).fill("CO"),
  rootId: new Array<string>(n).fill("root"),
  rule: new Array<string>(n).fill("rule")
})

const edges = (n: number) => ({
  reactant: new Array<string>(n).fill("CO"),
  rule: new Array<string>(n).fill("rule"),
  product: Array.from({ length: n }, (_, i) => `C${"C".repeat(i % 7)}O${i}`),
  generation: new Array<number>(n).fill(1),
  coreactantsIn: new Array<string>(n).fill(""),
  coreactantsOut: new Array<string>(n).fill("")
})

describe.each(["hyparquet-writer", "parquetjs-lite"] as const)("writer with %s", (kind) => {
  const part = <R extends Rows>(table: Table<R>, file: string) =>
    Effect.map(openParquetSink(kind, table, file), (sink): PartWriter<R> => ({ table, sink, buffer: new RowBuffer(table), rowGroups: 0 }))

  it.live(`one message of ${bigMessage} products and as many edges is written in row groups of at most ${flushInterval}`, () =>
    Effect.gen(function*() {
      const folder = tempFolder("writer")
      const file = path.join(folder, "products.parquet")
      const edgeFile = path.join(folder, "reactions.parquet")
      const stats = emptyStats()
      const state: WriterState = {
        products: yield* part(productTable, file),
        reactions: yield* part(reactionTable, edgeFile),
        flushInterval: yield* Ref.make(flushInterval),
        stats,
        onFlush: () => undefined
      }
      const inbox = yield* Mailbox.make<ToWriter>(1)
      yield* inbox.send({ _tag: "Products", rows: rows(bigMessage), edges: edges(bigMessage) })
      yield* inbox.end
      yield* runWriter({ state, inbox, frontier: undefined })
      yield* flushRemainder(state)
      const committed = yield* state.products.sink.commit
      const committedEdges = yield* state.reactions!.sink.commit

      assert.strictEqual(committed.rows, bigMessage)
      assert.strictEqual(committedEdges.rows, bigMessage)
      assert.isAtMost(stats.maxBufferRows, flushInterval)
      assert.strictEqual(stats.flushes, 2 * bigMessage / flushInterval)
      for (const written of [file, edgeFile]) {
        const groups = rowGroupSizes(written)
        assert.strictEqual(groups.length, bigMessage / flushInterval)
        assert.isAtMost(Math.max(...groups), flushInterval)
      }
      const written = yield* Effect.promise(() => readProducts(file))
      assert.strictEqual(new Set(written.map((row) => row.smiles)).size, bigMessage)
    }).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer)))

  it.live("a flush interval shrunk during the run applies from the next message on", () =>
    Effect.gen(function*() {
      const file = path.join(tempFolder("writer"), "products.parquet")
      const state: WriterState = {
        products: yield* part(productTable, file),
        reactions: undefined,
        flushInterval: yield* Ref.make(1_000),
        stats: emptyStats(),
        onFlush: () => undefined
      }
      // Two writer runs over one buffer, as two generations: the interval changes between them.
      const first = yield* Mailbox.make<ToWriter>(1)
      yield* first.send({ _tag: "Products", rows: rows(2_500), edges: undefined })
      yield* first.end
      yield* runWriter({ state, inbox: first, frontier: undefined })
      yield* Ref.set(state.flushInterval, 300)
      const second = yield* Mailbox.make<ToWriter>(1)
      yield* second.send({ _tag: "Products", rows: rows(1_000), edges: undefined })
      yield* second.end
      yield* runWriter({ state, inbox: second, frontier: undefined })
      yield* flushRemainder(state)
      yield* state.products.sink.commit
      const groups = rowGroupSizes(file)
      assert.deepStrictEqual(groups.slice(0, 2), [1_000, 1_000])
      assert.isTrue(groups.slice(2).every((size) => size <= 300))
      assert.strictEqual(groups.reduce((a, b) => a + b, 0), 3_500)
    }).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer)))
})
