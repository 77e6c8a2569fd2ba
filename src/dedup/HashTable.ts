/**
 * An exact set of 64-bit hashes: open addressing with linear probing over two `Uint32Array`s, one for the high
 * halves and one for the low halves.
 *
 * It holds 8 bytes a slot and nothing per key on the JavaScript heap, so a run's seen set is a few flat arrays that
 * the garbage collector never scans (a `Set<string>` took 105 bytes a key and stops at 2^24 entries).
 *
 * The hashes are xxHash64 values, hence uniform: the low half's low bits serve as the home slot without remixing.
 *
 * **Gotchas**
 * - The hash (0,0) marks an empty slot, so it is stored as a fixed stand-in hash; the two are one key to the table.
 * - Growing allocates the doubled arrays before dropping the old ones: for that moment the table holds three times
 *   its old size. Size `expectedCount` so that a run never grows if memory is tight.
 */

/**
 * The share of slots in use past which the table doubles. A miss under linear probing scans about
 * (1 + 1/(1 - load)^2) / 2 slots: 8.5 at 0.75 but 50 at 0.9. The scan reads only the low halves until one matches,
 * so 8.5 slots is 34 bytes, one or two cache lines. At 0.75, 100M keys still fit in 2^27 slots (1 GiB).
 */
export const MAX_LOAD_FACTOR = 0.75

/** The smallest table. Below this, allocating again as it grows would cost more than the few bytes saved. */
const MIN_CAPACITY = 16

/**
 * The largest table: 2^31 slots (16 GiB, 1.6 billion keys). Slot indexes are wrapped with `&`, which works on int32
 * values, so the mask must stay below 2^31.
 */
const MAX_CAPACITY = 2 ** 31

/**
 * Where the hash (0,0) is stored, because (0,0) marks an empty slot. Any fixed non-zero pair works; these are the
 * 64-bit golden-ratio constant's halves. Merging two hashes out of 2^64 adds nothing measurable to the collision odds.
 */
const ZERO_STAND_IN_HI = 0x9e3779b9
const ZERO_STAND_IN_LO = 0x7f4a7c15

/** Keys a table of `capacity` slots holds before it doubles. */
const growthThreshold = (capacity: number): number => Math.floor(capacity * MAX_LOAD_FACTOR)

/** The smallest power-of-two capacity that holds `count` keys at or below `MAX_LOAD_FACTOR`. */
const capacityFor = (count: number): number => {
  let capacity = MIN_CAPACITY
  while (count > growthThreshold(capacity)) {
    capacity *= 2
    if (capacity > MAX_CAPACITY) {
      throw new RangeError(`HashTable: ${count} keys need more than ${MAX_CAPACITY} slots`)
    }
  }
  return capacity
}

export class HashTable {
  #hi: Uint32Array
  #lo: Uint32Array
  #mask: number
  #growAt: number
  #size = 0

  /** Allocates room for `expectedCount` keys, so that a run that meets its estimate never grows. */
  constructor(expectedCount: number) {
    if (!(expectedCount >= 0) || !Number.isFinite(expectedCount)) {
      throw new RangeError(`HashTable: expected count must be a finite number >= 0, got ${expectedCount}`)
    }
    const capacity = capacityFor(expectedCount)
    this.#hi = new Uint32Array(capacity)
    this.#lo = new Uint32Array(capacity)
    this.#mask = capacity - 1
    this.#growAt = growthThreshold(capacity)
  }

  /** Keys stored. */
  get size(): number {
    return this.#size
  }

  /** Slots allocated, a power of two. */
  get capacity(): number {
    return this.#lo.length
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    return this.#lo.byteLength + this.#hi.byteLength
  }

  /** Stores the hash; true when it was not stored before. */
  addIfNew(hi: number, lo: number): boolean {
    // Normalise to uint32, so a hash passed as int32 (`x | 0`) matches the value the typed arrays store.
    let keyHi = hi >>> 0
    let keyLo = lo >>> 0
    if ((keyHi | keyLo) === 0) {
      keyHi = ZERO_STAND_IN_HI
      keyLo = ZERO_STAND_IN_LO
    }
    let slot = this.#probe(keyHi, keyLo)
    if (this.#lo[slot] === keyLo && this.#hi[slot] === keyHi) return false
    if (this.#size >= this.#growAt) {
      this.#grow()
      slot = this.#probe(keyHi, keyLo)
    }
    this.#hi[slot] = keyHi
    this.#lo[slot] = keyLo
    this.#size++
    return true
  }

  /** True when the hash is stored. */
  has(hi: number, lo: number): boolean {
    let keyHi = hi >>> 0
    let keyLo = lo >>> 0
    if ((keyHi | keyLo) === 0) {
      keyHi = ZERO_STAND_IN_HI
      keyLo = ZERO_STAND_IN_LO
    }
    const slot = this.#probe(keyHi, keyLo)
    return this.#lo[slot] === keyLo && this.#hi[slot] === keyHi
  }

  /** The slot holding the (normalised, non-zero) hash, or else the empty slot where it belongs. */
  #probe(hi: number, lo: number): number {
    const his = this.#hi
    const los = this.#lo
    const mask = this.#mask
    let slot = lo & mask
    // Terminates because the load stays at or below MAX_LOAD_FACTOR < 1, so an empty slot always exists.
    for (;;) {
      const slotLo = los[slot]
      if ((slotLo === lo && his[slot] === hi) || (slotLo === 0 && his[slot] === 0)) return slot
      slot = (slot + 1) & mask
    }
  }

  #grow(): void {
    const capacity = this.capacity * 2
    if (capacity > MAX_CAPACITY) {
      throw new RangeError(`HashTable: more than ${this.#size} keys need more than ${MAX_CAPACITY} slots`)
    }
    const oldHi = this.#hi
    const oldLo = this.#lo
    this.#hi = new Uint32Array(capacity)
    this.#lo = new Uint32Array(capacity)
    this.#mask = capacity - 1
    this.#growAt = growthThreshold(capacity)
    for (let slot = 0; slot < oldLo.length; slot++) {
      const hi = oldHi[slot] ?? 0
      const lo = oldLo[slot] ?? 0
      if ((hi | lo) !== 0) {
        const target = this.#probe(hi, lo)
        this.#hi[target] = hi
        this.#lo[target] = lo
      }
    }
  }
}
