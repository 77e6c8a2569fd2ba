/** The product contract on one RDKit instance, molecule by molecule. */
import { assert, describe, it } from "vitest"
import { canonicalize, compileRules, expandMolecule, hasHydrogenAtom } from "../../src/engine/chemistry.js"
import { KeyCache } from "../../src/engine/keyCache.js"
import { compileRDKit, loadRDKit } from "../../src/engine/rdkit.js"
import { oneLineReason } from "../../src/engine/rdkitText.js"
import { testRDKit } from "../support/rdkit.js"
import { ruleSet } from "../support/ruleSets.js"

/** The smallest valid WebAssembly module: it compiles, and exports nothing RDKit's glue needs. */
const compileEmptyModule = (): Promise<object> => {
  const emptyModule = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])
  return (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<object> } }).WebAssembly.compile(emptyModule)
}

describe("chemistry", () => {
  it("turns RDKit's log into one line without timestamps or repeats", () => {
    const log = "[04:22:03] Can't kekulize mol.  Unkekulized atoms: 0 1\n[04:22:03] Can't kekulize mol.  Unkekulized atoms: 0 1\n"
    assert.strictEqual(oneLineReason(log), "Can't kekulize mol.  Unkekulized atoms: 0 1")
    assert.strictEqual(oneLineReason(""), "")
  })

  it("makes working RDKit instances of one compiled module, and refuses a module that is not RDKit's", async () => {
    const compiled = await compileRDKit()
    const [first, second] = await Promise.all([loadRDKit(compiled), loadRDKit(compiled)])
    assert.strictEqual(first.module.version(), second.module.version())
    assert.deepStrictEqual([canonicalize(first, "OCC"), canonicalize(second, "C(C)O")], [{ ok: true, key: "CCO" }, { ok: true, key: "CCO" }])
    const bad = canonicalize(second, "C1CC")
    assert.isTrue(!bad.ok && /unclosed ring/.test(bad.reason))
    const notRDKit = await compileEmptyModule()
    let refused: unknown
    await loadRDKit(notRDKit).catch((error: unknown) => (refused = error))
    assert.instanceOf(refused, Error)
  })

  it("canonicalizes valid SMILES to one key and explains invalid ones", async () => {
    const rdkit = await testRDKit()
    const a = canonicalize(rdkit, "OC1=CC=CC=C1")
    const b = canonicalize(rdkit, "c1ccccc1O")
    assert.isTrue(a.ok && b.ok && a.key === b.key)
    const bad = canonicalize(rdkit, "C1CC")
    assert.isFalse(bad.ok)
    if (!bad.ok) assert.match(bad.reason, /unclosed ring/)
  })

  it("tells a hydrogen atom from a hydrogen count and from elements whose symbol starts with H", () => {
    for (const smiles of ["[H]O", "[2H]C", "[H+]", "[3H][C@@H](O)C", "O[H]"]) assert.isTrue(hasHydrogenAtom(smiles), smiles)
    for (const smiles of ["[NH4+]", "C[C@H](O)N", "Cl[Hg]C", "[He]", "[Hf]", "[Ho+3]", "[Hs]", "OCC", "[CH2]O"]) assert.isFalse(hasHydrogenAtom(smiles), smiles)
  })

  it("removes hydrogen atoms from a SMILES that has them, and parses one without them to the same key", async () => {
    const rdkit = await testRDKit()
    const keyOf = (smiles: string) => {
      const result = canonicalize(rdkit, smiles)
      return result.ok ? result.key : result.reason
    }
    assert.strictEqual(keyOf("[H]Oc1ccccc1"), "Oc1ccccc1")
    assert.strictEqual(keyOf("[2H]Oc1ccccc1"), "[2H]Oc1ccccc1")
    assert.strictEqual(keyOf("[H][C@](C)(N)C(=O)O"), "C[C@@H](N)C(=O)O")
    assert.strictEqual(keyOf("O=C1C=CC(=O)C=C1"), "O=C1C=CC(=O)C=C1")
  })

  it("gives the same products whatever the key cache remembers from earlier molecules", async () => {
    const rdkit = await testRDKit()
    const compiled = compileRules(rdkit, ruleSet([
      ["methylation", "[c:1][OX2H1:2]>>[c:1][O:2][CH3]"],
      ["sulfation", "[c:1][OX2H1:2]>>[c:1][O:2]S(=O)(=O)O"]
    ]), 1000)
    if (!compiled.ok) return assert.fail(compiled.reason)
    const siblings = ["COc1cc(O)cc(O)c1", "Oc1cc(O)cc(OS(=O)(=O)O)c1", "Oc1cc(O)cc(O)c1"]
    const alone = siblings.map((key) => expandMolecule(rdkit, compiled.rules, KeyCache.create(2), key))
    const shared = KeyCache.create(1000)
    const together = siblings.map((key) => expandMolecule(rdkit, compiled.rules, shared, key))
    assert.deepStrictEqual(together, alone)
    assert.isAbove(shared.size, 0)
    compiled.rules.dispose()
  })

  it("applies each rule to the molecule alone; a multi-product rule gives each molecule as a candidate", async () => {
    const rdkit = await testRDKit()
    const compiled = compileRules(rdkit, ruleSet([
      ["methylation", "[c:1][OX2H1:2]>>[c:1][O:2][CH3]"],
      ["ester_hydrolysis", "[CX3:1](=[OX1:2])[OX2:3][#6:4]>>[C:1](=[O:2])[OH].[OH:3][#6:4]"]
    ]), 1000)
    assert.isTrue(compiled.ok)
    if (!compiled.ok) return
    const products = expandMolecule(rdkit, compiled.rules, KeyCache.create(100), "CC(=O)Oc1ccc(O)cc1")
    const keys = new Set(products.keys)
    assert.isTrue(keys.has("COc1ccc(OC(C)=O)cc1"))
    assert.isTrue(keys.has("CC(=O)O"))
    assert.isTrue(keys.has("Oc1ccc(O)cc1"))
    assert.strictEqual(products.candidates, 3)
    compiled.rules.dispose()
  })

  it("counts a candidate that does not sanitize as invalid", async () => {
    const rdkit = await testRDKit()
    const compiled = compileRules(rdkit, ruleSet([["overload", "[C:1][O:2]>>[C:1](C)(C)(C)(C)[O:2]"]]), 1000)
    if (!compiled.ok) return assert.fail(compiled.reason)
    const products = expandMolecule(rdkit, compiled.rules, KeyCache.create(100), "CCO")
    assert.deepStrictEqual(products.keys, [])
    assert.strictEqual(products.invalidCandidates, products.candidates)
    assert.isAbove(products.candidates, 0)
    compiled.rules.dispose()
  })

  it("rejects a SMARTS RDKit cannot parse, naming the rule's line", async () => {
    const rdkit = await testRDKit()
    const compiled = compileRules(rdkit, ruleSet([["ok", "[c:1][OH:2]>>[c:1][O:2]C"], ["broken", "[c:1][OH:2]>>[c:1][Q:2]"]]), 1000)
    assert.isFalse(compiled.ok)
    if (!compiled.ok) {
      assert.strictEqual(compiled.line, 2)
      assert.match(compiled.reason, /rule "broken": RDKit could not parse the reaction SMARTS: SMARTS Parse Error/)
    }
  })

  it("prepares molecules as the rule set asks: explicit hydrogens for [H] rules, kekulized for bond-explicit rules", async () => {
    const rdkit = await testRDKit()
    const explicit = compileRules(rdkit, ruleSet([["oh", "[O:1][H:2]>>[O:1]C"]], { explicitH: true }), 1000)
    const implicit = compileRules(rdkit, ruleSet([["oh", "[O:1][H:2]>>[O:1]C"]]), 1000)
    const kekule = compileRules(rdkit, ruleSet([["db", "[#6:1]=[#6:2]>>[#6:1][#6:2]"]], { kekulize: true }), 1000)
    if (!explicit.ok || !implicit.ok || !kekule.ok) return assert.fail("rules did not compile")
    assert.include(expandMolecule(rdkit, explicit.rules, KeyCache.create(100), "Oc1ccccc1").keys, "COc1ccccc1")
    assert.deepStrictEqual(expandMolecule(rdkit, implicit.rules, KeyCache.create(100), "Oc1ccccc1").keys, [])
    assert.isAbove(expandMolecule(rdkit, kekule.rules, KeyCache.create(100), "Oc1ccccc1").keys.length, 0)
    for (const c of [explicit, implicit, kekule]) c.rules.dispose()
  })
})
