/**
 * A worker thread that draws molecules for the report: it loads its own RDKit, draws each SMILES it was given as an
 * SVG (RDKit's depiction), answers, and ends. In a thread of its own so that the run's main thread never holds an
 * RDKit instance, whose WebAssembly memory would stay with it.
 */
import { parentPort, workerData } from "node:worker_threads"
import { loadRDKit } from "../engine/rdkit.js"

export interface DepictRequest {
  readonly smiles: ReadonlyArray<string>
  readonly width: number
  readonly height: number
}

const port = parentPort
if (port === null) throw new Error("depictWorker.js must run in a worker thread")

const { smiles, width, height } = workerData as DepictRequest
const rdkit = await loadRDKit()
/** An SVG per SMILES, or null where RDKit cannot read it. */
const drawings = smiles.map((text) => {
  const mol = rdkit.module.get_mol(text)
  if (mol === null) return null
  try {
    return mol.get_svg(width, height)
  } finally {
    mol.delete()
  }
})
port.postMessage(drawings)
