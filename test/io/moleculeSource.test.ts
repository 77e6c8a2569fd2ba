/**
 * The molecule reader: every input format, column selection, each kind of bad line quarantined while the lines
 * around it come through, large and over-long inputs streamed, and the file closed when the consumer stops early.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as zlib from "node:zlib"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { afterAll, beforeAll } from "vitest"
import { InputFileError } from "../../src/io/inputErrors.js"
import {
  countItems,
  type InputItem,
  MAX_LINE_BYTES,
  readMoleculeFile,
  readMoleculeIterable,
  REJECTED_TEXT_CHARS,
  type SourceOptions
} from "../../src/io/moleculeSource.js"
import { openFiles } from "../support/openFiles.js"

const inputs = fileURLToPath(new URL("../fixtures/inputs/", import.meta.url))
const fixture = (name: string): string => path.join(inputs, name)
const defaultColumns: SourceOptions = { smilesColumn: "smiles", idColumn: "id", idField: undefined }

/** Enough lines that the file spans many read chunks; small enough to write in well under a second. */
const MANY_LINES = 200_000
/** Five times the line limit: the reader must cut it, not hold it. */
const HUGE_LINE_BYTES = 5 * MAX_LINE_BYTES

let scratch = ""
const scratchFile = (name: string): string => path.join(scratch, name)

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "molexpand-source-"))
  const many = Array.from({ length: MANY_LINES }, (_, i) => `C${"C".repeat(i % 7)}O mol${i + 1}\n`).join("")
  fs.writeFileSync(scratchFile("many.smi"), many)
  fs.writeFileSync(scratchFile("many.smi.gz"), zlib.gzipSync(many))
  fs.writeFileSync(scratchFile("huge-line.smi"), `CCO first\n${"C".repeat(HUGE_LINE_BYTES)} huge\nCCN third\n`)
  fs.writeFileSync(scratchFile("huge-last-line.csv"), `id,smiles\na,CCO\nb,${"C".repeat(HUGE_LINE_BYTES)}`)
  fs.writeFileSync(scratchFile("empty.smi"), "")
  fs.copyFileSync(fixture("molecules.smi"), scratchFile("molecules.smiles"))
  fs.copyFileSync(fixture("molecules.smi"), scratchFile("MOLECULES.TXT"))
  fs.writeFileSync(scratchFile("phenols.sdf.gz"), zlib.gzipSync(fs.readFileSync(fixture("phenols.sdf"))))
  const sdf = fs.readFileSync(fixture("phenols.sdf"), "utf8")
  // A binary line inside the third record's atom block spoils that record alone.
  const lines = sdf.split("\n")
  const third = lines.findIndex((line, i) => i > 0 && lines[i - 1] === "$$$$" && line === "p-coumaric acid")
  lines[third + 5] = "\u0001\u0002 binary"
  fs.writeFileSync(scratchFile("binary-record.sdf"), lines.join("\n"))
})

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

const items = (file: string, options: SourceOptions = defaultColumns) =>
  Stream.runCollect(readMoleculeFile(file, options))

const record = (line: number, id: string, smiles: string): InputItem => ({ _tag: "Record", record: { line, id, smiles } })

/** Rejected items as `[line, reason]`, so a test can match reasons with a pattern. */
const rejections = (all: ReadonlyArray<InputItem>): Array<[number, string]> =>
  all.flatMap((item) => item._tag === "Rejected" ? [[item.rejected.line, item.rejected.reason] as [number, string]] : [])

const records = (all: ReadonlyArray<InputItem>): Array<InputItem> => all.filter((item) => item._tag === "Record")

const smiRecords = [
  record(2, "phenol", "Oc1ccccc1"),
  record(4, "4", "CCO"),
  record(5, "catechol_like", "c1ccccc1O"),
  record(8, "aspirin", "CC(=O)Oc1ccccc1C(=O)O")
]
const csvRecords = [record(2, "P1", "Oc1ccccc1"), record(3, "P2", "CCO"), record(5, "5", "CCN")]
const tsvRecords = [record(2, "T1", "Oc1ccccc1"), record(3, "T2", "CCO")]

