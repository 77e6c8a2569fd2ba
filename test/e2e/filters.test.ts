/**
 * The product filters against native RDKit: the NCI phenols, polyphenol-phase2, 2 generations, with
 * `--max-heavy-atoms 25 --max-mw 400 --elements C,H,N,O,S,Cl` and `--reactions`, must give the products, the edges and
 * the filtered molecules (each with the first filter it failed) that `fixtures/reference/filter_reference.py` computes
 * with python3-rdkit; each filter keeps some molecules out there. A kill and `--resume` give the uninterrupted run's
 * sets, filtered molecules included, each listed once; a resume with other filters is refused; bad filter values stop
 * the run before any work, naming the flag.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { assert, beforeAll, describe, it } from "vitest"
import { fixture, runCli, sleep, startCli, tempFolder } from "../support/cli.js"
import { datasetEdges, datasetProducts } from "../support/duckdb.js"
import { engines } from "../support/engines.js"
import { readReference, readReferenceEdges, readRunEdges, readRunProducts } from "../support/products.js"
import { recanonicalize, recanonicalizedEdges, recanonicalizedEntries } from "../support/rdkit.js"
import { smallRunArgs } from "../support/smallRun.js"

const filterArgs = ["--max-heavy-atoms", "25", "--max-mw", "400", "--elements", "C,H,N,O,S,Cl"]
const referenceFile = (suffix: string) => fixture("reference", `nci_phenols.filtered.gen2.${suffix}`)

/** `smiles<TAB>filter` lines of a run's filtered.tsv (its header left out), or of the reference's. */
const filteredLines = (text: string): Array<string> =>
  text.split("\n").filter((line) => line.length > 0 && !line.startsWith("smiles\t")).map((line) => line.split("\t").slice(0, 2).join("\t"))

const recanonicalizedFiltered = async (lines: ReadonlyArray<string>) => {
  const entries = new Set<string>()
  for (const line of lines) {
    const [key, filter] = line.split("\t")
    entries.add(`${await recanonicalize(key!)}\t${filter}`)
  }
  return entries
}

const assertSameSet = (ours: Set<string>, reference: Set<string>) => {
  assert.deepStrictEqual([...ours].filter((entry) => !reference.has(entry)), [])
  assert.deepStrictEqual([...reference].filter((entry) => !ours.has(entry)), [])
}

describe.each(engines)("NCI phenols with product filters, %s engine", (engine) => {
  const output = path.join(tempFolder(`filters-${engine}`), "out")
  let status: number | null = null
  let stderr = ""

  beforeAll(() => {
    const result = runCli([
      "--input", fixture("nci_phenols.smi"),
      "--rules", fixture("rules", "polyphenol-phase2.tsv"),
      "--generations", "2",
      "--engine", engine,
      "--reactions",
      ...filterArgs,
      "--quiet",
      "--output", output
    ])
    status = result.status
    stderr = result.stderr
  })

  it("exits 0", () => assert.strictEqual(status, 0, stderr))

  it("gives the reference's products, edges and filtered molecules", async () => {
    assertSameSet(await recanonicalizedEntries(await readRunProducts(output)), await recanonicalizedEntries(readReference(referenceFile("products.tsv"))))
    assertSameSet(await recanonicalizedEdges(await readRunEdges(output)), await recanonicalizedEdges(readReferenceEdges(referenceFile("edges.tsv.gz"))))
    const filtered = filteredLines(fs.readFileSync(path.join(output, "filtered.tsv"), "utf8"))
    assert.strictEqual(new Set(filtered.map((line) => line.split("\t")[0])).size, filtered.length, "a molecule listed twice")
    const referenceFiltered = filteredLines(zlib.gunzipSync(fs.readFileSync(referenceFile("filtered.tsv.gz"))).toString("utf8"))
    assertSameSet(await recanonicalizedFiltered(filtered), await recanonicalizedFiltered(referenceFiltered))
  })

  it("counts the filtered molecules by filter and rule in the summary", () => {
    const summary = JSON.parse(fs.readFileSync(path.join(output, "summary.json"), "utf8"))
    const referenceFiltered = filteredLines(zlib.gunzipSync(fs.readFileSync(referenceFile("filtered.tsv.gz"))).toString("utf8"))
    const byFilter: Record<string, number> = {}
    for (const line of referenceFiltered) byFilter[line.split("\t")[1]!] = (byFilter[line.split("\t")[1]!] ?? 0) + 1
    assert.deepStrictEqual(Object.keys(byFilter).sort(), ["elements", "max-heavy-atoms", "max-mw"])
    assert.strictEqual(summary.filtered.total, referenceFiltered.length)
    assert.strictEqual(summary.filtered.filters, "max-heavy-atoms=25;max-mw=400;elements=C,H,N,O,S,Cl")
    for (const [filter, total] of Object.entries(byFilter)) {
      assert.strictEqual(summary.filtered.byFilter[filter].total, total, filter)
      const byRule = Object.values(summary.filtered.byFilter[filter].byRule) as Array<number>
      assert.strictEqual(byRule.reduce((a, b) => a + b, 0), total, filter)
    }
  })
})

