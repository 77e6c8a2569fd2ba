/**
 * Entry point of one WebAssembly RDKit worker thread: loads its own RDKit instance (of the module the pool compiled),
 * compiles the rule set, then serves the pool (`workerLoop.ts`). Progress goes through shared memory: the pool reads
 * the current molecule and its start time without a message.
 */
import { parentPort, workerData } from "node:worker_threads"
import { makeKeyHasher } from "../dedup/keyHash.js"
import { defaults } from "../config.js"
import { canonicalize, compileRules, composeMolecule, drawMolecule, expandMolecule } from "./chemistry.js"
import { judgeOf } from "./filters.js"
import { KeyCache } from "./keyCache.js"
import { type FromWorker, progressBusy, progressIndex, type ToWorker, type WorkerData } from "./protocol.js"
import { loadRDKit } from "./rdkit.js"
import { serve, type WorkerChannel } from "./workerLoop.js"

const port = parentPort
if (port === null) throw new Error("workerMain.js must run in a worker thread")

const { settings, progress, keyCache: keyCacheBuffer, rdkit: compiledRDKit } = workerData as WorkerData
const progressState = new Int32Array(progress.state)
const progressStartedAt = new Float64Array(progress.startedAt)

const channel: WorkerChannel = {
  send: (message: FromWorker, transfer = []) => port.postMessage(message, transfer as Array<ArrayBuffer>),
  listen: (handler) => port.on("message", (message: ToWorker) => handler(message)),
  busy: (index) => {
    progressStartedAt[0] = Date.now()
    Atomics.store(progressState, progressIndex, index)
    Atomics.store(progressState, progressBusy, 1)
  },
  idle: () => Atomics.store(progressState, progressBusy, 0),
  exit: (code) => process.exit(code)
}

const rdkit = await loadRDKit(compiledRDKit)
const compiled = compileRules(rdkit, settings.ruleSet, settings.maxProductSets, settings.edges)
if (!compiled.ok) {
  channel.send({ _tag: "RuleRejected", file: compiled.file, line: compiled.line, reason: compiled.reason })
} else {
  const rules = compiled.rules
  const keyCache = KeyCache.attach(keyCacheBuffer)
  serve(channel, settings, {
    canonicalize: (smiles) => canonicalize(rdkit, smiles),
    expand: (key) => expandMolecule(rdkit, rules, keyCache, key),
    judge: judgeOf(settings.filters, (key) => composeMolecule(rdkit, key), defaults.filterMemoryKeys),
    draw: (smiles, size) => drawMolecule(rdkit, smiles, size)
  }, await makeKeyHasher())
}
