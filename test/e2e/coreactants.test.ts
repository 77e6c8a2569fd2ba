/**
 * Rules with coreactants (Pickaxe's format) against native RDKit, on each engine: the first 20 NCI phenols with all
 * 1,224 MetaCyc rules and their coreactants (not kekulized) give the reference's 11,786 products and, with
 * `--reactions`, its 17,912 edges, each naming the coreactants its rule consumes and gives; the first 100 with the
 * 250 Enzymatic rules (explicit hydrogens) its 793 products; the Chemical Damage rules with `--max-product-sets 2`
 * its 457. The references come from `reference_expand.py --coreactants`; both sides are re-canonicalized with one
 * RDKit, and where RDKit 2026 (WebAssembly) and 2022 (native, the reference's) differ, each difference is listed with
 * its reason. Bad coreactant input stops the run before any work, naming the file, the line and the reason.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { assert, beforeAll, describe, it } from "vitest"
import { canonicalize } from "../../src/engine/chemistry.js"
import { fixture, repoRoot, runCli, tempFolder } from "../support/cli.js"
import { engines } from "../support/engines.js"
import { readReference, readReferenceEdges, readRunEdges, readRunProducts } from "../support/products.js"
import { recanonicalizedEdges, testRDKit } from "../support/rdkit.js"

const folder = tempFolder("coreactants")
const firstNci = (count: number) => {
  const file = path.join(folder, `nci${count}.smi`)
  fs.writeFileSync(file, fs.readFileSync(fixture("nci_phenols.smi"), "utf8").split("\n").slice(0, count).join("\n") + "\n")
  return file
}
const nci20 = firstNci(20)
const nci100 = firstNci(100)

/**
 * Where RDKit 2026 (WebAssembly) and the reference's 2022 give different products, each with the reason found; the
 * native engine runs the reference's RDKit and has none.
 */
const knownDifferences: ReadonlyArray<{ readonly entry: string; readonly side: "extra" | "missing"; readonly reason: string }> = [
  ...["C1=Cc2c3nnc(-c4ccccc4)c2C=C13\t1", "Oc1nnc(-c2ccccc2)c2ccccc12\trule0245\tC1=Cc2c3nnc(-c4ccccc4)c2C=C13\t1"].map((entry) => ({
    entry,
    side: "extra" as const,
    reason: "rule0245 on NCI59 (Oc1nnc(-c2ccccc2)c2ccccc12): RDKit 2026 sanitizes the raw product's fused pyridazine with " +
      "its double bonds elsewhere than RDKit 2022 does; each version reads its own key back unchanged"
  })),
  ...["C1=C2C=c3c(-c4ccccc4)nnc2c3=C1\t1", "Oc1nnc(-c2ccccc2)c2ccccc12\trule0245\tC1=C2C=c3c(-c4ccccc4)nnc2c3=C1\t1"].map((entry) => ({
    entry,
    side: "missing" as const,
    reason: "the same product as RDKit 2022 writes it"
  })),
  ...[
    "CCOC(=O)N(c1ccccc1)c1ccc2c(O)cc(S(=O)(=O)[S+](=O)(=O)([O-])c3cc(O)c4ccc(N(C(=O)OCC)c5ccccc5)cc4c3)cc2c1\t1",
    "Nc1ccc(S(=O)(=O)[S+](=O)(=O)([O-])c2ccc(N)cc2O)c(O)c1\t1"
  ].map((entry) => ({
    entry,
    side: "missing" as const,
    reason: "a sulfur of valence 7 (Chemical Damage's thiosulfonate products): RDKit 2026 refuses to sanitize it, so its " +
      "candidate is invalid there; RDKit 2022 accepts it"
  }))
]

/** Entries re-canonicalized with the tests' RDKit; one it cannot read stays as the reference wrote it. */
const recanonicalized = async (entries: ReadonlyArray<ReadonlyArray<string>>, keyFields: ReadonlyArray<number>) => {
  const rdkit = await testRDKit()
  return new Set(entries.map((fields) =>
    fields.map((field, i) => {
      if (!keyFields.includes(i)) return field
      const read = canonicalize(rdkit, field)
      return read.ok ? read.key : field
    }).join("\t")
  ))
}
const productEntries = (rows: ReadonlyArray<{ readonly smiles: string; readonly generation: number }>) =>
  recanonicalized(rows.map((row) => [row.smiles, String(row.generation)]), [0])

const assertSameSet = (engine: string, ours: Set<string>, reference: Set<string>) => {
  const explained = (entry: string, side: "extra" | "missing") =>
    engine === "wasm" && knownDifferences.some((d) => d.entry === entry && d.side === side)
  assert.deepStrictEqual([...ours].filter((entry) => !reference.has(entry) && !explained(entry, "extra")), [])
  assert.deepStrictEqual([...reference].filter((entry) => !ours.has(entry) && !explained(entry, "missing")), [])
}

const run = (args: ReadonlyArray<string>) => {
  const output = path.join(tempFolder("coreactant-run"), "out")
  const result = runCli([...args, "--quiet", "--output", output])
  assert.strictEqual(result.status, 0, result.stderr)
  return { output, summary: JSON.parse(fs.readFileSync(path.join(output, "summary.json"), "utf8")) }
}

