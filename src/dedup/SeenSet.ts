/**
 * The run's seen set: the one structure the deduper asks "is this product new?", across the whole run.
 *
 * Contains the `SeenSet` interface and `makeSeenSet`, which builds it for a `DedupMode`:
 * - `exact`: a `HashTable` of the keys' 64-bit hashes, 8 bytes a slot, 10.7 to 21.3 bytes a key. Two distinct keys
 *   sharing a hash is the only way it drops a product: about n^2 / 2^65 over a run of n keys (2.7e-4 at 100M).
 * - `bloom`: a Bloom filter (see `bloom.ts`), a few bytes a key at the price of dropping about `fpRate` of the new
 *   products once full, which it estimates as it goes.
 *
 * The seen set does not own the hashing: callers compute a key's hash with a `KeyHasher`, typically in the worker
 * that produced the key, and pass it with the key. The exact table never reads a key's text, so a key that arrived
 * as bytes is decoded only if it is new (`KeyList`); a Bloom filter hashes the text itself.
 */
import type { DedupMode } from "../config.js"
import type { KeyList } from "../engine/protocol.js"
import { makeBloomSeenSet } from "./bloom.js"
import { HashTable } from "./HashTable.js"

export interface SeenSet {
  readonly mode: DedupMode
  /** Records `keys.at(index)`, whose KeyHasher hash is `hashes[2 * index]` (high), `hashes[2 * index + 1]` (low); true when it was not seen before. */
  readonly addIfNew: (keys: KeyList, hashes: Uint32Array, index: number) => boolean
  /** Keys accepted as new. */
  readonly size: number
  /** Bytes held by the structure's arrays. */
  readonly bytes: number
  /** Expected number of new keys wrongly reported as seen; always 0 for exact. */
  readonly estimatedFalsePositives: number
}

export const makeSeenSet = (options: {
  readonly mode: DedupMode
  readonly expectedProducts: number
  readonly fpRate: number
}): SeenSet => {
  switch (options.mode) {
    case "exact":
      return makeExactSeenSet(options.expectedProducts)
    case "bloom":
      return makeBloomSeenSet(options.expectedProducts, options.fpRate)
  }
}

// internals

const makeExactSeenSet = (expectedProducts: number): SeenSet => {
  const table = new HashTable(expectedProducts)
  return {
    mode: "exact",
    addIfNew: (_keys, hashes, index) => table.addIfNew(hashes[2 * index]!, hashes[2 * index + 1]!),
    get size() {
      return table.size
    },
    get bytes() {
      return table.bytes
    },
    estimatedFalsePositives: 0
  }
}
