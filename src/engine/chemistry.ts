/**
 * The product contract (shared/docs/product-contract.md) on one RDKit instance.
 *
 * - `canonicalize`: a molecule is valid iff its SMILES (or an SD record's molfile) parses with sanitization; its key is
 *   the canonical SMILES.
 * - `compileRules`: every rule's SMARTS must give an RDKit reaction, or the run stops naming the rule's line.
 * - `expandMolecule`: every rule on the molecule alone (prepared as its rule set asks), at most
 *   `maxProductSetsPerRule` product sets each; every molecule of every product set is a candidate, valid iff the SMILES
 *   written from the raw product parses; its key is the canonical SMILES of that parse. Each valid candidate is also
 *   an edge (molecule, rule, key) of the reaction network.
 *
 * Everything here is synchronous and owns the RDKit objects it creates: each is deleted before the function returns,
 * because WebAssembly memory is not garbage-collected.
 */
import type { Mol, MolList, Reaction } from "@rdkit/rdkit"
import { type Composition, compositionOfJson } from "./filters.js"
import type { KeyCache } from "./keyCache.js"
import { referenceKekuleSmiles } from "./kekuleSmiles.js"
import type { RDKit } from "./rdkit.js"
import { inlineSvg, isMolfile, unreadable } from "./rdkitText.js"
import type { RuleSet } from "./rules.js"

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
  readonly explicitH: boolean
  readonly kekulize: boolean
  readonly maxProductSets: number
  /** Products are distinct (rule, key) pairs: see `collectProducts`. */
  readonly edges: boolean
  readonly dispose: () => void
}

export type CompileResult =
  | { readonly ok: true; readonly rules: CompiledRules }
  | { readonly ok: false; readonly line: number; readonly reason: string }

export const compileRules = (rdkit: RDKit, ruleSet: RuleSet, maxProductSets: number, edges = false): CompileResult => {
  const reactions: Array<Reaction> = []
  const dispose = () => reactions.forEach((reaction) => reaction.delete())
  for (const rule of ruleSet.rules) {
    const reaction = rdkit.module.get_rxn(rule.smarts)
    if (reaction === null) {
      dispose()
      const reason = rdkit.explain(() => rdkit.module.get_rxn(rule.smarts)?.delete())
      return {
        ok: false,
        line: rule.line,
        reason: `rule "${rule.name}": RDKit could not parse the reaction SMARTS: ${reason || "no reason given"}`
      }
    }
    reactions.push(reaction)
  }
  return {
    ok: true,
    rules: {
      names: ruleSet.rules.map((rule) => rule.name),
      reactions,
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
  const mol = rules.kekulize ? parseKekulized(rdkit, key) : parseSanitized(rdkit, key)
  if (mol === null) throw new Error(`the key ${key} no longer parses`)
  const reactants: MolList = new rd.MolList()
  const seenRaw = new Map<string, string | null>()
  try {
    if (rules.explicitH) mol.add_hs_in_place()
    reactants.append(mol)
    for (let ruleIndex = 0; ruleIndex < rules.reactions.length; ruleIndex++) {
      const productSets = rules.reactions[ruleIndex]!.run_reactants(reactants, rules.maxProductSets)
      try {
        for (let s = 0; s < productSets.size(); s++) {
          const productSet = productSets.get(s)
          if (productSet === undefined) continue
          try {
            for (let p = 0; p < productSet.size(); p++) {
              const product = productSet.at(p)
              out.candidates++
              const productKey = product === null ? null : keyOfProduct(rdkit, product, seenRaw, cache)
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

const keyOfProduct = (rdkit: RDKit, product: Mol, seenRaw: Map<string, string | null>, cache: KeyCache): string | null => {
  let raw: string
  try {
    raw = product.get_smiles()
  } catch {
    return null
  }
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
