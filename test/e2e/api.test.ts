/** The library API gives the same products as the CLI, from a file or from SMILES in memory. */
import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "vitest"
import { expand } from "../../src/index.js"
import { fixture, runCli, tempFolder } from "../support/cli.js"
import { readRunProducts } from "../support/products.js"

const productSet = async (output: string) =>
  new Set((await readRunProducts(output)).map((row) => `${row.smiles}\t${row.generation}`))

describe("library API", () => {
  it("expand() over SMILES in memory equals the CLI over the same molecules in a file", async () => {
    const folder = tempFolder("api")
    const lines = fs.readFileSync(fixture("nci_phenols.smi"), "utf8").split("\n").filter(Boolean).slice(0, 60)
    const input = path.join(folder, "some.smi")
    fs.writeFileSync(input, lines.join("\n") + "\n")
    const cli = runCli(["--input", input, "--generations", "2", "--workers", "2", "--output", path.join(folder, "cli")])
    assert.strictEqual(cli.status, 0, cli.stderr)

    const summary = await expand({
      molecules: lines.map((line) => line.split("\t")[0]!),
      generations: 2,
      workers: 2,
      output: path.join(folder, "api")
    })
    const fromCli = await productSet(path.join(folder, "cli"))
    const fromApi = await productSet(path.join(folder, "api"))
    assert.strictEqual(summary.products.total, fromApi.size)
    assert.isAbove(fromApi.size, 0)
    assert.deepStrictEqual([...fromApi].sort(), [...fromCli].sort())
  })

  it("expand() rejects unusable options before any work, naming the option", async () => {
    const output = path.join(tempFolder("api-bad"), "out")
    const error: unknown = await expand({ generations: 0, output }).then(() => undefined, (e: unknown) => e)
    assert.match(String((error as Error | undefined)?.message), /--generations must be an integer ≥ 1, got 0/)
    assert.isFalse(fs.existsSync(output))
    const place = "gpu" as unknown as "auto"
    const misplaced: unknown = await expand({ clusterClient: place, output }).then(() => undefined, (e: unknown) => e)
    assert.match(String((misplaced as Error | undefined)?.message), /--cluster-client must be one of auto, thread, main, got gpu/)
    assert.isFalse(fs.existsSync(output))
  })
})
