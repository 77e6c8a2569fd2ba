/** Kekulé structures as the reference RDKit (2022.09) gives them, and the SMILES that carries one into RDKit. */
import * as fs from "node:fs"
import { assert, describe, it } from "vitest"
import { compileRules, expandMolecule, parseKekulized } from "../../src/engine/chemistry.js"
import { kekuleDoubleBonds } from "../../src/engine/kekule.js"
import { referenceKekuleSmiles, smilesLayout, writeKekuleSmiles } from "../../src/engine/kekuleSmiles.js"
import { KeyCache } from "../../src/engine/keyCache.js"
import { testRDKit } from "../support/rdkit.js"

const fixture = (...parts: Array<string>) => new URL(`../fixtures/${parts.join("/")}`, import.meta.url)

/** Double bonds of an RDKit JSON molecule, as sorted "low-high" atom pairs. */
const doubleBondsOf = (json: string): Array<string> => {
  const molecule = JSON.parse(json).molecules[0] as { bonds: Array<{ atoms: [number, number]; bo?: number }> }
  return molecule.bonds
    .filter((bond) => bond.bo === 2)
    .map(({ atoms: [a, b] }) => (a < b ? `${a}-${b}` : `${b}-${a}`))
    .sort()
}

describe("the SMILES layout", () => {
  it("numbers atoms in order and finds chain, branch and ring-closure bonds with their written symbols", () => {
    const layout = smilesLayout("C%10=CC(Cl)=C[nH]1.c1%10")
    assert.isDefined(layout)
    assert.deepStrictEqual(layout!.atoms.map((atom) => atom.text), ["C", "C", "C", "Cl", "C", "[nH]", "c"])
    assert.deepStrictEqual(
      layout!.bonds.map((bond) => [bond.begin, bond.end, bond.symbol]),
      [[0, 1, "="], [1, 2, ""], [2, 3, ""], [2, 4, "="], [4, 5, ""], [5, 6, ""], [0, 6, ""]]
    )
  })

  it("refuses what it cannot rewrite: dative bonds, unclosed rings and brackets", () => {
    for (const smiles of ["C->[Fe]", "C1CC", "C[NH", "C(C"]) assert.isUndefined(smilesLayout(smiles), smiles)
  })

  it("writes aromatic atoms in capitals, the chosen bonds as double, and frees a pyrrole hydrogen", () => {
    const smiles = "c1cc[nH]c1-c1cc[n+]([O-])[se]1"
    const layout = smilesLayout(smiles)!
    const pair = (a: number, b: number) => a * layout.atoms.length + b
    const aromatic = new Set([pair(0, 1), pair(1, 2), pair(2, 3), pair(3, 4), pair(0, 4), pair(5, 6), pair(6, 7), pair(7, 8), pair(8, 10), pair(5, 10)])
    const doubles = new Set([pair(0, 4), pair(1, 2), pair(5, 6), pair(7, 8)])
    assert.strictEqual(writeKekuleSmiles(smiles, layout, aromatic, doubles), "C1C=CNC=1-C1=CC=[N+]([O-])[Se]1")
  })
})

describe("Kekulé structures", () => {
  for (const name of ["nci_phenols", "ring-systems"]) {
    it(`are those native RDKit 2022.09 gives (the reference's Chem.Kekulize) for every molecule of ${name}`, async () => {
      const rdkit = await testRDKit()
      const rows = fs.readFileSync(fixture("reference", `${name}.rings.tsv`), "utf8").trim().split("\n").map((line) => line.split("\t"))
      assert.isAbove(rows.length, 20)
      const differ: Array<string> = []
      for (const [key, , expected] of rows) {
        const mol = parseKekulized(rdkit, key!)
        if (mol === null) return assert.fail(`${key} did not parse`)
        const json = mol.get_json()
        mol.delete()
        if (doubleBondsOf(json).join(",") !== (expected ?? "").split(",").filter(Boolean).sort().join(",")) differ.push(key!)
      }
      assert.deepStrictEqual(differ, [])
    })
  }

  it("start from the first atom of the system's first ring in RDKit 2022.09's order, not RDKit 2026's", async () => {
    const rdkit = await testRDKit()
    // Native RDKit 2022.09 lists the rings (1,9,5,4,3,2), (6,5,9,8,7) and gives 1-2, 3-4, 5-9, 7-8; RDKit 2026
    // lists [5,6,7,8,9], [1,2,3,4,5,9] and gives 1-9, 2-3, 4-5, 7-8.
    const mol = parseKekulized(rdkit, "Oc1ncnc2[nH]ncc12")!
    assert.deepStrictEqual(doubleBondsOf(mol.get_json()), ["1-2", "3-4", "5-9", "7-8"])
    mol.delete()
  })

  it("give none for a molecule without aromatic atoms, and all single bonds stay as they were", async () => {
    const rdkit = await testRDKit()
    const mol = rdkit.module.get_mol("C1=CCCC=C1")!
    const kekule = referenceKekuleSmiles("C1=CCCC=C1", mol.get_json())
    mol.delete()
    assert.strictEqual(kekule, "C1=CCCC=C1")
    assert.deepStrictEqual(kekuleDoubleBonds({ atoms: [], bonds: [], rings: [] }), new Set())
  })

  it("fall back to RDKit's own structure for a SMILES the rewrite refuses", async () => {
    const rdkit = await testRDKit()
    const key = "c1ccccc1->[Fe]"
    const probe = rdkit.module.get_mol(key)
    if (probe === null) return assert.fail("RDKit no longer parses a dative bond")
    // RDKit writes this molecule's key with a dative bond, which the rewrite does not handle.
    assert.isUndefined(referenceKekuleSmiles(probe.get_smiles(), probe.get_json()))
    const mol = parseKekulized(rdkit, probe.get_smiles())!
    assert.strictEqual(doubleBondsOf(mol.get_json()).length, 3)
    mol.delete()
    probe.delete()
  })

  it("decide the products of a bond-explicit rule: the reference's, not those of RDKit 2026's structure", async () => {
    const rdkit = await testRDKit()
    // MINE MetaCyc rule0019. Native RDKit 2022.09 gives only water on this molecule; on RDKit 2026's own Kekulé
    // structure the rule also gives NNC(=O)C1=C=C=CC(N)=C1.
    const compiled = compileRules(rdkit, {
      source: "test",
      rules: [{ name: "rule0019", smarts: "[#6:1]-[#6:2]-[#8:3]>>[#6:1]=[#6:2].[#8:3]", line: 1 }],
      explicitH: false,
      kekulize: true
    }, 1000)
    if (!compiled.ok) return assert.fail(compiled.reason)
    assert.deepStrictEqual(expandMolecule(rdkit, compiled.rules, KeyCache.create(100), "NNC(=O)c1cc(N)ccc1O").keys, ["O"])
    compiled.rules.dispose()
  })
})
