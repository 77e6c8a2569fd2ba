/**
 * Both Parquet sinks, same suite: row groups as cut by the RowBuffer, read back by DuckDB and hyparquet, nothing left
 * behind when the scope closes early or the file system fails. Every file lives in a temporary folder that is
 * deleted at the end; an interrupted run leaves that folder under the OS temp directory.
 */
import { DuckDBInstance } from "@duckdb/node-api"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet"
import { ByteWriter, ParquetWriter } from "hyparquet-writer"
import { createHash } from "node:crypto"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll } from "vitest"
import type { ParquetWriterKind } from "../../src/config.js"
import { ParquetWriteError } from "../../src/io/errors.js"
import { schemaOf } from "../../src/io/hyparquetSink.js"
import { type CommittedFile, openParquetSink } from "../../src/io/ParquetSink.js"
import { productTable, type ProductRows } from "../../src/io/tables.js"
import { RowBuffer } from "../../src/io/rowBuffer.js"

const KINDS: ReadonlyArray<ParquetWriterKind> = ["hyparquet-writer", "parquetjs-lite"]
const PRODUCTS = 500_000
const FLUSH_INTERVAL = 2_000
const EXPECTED_ROW_GROUPS = PRODUCTS / FLUSH_INTERVAL

/** Parents shaped like the polyphenol inputs; products add a substituent chain that encodes their number. */
const PARENTS = [
  "O=C1C(O)=C(Oc2cc(O)cc(O)c12)c1ccc(O)c(O)c1",
  "Oc1cc(O)c2c(c1)O[C@H](c1ccc(O)c(O)c1)[C@H](O)C2",
  "OC(=O)c1cc(O)c(O)c(O)c1",
  "Oc1ccc(cc1)/C=C/c1cc(O)cc(O)c1",
  "OC(=O)/C=C/c1ccc(O)c(O)c1",
  "O=c1oc2c(O)c(O)cc3c(=O)oc4c(O)c(O)cc1c4c23"
]
/** Each starts with `C(` and ends with `)`, so a chain of them spells exactly one number. */
const LINKS = ["C(C)", "C(O)", "C(N)", "C(=O)", "C(F)", "C(Cl)", "C(OC)", "C(CC)"]
const RULES = ["glucuronidation", "sulfation", "O-methylation", "glycine-conjugation", "dehydroxylation", "reduction"]
const CHAIN_LINKS = Math.ceil(Math.log(PRODUCTS) / Math.log(LINKS.length))
const ROOTS = 5_000

const productRows = (count: number): ProductRows => {
  const smiles: string[] = []
  const generation: number[] = []
  const parent: string[] = []
  const rootId: string[] = []
  const rule: string[] = []
  for (let i = 0; i < count; i++) {
    let chain = ""
    for (let n = i, k = 0; k < CHAIN_LINKS; k++, n = Math.floor(n / LINKS.length)) chain += LINKS[n % LINKS.length]
    const from = PARENTS[i % PARENTS.length]!
    smiles.push(`${chain}${from}`)
    generation.push(1 + (i % 2))
    parent.push(from)
    rootId.push(`NP${String(i % ROOTS).padStart(6, "0")}`)
    rule.push(RULES[i % RULES.length]!)
  }
  return { smiles, generation, parent, rootId, rule }
}

const INPUT = productRows(PRODUCTS)

/** SHA-256 of the rows as tab-separated lines joined by newlines: what DuckDB's `string_agg` query below computes. */
const INPUT_DIGEST = (() => {
  const hash = createHash("sha256")
  for (let i = 0; i < PRODUCTS; i++) {
    const line = [INPUT.smiles[i], INPUT.generation[i], INPUT.parent[i], INPUT.rootId[i], INPUT.rule[i]].join("\t")
    hash.update(i === 0 ? line : `\n${line}`)
  }
  return hash.digest("hex")
})()

/** The writer actor's path: one message through the RowBuffer, each full group a row group, then the remainder. */
const writeThroughBuffer = (kind: ParquetWriterKind, finalPath: string, rows: ProductRows) =>
  Effect.scoped(
    Effect.gen(function* () {
      const sink = yield* openParquetSink(kind, productTable, finalPath)
      const buffer = new RowBuffer(productTable)
      for (const group of buffer.append(rows, FLUSH_INTERVAL)) yield* sink.writeRowGroup(group)
      const rest = buffer.takeRemainder()
      if (rest !== undefined) yield* sink.writeRowGroup(rest)
      const committed = yield* sink.commit
      return { committed, maxRows: buffer.maxRows }
    })
  )

