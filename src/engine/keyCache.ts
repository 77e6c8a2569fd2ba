/**
 * The workers' shared memory of which key each raw product SMILES gave: a fixed-size table in one
 * SharedArrayBuffer, made by the main thread and attached by every worker thread.
 *
 * Parsing and sanitizing a candidate is most of a molecule's time, and the answer depends on the raw SMILES alone.
 * Within one molecule, symmetric sites give the same raw SMILES; from generation 2 on, molecules close in the frontier
 * share products (A then B equals B then A). A cache per worker sees only the batches its worker takes: on the NCI
 * phenols' second generation, two workers with one cache each parsed 21.8% more candidates than one worker did, and
 * with more workers each cache sees less. Shared, every worker gains from what any worker parsed.
 *
 * The table is 2-way set-associative: a raw SMILES' hash picks two neighbouring slots, a new entry replaces the
 * older of the two. Each slot holds its entry's bytes and a version, odd while a writer is in it (a seqlock). No
 * lock is ever waited for: a writer that finds the slot busy skips the entry, and a reader that sees the version
 * change or odd reports a miss. So a worker stopped in the middle of a write (the pool terminates threads past their
 * time limit) leaves one slot unusable, never a wrong key or a stuck thread. A hit also compares the raw SMILES byte
 * for byte, so a hash collision is a miss too.
 */

/** Bytes of one slot: its header and the raw SMILES and key bytes. */
export const keyCacheSlotBytes = 1024
/** Header, as Uint32 words: version, age stamp, hash, raw length | key length << 16. */
const headerWords = 4
const headerBytes = headerWords * 4
const dataBytes = keyCacheSlotBytes - headerBytes
/** Key length that records "this raw SMILES gave no valid molecule". */
const noKey = 0xffff
/** Key length that records "the key is the raw SMILES itself", as it often is: the slot then holds one copy. */
const keyIsRaw = 0xfffe
/** Word 0 of the buffer is the age counter; the slots follow. */
const slotsOffset = 16

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** FNV-1a over the first `length` bytes: cheap, and a collision costs only a miss. */
const hashBytes = (bytes: Uint8Array, length: number): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193)
  return hash >>> 0
}

export class KeyCache {
  private readonly words: Int32Array
  private readonly bytes: Uint8Array
  private readonly slots: number
  /** Scratch space for encoding: a raw SMILES and a key never both exceed one slot's data. */
  private readonly scratch = new Uint8Array(dataBytes)
  private readonly keyScratch = new Uint8Array(dataBytes)

  private constructor(readonly buffer: SharedArrayBuffer) {
    this.slots = (buffer.byteLength - slotsOffset) / keyCacheSlotBytes
    if (!Number.isInteger(this.slots) || this.slots < 2 || this.slots % 2 !== 0) {
      throw new RangeError(`not a key cache buffer: ${buffer.byteLength} bytes`)
    }
    this.words = new Int32Array(buffer)
    this.bytes = new Uint8Array(buffer)
  }

  /** A new, empty cache of `slots` entries (an even number, at least 2). */
  static create(slots: number): KeyCache {
    if (!Number.isInteger(slots) || slots < 2 || slots % 2 !== 0) {
      throw new RangeError(`KeyCache slots must be an even integer ≥ 2, not ${slots}`)
    }
    return new KeyCache(new SharedArrayBuffer(slotsOffset + slots * keyCacheSlotBytes))
  }

  /** The cache whose buffer another thread created. */
  static attach(buffer: SharedArrayBuffer): KeyCache {
    return new KeyCache(buffer)
  }

  /** Entries held now; a scan of every slot, for tests and reports. */
  get size(): number {
    let count = 0
    for (let slot = 0; slot < this.slots; slot++) {
      const version = Atomics.load(this.words, this.wordOf(slot))
      if (version !== 0 && version % 2 === 0) count++
    }
    return count
  }

  /** The key `raw` gave (null: it did not parse), or undefined if not remembered. */
  get(raw: string): string | null | undefined {
    const rawLength = this.encode(raw, this.scratch)
    return rawLength === undefined ? undefined : this.find(raw, rawLength, hashBytes(this.scratch, rawLength))
  }

  set(raw: string, key: string | null): void {
    const rawLength = this.encode(raw, this.scratch)
    if (rawLength !== undefined) this.store(raw, rawLength, hashBytes(this.scratch, rawLength), key)
  }

