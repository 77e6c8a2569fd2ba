/**
 * Writing a molecule's SMILES in a chosen Kekulé structure, so that RDKit parses it kekulized with no aromatic
 * flags, atoms and bonds in the same order as the aromatic SMILES.
 *
 * The SMILES is rewritten token by token rather than written from the molecule: atom order, ring closures, branches,
 * stereo marks and bracket contents stay exactly as they were. Aromatic atoms are written in capitals, aromatic
 * bonds become single or, where the Kekulé structure says, `=`. An aromatic `[nH]` or `[pH]` is written `N` or `P`,
 * as RDKit's `Kekulize` turns such an explicit hydrogen into an implicit one.
 */
import { pairKey } from "./graph.js"
import { type KekuleAtom, type KekuleBond, kekuleDoubleBonds, type KekuleGraph } from "./kekule.js"
import { symmetrizedSssr } from "./sssr.js"

interface AtomToken { readonly start: number; readonly end: number; readonly text: string }
interface BondSite {
  readonly begin: number
  readonly end: number
  /** Where a bond symbol for this bond goes (the ring-closure digit's position, or the second atom's). */
  readonly at: number
  /** The symbol written in the SMILES, with its position; "" when the bond is implicit. */
  readonly symbol: string
  readonly symbolAt: number
}

export interface SmilesLayout {
  readonly atoms: ReadonlyArray<AtomToken>
  readonly bonds: ReadonlyArray<BondSite>
}

