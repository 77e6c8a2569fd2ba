/**
 * The product filters as pure rules (verdicts, `--elements` parsing, the fingerprint's words, the memory of verdicts)
 * and each engine's reading of a molecule's composition against native RDKit's own (`GetNumHeavyAtoms`,
 * `Descriptors.MolWt`, `CalcMolFormula`, `GetFormalCharge`, printed by python3-rdkit 2022.09.3).
 */
import { assert, describe, it } from "vitest"
import { composeMolecule } from "../../src/engine/chemistry.js"
import {
  type Composition,
  compositionOfJson,
  describeFilters,
  filterOf,
  filtersOf,
  judgeOf,
  parseElements,
  passes,
  verdictOf
} from "../../src/engine/filters.js"
import { loadNativeAddon } from "../../src/engine/native/addon.js"
import { engines } from "../support/engines.js"
import { testRDKit } from "../support/rdkit.js"

/** key, heavy atoms, MolWt, elements: as native RDKit 2022.09.3 gives them. */
const reference: ReadonlyArray<readonly [string, number, number, ReadonlyArray<string>]> = [
  ["Oc1ccccc1", 7, 94.11299999999999, ["C", "H", "O"]],
  ["c1cc[nH]c1", 5, 67.091, ["C", "H", "N"]],
  ["CC(=O)O[Hg]c1ccccc1", 11, 336.74000000000007, ["C", "H", "Hg", "O"]],
  ["[2H]C([2H])([2H])O", 2, 35.060305334000006, ["C", "H", "O"]],
  ["[Cl-].[NH4+]", 2, 53.492000000000004, ["Cl", "H", "N"]],
  ["C[13CH2]O", 3, 47.06135484000001, ["C", "H", "O"]],
  ["O", 1, 18.015, ["H", "O"]],
  ["*CC", 2, 29.061999999999998, ["*", "C", "H"]]
]

const compose = (engine: "wasm" | "native") => async (key: string): Promise<Composition | undefined> => {
  if (engine === "wasm") return composeMolecule(await testRDKit(), key)
  const loaded = loadNativeAddon()
  if (!loaded.ok) throw new Error(loaded.reason)
  return loaded.addon.compose(key) ?? undefined
}

describe.each(engines)("the %s engine's composition of a molecule", (engine) => {
  it.each(reference)("%s: %i heavy atoms, MolWt %d, elements %j", async (key, heavyAtoms, molWt, elements) => {
    const composition = await compose(engine)(key)
    assert.isDefined(composition)
    assert.strictEqual(composition!.heavyAtoms, heavyAtoms)
    assert.closeTo(composition!.molWt, molWt, 1e-9)
    assert.deepStrictEqual(Object.keys(composition!.counts).sort(), elements)
  })

  it.each([
    ["Oc1ccccc1", { C: 6, H: 6, O: 1 }, 0],
    ["c1cc[nH]c1", { C: 4, H: 5, N: 1 }, 0],
    ["[2H]C([2H])([2H])O", { C: 1, H: 4, O: 1 }, 0],
    ["[Cl-].[NH4+]", { Cl: 1, H: 4, N: 1 }, 0],
    ["NC(=O)c1ccc[n+](C)c1", { C: 7, H: 9, N: 2, O: 1 }, 1],
    ["[O-][N+](=O)c1ccccc1", { C: 6, H: 5, N: 1, O: 2 }, 0]
  ] as ReadonlyArray<readonly [string, Record<string, number>, number]>)("%s: the formula and formal charge RDKit gives", async (key, counts, charge) => {
    const composition = await compose(engine)(key)
    assert.deepStrictEqual({ ...composition!.counts }, counts)
    assert.strictEqual(composition!.charge, charge)
  })

  it("is undefined for a key that does not parse", async () => {
    assert.isUndefined(await compose(engine)("C1CC"))
  })
})

const phenol: Composition = { heavyAtoms: 7, molWt: 94.113, counts: { C: 6, H: 6, O: 1 }, charge: 0 }

