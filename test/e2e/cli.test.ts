/** The command line as a user meets it: the bundled default run, bad input lines, bad flags and rule files. */
import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "vitest"
import { fixture, runCli, tempFolder } from "../support/cli.js"
import { readRunProducts } from "../support/products.js"

describe("molexpand CLI", () => {
  it("with no input runs the bundled sample with the built-in rules", async () => {
    const cwd = tempFolder("default")
    const result = runCli(["--target-memory", "60", "--workers", "2"], { cwd })
    assert.strictEqual(result.status, 0, result.stderr)
    const output = path.join(cwd, "molexpand-out")
    const summary = JSON.parse(fs.readFileSync(path.join(output, "summary.json"), "utf8"))
    assert.strictEqual(summary.inputs.valid, 515)
    assert.strictEqual(summary.products.byGeneration["1"], 3_696)
    assert.strictEqual((await readRunProducts(output)).length, 3_696)
    assert.match(result.stdout, /3,696/)
    // The report is written with the run, and `molexpand report` writes the same file again from summary.json.
    const report = path.join(output, "report.html")
    const first = fs.readFileSync(report, "utf8")
    assert.include(first, 'data-chart="memory"')
    fs.rmSync(report)
    const again = runCli(["report", output], { cwd })
    assert.strictEqual(again.status, 0, again.stderr)
    assert.strictEqual(fs.readFileSync(report, "utf8"), first)
  })

  it("quarantines invalid SMILES lines, counts them and finishes", async () => {
    const folder = tempFolder("bad")
    const input = path.join(folder, "mixed.smi")
    const good = fs.readFileSync(fixture("nci_phenols.smi"), "utf8").split("\n").filter(Boolean).slice(0, 20)
    const bad = ["C1CC\tunclosed", "CC(C)(C)(C)(C)C\tvalence", "c1cccc1\tkekulize", "Xx\tgarbage"]
    fs.writeFileSync(input, [...good.slice(0, 10), ...bad, ...good.slice(10)].join("\n") + "\n")
    const output = path.join(folder, "out")
    const result = runCli(["--input", input, "--output", output, "--workers", "1"])
    assert.strictEqual(result.status, 0, result.stderr)
    const summary = JSON.parse(fs.readFileSync(path.join(output, "summary.json"), "utf8"))
    assert.deepStrictEqual(summary.inputs, { read: 24, valid: 20, invalid: 4, duplicate: 0 })
    const quarantined = fs.readFileSync(path.join(output, "quarantine.tsv"), "utf8").trim().split("\n")
    assert.strictEqual(quarantined[0], "line\ttext\treason")
    const lines = quarantined.slice(1).map((row) => row.split("\t"))
    assert.deepStrictEqual(lines.map(([line, text]) => [line, text]), [
      ["11", "C1CC"],
      ["12", "CC(C)(C)(C)(C)C"],
      ["13", "c1cccc1"],
      ["14", "Xx"]
    ])
    assert.match(lines[0]![2]!, /unclosed ring/)
    assert.match(lines[1]![2]!, /valence/)
    assert.match(lines[2]![2]!, /kekulize/)
  })

  it("--help lists every flag with its default", () => {
    const result = runCli(["--help"])
    assert.strictEqual(result.status, 0)
    for (const flag of ["--input", "--rules", "--generations", "--workers", "--batch-size", "--flush-interval", "--dedup",
      "--expected-products", "--fp-rate", "--parquet-writer", "--output", "--smiles-column", "--id-column",
      "--explicit-h", "--kekulize", "--target-memory", "--chunk-size", "--queue-capacity"]) {
      assert.include(result.stdout, flag)
    }
    assert.include(result.stdout, "(default: 2000)")
    assert.include(result.stdout, "(default: polyphenol-phase2) (with --resume: the run's own)")
    for (const command of ["runner", "cluster-dev", "report"]) assert.include(result.stdout, command)
  })

  it.each([
    [["--no-such-flag"], /no-such-flag/],
    [["--generations", "two"], /generations/],
    [["--generations", "0"], /--generations must be an integer ≥ 1, got 0/],
    [["--target-memory", "99"], /--target-memory must be a percent from 1 to 95, got 99/],
    [["--dedup", "maybe"], /dedup/],
    [["--fp-rate", "2"], /--fp-rate must be between 0 and 1/],
    [["--heap-growth-percent", "400"], /--heap-growth-percent must be an integer from 0 to 300, got 400/],
    [["--input", "/no/such/file.smi"], /\/no\/such\/file\.smi: no such file/]
  ])("%j exits 2 before any work, naming the problem", (args, message) => {
    const cwd = tempFolder("usage")
    const result = runCli(args, { cwd })
    assert.strictEqual(result.status, 2, result.stderr)
    assert.match(result.stderr + result.stdout, message)
    assert.isFalse(fs.existsSync(path.join(cwd, "molexpand-out")))
  })

  it("a rule file with a bad rule stops the run before any work, naming file, line and reason", () => {
    const folder = tempFolder("rules")
    const rules = path.join(folder, "rules.tsv")
    fs.writeFileSync(rules, "# comment\nok\t[c:1][OH:2]>>[c:1][O:2]C\nbroken\t[c:1][OH:2>>[c:1]\n")
    const result = runCli(["--rules", rules, "--output", path.join(folder, "out")])
    assert.strictEqual(result.status, 2)
    assert.include(result.stderr, `${rules}:3:`)
    assert.match(result.stderr, /broken/)
    assert.isFalse(fs.existsSync(path.join(folder, "out")))
  })

  it.each([
    ["an input that is a folder", (folder: string) => ["--input", folder], /Cannot read molecules from/],
    ["a missing rules file", (folder: string) => ["--rules", path.join(folder, "none.tsv")], /none\.tsv/],
    ["an output folder that holds other files", (folder: string) => {
      fs.mkdirSync(path.join(folder, "taken"))
      fs.writeFileSync(path.join(folder, "taken", "notes.txt"), "mine")
      return ["--output", path.join(folder, "taken")]
    }, /exists and is not empty; choose another --output or pass --overwrite/],
    ["an output folder that cannot be created", (folder: string) => {
      fs.writeFileSync(path.join(folder, "file"), "")
      return ["--output", path.join(folder, "file", "out")]
    }, /cannot write there/]
  ])("%s exits 2 before any work", (_name, argsFor, message) => {
    const folder = tempFolder("exit2")
    const result = runCli([...argsFor(folder), "--workers", "1"], { cwd: folder })
    assert.strictEqual(result.status, 2, result.stderr)
    assert.match(result.stderr, message)
    assert.isFalse(fs.existsSync(path.join(folder, "molexpand-out")))
  })

  it("a rule with two reactant templates stops the run, naming the line", () => {
    const folder = tempFolder("rules")
    const rules = path.join(folder, "rules.tsv")
    fs.writeFileSync(rules, "join\t[C:1].[O:2]>>[C:1][O:2]\n")
    const result = runCli(["--rules", rules, "--output", path.join(folder, "out")])
    assert.strictEqual(result.status, 2)
    assert.include(result.stderr, `${rules}:1:`)
  })
})