describe.each(engines)("a filtered run killed and resumed, %s engine", (engine) => {
  const shared = tempFolder(`filters-resume-${engine}`)
  const input = path.join(shared, "input.smi")
  fs.writeFileSync(input, fs.readFileSync(fixture("nci_phenols.smi"), "utf8").split("\n").filter(Boolean).slice(0, 120).join("\n") + "\n")
  const args = (output: string) => [...smallRunArgs(input, output), "--engine", engine, "--reactions", ...filterArgs]
  const filteredOf = (output: string) => filteredLines(fs.readFileSync(path.join(output, "filtered.tsv"), "utf8"))

  it("gives the uninterrupted run's products, edges and filtered molecules, each once; other filters are refused", async () => {
    const uninterrupted = path.join(shared, "uninterrupted")
    assert.strictEqual(runCli(args(uninterrupted)).status, 0)
    const output = path.join(shared, "killed")
    const run = startCli(args(output))
    while (!fs.existsSync(path.join(output, "manifest.json")) && run.child.exitCode === null) await sleep(20)
    run.child.kill("SIGKILL")
    assert.strictEqual((await run.exited).signal, "SIGKILL", "the run ended before the kill: nothing was resumed")

    // Left out, a flag that decides the products is the checkpoint's; given, it must be the same.
    const refused = runCli(["--resume", output, "--max-mw", "300", "--quiet"])
    assert.strictEqual(refused.status, 2)
    assert.match(refused.stderr, /--max-heavy-atoms \/ --max-mw \/ --elements: was max-heavy-atoms=25;max-mw=400;/)

    const resumed = runCli([...args(output), "--resume", output])
    assert.strictEqual(resumed.status, 0, resumed.stderr)
    const [products, expectedProducts] = [await datasetProducts(output), await datasetProducts(uninterrupted)]
    assert.strictEqual(products.rows, products.distinctSmiles)
    assert.deepStrictEqual([...products.set].sort(), [...expectedProducts.set].sort())
    const [edges, expectedEdges] = [await datasetEdges(output), await datasetEdges(uninterrupted)]
    assert.strictEqual(edges.rows, edges.set.size)
    assert.deepStrictEqual([...edges.set].sort(), [...expectedEdges.set].sort())
    const filtered = filteredOf(output)
    assert.isAbove(filtered.length, 0)
    assert.deepStrictEqual([...filtered].sort(), [...filteredOf(uninterrupted)].sort())
    const summary = JSON.parse(fs.readFileSync(path.join(output, "summary.json"), "utf8"))
    assert.strictEqual(summary.filtered.total, filtered.length)
  })
})

describe("bad filter values", () => {
  it.each([
    [["--elements", "C,H,Xx"], /--elements: not element symbols: Xx/],
    [["--max-mw", "0"], /--max-mw must be a positive number, got 0/],
    [["--max-heavy-atoms", "0"], /--max-heavy-atoms must be an integer ≥ 1, got 0/]
  ])("%j stops the run before any work, naming the flag", (flags, message) => {
    const output = path.join(tempFolder("bad-filter"), "out")
    const result = runCli(["--input", fixture("nci_phenols.smi"), ...flags, "--output", output])
    assert.strictEqual(result.status, 2)
    assert.match(result.stderr, message)
    assert.isFalse(fs.existsSync(output))
  })
})
