/**
 * Entry point of one RDKit worker thread: loads its own RDKit, compiles the rule set, then answers one request at a
 * time (the pool never sends a second before the first is answered).
 *
 * The thread's loop is plain async code, not Effect: it is the platform edge, and everything in it is a synchronous
 * RDKit call between two awaits for credits. If the thread is terminated mid-request, nothing is kept: the main
 * thread owns all state.
 */
import { parentPort, workerData } from "node:worker_threads"
import { makeKeyHasher } from "../dedup/keyHash.js"
import { canonicalize, compileRules, expandMolecule } from "./chemistry.js"
import type { FromWorker, ProductChunk, ToWorker, WorkerSettings } from "./protocol.js"
import { loadRDKit } from "./rdkit.js"

const port = parentPort
if (port === null) throw new Error("workerMain.js must run in a worker thread")

const settings = workerData as WorkerSettings
const send = (message: FromWorker, transfer: ReadonlyArray<ArrayBuffer> = []) =>
  port.postMessage(message, transfer as Array<ArrayBuffer>)

const rdkit = await loadRDKit()
const hasher = await makeKeyHasher()
const compiled = compileRules(rdkit, settings.ruleSet, settings.maxProductSets)

/** Resolves when the main thread hands back a credit for the current request. */
let creditWaiter: (() => void) | undefined
let credits = 0

const waitForCredit = (): Promise<void> =>
  credits > 0 ? Promise.resolve() : new Promise((resolve) => (creditWaiter = resolve))

const runCanonicalize = (requestId: number, smiles: ReadonlyArray<string>) => {
  const keys: Array<string | null> = []
  const reasons: Array<string | null> = []
  const hashes = new Uint32Array(smiles.length * 2)
  smiles.forEach((text, i) => {
    const result = canonicalize(rdkit, text)
    keys.push(result.ok ? result.key : null)
    reasons.push(result.ok ? null : result.reason)
    if (result.ok) hasher.hashInto(result.key, hashes, i * 2)
  })
  send({ _tag: "Canonicalized", requestId, keys, reasons, hashes }, [hashes.buffer as ArrayBuffer])
}

const runExpand = async (requestId: number, parents: ReadonlyArray<string>, rules: Parameters<typeof expandMolecule>[1]) => {
  const { chunkSize } = settings
  credits = settings.credits
  let keys: Array<string> = []
  let parentOf: Array<number> = []
  let ruleOf: Array<number> = []
  let candidates = 0
  let invalidCandidates = 0
  let failures: Array<{ index: number; reason: string }> = []

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
      failures,
      last
    }
    send(chunk, [chunk.hashes.buffer as ArrayBuffer, chunk.parents.buffer as ArrayBuffer, chunk.rules.buffer as ArrayBuffer])
    keys = []
    parentOf = []
    ruleOf = []
    candidates = 0
    invalidCandidates = 0
    failures = []
  }

  for (let index = 0; index < parents.length; index++) {
    let products
    try {
      products = expandMolecule(rdkit, rules, parents[index]!)
    } catch (error) {
      failures.push({ index, reason: `RDKit failed while applying the rules: ${String(error)}` })
      continue
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
        waiter?.()
        return
      }
      case "Canonicalize":
        return runCanonicalize(message.requestId, message.smiles)
      case "Expand":
        // A rejected promise here would be an RDKit bug outside expandMolecule's guard: let the thread die loudly.
        void runExpand(message.requestId, message.keys, rules)
    }
  })
  send({ _tag: "Ready" })
}