describe("readMoleculeFile: formats", () => {
  it.effect("reads .smi: `smiles [id]`, comments and blank lines skipped, ids default to line numbers", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* items(fixture("molecules.smi")), smiRecords)
    }))

  it.effect("reads .smiles and .txt (any case) as SMILES files", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* items(scratchFile("molecules.smiles")), smiRecords)
      assert.deepStrictEqual(yield* items(scratchFile("MOLECULES.TXT")), smiRecords)
    }))

  it.effect("strips a UTF-8 BOM and CRLF line ends, and reads a last line without newline", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* items(fixture("crlf-bom.smi")), [
        record(1, "ethanol", "CCO"),
        record(3, "ethylamine", "CCN"),
        record(4, "4", "CCC")
      ])
    }))

  it.effect("reads .csv with RFC 4180 quoting and the columns named in the header", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* items(fixture("molecules.csv")), csvRecords)
    }))

  it.effect("reads .tsv", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* items(fixture("molecules.tsv")), tsvRecords)
    }))

  it.effect("reads each format gzipped", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* items(fixture("molecules.smi.gz")), smiRecords)
      assert.deepStrictEqual(yield* items(fixture("molecules.csv.gz")), csvRecords)
      assert.deepStrictEqual(yield* items(fixture("molecules.tsv.gz")), tsvRecords)
    }))
})

describe("readMoleculeFile: columns", () => {
  it.effect("picks the columns given, and matches the default names regardless of case", () =>
    Effect.gen(function* () {
      const chosen = yield* items(fixture("columns.csv"), { smilesColumn: "Structure", idColumn: "ID", idField: undefined })
      assert.deepStrictEqual(chosen, [record(2, "A", "ignored"), record(3, "B", "ignored")])
      const byDefault = yield* items(fixture("columns.csv"))
      assert.deepStrictEqual(byDefault, [record(2, "A", "CCO"), record(3, "B", "CCN")])
    }))

  it.effect("gives rows line numbers as ids when there is no id column", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* items(fixture("no-id-column.tsv")), [record(2, "2", "CCO"), record(3, "3", "CCN")])
    }))

  it.effect("fails when the SMILES column is missing, naming the file, the column and the header", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(items(fixture("no-smiles-column.csv")))
      assert.instanceOf(error, InputFileError)
      assert.strictEqual(error.path, fixture("no-smiles-column.csv"))
      assert.match(error.reason, /"smiles"/)
      assert.match(error.reason, /"name", "formula"/)
      assert.match(error.message, /^Cannot read molecules from .*no-smiles-column\.csv: .*\.$/)
    }))
})

describe("readMoleculeFile: bad lines are rejected, the lines around them kept", () => {
  it.effect("rejects invalid UTF-8 and NUL or other control bytes in SMILES files", () =>
    Effect.gen(function* () {
      const all = yield* items(fixture("bad-lines.smi"))
      assert.deepStrictEqual(records(all), [
        record(1, "good1", "CCO"),
        record(3, "good2", "CCN"),
        record(5, "good3", "CCC"),
        record(7, "good4", "CCCC")
      ])
      const rejected = rejections(all)
      assert.deepStrictEqual(rejected.map(([line]) => line), [2, 4, 6])
      assert.match(rejected[0]?.[1] ?? "", /not valid UTF-8 text/)
      assert.match(rejected[1]?.[1] ?? "", /control character U\+0000/)
      assert.match(rejected[2]?.[1] ?? "", /not valid UTF-8 text/)
    }))

  it.effect("rejects unclosed quotes, text after a closing quote, wrong field counts and empty SMILES in CSV", () =>
    Effect.gen(function* () {
      const all = yield* items(fixture("bad-lines.csv"))
      assert.deepStrictEqual(records(all), [record(2, "A", "CCO"), record(7, "F", "CCCC"), record(9, "H", "C=C")])
      const rejected = rejections(all)
      assert.deepStrictEqual(rejected.map(([line]) => line), [3, 4, 5, 6, 8])
      assert.match(rejected[0]?.[1] ?? "", /unclosed quote/)
      assert.match(rejected[1]?.[1] ?? "", /expected 2 fields .* found 3/)
      assert.match(rejected[2]?.[1] ?? "", /empty SMILES/)
      assert.match(rejected[3]?.[1] ?? "", /after the closing quote/)
      assert.match(rejected[4]?.[1] ?? "", /expected 2 fields .* found 1/)
      const unclosed = all.find((item) => item._tag === "Rejected")
      assert.deepStrictEqual(unclosed?._tag === "Rejected" ? unclosed.rejected.text : undefined, "B,\"CCN")
    }))

  it.effect("rejects an over-long line with its first characters, and reads on", () =>
    Effect.gen(function* () {
      const all = yield* items(scratchFile("huge-line.smi"))
      assert.deepStrictEqual(records(all), [record(1, "first", "CCO"), record(3, "third", "CCN")])
      const huge = all[1]
      assert.strictEqual(huge?._tag, "Rejected")
      if (huge?._tag !== "Rejected") return
      assert.strictEqual(huge.rejected.line, 2)
      assert.strictEqual(huge.rejected.text, "C".repeat(REJECTED_TEXT_CHARS))
      assert.match(huge.rejected.reason, new RegExp(`longer than ${MAX_LINE_BYTES} bytes`))
    }))

  it.effect("rejects an over-long last line that has no newline", () =>
    Effect.gen(function* () {
      const all = yield* items(scratchFile("huge-last-line.csv"))
      assert.deepStrictEqual(records(all), [record(2, "a", "CCO")])
      assert.deepStrictEqual(rejections(all).map(([line]) => line), [3])
    }))
})

