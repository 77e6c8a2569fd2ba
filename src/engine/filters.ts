/**
 * The product filters, Pickaxe's way of keeping generations in bounds: `--max-heavy-atoms N`, `--max-mw X` (RDKit's
 * `MolWt` of the key's molecule) and `--elements C,H,N,O` (only these elements). A product that fails one is neither
 * written nor expanded, and no edge of the reaction network leads to it; inputs are never judged. The verdict depends
 * on the key alone, so each worker remembers it for the keys it met.
 */
import type { ElementCounts } from "./coreactantRules.js"
import { periodicTable } from "./periodicTable.js"

/** The filters in force; a filter not asked for is absent (so the value travels to a cluster's runners as it is). */
export interface ProductFilters {
  readonly maxHeavyAtoms?: number
  readonly maxMw?: number
  /** Element symbols allowed; hydrogen must be listed for any molecule with hydrogens to pass. */
  readonly elements?: ReadonlyArray<string>
}

/** The filters a run's settings ask for; `elements` must already be valid (`parseElements`). */
export const filtersOf = (settings: {
  readonly maxHeavyAtoms: number | undefined
  readonly maxMw: number | undefined
  readonly elements: string | undefined
}): ProductFilters => {
  const elements = settings.elements === undefined ? undefined : parseElements(settings.elements)
  return {
    ...(settings.maxHeavyAtoms === undefined ? {} : { maxHeavyAtoms: settings.maxHeavyAtoms }),
    ...(settings.maxMw === undefined ? {} : { maxMw: settings.maxMw }),
    ...(elements?.ok === true ? { elements: elements.elements } : {})
  }
}

/** The filters in words, for the fingerprint and the summary: `max-mw=500;elements=C,H,O`, or "" for none. */
export const describeFilters = (filters: ProductFilters): string =>
  [
    ...(filters.maxHeavyAtoms === undefined ? [] : [`max-heavy-atoms=${filters.maxHeavyAtoms}`]),
    ...(filters.maxMw === undefined ? [] : [`max-mw=${filters.maxMw}`]),
    ...(filters.elements === undefined ? [] : [`elements=${filters.elements.join(",")}`])
  ].join(";")

/** The filters by their flags, in the order they are judged: a verdict is 1 + the index of the first one failed. */
export const filterNames = ["max-heavy-atoms", "max-mw", "elements"] as const
export type FilterName = (typeof filterNames)[number]

/** A verdict: the molecule passes every filter. */
export const passes = 0

export const hasFilters = (filters: ProductFilters): boolean =>
  filters.maxHeavyAtoms !== undefined || filters.maxMw !== undefined || filters.elements !== undefined

/** What a molecule (the key's, hydrogens implicit) is made of: what the filters and the atom balance look at. */
export interface Composition {
  readonly heavyAtoms: number
  /** Average molecular weight, as RDKit's `MolWt`. */
  readonly molWt: number
  /** Its molecular formula: atoms by element symbol, hydrogens included. */
  readonly counts: ElementCounts
  /** The sum of its atoms' formal charges. */
  readonly charge: number
}

/** `passes`, or 1 + the index in `filterNames` of the first filter the molecule fails (limits are inclusive). */
export const verdictOf = (filters: ProductFilters, composition: Composition): number => {
  if (filters.maxHeavyAtoms !== undefined && composition.heavyAtoms > filters.maxHeavyAtoms) return 1
  if (filters.maxMw !== undefined && composition.molWt > filters.maxMw) return 2
  const allowed = filters.elements
  if (allowed !== undefined && Object.keys(composition.counts).some((element) => !allowed.includes(element))) return 3
  return passes
}

/** The filter a verdict names, or undefined for `passes`. */
export const filterOf = (verdict: number): FilterName | undefined => filterNames[verdict - 1]

const knownSymbols = new Set(periodicTable.map(([symbol]) => symbol))

/** The elements of `--elements C,H,N,O`, or why they are not a list of element symbols. */
export const parseElements = (list: string): { readonly ok: true; readonly elements: ReadonlyArray<string> } | { readonly ok: false; readonly reason: string } => {
  const elements = list.split(",").map((symbol) => symbol.trim()).filter((symbol) => symbol.length > 0)
  const unknown = elements.filter((symbol) => !knownSymbols.has(symbol))
  if (elements.length === 0) return { ok: false, reason: `--elements must list element symbols (e.g. C,H,N,O), got "${list}"` }
  if (unknown.length > 0) return { ok: false, reason: `--elements: not element symbols: ${unknown.join(", ")} (symbols are case-sensitive, e.g. Cl)` }
  return { ok: true, elements: [...new Set(elements)] }
}

/** An atom of RDKit's JSON (`get_json`): absent fields take the file's defaults. */
interface JsonAtom {
  readonly z?: number
  readonly impHs?: number
  readonly chg?: number
  readonly isotope?: number
}

/**
 * A molecule's composition from RDKit's JSON of it, weighed with RDKit's own atomic weights. An isotope's mass is not
 * in the table: a molecule with one is weighed by `weighWithIsotopes` (RDKit's own weight). `impHs` is the atom's
 * total hydrogen count, as RDKit writes it.
 */
export const compositionOfJson = (json: string, weighWithIsotopes: () => number): Composition => {
  const parsed = JSON.parse(json) as {
    readonly defaults: { readonly atom: Required<JsonAtom> }
    readonly molecules: ReadonlyArray<{ readonly atoms: ReadonlyArray<JsonAtom> }>
  }
  const defaults = parsed.defaults.atom
  const [hydrogenSymbol, hydrogenWeight] = periodicTable[1]!
  const counts: Record<string, number> = {}
  let heavyAtoms = 0
  let molWt = 0
  let charge = 0
  let isotopes = false
  for (const molecule of parsed.molecules) {
    for (const atom of molecule.atoms) {
      if ((atom.isotope ?? defaults.isotope) !== 0) isotopes = true
      const z = atom.z ?? defaults.z
      const hydrogens = atom.impHs ?? defaults.impHs
      const [symbol, weight] = periodicTable[z]!
      counts[symbol] = (counts[symbol] ?? 0) + 1
      if (hydrogens > 0) counts[hydrogenSymbol] = (counts[hydrogenSymbol] ?? 0) + hydrogens
      if (z > 1) heavyAtoms++
      molWt += weight + hydrogens * hydrogenWeight
      charge += atom.chg ?? defaults.chg
    }
  }
  return { heavyAtoms, molWt: isotopes ? weighWithIsotopes() : molWt, counts, charge }
}

/**
 * A worker's judge: the verdict on each product key, from `compose` (its RDKit's reading of the key) the first time
 * a key is met, from memory after. A key RDKit cannot read again passes: it was valid when the product was made.
 * Without filters every key passes and RDKit is not asked.
 */
export const judgeOf = (
  filters: ProductFilters,
  compose: (key: string) => Composition | undefined,
  memoryKeys: number
): ((key: string) => number) => (hasFilters(filters) ? makeJudge(filters, compose, memoryKeys) : () => passes)

const makeJudge = (
  filters: ProductFilters,
  compose: (key: string) => Composition | undefined,
  memoryKeys: number
): ((key: string) => number) => {
  const remembered = new Map<string, number>()
  return (key) => {
    const known = remembered.get(key)
    if (known !== undefined) return known
    const composition = compose(key)
    const verdict = composition === undefined ? passes : verdictOf(filters, composition)
    if (remembered.size >= memoryKeys) remembered.clear()
    remembered.set(key, verdict)
    return verdict
  }
}