describe.each(engines)("rules with coreactants, %s engine", (engine) => {
  let metacyc: ReturnType<typeof run>

  beforeAll(() => {
    metacyc = run(["--input", nci20, "--rules", "mine-metacyc", "--reactions", "--engine", engine])
  })

  it("MetaCyc (1,224 rules, 45 coreactants) on 20 NCI phenols: the reference's products, candidates and edges", async () => {
    assertSameSet(engine, await productEntries(await readRunProducts(metacyc.output)), await productEntries(readReference(fixture("reference", "nci20.metacyc-full.gen1.tsv"))))
    assert.strictEqual(metacyc.summary.products.total, 11_786)
    assert.strictEqual(metacyc.summary.candidates, 218_467)
    assert.strictEqual(metacyc.summary.invalidCandidates, 135_966)
    const edges = await readRunEdges(metacyc.output)
    assert.strictEqual(edges.length, 17_912)
    assertSameSet(engine, await recanonicalizedEdges(edges), await recanonicalizedEdges(readReferenceEdges(fixture("reference", "nci20.metacyc-full.gen1.edges.tsv.gz"))))
  })

  it("names the coreactants each edge's rule consumes and gives", async () => {
    const slots = new Map(fs.readFileSync(path.join(repoRoot, "rules", "mine-metacyc.tsv"), "utf8").split("\n").slice(1).filter(Boolean)
      .map((line) => line.split("\t")).map(([name, reactants, , products]) => [name!, [reactants!, products!]] as const))
    const named = (slotList: string) => slotList.split(";").filter((slot) => slot !== "Any").join(";")
    const edges = (await readRunEdges(metacyc.output)) as unknown as ReadonlyArray<Record<string, string>>
    for (const edge of edges) {
      const [reactants, products] = slots.get(edge["rule"]!)!
      assert.strictEqual(edge["coreactants_in"], named(reactants), edge["rule"])
      assert.strictEqual(edge["coreactants_out"], named(products), edge["rule"])
    }
    assert.isTrue(edges.some((edge) => edge["coreactants_in"] === "NAD_CoF" && edge["coreactants_out"] === "NADH_CoF"))
  })

  it("Enzymatic (250 rules, explicit hydrogens) on 100 NCI phenols: the reference's 793 products", async () => {
    const { output, summary } = run(["--input", nci100, "--rules", "mine-enzymatic-full", "--engine", engine])
    assert.isTrue(summary.settings.explicitHApplied)
    assertSameSet(engine, await productEntries(await readRunProducts(output)), await productEntries(readReference(fixture("reference", "nci100.enzymatic-full.gen1.tsv"))))
    assert.deepStrictEqual([summary.products.total, summary.candidates, summary.invalidCandidates], [793, 7_773, 4_449])
  })

  it("Chemical Damage with --max-product-sets 2 on 100 NCI phenols: the reference's 457 products, not the 464 of 1,000", async () => {
    const { output, summary } = run(["--input", nci100, "--rules", "mine-chemical-damage", "--max-product-sets", "2", "--engine", engine])
    assertSameSet(engine, await productEntries(await readRunProducts(output)), await productEntries(readReference(fixture("reference", "nci100.chemical-damage.max2.gen1.tsv"))))
    assert.strictEqual(summary.products.total, engine === "native" ? 457 : 455)
  })
})

describe("bad coreactant input", () => {
  const header = "Name\tReactants\tSMARTS\tProducts\tComments"
  const rules = path.join(folder, "rules.tsv")
  fs.writeFileSync(rules, `${header}\nhydrolysis\tAny;WATER\t[C:1][O:2].[O:3]>>[C:1][O:3].[O:2]\tAny;Any\t\n`)

  it.each([
    ["a coreactant SMILES that does not parse", "WATER\tWater\tO(\n", "co.tsv:2", /coreactant "WATER": its SMILES does not parse/],
    ["an unknown coreactant ID", "NAD\tNAD\tNC(=O)c1ccc[n+](C)c1\n", "rules.tsv:2", /rule "hydrolysis": unknown coreactant "WATER" \(not in /]
  ])("%s stops the run before any work, naming file, line and reason", (_, coreactants, where, reason) => {
    const file = path.join(folder, "co.tsv")
    fs.writeFileSync(file, `#ID\tName\tSMILES\n${coreactants}`)
    const output = path.join(tempFolder("bad-coreactants"), "out")
    const result = runCli(["--input", nci20, "--rules", rules, "--coreactants", file, "--output", output])
    assert.strictEqual(result.status, 2, result.stderr)
    assert.include(result.stderr, where)
    assert.match(result.stderr, reason)
    assert.isFalse(fs.existsSync(output))
  })

  it("a slot count that does not match the reaction's templates stops the run, naming the line", () => {
    const bad = path.join(folder, "bad-slots.tsv")
    fs.writeFileSync(bad, `${header}\nr\tAny\t[C:1].[O:2]>>[C:1][O:2]\tAny\t\n`)
    const result = runCli(["--input", nci20, "--rules", bad, "--output", path.join(tempFolder("bad-slots"), "out")])
    assert.strictEqual(result.status, 2)
    assert.include(result.stderr, "bad-slots.tsv:2: rule \"r\": 1 reactant slot(s) (Any) for 2 reactant template(s)")
  })
})
