/** Rings in the order native RDKit 2022.09 perceives them, which decides where its Kekulé walk starts. */
import * as fs from "node:fs"
import { assert, describe, it } from "vitest"
import { symmetrizedSssr } from "../../src/engine/sssr.js"
import { testRDKit } from "../support/rdkit.js"

const reference = (name: string) =>
  fs.readFileSync(new URL(`../fixtures/reference/${name}.rings.tsv`, import.meta.url), "utf8").trim().split("\n")
    .map((line) => line.split("\t") as [string, string, string])

describe("symmetrizedSssr", () => {
  for (const name of ["nci_phenols", "ring-systems"]) {
    it(`gives native RDKit 2022.09's rings, in its order, for every molecule of ${name}`, async () => {
      const rdkit = await testRDKit()
      const rows = reference(name)
      assert.isAbove(rows.length, 20)
      const differ: Array<string> = []
      for (const [key, rings] of rows) {
        const mol = rdkit.module.get_mol(key)
        if (mol === null) return assert.fail(`${key} did not parse`)
        const molecule = JSON.parse(mol.get_json()).molecules[0] as { atoms: Array<unknown>; bonds: Array<{ atoms: [number, number] }> }
        mol.delete()
        const found = symmetrizedSssr(molecule.atoms.length, molecule.bonds.map(({ atoms: [begin, end] }) => ({ begin, end })))
        if (found?.map((ring) => ring.join(",")).join(";") !== rings) differ.push(key)
      }
      assert.deepStrictEqual(differ, [])
    })
  }

  it("finds cubane's six faces: five from the search, the sixth given back by symmetrization", () => {
    // Cubane: atoms 0-7, 12 bonds, cyclomatic number 5.
    const pairs = [[0, 1], [1, 2], [2, 3], [3, 0], [4, 5], [5, 6], [6, 7], [7, 4], [0, 4], [1, 5], [2, 6], [3, 7]] as const
    const rings = symmetrizedSssr(8, pairs.map(([begin, end]) => ({ begin, end })))
    assert.strictEqual(rings?.length, 6)
    assert.isTrue(rings!.every((ring) => ring.length === 4))
  })

  it("finds no ring in a chain or a molecule of two atoms", () => {
    assert.deepStrictEqual(symmetrizedSssr(4, [{ begin: 0, end: 1 }, { begin: 1, end: 2 }, { begin: 2, end: 3 }]), [])
    assert.deepStrictEqual(symmetrizedSssr(2, [{ begin: 0, end: 1 }]), [])
  })
})
