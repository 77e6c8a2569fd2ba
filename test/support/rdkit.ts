/** One RDKit instance for the tests: re-canonicalizes both sides of a comparison with the same RDKit. */
import { loadRDKit, type RDKit } from "../../src/engine/rdkit.js"
import { canonicalize } from "../../src/engine/chemistry.js"

let instance: Promise<RDKit> | undefined
export const testRDKit = (): Promise<RDKit> => (instance ??= loadRDKit())

export const recanonicalize = async (smiles: string): Promise<string> => {
  const result = canonicalize(await testRDKit(), smiles)
  if (!result.ok) throw new Error(`reference SMILES does not parse: ${smiles}: ${result.reason}`)
  return result.key
}
