/**
 * A worker thread that draws molecules for the report when no engine is at hand (`molexpand report`, a cluster's
 * coordinator): it loads its own RDKit (the native addon when the run used it and it loads here, else WebAssembly),
 * draws each SMILES as an SVG (RDKit's depiction), answers, and ends. In a thread of its own so that the main thread
 * never holds an RDKit instance, whose WebAssembly memory would stay.
 */
import { parentPort, workerData } from "node:worker_threads"
import { drawMolecule } from "./chemistry.js"
import { loadNativeAddon } from "./native/addon.js"
import { drawMolecule as drawNatively } from "./native/chemistry.js"
import type { DrawingSize } from "./protocol.js"
import { loadRDKit } from "./rdkit.js"

export interface DepictRequest {
  readonly smiles: ReadonlyArray<string>
  readonly size: DrawingSize
  /** The RDKit that made the run: its drawings are the ones the run's own report has. */
  readonly engine: "native" | "wasm"
}

const port = parentPort
if (port === null) throw new Error("depictionWorker.js must run in a worker thread")

const { smiles, size, engine } = workerData as DepictRequest
const addon = engine === "native" ? loadNativeAddon() : undefined
if (addon?.ok === true) {
  port.postMessage(smiles.map((text) => drawNatively(addon.addon, text, size)))
} else {
  const rdkit = await loadRDKit()
  port.postMessage(smiles.map((text) => drawMolecule(rdkit, text, size)))
}
