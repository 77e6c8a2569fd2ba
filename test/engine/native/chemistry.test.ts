/** The product contract on the native addon, molecule by molecule: the same answers as the WebAssembly path's. */
import { assert, describe, it } from "vitest"
import { KeyCache } from "../../../src/engine/keyCache.js"
import { loadNativeAddon, type NativeAddon } from "../../../src/engine/native/addon.js"
import { canonicalize, compileRules, drawMolecule, expandMolecule } from "../../../src/engine/native/chemistry.js"
import { nativeAvailable } from "../../support/engines.js"
import { type Preparation, ruleSet } from "../../support/ruleSets.js"

const addon = (): NativeAddon => {
  const loaded = loadNativeAddon()
  if (!loaded.ok) throw new Error(loaded.reason)
  return loaded.addon
}

const compiled = (rules: Array<[string, string]>, prepare: Preparation = {}) => {
  const result = compileRules(addon(), ruleSet(rules, prepare), 1000)
  if (!result.ok) throw new Error(result.reason)
  return result.rules
}

describe.skipIf(!nativeAvailable)("native chemistry", () => {
  it.each([
    ["c1ccccc1O", { ok: true, key: "Oc1ccccc1" }],
    ["OC1=CC=CC=C1", { ok: true, key: "Oc1ccccc1" }],
    ["[H]Oc1ccccc1", { ok: true, key: "Oc1ccccc1" }],
    ["C1CC", { ok: false, reason: "SMILES Parse Error: unclosed ring for input: 'C1CC'" }],
    ["CN(C)(C)(C)C", { ok: false, reason: "Explicit valence for atom # 1 N, 5, is greater than permitted" }],
    ["c1cccc1", { ok: false, reason: "Can't kekulize mol.  Unkekulized atoms: 0 1 2 3 4" }]
  ])("canonicalizes %s as the reference does, or says why not", (smiles, expected) => {
    assert.deepStrictEqual(canonicalize(addon(), smiles), expected)
  })

  it("reads a molfile, its explicit hydrogens removed", () => {
    const molfile = ["water", "  test", "", "  3  2  0  0  0  0  0  0  0  0999 V2000",
      "    0.0000    0.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0",
      "    1.0000    0.0000    0.0000 H   0  0  0  0  0  0  0  0  0  0  0  0",
      "   -1.0000    0.0000    0.0000 H   0  0  0  0  0  0  0  0  0  0  0  0",
      "  1  2  1  0", "  1  3  1  0", "M  END"].join("\n")
    assert.deepStrictEqual(canonicalize(addon(), molfile), { ok: true, key: "O" })
  })

  it("applies each rule to the molecule alone, each distinct product once with the first rule that gave it", () => {
    const rules = compiled([
      ["methylation", "[c:1][OX2H1:2]>>[c:1][O:2][CH3]"],
      ["ester_hydrolysis", "[CX3:1](=[OX1:2])[OX2:3][#6:4]>>[C:1](=[O:2])[OH].[OH:3][#6:4]"],
      ["methylation_again", "[c:1][OX2H1:2]>>[c:1][O:2][CH3]"]
    ])
    const products = expandMolecule(addon(), rules, KeyCache.create(100), "CC(=O)Oc1ccc(O)cc1")
    assert.deepStrictEqual(products.keys, ["COc1ccc(OC(C)=O)cc1", "CC(=O)O", "Oc1ccc(O)cc1"])
    assert.deepStrictEqual(products.rules, [0, 1, 1])
    assert.strictEqual(products.candidates, 4)
    assert.strictEqual(products.invalidCandidates, 0)
  })

  it("counts every candidate that does not sanitize as invalid, however many times its SMILES comes", () => {
    const rules = compiled([["overload", "[C:1][O:2]>>[C:1](C)(C)(C)(C)[O:2]"]])
    const products = expandMolecule(addon(), rules, KeyCache.create(100), "OCCO")
    assert.deepStrictEqual(products.keys, [])
    assert.strictEqual(products.candidates, 2)
    assert.strictEqual(products.invalidCandidates, 2)
  })

  it("gives the same products whatever the key cache remembers from earlier molecules", () => {
    const rules = compiled([["methylation", "[c:1][OX2H1:2]>>[c:1][O:2][CH3]"]])
    const cache = KeyCache.create(4)
    const first = expandMolecule(addon(), rules, cache, "Oc1ccc(O)cc1")
    expandMolecule(addon(), rules, cache, "Oc1ccccc1O")
    assert.deepStrictEqual(expandMolecule(addon(), rules, cache, "Oc1ccc(O)cc1"), first)
  })

  it("prepares molecules as the rule set asks: explicit hydrogens, and Kekulé structures without aromatic flags", () => {
    const hydrogenRule: Array<[string, string]> = [["h_to_f", "[C:1][H:2]>>[C:1][F:2]"]]
    assert.deepStrictEqual(expandMolecule(addon(), compiled(hydrogenRule), KeyCache.create(10), "CC").keys, [])
    assert.deepStrictEqual(expandMolecule(addon(), compiled(hydrogenRule, { explicitH: true }), KeyCache.create(10), "CC").keys, ["CCF"])
    const doubleBondRule: Array<[string, string]> = [["epoxidation", "[C:1]=[C:2]>>[C:1]1O[C:2]1"]]
    assert.deepStrictEqual(expandMolecule(addon(), compiled(doubleBondRule), KeyCache.create(10), "c1ccccc1").keys, [])
    assert.deepStrictEqual(expandMolecule(addon(), compiled(doubleBondRule, { kekulize: true }), KeyCache.create(10), "c1ccccc1").keys, ["C1=CC2OC2C=C1"])
  })

  it("rejects a SMARTS RDKit cannot parse, naming the rule's line", () => {
    const result = compileRules(addon(), ruleSet([["ok", "[c:1][OH:2]>>[c:1][O:2]C"], ["broken", "[c:1][OH:2]>>[c:1][Q:2]"]]), 1000)
    assert.isFalse(result.ok)
    if (!result.ok) {
      assert.strictEqual(result.line, 2)
      assert.match(result.reason, /^rule "broken": RDKit could not parse the reaction SMARTS: .+/)
    }
  })

  it("draws a molecule as SVG, and nothing for one it cannot read", () => {
    assert.match(drawMolecule(addon(), "Oc1ccccc1", { width: 200, height: 150 }) ?? "", /^<svg[^>]*width='200px' height='150px'/)
    assert.isNull(drawMolecule(addon(), "C1CC", { width: 200, height: 150 }))
  })
})
