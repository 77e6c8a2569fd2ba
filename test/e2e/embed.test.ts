/**
 * The library embedded in programs and notebooks, under Node and under Deno 2 (the `deno` npm package's binary):
 * the API's product set equals the CLI's on the same input, and the shipped examples run.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "vitest"
import { fixture, repoRoot, runCli, tempFolder } from "../support/cli.js"
import { datasetProducts } from "../support/duckdb.js"

const deno = path.join(repoRoot, "node_modules", ".bin", "deno")
/** Deno resolves npm packages from the project's node_modules, as installed by `npm ci`. */
const denoRun = (script: string, args: ReadonlyArray<string>) =>
  spawnSync(deno, ["run", "-A", "--node-modules-dir=manual", script, ...args], { cwd: repoRoot, encoding: "utf8" })
const nodeRun = (script: string, args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [script, ...args], { cwd: repoRoot, encoding: "utf8" })

const smallInput = () => {
  const file = path.join(tempFolder("embed-in"), "in.smi")
  fs.writeFileSync(file, fs.readFileSync(fixture("nci_phenols.smi"), "utf8").split("\n").slice(0, 40).join("\n") + "\n")
  return file
}

describe.each([["Node", nodeRun], ["Deno", denoRun]] as const)("examples/embed.mjs under %s", (name, run) => {
  it(`gives the CLI's product set (${name})`, async () => {
    const input = smallInput()
    const folder = tempFolder(`embed-${name}`)
    const cli = runCli(["--input", input, "--output", path.join(folder, "cli"), "--quiet"])
    assert.strictEqual(cli.status, 0, cli.stderr)
    const api = run(path.join(repoRoot, "examples", "embed.mjs"), [path.join(folder, "api"), input])
    assert.strictEqual(api.status, 0, api.stderr)
    const report = JSON.parse(api.stdout.trim().split("\n").at(-1)!)
    assert.strictEqual(report.inputs.valid, 40)
    const fromCli = await datasetProducts(path.join(folder, "cli"))
    const fromApi = await datasetProducts(path.join(folder, "api"))
    assert.strictEqual(report.products.total, fromApi.set.size)
    assert.deepStrictEqual([...fromApi.set].sort(), [...fromCli.set].sort())
  })
})

describe("examples/notebook.ipynb", () => {
  it("runs its code cells, in order, under Deno", () => {
    const notebook = JSON.parse(fs.readFileSync(path.join(repoRoot, "examples", "notebook.ipynb"), "utf8")) as {
      cells: Array<{ cell_type: string; source: Array<string> }>
    }
    const code = notebook.cells.filter((cell) => cell.cell_type === "code").map((cell) => cell.source.join("")).join("\n\n")
    // Next to the notebook, so that its relative imports resolve as they do in Jupyter.
    const script = path.join(repoRoot, "examples", `.notebook-test-${process.pid}.mjs`)
    fs.writeFileSync(script, code)
    try {
      const result = denoRun(script, [])
      assert.strictEqual(result.status, 0, result.stderr)
      const last = JSON.parse(result.stdout.trim().split("\n").at(-1)!)
      assert.isAbove(last.products, 0)
      assert.isAtLeast(last.parts, 1)
      assert.includeMembers(last.events, ["start", "checkpoint", "end"])
    } finally {
      fs.rmSync(script, { force: true })
    }
  })
})
