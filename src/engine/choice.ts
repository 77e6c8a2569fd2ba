/**
 * Which RDKit a run uses (`--engine`): the native addon (the reference's own C++ RDKit, at native speed) or RDKit's
 * WebAssembly build (installed with the package, so always there). `auto` takes native when its addon loads, and says
 * which it took; `native` without the addon stops the run before any work, saying why.
 */
import type { EngineChoice } from "../config.js"
import { wasmRdkitVersion } from "../versions.js"
import { loadNativeAddon } from "./native/addon.js"

export interface ChosenEngine {
  readonly kind: "native" | "wasm"
  /** RDKit's version and build, as the summary, the report and a resume's check name it. */
  readonly rdkit: string
}

export const wasmEngine: ChosenEngine = { kind: "wasm", rdkit: wasmRdkitVersion }

export type EngineResolution =
  | { readonly ok: true; readonly engine: ChosenEngine }
  | { readonly ok: false; readonly reason: string }

/**
 * The engine for `choice`. `preferred` is the engine a resumed run was checkpointed with: `auto` keeps it when it can,
 * so that resuming does not change the run's RDKit behind the user's back.
 */
export const chooseEngine = (choice: EngineChoice, preferred?: string): EngineResolution => {
  if (choice === "wasm" || (choice === "auto" && preferred === wasmEngine.rdkit)) return { ok: true, engine: wasmEngine }
  const addon = loadNativeAddon()
  if (addon.ok) return { ok: true, engine: { kind: "native", rdkit: `${addon.addon.rdkitVersion} (native)` } }
  if (choice === "auto") return { ok: true, engine: wasmEngine }
  return { ok: false, reason: `--engine native: the native RDKit engine cannot be used: ${addon.reason}` }
}
