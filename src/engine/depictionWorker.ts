/**
 * A worker thread that draws molecules for the report when no engine is at hand (`molexpand report`, a cluster's
 * coordinator): it loads its own RDKit, draws each SMILES as an SVG (RDKit's depiction), answers, and ends. In a
 * thread of its own so that the main thread never holds an RDKit instance, whose WebAssembly memory would stay.
 */
import { parentPort, workerData } from "node:worker_threads"
import { drawMolecule } from "./chemistry.js"
import type { DrawingSize } from "./protocol.js"
import { loadRDKit } from "./rdkit.js"

export interface DepictRequest {
  readonly smiles: ReadonlyArray<string>
  readonly size: DrawingSize
}

const port = parentPort
if (port === null) throw new Error("depictionWorker.js must run in a worker thread")

const { smiles, size } = workerData as DepictRequest
const rdkit = await loadRDKit()
port.postMessage(smiles.map((text) => drawMolecule(rdkit, text, size)))