describe("readMoleculeFile: files that cannot be read", () => {
  it.effect("is lazy, and fails with InputFileError when the file does not exist", () =>
    Effect.gen(function* () {
      const missing = scratchFile("missing.smi")
      const stream = readMoleculeFile(missing, defaultColumns) // building the stream touches nothing
      const error = yield* Effect.flip(Stream.runCollect(stream))
      assert.deepStrictEqual([error._tag, error.path, error.reason], ["InputFileError", missing, "the file does not exist"])
    }))

  it.effect("fails on an unsupported extension", () =>
    Effect.gen(function* () {
      for (const name of ["README.md", "molecules.constructor", "molecules.gz"]) {
        const error = yield* Effect.flip(items(fixture(name)))
        assert.match(error.reason, /unsupported file extension/)
      }
    }))

  it.effect("fails on a truncated or non-gzip .gz file", () =>
    Effect.gen(function* () {
      const truncated = yield* Effect.flip(items(fixture("truncated.smi.gz")))
      assert.match(truncated.reason, /gzip/)
      const notGzip = yield* Effect.flip(items(fixture("not-gzip.smi.gz")))
      assert.match(notGzip.reason, /gzip/)
    }))
})

describe("readMoleculeFile: large inputs", () => {
  it.effect(`streams ${MANY_LINES} lines, plain and gzipped`, () =>
    Effect.gen(function* () {
      for (const name of ["many.smi", "many.smi.gz"]) {
        const seen = yield* readMoleculeFile(scratchFile(name), defaultColumns).pipe(
          Stream.runFold(() => ({ records: 0, lastLine: 0, lastId: "" }), (acc, item) =>
            item._tag === "Record" ? { records: acc.records + 1, lastLine: item.record.line, lastId: item.record.id } : acc))
        assert.deepStrictEqual(seen, { records: MANY_LINES, lastLine: MANY_LINES, lastId: `mol${MANY_LINES}` })
      }
    }))

  it.effect("closes the file when the consumer stops early", () =>
    Effect.gen(function* () {
      for (const name of ["many.smi", "many.smi.gz"]) {
        const file = scratchFile(name)
        const firstThree = yield* Stream.runCollect(Stream.take(readMoleculeFile(file, defaultColumns), 3))
        assert.deepStrictEqual(firstThree.map((item) => item._tag === "Record" ? item.record.id : ""), ["mol1", "mol2", "mol3"])
        const open = openFiles()
        if (open !== undefined) assert.notInclude(open, file)
      }
    }))
})

describe("countItems", () => {
  it.effect("counts physical lines, a last line without newline included, gzipped files after inflating", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* countItems(fixture("molecules.smi")), 8)
      assert.strictEqual(yield* countItems(fixture("molecules.smi.gz")), 8)
      assert.strictEqual(yield* countItems(fixture("crlf-bom.smi")), 4)
      assert.strictEqual(yield* countItems(scratchFile("empty.smi")), 0)
      assert.strictEqual(yield* countItems(scratchFile("many.smi")), MANY_LINES)
      assert.strictEqual(yield* countItems(scratchFile("many.smi.gz")), MANY_LINES)
    }))

  it.effect("fails with InputFileError on a missing file", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(countItems(scratchFile("missing.csv")))
      assert.strictEqual(error._tag, "InputFileError")
    }))
})

