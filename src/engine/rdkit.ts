/**
 * Loading RDKit (WebAssembly) and asking it why it rejected something.
 *
 * Each worker thread loads its own instance: a WebAssembly instance is single-threaded, and sharing one between
 * threads is not possible. Its compiled code can be shared, though: the engine compiles RDKit's 7 MB of WebAssembly
 * once (`compileRDKit`) and every thread instantiates that module, instead of each thread reading, copying and
 * compiling its own. On the bundled sample with 8 workers that lowered the peak RSS from 680 and 702 MiB to 617 and
 * 579 MiB (two runs each, alternating), about 12 MiB a worker.
 *
 * RDKit says why a SMILES or SMARTS was rejected only through its log, and keeping the log on costs about a quarter
 * of the throughput (every warning of every parse is formatted), so logging stays off and `explain` repeats a failed
 * call once with the log captured.
 */
import * as fs from "node:fs/promises"
import { createRequire } from "node:module"
import rdkitPackage from "@rdkit/rdkit"
import type { MainModule } from "@rdkit/rdkit"
import { oneLineReason } from "./rdkitText.js"

export type RDKitModule = MainModule

export interface RDKit {
  readonly module: RDKitModule
  /** Runs `failedCall` again with RDKit's log captured and returns what RDKit said, as one line ("" if nothing). */
  readonly explain: (failedCall: () => void) => string
}

/** RDKit's compiled WebAssembly module: opaque here, since the project's TypeScript libraries do not describe it. */
export type CompiledRDKit = object

/** The two WebAssembly calls used here (the global exists in Node and Deno; only its typings are missing). */
interface WebAssemblyApi {
  compile(bytes: Uint8Array): Promise<CompiledRDKit>
  instantiate(module: CompiledRDKit, imports: object): Promise<object>
}
const webAssembly = (globalThis as unknown as { readonly WebAssembly: WebAssemblyApi }).WebAssembly

/** RDKit's WebAssembly compiled, for `loadRDKit` in any thread of this process (a module can be posted to a worker). */
export const compileRDKit = async (): Promise<CompiledRDKit> =>
  webAssembly.compile(await fs.readFile(createRequire(import.meta.url).resolve("@rdkit/rdkit/RDKit_minimal.wasm")))

/**
 * RDKit on a module compiled elsewhere, through Emscripten's hook for that: it hands over the imports and takes back
 * the instance. A failure in either rejects rather than leaving the factory waiting forever.
 */
const instantiate = (compiled: CompiledRDKit): Promise<RDKitModule> =>
  new Promise((resolve, reject) => {
    const instantiateWasm = (imports: object, receive: (instance: object) => void) => {
      // `receive` sets up RDKit's glue, and throws if the module is not RDKit's: that must reject too.
      webAssembly.instantiate(compiled, imports).then(receive).catch(reject)
      return {}
    }
    // A CommonJS package: Node hands ESM its `module.exports`, whose `default` is the factory the typings describe.
    rdkitPackage.default({ instantiateWasm }).then(resolve, reject)
  })

/** A new RDKit instance: of `compiled` if given, else of the package's file, compiled for this instance alone. */
export const loadRDKit = async (compiled?: CompiledRDKit): Promise<RDKit> => {
  const module = compiled === undefined ? await rdkitPackage.default() : await instantiate(compiled)
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
