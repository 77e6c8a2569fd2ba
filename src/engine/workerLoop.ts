/**
 * One RDKit worker's side of the protocol (`protocol.ts`), whatever it runs in: it answers one request at a time (the
 * pool never sends a second before the first is answered), sends an `Expand` answer in chunks while it holds
 * credits, and marks each molecule it starts so that the pool can tell which molecule a dead worker was on and stop
 * one that runs past the time limit.
 *
 * Plain async code, not Effect: it is the platform edge, and everything in it is a synchronous RDKit call between two
 * awaits for credits. If RDKit throws, the worker answers what it finished, names the molecule and exits: its RDKit
 * can no longer be trusted (a WebAssembly trap leaves memory and stack in an unknown state). If the worker is
 * stopped mid-request, nothing is lost: the pool owns all state.
 */
import type { KeyHasher } from "../dedup/keyHash.js"
import type { Canonical, MoleculeProducts } from "./chemistry.js"
import type { DrawingSize, FromWorker, ProductChunk, ToWorker, WorkerSettings } from "./protocol.js"

/** The product contract's steps on one RDKit, with the rule set compiled. */
export interface WorkerChemistry {
  readonly canonicalize: (smiles: string) => Canonical
  /** Throws only when RDKit throws on this molecule. */
  readonly expand: (key: string) => MoleculeProducts
  /** The filters' verdict on a product key (`filters.ts`). */
  readonly judge: (key: string) => number
  readonly draw: (smiles: string, size: DrawingSize) => string | null
}

/** How the worker talks to its pool: a thread through its port and shared memory, a process through its IPC channel. */
export interface WorkerChannel {
  /** Typed arrays in `transfer` may be handed over rather than copied. */
  readonly send: (message: FromWorker, transfer?: ReadonlyArray<ArrayBuffer>) => void
  readonly listen: (handler: (message: ToWorker) => void) => void
  /** Work on molecule `index` of the current request starts (or resumes, after a wait for a credit) now. */
  readonly busy: (index: number) => void
  /** The worker waits: for a credit, or for its next request. */
  readonly idle: () => void
  /** Ends the worker once what it sent has gone; it sends nothing more. */
  readonly exit: (code: number) => void
}

export const serve = (channel: WorkerChannel, settings: WorkerSettings, chemistry: WorkerChemistry, hasher: KeyHasher): void => {
  /** Ends the worker after RDKit threw: nothing more can be trusted from it. */
  const poisoned = (requestId: number, index: number, error: unknown): void => {
    channel.send({ _tag: "Poisoned", requestId, index, reason: `RDKit failed on this molecule: ${String(error)}` })
    channel.exit(1)
  }

  let creditWaiter: (() => void) | undefined
  let credits = 0
  let current = 0

  const waitForCredit = (): Promise<void> => {
    if (credits > 0) return Promise.resolve()
    channel.idle()
    return new Promise((resolve) => (creditWaiter = resolve))
  }

  const starting = (index: number) => {
    current = index
    channel.busy(index)
  }

  const runCanonicalize = (requestId: number, smiles: ReadonlyArray<string>) => {
    const keys: Array<string | null> = []
    const reasons: Array<string | null> = []
    const hashes = new Uint32Array(smiles.length * 2)
    const answer = () => channel.send({ _tag: "Canonicalized", requestId, keys, reasons, hashes }, [hashes.buffer as ArrayBuffer])
    for (let i = 0; i < smiles.length; i++) {
      starting(i)
      const result = chemistry.canonicalize(smiles[i]!)
      if (result.threw !== undefined) {
        answer()
        return poisoned(requestId, i, result.threw)
      }
      keys.push(result.ok ? result.key : null)
      reasons.push(result.ok ? null : result.reason)
      if (result.ok) hasher.hashInto(result.key, hashes, i * 2)
    }
    channel.idle()
    answer()
  }

  const runExpand = async (requestId: number, parents: ReadonlyArray<string>) => {
    const { chunkSize } = settings
    credits = settings.credits
    let keys: Array<string> = []
    let parentOf: Array<number> = []
    let ruleOf: Array<number> = []
    let verdicts: Array<number> = []
    let candidates = 0
    let invalidCandidates = 0
    /**
     * Without edges each key leaves the request once: a later occurrence would reach the deduper after the first and
     * be dropped there, so the run's output is the same, and fewer keys cross to the pool and, on a cluster, to the
     * coordinator, whose keys per second bound a cluster's size. A molecule's siblings share many products in the next
     * generation (A then B is B then A): in batches of 400, the polyphenols' second generation sends 23 keys an
     * expansion instead of 38 (README "Cluster speed").
     */
    const sent = settings.edges ? undefined : new Set<string>()

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
        verdicts: Uint8Array.from(verdicts),
        candidates,
        invalidCandidates,
        failures: [],
        last
      }
      channel.send(chunk, [chunk.hashes.buffer, chunk.parents.buffer, chunk.rules.buffer, chunk.verdicts.buffer] as Array<ArrayBuffer>)
      keys = []
      parentOf = []
      ruleOf = []
      verdicts = []
      candidates = 0
      invalidCandidates = 0
    }

    for (let index = 0; index < parents.length; index++) {
      starting(index)
      let products: MoleculeProducts
      let judged: Array<number>
      try {
        products = chemistry.expand(parents[index]!)
        judged = products.keys.map(chemistry.judge)
      } catch (error) {
        // Products of earlier molecules still count: hand them over (the pool keeps taking chunks until it sees the
        // Poisoned message), then end the worker.
        if (keys.length > 0 || candidates > 0) await flush(false)
        return poisoned(requestId, index, error)
      }
      candidates += products.candidates
      invalidCandidates += products.invalidCandidates
      for (let p = 0; p < products.keys.length; p++) {
        const key = products.keys[p]!
        if (sent !== undefined) {
          // One lookup per key, not a test then an insert: this runs for every product of every molecule.
          const before = sent.size
          if (sent.add(key).size === before) continue
        }
        keys.push(key)
        parentOf.push(index)
        ruleOf.push(products.rules[p]!)
        verdicts.push(judged[p]!)
        if (keys.length === chunkSize) await flush(false)
      }
    }
    channel.idle()
    await flush(true)
  }

  channel.listen((message) => {
    switch (message._tag) {
      case "Credit": {
        credits++
        const waiter = creditWaiter
        creditWaiter = undefined
        if (waiter !== undefined) {
          channel.busy(current)
          waiter()
        }
        return
      }
      case "Canonicalize":
        return runCanonicalize(message.requestId, message.smiles)
      case "Depict":
        return channel.send({ _tag: "Depicted", requestId: message.requestId, svgs: message.smiles.map((smiles) => chemistry.draw(smiles, message.size)) })
      case "Expand":
        // A rejection here would be a bug outside RDKit's guard: let the worker die loudly, the pool replaces it.
        void runExpand(message.requestId, message.keys)
    }
  })
  channel.send({ _tag: "Ready" })
}