describe("readMoleculeIterable", () => {
  it.effect("numbers SMILES from an array by position and rejects empty ones", () =>
    Effect.gen(function* () {
      const all = yield* Stream.runCollect(readMoleculeIterable(["CCO", "  ", " CCN\n", "C\u0000C"]))
      assert.deepStrictEqual(records(all), [record(1, "1", "CCO"), record(3, "3", "CCN")])
      assert.deepStrictEqual(rejections(all).map(([line]) => line), [2, 4])
      assert.match(rejections(all)[0]?.[1] ?? "", /empty SMILES/)
    }))

  it.effect("reads an async iterable, each time the stream runs", () =>
    Effect.gen(function* () {
      async function* generate(): AsyncGenerator<string> {
        yield "CCO"
        yield "c1ccccc1"
      }
      const stream = readMoleculeIterable({ [Symbol.asyncIterator]: generate })
      const expected = [record(1, "1", "CCO"), record(2, "2", "c1ccccc1")]
      assert.deepStrictEqual(yield* Stream.runCollect(stream), expected)
      assert.deepStrictEqual(yield* Stream.runCollect(stream), expected)
    }))

  it.effect("takes a lone string as one SMILES, not as characters", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* Stream.runCollect(readMoleculeIterable("CCO")), [record(1, "1", "CCO")])
    }))
})

describe("SD files", () => {
  const recordsOf = (all: ReadonlyArray<InputItem>) =>
    all.flatMap((item) => (item._tag === "Record" ? [item.record] : []))

  it.effect("give a record per molfile, V2000 and V3000, with its title as id, and reject a record without M  END by number", () =>
    Effect.gen(function*() {
      const all = yield* items(fixture("phenols.sdf"))
      const ids = recordsOf(all).map((r) => r.id)
      assert.deepStrictEqual(ids, ["phenol", "catechin", "p-coumaric acid", "hordenine methyl (cation)", "pentavalent carbon", "hydroquinone"])
      const catechin = recordsOf(all)[1]!
      assert.include(catechin.smiles, "V3000")
      assert.match(catechin.smiles, /M {2}END\n$/)
      assert.notInclude(catechin.smiles, "<ID>", "the data items are not part of the molfile")
      assert.strictEqual(catechin.label, 'record 2 ("catechin")')
      const rejected = all.flatMap((item) => (item._tag === "Rejected" ? [item.rejected] : []))
      assert.strictEqual(rejected.length, 1)
      assert.strictEqual(rejected[0]!.text, 'record 6 ("not a molecule")')
      assert.match(rejected[0]!.reason, /no "M {2}END" line/)
    }))

  it.effect("take the id from the data item --id-field names, and the record's number where it has none", () =>
    Effect.gen(function*() {
      const byField = recordsOf(yield* items(fixture("phenols.sdf"), { ...defaultColumns, idField: "ID" })).map((r) => r.id)
      assert.deepStrictEqual(byField, ["P1", "P2", "P3", "P4", "P7", "P6"])
      const missing = recordsOf(yield* items(fixture("phenols.sdf"), { ...defaultColumns, idField: "CAS" })).map((r) => r.id)
      assert.deepStrictEqual(missing, ["1", "2", "3", "4", "5", "7"])
    }))

  it.effect("read gzipped, and a binary line spoils its own record only", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(recordsOf(yield* items(scratchFile("phenols.sdf.gz"))).length, 6)
      const all = yield* items(scratchFile("binary-record.sdf"))
      assert.deepStrictEqual(recordsOf(all).map((r) => r.id), ["phenol", "catechin", "hordenine methyl (cation)", "pentavalent carbon", "hydroquinone"])
      const spoiled = all.find((item) => item._tag === "Rejected" && item.rejected.text.includes("p-coumaric acid"))
      assert.isDefined(spoiled)
      assert.match(spoiled?._tag === "Rejected" ? spoiled.rejected.reason : "", /line \d+: contains control character U\+0001/)
    }))

  it.effect("count their records for the progress total", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* countItems(fixture("phenols.sdf")), 6)
      assert.strictEqual(yield* countItems(scratchFile("phenols.sdf.gz")), 6)
    }))
})
