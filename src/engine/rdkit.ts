/**
 * Loading RDKit (WebAssembly) and asking it why it rejected something.
 *
 * Each worker thread loads its own instance: a WebAssembly instance is single-threaded, and sharing one between
 * threads is not possible. RDKit says why a SMILES or SMARTS was rejected only through its log, and keeping the log
 * on costs about a quarter of the throughput (every warning of every parse is formatted), so logging stays off and
 * `explain` repeats a failed call once with the log captured.
 */
import rdkitPackage from "@rdkit/rdkit"
import type { MainModule } from "@rdkit/rdkit"

export type RDKitModule = MainModule

export interface RDKit {
  readonly module: RDKitModule
  /** Runs `failedCall` again with RDKit's log captured and returns what RDKit said, as one line ("" if nothing). */
  readonly explain: (failedCall: () => void) => string
}

/** The longest reason kept from RDKit's log: its first lines say what is wrong, the rest repeats the input. */
const maxReasonLength = 300

export const loadRDKit = async (): Promise<RDKit> => {
  // A CommonJS package: Node hands ESM its `module.exports`, whose `default` is the factory the typings describe.
  const module = await rdkitPackage.default()
  module.disable_logging()
  return {
    module,
    explain: (failedCall) => {
      const log = module.set_log_capture("rdApp.*")
      try {
        failedCall()
        return log === null ? "" : oneLineReason(log.get_buffer())
      } finally {
        log?.delete()
        module.disable_logging()
      }
    }
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