const slice = (rows: ProductRows, from: number, to: number): ProductRows => ({
  smiles: rows.smiles.slice(from, to),
  generation: rows.generation.slice(from, to),
  parent: rows.parent.slice(from, to),
  rootId: rows.rootId.slice(from, to),
  rule: rows.rule.slice(from, to)
})

const promise = <A>(run: () => Promise<A>) => Effect.promise(run)

const query = (sql: string) =>
  promise(async () => {
    const instance = await DuckDBInstance.create(":memory:")
    const connection = await instance.connect()
    try {
      return (await connection.runAndReadAll(sql)).getRowObjectsJS()
    } finally {
      connection.closeSync()
      instance.closeSync()
    }
  })

/** Fails the test with the row and column of the first difference, instead of a multi-megabyte diff. */
const assertRowsEqual = (actual: ReadonlyArray<Record<string, unknown>>, expected: ProductRows, reader: string) => {
  assert.strictEqual(actual.length, expected.smiles.length, `${reader} row count`)
  actual.forEach((row, i) => {
    const want = [expected.smiles[i], expected.generation[i], expected.parent[i], expected.rootId[i], expected.rule[i]]
    const got = [row["smiles"], row["generation"], row["parent"], row["root_id"], row["rule"]]
    if (got.some((value, c) => value !== want[c])) {
      assert.deepStrictEqual(got, want, `${reader} row ${i}`)
    }
  })
}

const readFolder = (folder: string) => promise(() => fs.readdir(folder))

