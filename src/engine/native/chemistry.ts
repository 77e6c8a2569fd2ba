/**
 * The product contract (shared/docs/product-contract.md) on the native addon, with the same answers as the
 * WebAssembly path's `chemistry.ts`. RDKit prepares the molecule itself (hydrogens added, then kekulized with aromatic
 * flags cleared, as the reference does): its Kekulé structures are the reference's, so the emulation the WebAssembly
 * path needs is not used here.
 */
import { type Canonical, collectProducts, type MoleculeProducts } from "../chemistry.js"
import type { KeyCache } from "../keyCache.js"
import { inlineSvg, oneLineReason, unreadable } from "../rdkitText.js"
import type { RuleSet } from "../rules.js"
import type { NativeAddon, NativeRules } from "./addon.js"

export const canonicalize = (addon: NativeAddon, text: string): Canonical => {
  const answer = addon.canonicalize(text)
  if (answer.key !== undefined) return { ok: true, key: answer.key }
  return { ok: false, reason: oneLineReason(answer.reason ?? "") || unreadable(text) }
}

/** The addon's compiled rules, and whether every edge of the network counts (see `collectProducts`). */
export interface NativeRuleSet {
  readonly handle: NativeRules
  readonly edges: boolean
}

export type NativeCompileResult =
  | { readonly ok: true; readonly rules: NativeRuleSet }
  | { readonly ok: false; readonly line: number; readonly reason: string }

export const compileRules = (addon: NativeAddon, ruleSet: RuleSet, maxProductSets: number, edges = false): NativeCompileResult => {
  try {
    const handle = addon.loadRules(ruleSet.rules.map((rule) => rule.smarts), {
      explicitH: ruleSet.explicitH,
      kekulize: ruleSet.kekulize,
      maxProductSets,
      edges
    })
    return { ok: true, rules: { handle, edges } }
  } catch (error) {
    const rule = ruleSet.rules[(error as { index?: number }).index ?? 0]!
    return {
      ok: false,
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
  for (let i = 0; i < expansion.raws.length; i++) {
    const count = expansion.counts[i]!
    out.candidates += count
    const productKey = cache.resolve(expansion.raws[i]!, addon.keyOfRaw)
    if (productKey === null) out.invalidCandidates += count
    else add(productKey, expansion.rules[i]!)
  }
  return out
}

/** A molecule drawn by RDKit as inline SVG, as the WebAssembly path draws it, or null. */
export const drawMolecule = (addon: NativeAddon, smiles: string, size: { readonly width: number; readonly height: number }): string | null => {
  const svg = addon.draw(smiles, size.width, size.height)
  return svg === null ? null : inlineSvg(svg)
}
