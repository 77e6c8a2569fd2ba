/**
 * The product contract (shared/docs/product-contract.md) on the native addon, with the same answers as the
 * WebAssembly path's `chemistry.ts`. RDKit prepares the molecule itself (hydrogens added, then kekulized with aromatic
 * flags cleared, as the reference does): its Kekulé structures are the reference's, so the emulation the WebAssembly
 * path needs is not used here.
 */
import type { Canonical, MoleculeProducts } from "../chemistry.js"
import type { KeyCache } from "../keyCache.js"
import { inlineSvg, oneLineReason, unreadable } from "../rdkitText.js"
import type { RuleSet } from "../rules.js"
import type { NativeAddon, NativeRules } from "./addon.js"

export const canonicalize = (addon: NativeAddon, text: string): Canonical => {
  const answer = addon.canonicalize(text)
  if (answer.key !== undefined) return { ok: true, key: answer.key }
  return { ok: false, reason: oneLineReason(answer.reason ?? "") || unreadable(text) }
}

export type NativeCompileResult =
  | { readonly ok: true; readonly rules: NativeRules }
  | { readonly ok: false; readonly line: number; readonly reason: string }

export const compileRules = (addon: NativeAddon, ruleSet: RuleSet, maxProductSets: number): NativeCompileResult => {
  try {
    const rules = addon.loadRules(ruleSet.rules.map((rule) => rule.smarts), {
      explicitH: ruleSet.explicitH,
      kekulize: ruleSet.kekulize,
      maxProductSets
    })
    return { ok: true, rules }
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
 * Every rule on the molecule of `key`: its distinct valid product keys, each with the first rule that reached it.
 * The addon gives each distinct raw SMILES once; the shared `cache` spares parsing one another molecule gave.
 */
export const expandMolecule = (addon: NativeAddon, rules: NativeRules, cache: KeyCache, key: string): MoleculeProducts => {
  const expansion = addon.expand(rules, key)
  const out: MoleculeProducts = { keys: [], rules: [], candidates: expansion.unwritable, invalidCandidates: expansion.unwritable }
  const emitted = new Set<string>()
  for (let i = 0; i < expansion.raws.length; i++) {
    const count = expansion.counts[i]!
    out.candidates += count
    const productKey = cache.resolve(expansion.raws[i]!, addon.keyOfRaw)
    if (productKey === null) {
      out.invalidCandidates += count
    } else if (!emitted.has(productKey)) {
      emitted.add(productKey)
      out.keys.push(productKey)
      out.rules.push(expansion.rules[i]!)
    }
  }
  return out
}

/** A molecule drawn by RDKit as inline SVG, as the WebAssembly path draws it, or null. */
export const drawMolecule = (addon: NativeAddon, smiles: string, size: { readonly width: number; readonly height: number }): string | null => {
  const svg = addon.draw(smiles, size.width, size.height)
  return svg === null ? null : inlineSvg(svg)
}
