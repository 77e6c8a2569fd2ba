/**
 * The product contract (shared/docs/product-contract.md) on the native addon, with the same answers as the
 * WebAssembly path's `chemistry.ts`. RDKit prepares the molecule itself (hydrogens added, then kekulized with aromatic
 * flags cleared, as the reference does): its Kekulé structures are the reference's, so the emulation the WebAssembly
 * path needs is not used here.
 */
import { type Canonical, collectProducts, type MoleculeProducts } from "../chemistry.js"
import {
  anyProducts,
  formulasOnce,
  judgeProductSet,
  type RawProduct,
  type ReactantMolecule,
  type ReactionSides,
  reactionSides,
  unreadableCoreactant
} from "../coreactantRules.js"
import type { KeyCache } from "../keyCache.js"
import { inlineSvg, oneLineReason, unreadable } from "../rdkitText.js"
import { anySlot, type RuleSet, type RuleSlots } from "../rules.js"
import type { NativeAddon, NativeExpansion, NativeRules } from "./addon.js"

export const canonicalize = (addon: NativeAddon, text: string): Canonical => {
  const answer = addon.canonicalize(text)
  if (answer.key !== undefined) return { ok: true, key: answer.key }
  return { ok: false, reason: oneLineReason(answer.reason ?? "") || unreadable(text) }
}

/** The addon's compiled rules, with what judging the product sets of rules with coreactants needs. */
export interface NativeRuleSet {
  readonly handle: NativeRules
  /** Whether every edge of the network counts (see `collectProducts`). */
  readonly edges: boolean
  readonly slots: ReadonlyArray<RuleSlots | undefined>
  readonly coreactants: ReadonlyMap<string, ReactantMolecule>
}

export type NativeCompileResult =
  | { readonly ok: true; readonly rules: NativeRuleSet }
  | { readonly ok: false; readonly file: string; readonly line: number; readonly reason: string }

export const compileRules = (addon: NativeAddon, ruleSet: RuleSet, maxProductSets: number, edges = false): NativeCompileResult => {
  const coreactants = new Map<string, ReactantMolecule>()
  for (const coreactant of ruleSet.coreactants?.entries ?? []) {
    const read = canonicalize(addon, coreactant.smiles)
    const composition = read.ok ? addon.compose(read.key) : null
    if (!read.ok || composition === null) return unreadableCoreactant(ruleSet, coreactant, read.ok ? "RDKit cannot read its key" : read.reason)
    coreactants.set(coreactant.id, { key: read.key, counts: composition.counts, charge: composition.charge })
  }
  const order = [...coreactants.keys()]
  try {
    const handle = addon.loadRules(ruleSet.rules.map((rule) => rule.smarts), {
      explicitH: ruleSet.explicitH,
      kekulize: ruleSet.kekulize,
      maxProductSets,
      edges,
      slots: ruleSet.rules.map((rule) => rule.slots?.reactants.map((slot) => (slot === anySlot ? -1 : order.indexOf(slot))) ?? []),
      anyProducts: ruleSet.rules.map((rule) => rule.slots?.products.map((slot) => slot === anySlot) ?? []),
      coreactants: order.map((id) => coreactants.get(id)!.key)
    })
    return { ok: true, rules: { handle, edges, slots: ruleSet.rules.map((rule) => rule.slots), coreactants } }
  } catch (error) {
    const rule = ruleSet.rules[(error as { index?: number }).index ?? 0]!
    return {
      ok: false,
      file: ruleSet.source,
      line: rule.line,
      reason: `rule "${rule.name}": RDKit could not parse the reaction SMARTS: ${oneLineReason((error as Error).message) || "no reason given"}`
    }
  }
}

/**
 * Every rule on the molecule of `key`: its distinct valid product keys, each with the first rule that reached it
 * (with `edges`, its distinct rule and key pairs). The addon gives each distinct raw SMILES once (per rule, with
 * `edges`); the shared `cache` spares parsing one another molecule gave.
 */
export const expandMolecule = (addon: NativeAddon, rules: NativeRuleSet, cache: KeyCache, key: string): MoleculeProducts => {
  const expansion = addon.expand(rules.handle, key)
  const { products: out, add } = collectProducts(rules.edges)
  out.candidates = out.invalidCandidates = expansion.unwritable
  const keyOf = (raw: string) => cache.resolve(raw, addon.keyOfRaw)
  for (let i = 0; i < expansion.raws.length; i++) {
    const count = expansion.counts[i]!
    out.candidates += count
    const productKey = keyOf(expansion.raws[i]!)
    if (productKey === null) out.invalidCandidates += count
    else add(productKey, expansion.rules[i]!)
  }
  if (expansion.setRules.length > 0) judgeSets(addon, rules, key, expansion, keyOf, out, add)
  return out
}

/**
 * The product sets of rules with coreactants, each judged as a whole (`judgeProductSet`); a set that does not count
 * makes each of its `Any` products an invalid candidate. The molecule's formula is read once, each product key's
 * once per molecule.
 */
const judgeSets = (
  addon: NativeAddon,
  rules: NativeRuleSet,
  key: string,
  expansion: NativeExpansion,
  keyOf: (raw: string) => string | null,
  out: MoleculeProducts,
  add: (key: string, rule: number) => void
): void => {
  const composition = addon.compose(key)
  if (composition === null) throw new Error(`the key ${key} no longer parses`)
  const molecule: ReactantMolecule = { key, counts: composition.counts, charge: composition.charge }
  const countsOf = formulasOnce((productKey) => addon.compose(productKey)?.counts)
  /** Per rule met, its sides on this molecule and the candidates each of its sets holds. */
  const byRule = new Map<number, { readonly sides: ReactionSides; readonly candidates: number }>()
  let next = 0
  for (let s = 0; s < expansion.setRules.length; s++) {
    const rule = expansion.setRules[s]!
    let judged = byRule.get(rule)
    if (judged === undefined) {
      const slots = rules.slots[rule]!
      judged = { sides: reactionSides(slots, molecule, rules.coreactants), candidates: anyProducts(slots) }
      byRule.set(rule, judged)
    }
    const { sides, candidates } = judged
    const products: Array<RawProduct> = []
    for (let p = 0; p < expansion.setSizes[s]!; p++, next++) {
      products.push({ raw: expansion.setRaws[next] ?? null, charge: expansion.setCharges[next]! })
    }
    out.candidates += candidates
    const keys = judgeProductSet(sides, products, rules.coreactants, keyOf, countsOf)
    if (keys === undefined) out.invalidCandidates += candidates
    else for (const productKey of keys) add(productKey, rule)
  }
}

/** A molecule drawn by RDKit as inline SVG, as the WebAssembly path draws it, or null. */
export const drawMolecule = (addon: NativeAddon, smiles: string, size: { readonly width: number; readonly height: number }): string | null => {
  const svg = addon.draw(smiles, size.width, size.height)
  return svg === null ? null : inlineSvg(svg)
}
