/**
 * The native RDKit addon (`native/rdkit_native.cc`, built by `npm ci` where RDKit's C++ headers are installed): the
 * C++ RDKit the product contract's reference runs, through Node-API. Loading it is a question with a reasoned
 * answer, since `--engine auto` falls back to WebAssembly without it and `--engine native` must say why it cannot.
 */
import { createRequire } from "node:module"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import type { Composition } from "../filters.js"

/** A rule set held by the addon; it is freed when this object is collected, so a worker loads it once. */
export type NativeRules = { readonly __nativeRules: unique symbol }

export interface NativeExpansion {
  /** The distinct SMILES written from the raw products, in the order first seen. */
  readonly raws: ReadonlyArray<string>
  /** For each raw SMILES, the first rule that gave it, and how many candidates gave it. */
  readonly rules: Uint32Array
  readonly counts: Uint32Array
  /** Candidates RDKit could not write as SMILES. */
  readonly unwritable: number
  /**
   * The product sets of rules with coreactants, to be judged as wholes: each set's rule and size; then, set after
   * set, each product's raw SMILES (null when RDKit could not write it, and for a coreactant's product, which is not
   * written) and formal charge.
   */
  readonly setRules: Uint32Array
  readonly setSizes: Uint32Array
  readonly setRaws: ReadonlyArray<string | null>
  readonly setCharges: Int32Array
}

export interface NativeAddon {
  readonly rdkitVersion: string
  readonly canonicalize: (text: string) => { readonly key?: string; readonly reason?: string }
  /** The key of a candidate's raw SMILES, or null when it does not parse with sanitization. */
  readonly keyOfRaw: (raw: string) => string | null
  /** What the product filters judge in the molecule of a key, or null when it does not parse. */
  readonly compose: (key: string) => Composition | null
  /** Throws an Error whose `index` is the first rule RDKit rejects. */
  readonly loadRules: (
    smarts: ReadonlyArray<string>,
    options: {
      readonly explicitH: boolean
      readonly kekulize: boolean
      readonly maxProductSets: number
      readonly edges: boolean
      /** Per rule, its reactant slots as coreactant indices (-1 for `Any`), or none for a rule on the molecule alone. */
      readonly slots: ReadonlyArray<ReadonlyArray<number>>
      /** Per rule, which product templates are `Any`: only their SMILES are written. */
      readonly anyProducts: ReadonlyArray<ReadonlyArray<boolean>>
      /** The coreactants' keys, in the order the slots index them. */
      readonly coreactants: ReadonlyArray<string>
    }
  ) => NativeRules
  /** Throws when RDKit throws on the molecule. */
  readonly expand: (rules: NativeRules, key: string) => NativeExpansion
  /** RDKit's SVG drawing of the molecule (with its XML declaration), or null when it cannot be read. */
  readonly draw: (text: string, width: number, height: number) => string | null
}

export type AddonLoad =
  | { readonly ok: true; readonly addon: NativeAddon }
  | { readonly ok: false; readonly reason: string }

/** `src/engine/native/` (tests) and `dist/engine/native/` (package) both sit three folders below the package root. */
const addonPath = fileURLToPath(new URL("../../../native/build/Release/rdkit_native.node", import.meta.url))

const howToBuild = "install RDKit's C++ headers (apt-get install librdkit-dev libboost-dev), then run npm ci"

let loaded: AddonLoad | undefined

/** The addon, or why it cannot be used here: switched off (`RDKIT_NATIVE=0`), never built, or not loadable. */
export const loadNativeAddon = (): AddonLoad => {
  loaded ??= tryLoad()
  return loaded
}

const tryLoad = (): AddonLoad => {
  if (process.env.RDKIT_NATIVE === "0") return { ok: false, reason: "it is switched off (RDKIT_NATIVE=0)" }
  if (!fs.existsSync(addonPath)) return { ok: false, reason: `it was not built at install (${howToBuild})` }
  try {
    return { ok: true, addon: createRequire(import.meta.url)(addonPath) as NativeAddon }
  } catch (error) {
    return { ok: false, reason: `${addonPath} does not load (${(error as Error).message}); is librdkit1 installed?` }
  }
}
