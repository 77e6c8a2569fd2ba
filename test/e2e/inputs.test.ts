/**
 * Inputs as chemists keep them, each held to the same molecules given as SMILES: an SD file (V2000 and V3000
 * records, stereo and charges from the molfiles, a broken record, gzipped), and Parquet (a previous run's parts as the
 * next run's input, and one file), read a row group at a time; a stopped run on each resumes from its folder.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { assert, beforeAll, describe, it } from "vitest"
import { expand } from "../../src/index.js"
import { fixture, runCli, tempFolder } from "../support/cli.js"
import { readRunProducts } from "../support/products.js"

const folder = tempFolder("inputs")

const productSet = async (output: string) =>
  new Set((await readRunProducts(output)).map((row) => `${row.smiles}\t${row.generation}`))

const run = (args: ReadonlyArray<string>) => {
  const result = runCli([...args, "--workers", "2", "--quiet"])
  assert.strictEqual(result.status, 0, result.stderr)
  return result
}

const summaryOf = (output: string) => JSON.parse(fs.readFileSync(path.join(output, "summary.json"), "utf8"))

/** The same molecules as the SD fixture, as SMILES (RDKit wrote the molfiles from these). */
const sdfAsSmiles = [
  "Oc1ccccc1 phenol",
  "O[C@H]1Cc2c(O)cc(O)cc2O[C@@H]1c1ccc(O)c(O)c1 catechin",
  "O=C(O)/C=C/c1ccc(O)cc1 coumaric",
  "C[N+](C)(C)Cc1ccc(O)cc1 cation",
  "Oc1ccc(O)cc1 hydroquinone"
]

describe("an SD file", () => {
  const sdf = fixture("inputs", "phenols.sdf")

  it("gives the products of the same molecules as SMILES, keeping stereo and charges, and quarantines its bad records by number", async () => {
    const smiles = path.join(folder, "phenols.smi")
    fs.writeFileSync(smiles, sdfAsSmiles.join("\n") + "\n")
    run(["--input", smiles, "--generations", "2", "--output", path.join(folder, "from-smiles")])
    run(["--input", sdf, "--generations", "2", "--id-field", "ID", "--output", path.join(folder, "from-sdf")])
    const expected = await productSet(path.join(folder, "from-smiles"))
    assert.isAbove(expected.size, 0)
    assert.deepStrictEqual([...(await productSet(path.join(folder, "from-sdf")))].sort(), [...expected].sort())

    const rows = await readRunProducts(path.join(folder, "from-sdf"))
    assert.isTrue(rows.some((row) => row.root_id === "P2" && row.smiles.includes("@")), "catechin's products keep its stereo")
    assert.deepStrictEqual([...new Set(rows.map((row) => row.root_id))].sort(), ["P1", "P2", "P3", "P4", "P6"])
    const summary = summaryOf(path.join(folder, "from-sdf"))
    assert.deepStrictEqual(summary.inputs, { read: 7, valid: 5, invalid: 2, duplicate: 0 })
    const quarantine = fs.readFileSync(path.join(folder, "from-sdf", "quarantine.tsv"), "utf8")
    assert.match(quarantine, /record 5 \("pentavalent carbon"\)\t.*valence/i)
    assert.match(quarantine, /record 6 \("not a molecule"\)\tno "M {2}END" line/)
  })

  it("is read gzipped too", async () => {
    const gzipped = path.join(folder, "phenols.sdf.gz")
    fs.writeFileSync(gzipped, zlib.gzipSync(fs.readFileSync(sdf)))
    run(["--input", gzipped, "--output", path.join(folder, "from-sdf-gz")])
    run(["--input", sdf, "--output", path.join(folder, "from-sdf-1")])
    assert.deepStrictEqual(
      [...(await productSet(path.join(folder, "from-sdf-gz")))].sort(),
      [...(await productSet(path.join(folder, "from-sdf-1")))].sort()
    )
  })
})

describe("Parquet", () => {
  /** A first run whose products are the second run's input. */
  const first = path.join(folder, "first")
  let firstProducts: Array<{ readonly smiles: string; readonly root_id: string }> = []

  beforeAll(async () => {
    const input = path.join(folder, "nci40.smi")
    fs.writeFileSync(input, fs.readFileSync(fixture("nci_phenols.smi"), "utf8").split("\n").filter(Boolean).slice(0, 40).join("\n") + "\n")
    run(["--input", input, "--generations", "2", "--checkpoint-seconds", "0.5", "--batch-size", "5", "--flush-interval", "300", "--output", first])
    firstProducts = await readRunProducts(first)
  })

  it("a previous run's parts are the next run's input, with the same products as their SMILES", async () => {
    assert.isAbove(fs.readdirSync(path.join(first, "products")).length, 1, "the first run wrote several parts")
    const smiles = path.join(folder, "first-products.smi")
    fs.writeFileSync(smiles, firstProducts.map((row) => `${row.smiles} ${row.root_id}`).join("\n") + "\n")
    run(["--input", smiles, "--output", path.join(folder, "second-from-smiles")])
    run(["--input", path.join(first, "products"), "--smiles-column", "smiles", "--id-column", "root_id", "--output", path.join(folder, "second")])
    const second = path.join(folder, "second")
    assert.deepStrictEqual([...(await productSet(second))].sort(), [...(await productSet(path.join(folder, "second-from-smiles")))].sort())
    assert.strictEqual(summaryOf(second).inputs.read, firstProducts.length)
    const rootIds = new Set(firstProducts.map((row) => row.root_id))
    assert.isTrue((await readRunProducts(second)).every((row) => rootIds.has(row.root_id)), "ids come from --id-column")
  })

  it("reads one .parquet file, and refuses a missing column before any work, naming the columns there are", () => {
    const part = path.join(first, "products", fs.readdirSync(path.join(first, "products")).sort()[0]!)
    run(["--input", part, "--output", path.join(folder, "one-part")])
    assert.isAbove(summaryOf(path.join(folder, "one-part")).inputs.valid, 0)
    const output = path.join(folder, "no-column")
    const refused = runCli(["--input", part, "--smiles-column", "structure", "--output", output])
    assert.strictEqual(refused.status, 2, refused.stderr)
    assert.match(refused.stderr, /no column "structure" \(found "smiles", "generation", "parent", "root_id", "rule"\)/)
    assert.isFalse(fs.existsSync(output))
  })

  it("a run on a folder of parts stopped at a checkpoint resumes from its own folder alone", async () => {
    const input = path.join(first, "products")
    const complete = path.join(folder, "parts-uninterrupted")
    run(["--input", input, "--generations", "2", "--output", complete])
    const output = path.join(folder, "parts-stopped")
    const controller = new AbortController()
    const stopped = await expand({
      input,
      generations: 2,
      batchSize: 5,
      checkpointSeconds: 0.3,
      output,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "checkpoint") controller.abort()
      }
    }).then(() => undefined, (error: unknown) => error)
    assert.strictEqual((stopped as { _tag?: string } | undefined)?._tag, "RunStopped")
    const resumed = runCli(["--resume", output])
    assert.strictEqual(resumed.status, 0, resumed.stderr)
    assert.isTrue(summaryOf(output).resumed)
    assert.deepStrictEqual([...(await productSet(output))].sort(), [...(await productSet(complete))].sort())
  })
})
