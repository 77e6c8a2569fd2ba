/**
 * Entry point of one RDKit worker thread: loads its own RDKit, compiles the rule set, then answers one request at a
 * time (the pool never sends a second before the first is answered).
 *
 * The thread's loop is plain async code, not Effect: it is the platform edge, and everything in it is a synchronous
 * RDKit call between two awaits for credits. If RDKit throws, the instance is poisoned (a WebAssembly trap leaves its
 * memory and stack in an unknown state): the thread answers what it finished, names the molecule and exits.
 * If the thread is terminated mid-request, nothing is kept: the main thread owns all state.
 */
import { parentPort, workerData } from "node:worker_threads"
import { makeKeyHasher } from "../dedup/keyHash.js"
import { canonicalize, compileRules, type CompiledRules, drawMolecule, expandMolecule, type MoleculeProducts } from "./chemistry.js"
import { KeyCache } from "./keyCache.js"
import { type FromWorker, type ProductChunk, progressBusy, progressIndex, type ToWorker, type WorkerData } from "./protocol.js"
import { loadRDKit } from "./rdkit.js"

const port = parentPort
if (port === null) throw new Error("workerMain.js must run in a worker thread")

const { settings, progress, keyCache: keyCacheBuffer, rdkit: compiledRDKit } = workerData as WorkerData
const progressState = new Int32Array(progress.state)
const progressStartedAt = new Float64Array(progress.startedAt)

const send = (message: FromWorker, transfer: ReadonlyArray<ArrayBuffer> = []) =>
  port.postMessage(message, transfer as Array<ArrayBuffer>)

const rdkit = await loadRDKit(compiledRDKit)
const hasher = await makeKeyHasher()
const compiled = compileRules(rdkit, settings.ruleSet, settings.maxProductSets)
const keyCache = KeyCache.attach(keyCacheBuffer)

/** Marks the start of work on molecule `index`, for the main thread's time limit and crash report. */
const starting = (index: number) => {
  progressStartedAt[0] = Date.now()
  Atomics.store(progressState, progressIndex, index)
  Atomics.store(progressState, progressBusy, 1)
}
const waiting = () => Atomics.store(progressState, progressBusy, 0)

/** Ends the thread after RDKit threw: nothing more can be trusted from this instance. */
const poisoned = (requestId: number, index: number, error: unknown): never => {
  send({ _tag: "Poisoned", requestId, index, reason: `RDKit failed on this molecule: ${String(error)}` })
  process.exit(1)
}

/** Resolves when the main thread hands back a credit for the current request. */
let creditWaiter: (() => void) | undefined
let credits = 0

const waitForCredit = (): Promise<void> => {
  if (credits > 0) return Promise.resolve()
  waiting()
  return new Promise((resolve) => (creditWaiter = resolve))
}

const runCanonicalize = (requestId: number, smiles: ReadonlyArray<string>) => {
  const keys: Array<string | null> = []
  const reasons: Array<string | null> = []
  const hashes = new Uint32Array(smiles.length * 2)
  const answer = () => send({ _tag: "Canonicalized", requestId, keys, reasons, hashes }, [hashes.buffer as ArrayBuffer])
  for (let i = 0; i < smiles.length; i++) {
    starting(i)
    const result = canonicalize(rdkit, smiles[i]!)
    if (result.threw !== undefined) {
      answer()
      poisoned(requestId, i, result.threw)
    }
    keys.push(result.ok ? result.key : null)
    reasons.push(result.ok ? null : result.reason)
    if (result.ok) hasher.hashInto(result.key, hashes, i * 2)
  }
  waiting()
  answer()
}

const runExpand = async (requestId: number, parents: ReadonlyArray<string>, rules: CompiledRules) => {
  const { chunkSize } = settings
  credits = settings.credits
  let keys: Array<string> = []
  let parentOf: Array<number> = []
  let ruleOf: Array<number> = []
  let candidates = 0
  let invalidCandidates = 0

  const flush = async (last: boolean) => {
    await waitForCredit()
    credits--
    const hashes = new Uint32Array(keys.length * 2)
    keys.forEach((key, i) => hasher.hashInto(key, hashes, i * 2))
    const chunk: ProductChunk = {
      _tag: "Chunk",
      requestId,
      keys,
      hashes,
      parents: Uint32Array.from(parentOf),
      rules: Uint16Array.from(ruleOf),
      candidates,
      invalidCandidates,
      failures: [],
      last
    }
    send(chunk, [chunk.hashes.buffer as ArrayBuffer, chunk.parents.buffer as ArrayBuffer, chunk.rules.buffer as ArrayBuffer])
    keys = []
    parentOf = []
    ruleOf = []
    candidates = 0
    invalidCandidates = 0
  }

  for (let index = 0; index < parents.length; index++) {
    starting(index)
    let products: MoleculeProducts
    try {
      products = expandMolecule(rdkit, rules, keyCache, parents[index]!)
    } catch (error) {
      // Products of earlier molecules still count: hand them over (the main thread keeps taking chunks until it
      // sees the Poisoned message), then end the thread.
      if (keys.length > 0 || candidates > 0) await flush(false)
      return poisoned(requestId, index, error)
    }
    candidates += products.candidates
    invalidCandidates += products.invalidCandidates
    for (let p = 0; p < products.keys.length; p++) {
      keys.push(products.keys[p]!)
      parentOf.push(index)
      ruleOf.push(products.rules[p]!)
      if (keys.length === chunkSize) await flush(false)
    }
  }
  waiting()
  await flush(true)
}

if (!compiled.ok) {
  send({ _tag: "RuleRejected", line: compiled.line, reason: compiled.reason })
} else {
  const rules = compiled.rules
  port.on("message", (message: ToWorker) => {
    switch (message._tag) {
      case "Credit": {
        credits++
        const waiter = creditWaiter
        creditWaiter = undefined
        if (waiter !== undefined) {
          Atomics.store(progressState, progressBusy, 1)
          progressStartedAt[0] = Date.now()
          waiter()
        }
        return
      }
      case "Canonicalize":
        return runCanonicalize(message.requestId, message.smiles)
      case "Depict":
        return send({ _tag: "Depicted", requestId: message.requestId, svgs: message.smiles.map((smiles) => drawMolecule(rdkit, smiles, message.size)) })
      case "Expand":
        // A rejection here would be a bug outside RDKit's guard: let the thread die loudly, the pool replaces it.
        void runExpand(message.requestId, message.keys, rules)
    }
  })
  send({ _tag: "Ready" })
}
