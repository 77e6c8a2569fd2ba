/**
 * Pickaxe's judgement of a product set of a rule with coreactants, as pure rules: the left side filled by slot, a set
 * counted only as a whole (every `Any` product valid and in one piece, none a reactant, atoms balanced with charges
 * taken off the hydrogens), and the formal charge a raw SMILES writes.
 */
import { assert, describe, it } from "vitest"
import { chargeOfSmiles, judgeProductSet, type ReactantMolecule, reactionSides } from "../../src/engine/coreactantRules.js"

const water: ReactantMolecule = { key: "O", counts: { H: 2, O: 1 }, charge: 0 }
const nadPlus: ReactantMolecule = { key: "NAD+", counts: { C: 21, H: 28, N: 7, O: 14, P: 2 }, charge: 1 }
const nadh: ReactantMolecule = { key: "NADH", counts: { C: 21, H: 29, N: 7, O: 14, P: 2 }, charge: 0 }
const coreactants = new Map([["WATER", water], ["NAD", nadPlus], ["NADH", nadh]])
const ester: ReactantMolecule = { key: "CC(=O)OC", counts: { C: 3, H: 6, O: 2 }, charge: 0 }

/** Keys and formulas of the products the examples give, as RDKit would read them. */
const formulas: Record<string, Record<string, number>> = {
  "CC(=O)O": { C: 2, H: 4, O: 2 },
  CO: { C: 1, H: 4, O: 1 },
  "CC(=O)OC": { C: 3, H: 6, O: 2 },
  "C=O": { C: 1, H: 2, O: 1 }
}
const keyOf = (raw: string) => (raw === "bad" ? null : raw)
const countsOf = (key: string) => formulas[key]

describe("reactionSides", () => {
  it("fills every Any slot with the molecule and every other with its coreactant, charges off the hydrogens", () => {
    const sides = reactionSides({ reactants: ["Any", "NAD"], products: ["NADH", "Any"] }, ester, coreactants)
    assert.deepStrictEqual(sides.left, { C: 24, H: 33, O: 16, N: 7, P: 2 })
    assert.deepStrictEqual([...sides.reactantKeys].sort(), ["CC(=O)OC", "NAD+"])
  })
})

describe("judgeProductSet", () => {
  const hydrolysis = reactionSides({ reactants: ["Any", "WATER"], products: ["Any", "Any"] }, ester, coreactants)
  const judge = (raws: ReadonlyArray<string | null>, sides = hydrolysis) =>
    judgeProductSet(sides, raws.map((raw) => ({ raw, charge: 0 })), coreactants, keyOf, countsOf)

  it("counts a balanced set, giving its Any products in slot order", () => {
    assert.deepStrictEqual(judge(["CC(=O)O", "CO"]), ["CC(=O)O", "CO"])
  })

  it.each([
    ["an invalid Any product", ["CC(=O)O", "bad"]],
    ["an Any product RDKit could not write", ["CC(=O)O", null]],
    ["an Any product in two pieces", ["CC(=O)O.CO", "CO"]],
    ["an Any product equal to a reactant", ["CC(=O)OC", "O"]],
    ["a set whose atoms do not balance", ["CC(=O)O", "C=O"]]
  ])("refuses the whole set for %s", (_, raws) => {
    assert.isUndefined(judge(raws))
  })

  it("balances a coreactant product and the charges on both sides", () => {
    // Methanol oxidized by NAD+: CH4O + NAD+ (its charge taken off its hydrogens) against NADH + CH2O.
    const methanol: ReactantMolecule = { key: "CO", counts: { C: 1, H: 4, O: 1 }, charge: 0 }
    const sides = reactionSides({ reactants: ["Any", "NAD"], products: ["NADH", "Any"] }, methanol, coreactants)
    const balanced = [{ raw: "NADH", charge: 0 }, { raw: "C=O", charge: 0 }]
    assert.deepStrictEqual(judgeProductSet(sides, balanced, coreactants, keyOf, countsOf), ["C=O"])
    const charged = [{ raw: "NADH", charge: 0 }, { raw: "C=O", charge: 1 }]
    assert.isUndefined(judgeProductSet(sides, charged, coreactants, keyOf, countsOf))
  })

  it("refuses a set whose coreactant slot names a coreactant that is also a reactant", () => {
    const sides = reactionSides({ reactants: ["Any", "WATER"], products: ["Any", "WATER"] }, ester, coreactants)
    assert.isUndefined(judgeProductSet(sides, [{ raw: "CC(=O)OC", charge: 0 }, { raw: "O", charge: 0 }], coreactants, keyOf, countsOf))
  })
})

describe("chargeOfSmiles", () => {
  it.each([
    ["CCO", 0],
    ["C[N+](C)(C)C", 1],
    ["[O-]C(=O)C-C", -1],
    ["[Fe++]", 2],
    ["[Fe+3].[Cl-].[Cl-].[Cl-]", 0],
    ["[O--]", -2],
    ["[NH4+].[13CH3-]", 0],
    ["C[C@@H](N)C(=O)[O-]", -1],
    ["[Co-3]", -3]
  ] as const)("%s has formal charge %i", (smiles, charge) => {
    assert.strictEqual(chargeOfSmiles(smiles), charge)
  })
})