describe.each(KINDS)("%s sink", (kind) => layer(NodeFileSystem.layer)("on Node's file system", (it) => {
  let folder = ""
  let finalPath = ""
  let written: { readonly committed: CommittedFile; readonly maxRows: number }

  beforeAll(async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), "molexpand-sink-"))
    finalPath = path.join(folder, "products.parquet")
    written = await Effect.runPromise(writeThroughBuffer(kind, finalPath, INPUT).pipe(Effect.provide(NodeFileSystem.layer)))
  })

  afterAll(() => fs.rm(folder, { recursive: true, force: true }))

  /** A fresh, empty folder per test, so that "nothing left behind" is checked on that test's files alone. */
  const emptyFolder = () => promise(() => fs.mkdtemp(path.join(folder, "case-")))

  it.effect("one 500,000-product message becomes 250 row groups of at most 2,000 rows", () =>
    Effect.gen(function* () {
      const metadata = yield* promise(async () => parquetMetadataAsync(await asyncBufferFromFile(finalPath)))
      assert.strictEqual(metadata.row_groups.length, EXPECTED_ROW_GROUPS)
      for (const group of metadata.row_groups) assert.isAtMost(Number(group.num_rows), FLUSH_INTERVAL)
      assert.strictEqual(Number(metadata.num_rows), PRODUCTS)
      assert.isAtMost(written.maxRows, FLUSH_INTERVAL)
      const codecs = new Set(metadata.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)))
      assert.deepStrictEqual([...codecs], ["SNAPPY"])
      const { size } = yield* promise(() => fs.stat(finalPath))
      assert.deepStrictEqual(written.committed, {
        path: finalPath,
        rows: PRODUCTS,
        rowGroups: EXPECTED_ROW_GROUPS,
        bytes: size
      })
      // The commit renamed the temporary file away: only the final file is in the folder.
      assert.deepStrictEqual(yield* readFolder(folder), ["products.parquet"])
    })
  )

  if (kind === "hyparquet-writer") {
    it.effect("encoding in its own thread changes no byte: the file is hyparquet-writer's own in one thread", () =>
      Effect.gen(function* () {
        const inOneThread = new ByteWriter()
        const parquet = new ParquetWriter({ writer: inOneThread, schema: schemaOf(productTable), codec: "SNAPPY" })
        for (let from = 0; from < PRODUCTS; from += FLUSH_INTERVAL) {
          const group = slice(INPUT, from, Math.min(PRODUCTS, from + FLUSH_INTERVAL))
          parquet.write({
            columnData: productTable.columns.map((column) => ({ name: column.name, data: group[column.field] as Array<string | number> })),
            rowGroupSize: FLUSH_INTERVAL
          })
        }
        parquet.finish()
        const file = yield* promise(() => fs.readFile(finalPath))
        assert.strictEqual(file.length, inOneThread.offset)
        assert.isTrue(file.equals(inOneThread.getBytes()), "the sink's file and the one-thread encoding differ")
      })
    )
  }

  it.effect("DuckDB and hyparquet read back the same rows, all distinct, with the declared types", () =>
    Effect.gen(function* () {
      const sql = `read_parquet('${finalPath}', file_row_number = true)`
      const [counts] = yield* query(`select count(*) as n, count(distinct smiles) as d from ${sql}`)
      assert.deepStrictEqual(counts, { n: BigInt(PRODUCTS), d: BigInt(PRODUCTS) })

      const described = yield* query(`describe select smiles, generation, parent, root_id, rule from ${sql}`)
      assert.deepStrictEqual(
        described.map((c) => [c["column_name"], c["column_type"]]),
        [
          ["smiles", "VARCHAR"],
          ["generation", "INTEGER"],
          ["parent", "VARCHAR"],
          ["root_id", "VARCHAR"],
          ["rule", "VARCHAR"]
        ]
      )
      const schema = yield* query(
        `select name, type, converted_type, logical_type, repetition_type from parquet_schema('${finalPath}') where type is not null`
      )
      assert.deepStrictEqual(
        schema.map((c) => [c["name"], c["type"], c["converted_type"], c["repetition_type"]]),
        [
          ["smiles", "BYTE_ARRAY", "UTF8", "REQUIRED"],
          ["generation", "INT32", null, "REQUIRED"],
          ["parent", "BYTE_ARRAY", "UTF8", "REQUIRED"],
          ["root_id", "BYTE_ARRAY", "UTF8", "REQUIRED"],
          ["rule", "BYTE_ARRAY", "UTF8", "REQUIRED"]
        ]
      )
      // parquetjs-lite predates logical types and writes only the (equivalent) UTF8 converted type.
      assert.deepStrictEqual(
        schema.map((c) => c["logical_type"]),
        kind === "hyparquet-writer" ? ["StringType()", null, "StringType()", "StringType()", "StringType()"] : [null, null, null, null, null]
      )

      // Every row, in order, as one digest: converting 500,000 rows to JS objects would take DuckDB seconds.
      const [duckDigest] = yield* query(
        `select sha256(string_agg(concat_ws(chr(9), smiles, generation, parent, root_id, rule), chr(10) order by file_row_number)) as digest from ${sql}`
      )
      assert.strictEqual(duckDigest?.["digest"], INPUT_DIGEST, "DuckDB reads back every row, in order")
      const hyparquetRows = yield* promise(async () => parquetReadObjects({ file: await asyncBufferFromFile(finalPath) }))
      assertRowsEqual(hyparquetRows, INPUT, "hyparquet")
    })
  )

  it.effect("closing the scope before commit leaves no file at the final path and no temporary file", () =>
    Effect.gen(function* () {
      const case1 = yield* emptyFolder()
      yield* Effect.scoped(
        Effect.gen(function* () {
          const sink = yield* openParquetSink(kind, productTable, path.join(case1, "abandoned.parquet"))
          yield* sink.writeRowGroup(slice(INPUT, 0, FLUSH_INTERVAL))
          assert.strictEqual((yield* readFolder(case1)).length, 1, "the temporary file exists while writing")
        })
      )
      assert.deepStrictEqual(yield* readFolder(case1), [])

      const case2 = yield* emptyFolder()
      const started = yield* Deferred.make<void>()
      const fiber = yield* Effect.scoped(
        Effect.gen(function* () {
          const sink = yield* openParquetSink(kind, productTable, path.join(case2, "interrupted.parquet"))
          yield* sink.writeRowGroup(slice(INPUT, 0, FLUSH_INTERVAL))
          yield* Deferred.succeed(started, undefined)
          return yield* Effect.never
        })
      ).pipe(Effect.forkChild)
      yield* Deferred.await(started)
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(yield* readFolder(case2), [])
    })
  )

  it.effect("an interruption in the middle of a row group waits for it, then removes the temporary file", () =>
    Effect.gen(function* () {
      const case3 = yield* emptyFolder()
      const opened = yield* Deferred.make<void>()
      const fiber = yield* Effect.scoped(
        Effect.gen(function* () {
          const sink = yield* openParquetSink(kind, productTable, path.join(case3, "interrupted.parquet"))
          yield* Deferred.succeed(opened, undefined)
          yield* sink.writeRowGroup(slice(INPUT, 0, 10 * FLUSH_INTERVAL))
          return yield* sink.commit
        })
      ).pipe(Effect.forkChild({ startImmediately: true }))
      yield* Deferred.await(opened)
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(yield* readFolder(case3), [])
    })
  )

  it.effect("a file in a folder that does not exist fails with ParquetWriteError carrying the path", () =>
    Effect.gen(function* () {
      const target = path.join(folder, "no-such-folder", "products.parquet")
      const error = yield* Effect.scoped(openParquetSink(kind, productTable, target)).pipe(Effect.flip)
      assert.instanceOf(error, ParquetWriteError)
      assert.strictEqual(error.path, target)
      assert.include(error.message, target)
      assert.include(error.message, "ENOENT")
    })
  )

  it.effect("a folder removed while writing makes the commit fail with ParquetWriteError, leaving nothing", () =>
    Effect.gen(function* () {
      const case4 = yield* emptyFolder()
      const target = path.join(case4, "products.parquet")
      const error = yield* Effect.scoped(
        Effect.gen(function* () {
          const sink = yield* openParquetSink(kind, productTable, target)
          yield* sink.writeRowGroup(slice(INPUT, 0, FLUSH_INTERVAL))
          yield* promise(() => fs.rm(case4, { recursive: true }))
          return yield* sink.commit
        })
      ).pipe(Effect.flip)
      assert.instanceOf(error, ParquetWriteError)
      assert.strictEqual(error.path, target)
      const exists = yield* promise(() => fs.stat(target).then(() => true, () => false))
      assert.isFalse(exists)
    })
  )

  it.effect("a row group the writer cannot encode fails the sink with ParquetWriteError: no commit, nothing left", () =>
    Effect.gen(function* () {
      const case6 = yield* emptyFolder()
      const target = path.join(case6, "products.parquet")
      const good = slice(INPUT, 0, 10)
      // A null in a required text column passes the sink's checks but not the encoder. hyparquet-writer's sink hands
      // the group to its thread and learns of the failure at a later call; either way the commit never happens.
      const unencodable = { ...good, smiles: [null, ...good.smiles.slice(1)] as unknown as ReadonlyArray<string> }
      const error = yield* Effect.scoped(
        Effect.gen(function* () {
          const sink = yield* openParquetSink(kind, productTable, target)
          yield* sink.writeRowGroup(good)
          yield* sink.writeRowGroup(unencodable)
          yield* sink.writeRowGroup(good)
          return yield* sink.commit
        })
      ).pipe(Effect.flip)
      assert.instanceOf(error, ParquetWriteError)
      assert.strictEqual(error.path, target)
      assert.deepStrictEqual(yield* readFolder(case6), [])
    })
  )

  it.effect("rejects malformed rows without spoiling the file, and refuses writes after commit", () =>
    Effect.gen(function* () {
      const case5 = yield* emptyFolder()
      const target = path.join(case5, "products.parquet")
      const committed = yield* Effect.scoped(
        Effect.gen(function* () {
          const sink = yield* openParquetSink(kind, productTable, target)
          const good = slice(INPUT, 0, 10)
          const unequal = yield* sink.writeRowGroup({ ...good, rule: ["only one"] }).pipe(Effect.flip)
          assert.include(unequal.reason, "different lengths")
          const fractional = yield* sink.writeRowGroup({ ...good, generation: good.generation.map((g) => g + 0.5) }).pipe(Effect.flip)
          assert.include(fractional.reason, "32-bit integer")
          yield* sink.writeRowGroup(good)
          const file = yield* sink.commit
          const late = yield* sink.writeRowGroup(good).pipe(Effect.flip)
          assert.include(late.reason, "already committed")
          return file
        })
      )
      assert.strictEqual(committed.rows, 10)
      assert.strictEqual(committed.rowGroups, 1)
      assert.deepStrictEqual(yield* readFolder(case5), ["products.parquet"])
    })
  )
}))