describe("verdictOf", () => {
  it.each([
    ["no filter", {}, passes],
    ["heavy atoms at the limit", { maxHeavyAtoms: 7 }, passes],
    ["heavy atoms over the limit", { maxHeavyAtoms: 6 }, 1],
    ["weight at the limit", { maxMw: 94.113 }, passes],
    ["weight over the limit", { maxMw: 94 }, 2],
    ["only allowed elements", { elements: ["C", "H", "O", "N"] }, passes],
    ["an element not allowed", { elements: ["C", "O"] }, 3],
    ["the first failed filter, in flag order", { maxHeavyAtoms: 6, maxMw: 50, elements: ["C"] }, 1]
  ] as const)("%s", (_, filters, verdict) => {
    assert.strictEqual(verdictOf(filters, phenol), verdict)
  })

  it("names each verdict's filter", () => {
    assert.deepStrictEqual([1, 2, 3].map(filterOf), ["max-heavy-atoms", "max-mw", "elements"])
    assert.isUndefined(filterOf(passes))
  })
})

describe("parseElements", () => {
  it.each([
    ["C,H,N,O", ["C", "H", "N", "O"]],
    [" C , H ,Cl,C", ["C", "H", "Cl"]]
  ])("reads %j", (list, elements) => {
    assert.deepStrictEqual(parseElements(list), { ok: true, elements })
  })

  it.each([
    ["C,CL,Xx", /not element symbols: CL, Xx/],
    [",", /must list element symbols/]
  ])("refuses %j, saying why", (list, reason) => {
    const parsed = parseElements(list)
    assert.isFalse(parsed.ok)
    if (!parsed.ok) assert.match(parsed.reason, reason)
  })
})

describe("filtersOf and describeFilters", () => {
  it("keeps only the filters asked for, and names them in flag order", () => {
    const none = filtersOf({ maxHeavyAtoms: undefined, maxMw: undefined, elements: undefined })
    assert.deepStrictEqual(none, {})
    assert.strictEqual(describeFilters(none), "")
    const all = filtersOf({ maxHeavyAtoms: 30, maxMw: 500.5, elements: "C,H,O" })
    assert.deepStrictEqual(all, { maxHeavyAtoms: 30, maxMw: 500.5, elements: ["C", "H", "O"] })
    assert.strictEqual(describeFilters(all), "max-heavy-atoms=30;max-mw=500.5;elements=C,H,O")
  })
})

describe("judgeOf", () => {
  it("asks for each key's composition once while it remembers it, and never without filters", () => {
    const asked: Array<string> = []
    const compose = (key: string) => {
      asked.push(key)
      return key === "big" ? { ...phenol, heavyAtoms: 40 } : phenol
    }
    const judge = judgeOf({ maxHeavyAtoms: 30 }, compose, 2)
    assert.deepStrictEqual(["big", "small", "big", "small"].map(judge), [1, passes, 1, passes])
    assert.deepStrictEqual(asked, ["big", "small"])
    // Full, the memory starts again: a third key empties it.
    judge("other")
    judge("big")
    assert.deepStrictEqual(asked, ["big", "small", "other", "big"])
    const unfiltered = judgeOf({}, compose, 2)
    assert.strictEqual(unfiltered("big"), passes)
    assert.lengthOf(asked, 4)
  })

  it("lets a key its RDKit cannot read again pass", () => {
    assert.strictEqual(judgeOf({ maxMw: 1 }, () => undefined, 10)("C1CC"), passes)
  })
})

describe("compositionOfJson", () => {
  it("asks RDKit for the weight only when an atom carries an isotope", () => {
    let asked = 0
    const json = (atoms: string) =>
      `{"defaults":{"atom":{"z":6,"impHs":0,"chg":0,"nRad":0,"isotope":0}},"molecules":[{"atoms":[${atoms}]}]}`
    const plain = compositionOfJson(json(`{"impHs":3},{"z":8,"impHs":1}`), () => ++asked)
    assert.closeTo(plain.molWt, 32.042, 1e-9)
    assert.strictEqual(asked, 0)
    const labelled = compositionOfJson(json(`{"impHs":3,"isotope":13},{"z":8,"impHs":1}`), () => ++asked)
    assert.strictEqual(labelled.molWt, 1)
    assert.strictEqual(labelled.heavyAtoms, 2)
  })
})
