/**
 * The versions that decide a run's keys: molexpand's own and RDKit's (which depends on the engine, see
 * `engine/choice.ts`). A cluster refuses a runner whose versions differ from the coordinator's, since it would write
 * different keys for the same molecules.
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"

const require = createRequire(import.meta.url)

/** `@rdkit/rdkit` exports only its entry point (`dist/RDKit_minimal.js`); its package.json is one folder up. */
const rdkitPackageJson = path.join(path.dirname(require.resolve("@rdkit/rdkit")), "..", "package.json")

/** `src/versions.ts` (tests) and `dist/versions.js` (package) both sit one folder below the package root. */
export const molexpandVersion: string = (require("../package.json") as { version: string }).version

/** The RDKit of the WebAssembly engine: the version of the `@rdkit/rdkit` package. */
export const wasmRdkitVersion: string = `${(JSON.parse(fs.readFileSync(rdkitPackageJson, "utf8")) as { version: string }).version} (WebAssembly)`

export interface Versions {
  readonly molexpand: string
  readonly rdkit: string
}
