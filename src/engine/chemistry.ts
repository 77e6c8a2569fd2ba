/**
 * The product contract (shared/docs/product-contract.md) on one RDKit instance.
 *
 * - `canonicalize`: a molecule is valid iff its SMILES (or an SD record's molfile) parses with sanitization; its key is
 *   the canonical SMILES.
 * - `compileRules`: every rule's SMARTS must give an RDKit reaction, or the run stops naming the rule's line.
 * - `expandMolecule`: every rule on the molecule alone (prepared as its rule set asks), at most
 *   `maxProductSetsPerRule` product sets each; every molecule of every product set is a candidate, valid iff the SMILES
 *   written from the raw product parses; its key is the canonical SMILES of that parse. Each valid candidate is also
 *   an edge (molecule, rule, key) of the reaction network. A rule with coreactants fills its other templates with
 *   them and judges each product set as a whole (`coreactantRules.ts`).
 *
 * Everything here is synchronous and owns the RDKit objects it creates: each is deleted before the function returns,
 * because WebAssembly memory is not garbage-collected.
 */
import type { JSMolListList, Mol, MolList, Reaction } from "@rdkit/rdkit"
import {
  anyProducts,
  chargeOfSmiles,
  formulasOnce,
  judgeProductSet,
  type RawProduct,
  type ReactantMolecule,
  reactionSides,
  unreadableCoreactant
} from "./coreactantRules.js"
import { type Composition, compositionOfJson } from "./filters.js"
import type { KeyCache } from "./keyCache.js"
import { referenceKekuleSmiles } from "./kekuleSmiles.js"
import type { RDKit } from "./rdkit.js"
import { inlineSvg, isMolfile, unreadable } from "./rdkitText.js"
import type { RuleSet, RuleSlots } from "./rules.js"

export type Canonical =
  | { readonly ok: true; readonly key: string; readonly threw?: undefined }
  /** `threw` is set when RDKit threw rather than rejected: its instance can no longer be trusted. */
  | { readonly ok: false; readonly reason: string; readonly threw?: unknown }

/**
 * A hydrogen atom in SMILES is a bracket atom whose element is H: `[H]`, `[2H]`, `[H+]`, but not `[Hg]`, `[He]`,
 * `[Hf]`, `[Ho]`, `[Hs]` (a hydrogen count such as `[NH2]` follows another element). Anything that looks like one
 * counts, so a doubtful string takes the full path.
 */
