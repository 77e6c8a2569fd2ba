/** One RDKit instance for the tests: re-canonicalizes both sides of a comparison with the same RDKit. */
import { loadRDKit, type RDKit } from "../../src/engine/rdkit.js"
import { canonicalize } from "../../src/engine/chemistry.js"

let instance: Promise<RDKit> | undefined
export const testRDKit = (): Promise<RDKit> => (instance ??= loadRDKit())

/** Keys already re-canonicalized: an edge set names each molecule many times. */
const recanonicalized = new Map<string, string>()

export const recanonicalize = async (smiles: string): Promise<string> => {
  const known = recanonicalized.get(smiles)
  if (known !== undefined) return known
  const result = canonicalize(await testRDKit(), smiles)
  if (!result.ok) throw new Error(`reference SMILES does not parse: ${smiles}: ${result.reason}`)
  recanonicalized.set(smiles, result.key)
  return result.key
}

/** `smiles<TAB>generation` entries of rows, each key re-canonicalized with the tests' RDKit: sets to compare. */
export const recanonicalizedEntries = async (rows: ReadonlyArray<{ readonly smiles: string; readonly generation: number }>) => {
  const entries = new Set<string>()
  for (const row of rows) entries.add(`${await recanonicalize(row.smiles)}\t${row.generation}`)
  return entries
}

/** `reactant<TAB>rule<TAB>product<TAB>generation` entries of edges, both keys re-canonicalized with the tests' RDKit. */
export const recanonicalizedEdges = async (
  rows: ReadonlyArray<{ readonly reactant: string; readonly rule: string; readonly product: string; readonly generation: number }>
) => {
  const entries = new Set<string>()
  for (const row of rows) {
    entries.add(`${await recanonicalize(row.reactant)}\t${row.rule}\t${await recanonicalize(row.product)}\t${row.generation}`)
  }
  return entries
}