  /**
   * The key `raw` gives: remembered, or found by `parse` and then remembered. The raw SMILES is encoded and hashed
   * once for both, since this runs for every candidate.
   */
  resolve(raw: string, parse: (raw: string) => string | null): string | null {
    const rawLength = this.encode(raw, this.scratch)
    if (rawLength === undefined) return parse(raw)
    const hash = hashBytes(this.scratch, rawLength)
    const known = this.find(raw, rawLength, hash)
    if (known !== undefined) return known
    const key = parse(raw)
    this.store(raw, rawLength, hash, key)
    return key
  }

  /** `raw`'s entry in its two slots; its bytes must be in `scratch`. */
  private find(raw: string, rawLength: number, hash: number): string | null | undefined {
    const first = this.setOf(hash)
    for (let slot = first; slot < first + 2; slot++) {
      const found = this.read(slot, hash, rawLength)
      if (found !== undefined) return found === keyIsRaw ? raw : found
    }
    return undefined
  }

  /** Writes `raw`'s entry over the older of its two slots, unless a writer is in it; its bytes must be in `scratch`. */
  private store(raw: string, rawLength: number, hash: number, key: string | null): void {
    let keyLength = 0
    if (key !== null && key !== raw) {
      const written = this.encode(key, this.keyScratch)
      if (written === undefined || rawLength + written > dataBytes) return
      keyLength = written
    }
    const first = this.setOf(hash)
    const stampOf = (slot: number) => Atomics.load(this.words, this.wordOf(slot) + 1) >>> 0
    const slot = stampOf(first) <= stampOf(first + 1) ? first : first + 1
    const at = this.wordOf(slot)
    const version = Atomics.load(this.words, at)
    if (version % 2 !== 0 || Atomics.compareExchange(this.words, at, version, version + 1) !== version) return
    const stamp = Atomics.add(this.words, 0, 1) + 1
    Atomics.store(this.words, at + 1, stamp)
    Atomics.store(this.words, at + 2, hash | 0)
    Atomics.store(this.words, at + 3, rawLength | ((key === null ? noKey : key === raw ? keyIsRaw : keyLength) << 16))
    const data = at * 4 + headerBytes
    this.bytes.set(this.scratch.subarray(0, rawLength), data)
    if (key !== null && key !== raw) this.bytes.set(this.keyScratch.subarray(0, keyLength), data + rawLength)
    Atomics.store(this.words, at, version + 2)
  }

  /** UTF-8 bytes of `text` into `into`; undefined when they do not fit one slot (such entries are not kept). */
  private encode(text: string, into: Uint8Array): number | undefined {
    const encoded = encoder.encodeInto(text, into)
    return encoded.read === text.length ? encoded.written : undefined
  }

  private setOf(hash: number): number {
    return (hash % (this.slots / 2)) * 2
  }

  private wordOf(slot: number): number {
    return (slotsOffset + slot * keyCacheSlotBytes) / 4
  }

  /** The entry in `slot` if it is `raw`'s (same hash, same bytes) and no writer touched it while it was read. */
  private read(slot: number, hash: number, rawLength: number): string | null | typeof keyIsRaw | undefined {
    const at = this.wordOf(slot)
    const version = Atomics.load(this.words, at)
    if (version === 0 || version % 2 !== 0) return undefined
    if (Atomics.load(this.words, at + 2) >>> 0 !== hash) return undefined
    const lengths = Atomics.load(this.words, at + 3)
    if ((lengths & 0xffff) !== rawLength) return undefined
    const keyLength = lengths >>> 16
    const data = at * 4 + headerBytes
    for (let i = 0; i < rawLength; i++) if (this.bytes[data + i] !== this.scratch[i]) return undefined
    const key = keyLength === noKey
      ? null
      : keyLength === keyIsRaw
      ? keyIsRaw
      : decoder.decode(this.keyScratch.subarray(0, copyInto(this.keyScratch, this.bytes, data + rawLength, keyLength)))
    return Atomics.load(this.words, at) === version ? key : undefined
  }
}

/** Copies `length` bytes of `from` at `offset` into `into` (TextDecoder refuses shared memory); returns `length`. */
const copyInto = (into: Uint8Array, from: Uint8Array, offset: number, length: number): number => {
  into.set(from.subarray(offset, offset + Math.min(length, into.length)))
  return Math.min(length, into.length)
}