const hydrogenAtom = /\[\d*H(?![efgos])/
export const hasHydrogenAtom = (smiles: string): boolean => hydrogenAtom.test(smiles)
/** RDKit's parse options for a SMILES without hydrogen atoms (see `parseSanitized`). */
const keepHydrogenAtoms = JSON.stringify({ removeHs: false })

/**
 * Parses and sanitizes `smiles` as RDKit's default parse does (with hydrogen atoms removed). RDKit's MinimalLib
 * removes hydrogen atoms after sanitizing and then sanitizes again; when the SMILES has no hydrogen atom there is
 * nothing to remove, and skipping that step saves a fifth to two fifths of the parse (measured on candidates of the
 * polyphenol and MetaCyc rule sets, with identical keys for all of 150,000).
 */
export const parseSanitized = (rdkit: RDKit, smiles: string): Mol | null =>
  hasHydrogenAtom(smiles) ? rdkit.module.get_mol(smiles) : rdkit.module.get_mol(smiles, keepHydrogenAtoms)

/** Parse options for a Kekulé SMILES: sanitized, but not aromatized again (see `parseKekulized`). */
const keepKekule = JSON.stringify({ setAromaticity: false })
const keepKekuleAndHydrogenAtoms = JSON.stringify({ setAromaticity: false, removeHs: false })

/**
 * The molecule of `key` kekulized as the product contract's reference RDKit (2022.09) kekulizes it: its SMILES is
 * rewritten in that Kekulé structure (`kekuleSmiles.ts`) and parsed without aromaticity perception, so atoms keep
 * their order and carry no aromatic flags. A molecule the rewrite cannot handle gets RDKit's own Kekulé structure.
 */
export const parseKekulized = (rdkit: RDKit, key: string): Mol | null => {
  const mol = parseSanitized(rdkit, key)
  if (mol === null) return null
  const kekule = referenceKekuleSmiles(key, mol.get_json())
  const kekulized = kekule === undefined
    ? null
    : rdkit.module.get_mol(kekule, hasHydrogenAtom(kekule) ? keepKekule : keepKekuleAndHydrogenAtoms)
  if (kekulized === null || !kekulized.is_valid()) {
    kekulized?.delete()
    mol.convert_to_kekule_form()
    return mol
  }
  mol.delete()
  return kekulized
}

export const canonicalize = (rdkit: RDKit, smiles: string): Canonical => {
  let mol: Mol | null = null
  try {
    // A molfile is read as RDKit's default reads one: sanitized, stereo from its wedges and coordinates, its explicit
    // hydrogen atoms removed.
    mol = isMolfile(smiles) ? rdkit.module.get_mol(smiles) : parseSanitized(rdkit, smiles)
    if (mol === null || !mol.is_valid()) {
      const reason = rdkit.explain(() => rdkit.module.get_mol(smiles)?.delete())
      return { ok: false, reason: reason || unreadable(smiles) }
    }
    return { ok: true, key: mol.get_smiles() }
  } catch (error) {
    return { ok: false, reason: `RDKit failed on this SMILES: ${String(error)}`, threw: error }
  } finally {
    mol?.delete()
  }
}

export interface CompiledRules {
  readonly names: ReadonlyArray<string>
  readonly reactions: ReadonlyArray<Reaction>
  /** Each rule's slots; undefined for a rule on the molecule alone. */
  readonly slots: ReadonlyArray<RuleSlots | undefined>
  /** The coreactants by ID: what the atom balance needs of each, and each prepared as the molecules are. */
  readonly coreactants: ReadonlyMap<string, ReactantMolecule>
  readonly preparedCoreactants: ReadonlyMap<string, Mol>
  readonly explicitH: boolean
  readonly kekulize: boolean
  readonly maxProductSets: number
  /** Products are distinct (rule, key) pairs: see `collectProducts`. */
  readonly edges: boolean
  readonly dispose: () => void
}

/** A rule or coreactant RDKit cannot read: `file` is the rule file, or the coreactant file. */
export type CompileResult =
  | { readonly ok: true; readonly rules: CompiledRules }
  | { readonly ok: false; readonly file: string; readonly line: number; readonly reason: string }

/** The molecule of `key` prepared as the rule set asks: kekulized as the reference does, hydrogens added. */
const preparedMolecule = (rdkit: RDKit, key: string, preparation: { readonly explicitH: boolean; readonly kekulize: boolean }): Mol | null => {
  const mol = preparation.kekulize ? parseKekulized(rdkit, key) : parseSanitized(rdkit, key)
  if (mol !== null && preparation.explicitH) mol.add_hs_in_place()
  return mol
}

export const compileRules = (rdkit: RDKit, ruleSet: RuleSet, maxProductSets: number, edges = false): CompileResult => {
  const reactions: Array<Reaction> = []
  const coreactants = new Map<string, ReactantMolecule>()
  const preparedCoreactants = new Map<string, Mol>()
  const dispose = () => {
    reactions.forEach((reaction) => reaction.delete())
    preparedCoreactants.forEach((mol) => mol.delete())
  }
  for (const rule of ruleSet.rules) {
    const reaction = rdkit.module.get_rxn(rule.smarts)
    if (reaction === null) {
      dispose()
      const reason = rdkit.explain(() => rdkit.module.get_rxn(rule.smarts)?.delete())
      return {
        ok: false,
        file: ruleSet.source,
        line: rule.line,
        reason: `rule "${rule.name}": RDKit could not parse the reaction SMARTS: ${reason || "no reason given"}`
      }
    }
    reactions.push(reaction)
  }
  for (const coreactant of ruleSet.coreactants?.entries ?? []) {
    const read = canonicalize(rdkit, coreactant.smiles)
    const composition = read.ok ? composeMolecule(rdkit, read.key) : undefined
    const prepared = read.ok ? preparedMolecule(rdkit, read.key, ruleSet) : null
    if (!read.ok || composition === undefined || prepared === null) {
      prepared?.delete()
      dispose()
      return unreadableCoreactant(ruleSet, coreactant, read.ok ? "RDKit cannot prepare it" : read.reason)
    }
    coreactants.set(coreactant.id, { key: read.key, counts: composition.counts, charge: composition.charge })
    preparedCoreactants.set(coreactant.id, prepared)
  }
  return {
    ok: true,
    rules: {
      names: ruleSet.rules.map((rule) => rule.name),
      reactions,
      slots: ruleSet.rules.map((rule) => rule.slots),
      coreactants,
      preparedCoreactants,
      explicitH: ruleSet.explicitH,
      kekulize: ruleSet.kekulize,
      maxProductSets,
      edges,
      dispose
    }
  }
}

/**
 * What one molecule gave: its distinct valid product keys, each with the first rule that reached it; or, when every
 * edge of the network counts, its distinct (rule, key) pairs.
 */
export interface MoleculeProducts {
  readonly keys: Array<string>
  readonly rules: Array<number>
  candidates: number
  invalidCandidates: number
}

/** A molecule's products as both engines gather them, each key (or, with `edges`, each rule and key) once. */
export const collectProducts = (edges: boolean) => {
  const products: MoleculeProducts = { keys: [], rules: [], candidates: 0, invalidCandidates: 0 }
  const emitted = new Set<string>()
  const add = (key: string, rule: number): void => {
    // A space never occurs in a SMILES, so the pair's text is unambiguous.
    const id = edges ? `${rule} ${key}` : key
    if (emitted.has(id)) return
    emitted.add(id)
    products.keys.push(key)
    products.rules.push(rule)
  }
  return { products, add }
}

/**
 * Applies every rule to the molecule whose key is given. Products are distinct within the molecule (the run-wide
 * dedup sees fewer keys); a candidate whose raw SMILES this molecule already gave, or that is in the shared `cache`,
 * is not parsed again, since sanitizing is the costly step. The molecule's own memory has no size limit, so the
 * symmetric sites of a large molecule, whose SMILES may be too long for a cache slot, are still parsed once. Throws
 * only when RDKit throws on this molecule; the caller quarantines it and drops this RDKit instance.
 */
export const expandMolecule = (rdkit: RDKit, rules: CompiledRules, cache: KeyCache, key: string): MoleculeProducts => {
  const { products: out, add } = collectProducts(rules.edges)
  const rd = rdkit.module
  const mol = preparedMolecule(rdkit, key, rules)
  if (mol === null) throw new Error(`the key ${key} no longer parses`)
  const reactants: MolList = new rd.MolList()
  const seenRaw = new Map<string, string | null>()
  const keyOf = (raw: string) => keyOfRaw(rdkit, raw, seenRaw, cache)
  const withCoreactants = coreactantRuleRunner(rdkit, rules, key, mol, keyOf)
  try {
    reactants.append(mol)
    for (let ruleIndex = 0; ruleIndex < rules.reactions.length; ruleIndex++) {
      const slots = rules.slots[ruleIndex]
      if (slots !== undefined) {
        withCoreactants(ruleIndex, slots, out, add)
        continue
      }
      const productSets = rules.reactions[ruleIndex]!.run_reactants(reactants, rules.maxProductSets)
      try {
        for (let s = 0; s < productSets.size(); s++) {
          const productSet = productSets.get(s)
          if (productSet === undefined) continue
          try {
            for (let p = 0; p < productSet.size(); p++) {
              const product = productSet.at(p)
              out.candidates++
              const productKey = product === null ? null : keyOfProduct(product, keyOf)
              product?.delete()
              if (productKey === null) out.invalidCandidates++
              else add(productKey, ruleIndex)
            }
          } finally {
            productSet.delete()
          }
        }
      } finally {
        productSets.delete()
      }
    }
  } finally {
    reactants.delete()
    mol.delete()
  }
  return out
}

/** The SMILES RDKit writes from a raw product, or null when it cannot write one. */
const rawSmiles = (product: Mol): string | null => {
  try {
    return product.get_smiles()
  } catch {
    return null
  }
}

const keyOfProduct = (product: Mol, keyOf: (raw: string) => string | null): string | null => {
  const raw = rawSmiles(product)
  return raw === null ? null : keyOf(raw)
}

/** The key a raw SMILES gives: this molecule's memory, then the shared cache, then a parse. */
const keyOfRaw = (rdkit: RDKit, raw: string, seenRaw: Map<string, string | null>, cache: KeyCache): string | null => {
  // Not `??`: null is an answer (the raw SMILES gave no valid molecule), only undefined is a miss.
  const local = seenRaw.get(raw)
  if (local !== undefined) return local
  const productKey = cache.resolve(raw, (smiles) => {
    const parsed = parseSanitized(rdkit, smiles)
    const key = parsed !== null && parsed.is_valid() ? parsed.get_smiles() : null
    parsed?.delete()
    return key
  })
  seenRaw.set(raw, productKey)
  return productKey
}

/** What the product filters judge in the molecule of `key` (`filters.ts`), or undefined when it does not parse. */
export const composeMolecule = (rdkit: RDKit, key: string): Composition | undefined => {
  const mol = parseSanitized(rdkit, key)
  if (mol === null) return undefined
  try {
    if (!mol.is_valid()) return undefined
    return compositionOfJson(mol.get_json(), () => (JSON.parse(mol.get_descriptors()) as { readonly amw: number }).amw)
  } finally {
    mol.delete()
  }
}

/**
 * Runs the rules with coreactants on one molecule: each `Any` slot takes the prepared molecule, each other slot its
 * prepared coreactant, and each product set is judged as a whole (`judgeProductSet`); a set that does not count
 * makes each of its `Any` products an invalid candidate. The molecule's formula is read once, and each product
 * key's once per molecule.
 */
const coreactantRuleRunner = (
  rdkit: RDKit,
  rules: CompiledRules,
  key: string,
  mol: Mol,
  keyOf: (raw: string) => string | null
) => {
  let molecule: ReactantMolecule | undefined
  const countsOf = formulasOnce((productKey) => composeMolecule(rdkit, productKey)?.counts)
  return (ruleIndex: number, slots: RuleSlots, out: MoleculeProducts, add: (key: string, rule: number) => void): void => {
    if (molecule === undefined) {
      const composition = composeMolecule(rdkit, key)
      if (composition === undefined) throw new Error(`the key ${key} no longer parses`)
      molecule = { key, counts: composition.counts, charge: composition.charge }
    }
    const sides = reactionSides(slots, molecule, rules.coreactants)
    const candidates = anyProducts(slots)
    const reactants: MolList = new rdkit.module.MolList()
    let productSets: JSMolListList | undefined
    try {
      for (const slot of slots.reactants) reactants.append(rules.preparedCoreactants.get(slot) ?? mol)
      productSets = rules.reactions[ruleIndex]!.run_reactants(reactants, rules.maxProductSets)
      for (let s = 0; s < productSets.size(); s++) {
        const productSet = productSets.get(s)
        if (productSet === undefined) continue
        const products: Array<RawProduct> = []
        try {
          for (let p = 0; p < productSet.size(); p++) {
            const product = productSet.at(p)
            const raw = product === null ? null : rawSmiles(product)
            products.push({ raw, charge: raw === null ? 0 : chargeOfSmiles(raw) })
            product?.delete()
          }
        } finally {
          productSet.delete()
        }
        out.candidates += candidates
        const keys = judgeProductSet(sides, products, rules.coreactants, keyOf, countsOf)
        if (keys === undefined) out.invalidCandidates += candidates
        else for (const productKey of keys) add(productKey, ruleIndex)
      }
    } finally {
      productSets?.delete()
      reactants.delete()
    }
  }
}

/** A molecule drawn by RDKit as SVG (its own depiction, without the XML declaration), or null if it cannot be read. */
export const drawMolecule = (rdkit: RDKit, smiles: string, size: { readonly width: number; readonly height: number }): string | null => {
  const mol = rdkit.module.get_mol(smiles)
  if (mol === null) return null
  try {
    return mol.is_valid() ? inlineSvg(mol.get_svg(size.width, size.height)) : null
  } finally {
    mol.delete()
  }
}
