/**
 * A chunk's product keys as they cross between a runner and the coordinator: one UTF-8 text, each key ended by a
 * newline (a SMILES has none), so a chunk is one value to send and receive, not one per key.
 *
 * The coordinator decodes a key's text only when it reads it (`KeyList`): the deduper reads only the keys it keeps,
 * and most keys of a large run are seen already. Decoding every key on arrival took about a seventh of the
 * coordinator's main thread, fed as the job would feed it (a `--cpu-prof` profile, `bench/README.md`).
 */
import type { KeyList } from "../protocol.js"

const NEWLINE = 0x0a
const separator = "\n"
const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder()

export const packKeys = (keys: KeyList): Uint8Array => {
  const parts: Array<string> = []
  for (let i = 0; i < keys.length; i++) parts.push(keys.at(i)!, separator)
  return utf8.encode(parts.join(""))
}

/** The keys of `bytes`, which must hold `count` of them: a chunk's hashes say how many it carries. */
export class PackedKeys implements KeyList {
  /** Where each key's newline is. */
  private readonly ends: Uint32Array

  constructor(private readonly bytes: Uint8Array, readonly length: number) {
    this.ends = new Uint32Array(length)
    let end = -1
    for (let i = 0; i < length; i++) {
      end = bytes.indexOf(NEWLINE, end + 1)
      if (end === -1) throw new Error(`a chunk's keys end after ${i} of ${length}`)
      this.ends[i] = end
    }
    if (end !== bytes.length - 1) throw new Error(`a chunk carries more than its ${length} keys`)
  }

  at(index: number): string | undefined {
    if (index < 0 || index >= this.length) return undefined
    const start = index === 0 ? 0 : this.ends[index - 1]! + 1
    return fromUtf8.decode(this.bytes.subarray(start, this.ends[index]))
  }
}
