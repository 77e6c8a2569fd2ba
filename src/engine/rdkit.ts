/**
 * Loading RDKit (WebAssembly) and reading its error log.
 *
 * Each worker thread loads its own instance: a WebAssembly instance is single-threaded, and sharing one between
 * threads is not possible. RDKit reports why a SMILES or SMARTS was rejected only through its log, so the loader
 * captures the log and `lastErrors` turns it into a one-line reason for the quarantine file.
 */
import rdkitPackage from "@rdkit/rdkit"
import type { Log, MainModule } from "@rdkit/rdkit"

export type RDKitModule = MainModule

export interface RDKit {
  readonly module: RDKitModule
  /** RDKit's messages since the last call, as one line without timestamps; "" when it said nothing. */
  readonly takeErrors: () => string
  /** Forgets RDKit's messages: the captured log would otherwise grow for the whole run. */
  readonly clearErrors: () => void
}

/** The longest reason kept from RDKit's log: its first lines say what is wrong, the rest repeats the input. */
const maxReasonLength = 300

export const loadRDKit = async (): Promise<RDKit> => {
  // A CommonJS package: Node hands ESM its `module.exports`, whose `default` is the factory the typings describe.
  const module = await rdkitPackage.default()
  module.disable_logging()
  const log: Log | null = module.set_log_capture("rdApp.*")
  return {
    module,
    takeErrors: () => {
      if (log === null) return ""
      const text = log.get_buffer()
      log.clear_buffer()
      return oneLineReason(text)
    },
    clearErrors: () => log?.clear_buffer()
  }
}

/** RDKit log lines start with a "[hh:mm:ss] " stamp and repeat themselves; keep each distinct message once. */
export const oneLineReason = (logText: string): string => {
  const lines = logText
    .split("\n")
    .map((line) => line.replace(/^\[\d\d:\d\d:\d\d\]\s*/, "").trim())
    .filter((line) => line.length > 0)
  return [...new Set(lines)].join("; ").slice(0, maxReasonLength)
}
