/**
 * A worker's memory of which key each raw product SMILES gave, bounded, least recently used out first.
 *
 * Parsing and sanitizing a candidate is most of a molecule's time, and the answer depends on the raw SMILES alone.
 * Within one molecule, symmetric sites give the same raw SMILES; from generation 2 on, siblings give the same
 * grandchildren (A then B equals B then A), and siblings travel in the same batch. On the NCI phenols' second
 * generation half the candidates that are new to their own molecule were already seen by a recent one.
 */
export class KeyCache {
  /** A Map iterates in insertion order: re-inserting on a hit keeps the least recently used first. */
  private readonly entries = new Map<string, string | null>()

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`KeyCache capacity must be a positive integer, not ${capacity}`)
  }

  get size(): number {
    return this.entries.size
  }

  /** The key `raw` gave (null: it did not parse), or undefined if not remembered. */
  get(raw: string): string | null | undefined {
    const key = this.entries.get(raw)
    if (key !== undefined) {
      this.entries.delete(raw)
      this.entries.set(raw, key)
    }
    return key
  }

  set(raw: string, key: string | null): void {
    this.entries.delete(raw)
    this.entries.set(raw, key)
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!)
  }
}