const organicAtom = /^(Cl|Br|B|C|N|O|P|S|F|I|b|c|n|o|p|s|\*)/
const ringClosure = /^(%\(\d+\)|%\d\d|\d)/
const bondSymbol = /^[-=#$:/\\]/

/** Atoms and bonds of `smiles` in RDKit's parse order; undefined for SMILES this rewriter does not handle. */
export const smilesLayout = (smiles: string): SmilesLayout | undefined => {
  const atoms: Array<AtomToken> = []
  const bonds: Array<BondSite> = []
  const branches: Array<number> = []
  const openRings = new Map<string, { atom: number; symbol: string; symbolAt: number }>()
  let previous = -1
  let symbol = ""
  let symbolAt = -1
  let i = 0
  while (i < smiles.length) {
    const rest = smiles.slice(i)
    const c = smiles[i]!
    if (c === "[") {
      const close = smiles.indexOf("]", i)
      if (close < 0) return undefined
      addAtom(i, close + 1)
      i = close + 1
    } else if (organicAtom.test(rest)) {
      const length = organicAtom.exec(rest)![0].length
      addAtom(i, i + length)
      i += length
    } else if (c === "(") {
      branches.push(previous)
      i++
    } else if (c === ")") {
      if (branches.length === 0) return undefined
      previous = branches.pop()!
      i++
    } else if (c === ".") {
      previous = -1
      i++
    } else if (rest.startsWith("->") || rest.startsWith("<-")) {
      return undefined
    } else if (bondSymbol.test(rest)) {
      symbol = c
      symbolAt = i
      i++
    } else if (ringClosure.test(rest)) {
      const label = ringClosure.exec(rest)![0]
      const open = openRings.get(label)
      if (previous < 0) return undefined
      if (open === undefined) {
        openRings.set(label, { atom: previous, symbol, symbolAt })
      } else {
        openRings.delete(label)
        const written = symbol !== "" ? { symbol, symbolAt } : { symbol: open.symbol, symbolAt: open.symbolAt }
        bonds.push({ begin: open.atom, end: previous, at: i, ...written })
      }
      symbol = ""
      symbolAt = -1
      i += label.length
    } else {
      return undefined
    }
  }
  return openRings.size === 0 && branches.length === 0 ? { atoms, bonds } : undefined

  function addAtom(start: number, end: number) {
    const index = atoms.length
    atoms.push({ start, end, text: smiles.slice(start, end) })
    if (previous >= 0) bonds.push({ begin: previous, end: index, at: start, symbol, symbolAt })
    previous = index
    symbol = ""
    symbolAt = -1
  }
}

/** True for an atom written in brackets: RDKit then gives it no implicit hydrogens. */
const isBracketAtom = (atom: AtomToken): boolean => atom.text.startsWith("[")

/** The atom written in capitals; a plain aromatic `[nH]` or `[pH]` loses its bracket. */
const kekuleAtomText = (text: string): string => {
  if (text === "[nH]") return "N"
  if (text === "[pH]") return "P"
  if (!text.startsWith("[")) return text.length === 1 && text !== "*" ? text.toUpperCase() : text
  // Inside brackets the element follows an optional isotope; an aromatic one is lower case (c, n, se, as, ...).
  return text.replace(/^\[(\d*)([a-z])/, (_, isotope: string, first: string) => `[${isotope}${first.toUpperCase()}`)
}

/**
 * `smiles` rewritten in the Kekulé structure whose double bonds are `doubles` (pairs of atom indices of aromatic
 * bonds); `aromaticBonds` holds the pairs of all aromatic bonds. Pairs are keyed by `pairKey`.
 */
export const writeKekuleSmiles = (
  smiles: string,
  layout: SmilesLayout,
  aromaticBonds: ReadonlySet<number>,
  doubles: ReadonlySet<number>
): string => {
  /** Edits by position: text to write there, and how many characters of the original it replaces. */
  const edits = new Map<number, { text: string; replaces: number }>()
  for (const atom of layout.atoms) {
    const text = kekuleAtomText(atom.text)
    if (text !== atom.text) edits.set(atom.start, { text, replaces: atom.text.length })
  }
  for (const bond of layout.bonds) {
    const key = pairKey(bond.begin, bond.end, layout.atoms.length)
    if (!aromaticBonds.has(key)) continue
    // An aromatic bond is written implicitly or as ':'; its new symbol goes where the second atom (or closure) is.
    if (bond.symbol === ":") edits.set(bond.symbolAt, { text: "", replaces: 1 })
    if (doubles.has(key)) {
      const atAtom = edits.get(bond.at)
      edits.set(bond.at, atAtom === undefined ? { text: "=", replaces: 0 } : { text: `=${atAtom.text}`, replaces: atAtom.replaces })
    }
  }
  let out = ""
  let i = 0
  while (i < smiles.length) {
    const edit = edits.get(i)
    if (edit === undefined) {
      out += smiles[i]
      i++
    } else {
      out += edit.text
      i += edit.replaces
      if (edit.replaces === 0) {
        out += smiles[i] ?? ""
        i++
      }
    }
  }
  return out
}

/** The parts of RDKit's JSON (`Mol.get_json()`, rdkitjson) this module reads. */
interface RdkitJson {
  readonly defaults: { readonly atom: Record<string, number>; readonly bond: Record<string, number> }
  readonly molecules: ReadonlyArray<{
    readonly atoms: ReadonlyArray<Record<string, number>>
    readonly bonds: ReadonlyArray<{ readonly atoms: [number, number]; readonly bo?: number }>
    readonly extensions?: ReadonlyArray<{
      readonly name: string
      readonly aromaticAtoms?: ReadonlyArray<number>
      readonly aromaticBonds?: ReadonlyArray<number>
    }>
  }>
}

/**
 * The molecule's graph for `kekuleDoubleBonds`, from RDKit's JSON of the molecule parsed from the SMILES whose
 * layout is given, with its rings as RDKit 2022.09 finds them; undefined when the two do not describe the same atoms
 * and bonds, or the ring search gives up.
 */
const kekuleGraph = (jsonText: string, layout: SmilesLayout): KekuleGraph | undefined => {
  const json = JSON.parse(jsonText) as RdkitJson
  const molecule = json.molecules[0]
  const extension = molecule?.extensions?.find((e) => e.name === "rdkitRepresentation")
  if (molecule === undefined || extension === undefined || molecule.atoms.length !== layout.atoms.length) return undefined
  if (molecule.bonds.length !== layout.bonds.length) return undefined
  const atomDefaults = json.defaults.atom
  const aromaticAtoms = new Set(extension.aromaticAtoms ?? [])
  const aromaticBonds = new Set(extension.aromaticBonds ?? [])
  const field = (atom: Record<string, number>, name: string) => atom[name] ?? atomDefaults[name] ?? 0
  const atoms: Array<KekuleAtom> = molecule.atoms.map((atom, index) => ({
    atomicNumber: field(atom, "z"),
    aromatic: aromaticAtoms.has(index),
    charge: field(atom, "chg"),
    radicals: field(atom, "nRad"),
    hydrogens: field(atom, "impHs"),
    noImplicit: isBracketAtom(layout.atoms[index]!)
  }))
  const bonds: Array<KekuleBond> = molecule.bonds.map((bond, index) => ({
    begin: bond.atoms[0],
    end: bond.atoms[1],
    aromatic: aromaticBonds.has(index),
    order: bond.bo ?? json.defaults.bond["bo"] ?? 1
  }))
  const rings = symmetrizedSssr(atoms.length, bonds)
  return rings === undefined ? undefined : { atoms, bonds, rings }
}

/**
 * `smiles` (as RDKit writes it) in the Kekulé structure RDKit 2022.09 gives the molecule, from RDKit's JSON of its
 * parse; undefined when the rewriter or the walk cannot handle the molecule.
 */
export const referenceKekuleSmiles = (smiles: string, jsonText: string): string | undefined => {
  const layout = smilesLayout(smiles)
  if (layout === undefined) return undefined
  const graph = kekuleGraph(jsonText, layout)
  if (graph === undefined) return undefined
  const doubles = kekuleDoubleBonds(graph)
  if (doubles === undefined) return undefined
  const pair = (bond: KekuleBond) => pairKey(bond.begin, bond.end, layout.atoms.length)
  const aromaticPairs = new Set(graph.bonds.filter((bond) => bond.aromatic).map(pair))
  const doublePairs = new Set([...doubles].map((index) => pair(graph.bonds[index]!)))
  return writeKekuleSmiles(smiles, layout, aromaticPairs, doublePairs)
}
