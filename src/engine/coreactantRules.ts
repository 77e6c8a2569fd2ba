/**
 * How a rule with coreactants judges what RunReactants gives (the product contract's "Rules with coreactants", as
 * Pickaxe judges it): a product set counts as a whole or not at all. It counts when every product in an `Any` slot
 * is valid and one molecule, no product is one of the reactants, and the reaction is atom-balanced: each side's
 * element counts (hydrogens included), with each side's hydrogens reduced by the formal charges of its molecules as
 * given to and returned by RunReactants, are equal. Pure: the engines run the reaction and read molecules; this
 * decides.
 */
import { anySlot, type Coreactant, type RuleSet, type RuleSlots } from "./rules.js"

/** Element counts of a molecule, hydrogens included (its molecular formula). */
export type ElementCounts = Readonly<Record<string, number>>

/** What the judgement needs of a molecule: its key, its formula and its formal charge. */
export interface ReactantMolecule {
  readonly key: string
  readonly counts: ElementCounts
  readonly charge: number
}

/** A product as RunReactants gave it: its raw SMILES (null when RDKit could not write it) and its formal charge. */
export interface RawProduct {
  readonly raw: string | null
  readonly charge: number
}

/** What every product set of one rule on one molecule is judged against. */
export interface ReactionSides {
  readonly slots: RuleSlots
  readonly reactantKeys: ReadonlySet<string>
  /** The left side's element counts, hydrogens reduced by its formal charges. */
  readonly left: ElementCounts
}

const add = (into: Record<string, number>, counts: ElementCounts, times = 1): void => {
  for (const [element, n] of Object.entries(counts)) into[element] = (into[element] ?? 0) + n * times
}

/** The rule's left side on `molecule`: every `Any` slot holds the molecule, every other its coreactant. */
export const reactionSides = (
  slots: RuleSlots,
  molecule: ReactantMolecule,
  coreactants: ReadonlyMap<string, ReactantMolecule>
): ReactionSides => {
  const left: Record<string, number> = {}
  const reactantKeys = new Set<string>()
  for (const slot of slots.reactants) {
    const reactant = slot === anySlot ? molecule : coreactants.get(slot)!
    reactantKeys.add(reactant.key)
    add(left, reactant.counts)
    left["H"] = (left["H"] ?? 0) - reactant.charge
  }
  return { slots, reactantKeys, left }
}

const sameCounts = (a: ElementCounts, b: ElementCounts): boolean => {
  const nonzero = (counts: ElementCounts) => Object.entries(counts).filter(([, n]) => n !== 0)
  const left = nonzero(a)
  return left.length === nonzero(b).length && left.every(([element, n]) => b[element] === n)
}

/**
 * The keys of the set's `Any` products, in slot order, when the set counts; undefined when it does not. `keyOf`
 * gives a raw SMILES' key (null: invalid), `countsOf` a key's formula.
 */
export const judgeProductSet = (
  sides: ReactionSides,
  products: ReadonlyArray<RawProduct>,
  coreactants: ReadonlyMap<string, ReactantMolecule>,
  keyOf: (raw: string) => string | null,
  countsOf: (key: string) => ElementCounts | undefined
): ReadonlyArray<string> | undefined => {
  const right: Record<string, number> = {}
  const keys: Array<string> = []
  for (let j = 0; j < products.length; j++) {
    const product = products[j]!
    right["H"] = (right["H"] ?? 0) - product.charge
    const slot = sides.slots.products[j]
    if (slot !== anySlot) {
      const coreactant = slot === undefined ? undefined : coreactants.get(slot)
      if (coreactant === undefined || sides.reactantKeys.has(coreactant.key)) return undefined
      add(right, coreactant.counts)
      continue
    }
    const key = product.raw === null ? null : keyOf(product.raw)
    if (key === null || key.includes(".") || sides.reactantKeys.has(key)) return undefined
    const counts = countsOf(key)
    if (counts === undefined) return undefined
    keys.push(key)
    add(right, counts)
  }
  return sameCounts(right, sides.left) ? keys : undefined
}

/**
 * The sum of the formal charges a SMILES writes: each bracket atom's `+`, `++`, `+2`, `-`, `--`, `-3`. Outside
 * brackets `-` is a bond and `+` cannot occur, and inside them nothing else uses either sign, so the text alone
 * says it; RDKit's WebAssembly build cannot write JSON (or anything that kekulizes) for some raw products.
 */
export const chargeOfSmiles = (smiles: string): number => {
  let charge = 0
  let inBracket = false
  for (let i = 0; i < smiles.length; i++) {
    const c = smiles[i]
    if (c === "[") inBracket = true
    else if (c === "]") inBracket = false
    else if (inBracket && (c === "+" || c === "-")) {
      const sign = c === "+" ? 1 : -1
      let digits = ""
      while (i + 1 < smiles.length && /[0-9]/.test(smiles[i + 1]!)) digits += smiles[++i]
      charge += sign * (digits === "" ? 1 : Number(digits))
    }
  }
  return charge
}

/** A key's formula, read once per molecule however many product sets name the key. */
export const formulasOnce = (read: (key: string) => ElementCounts | undefined): ((key: string) => ElementCounts | undefined) => {
  const formulas = new Map<string, ElementCounts | undefined>()
  return (key) => {
    if (!formulas.has(key)) formulas.set(key, read(key))
    return formulas.get(key)
  }
}

/** Why a rule set cannot start: a coreactant RDKit cannot read, named by its file and line. */
export const unreadableCoreactant = (ruleSet: RuleSet, coreactant: Coreactant, reason: string) => ({
  ok: false as const,
  file: ruleSet.coreactants?.source ?? ruleSet.source,
  line: coreactant.line,
  reason: `coreactant "${coreactant.id}": its SMILES does not parse: ${reason}`
})

/** How many candidates a product set of the rule holds: its `Any` products. */
export const anyProducts = (slots: RuleSlots): number => slots.products.filter((slot) => slot === anySlot).length
