/**
 * The writer actor's row buffer: cuts incoming product messages of any size into row groups of the flush interval,
 * and never holds more than that interval itself.
 *
 * Pure and synchronous. Its only state is the rows not yet emitted; if a run is interrupted they are simply dropped
 * with the rest of the unwritten output, since only a committed file counts.
 */
import type { ProductRows } from "./ProductSink.js"

/** Mutable columns, filled up to the flush interval and handed out whole when full. */
interface Columns {
  smiles: string[]
  generation: number[]
  parent: string[]
  rootId: string[]
  rule: string[]
}

const emptyColumns = (): Columns => ({ smiles: [], generation: [], parent: [], rootId: [], rule: [] })

/** Copies rows [from, to) of `source` onto the end of `target`. */
const copyRows = (target: Columns, source: ProductRows, from: number, to: number): void => {
  for (let i = from; i < to; i++) {
    target.smiles.push(source.smiles[i]!)
    target.generation.push(source.generation[i]!)
    target.parent.push(source.parent[i]!)
    target.rootId.push(source.rootId[i]!)
    target.rule.push(source.rule[i]!)
  }
}

export class RowBuffer {
  private columns = emptyColumns()
  private most = 0

  /** Rows held now. */
  get size(): number {
    return this.columns.smiles.length
  }

  /** The most rows ever held at once; never above the largest flush interval passed to `append`. */
  get maxRows(): number {
    return this.most
  }

  /**
   * Adds `rows` and returns every group that filled up, each of exactly `flushInterval` rows, in order; the rest
   * stays buffered. If the interval shrank below what is already buffered, those rows go out first, in groups of the
   * new interval. Throws RangeError for an interval that is not a positive integer or columns of unequal length:
   * both are programming errors.
   */
  append(rows: ProductRows, flushInterval: number): ProductRows[] {
    if (!Number.isInteger(flushInterval) || flushInterval < 1) {
      throw new RangeError(`flush interval must be a positive integer, got ${flushInterval}`)
    }
    const count = rows.smiles.length
    if ([rows.generation, rows.parent, rows.rootId, rows.rule].some((column) => column.length !== count)) {
      throw new RangeError("product columns must all have the same length")
    }
    const groups: ProductRows[] = []
    while (this.size >= flushInterval) groups.push(this.takeFirst(flushInterval))
    let next = 0
    while (next < count) {
      const end = Math.min(count, next + flushInterval - this.size)
      copyRows(this.columns, rows, next, end)
      next = end
      this.most = Math.max(this.most, this.size)
      if (this.size === flushInterval) groups.push(this.takeAll())
    }
    return groups
  }

  /** Hands out what is left (at end of input), or undefined if nothing is. */
  takeRemainder(): ProductRows | undefined {
    return this.size === 0 ? undefined : this.takeAll()
  }

  private takeAll(): ProductRows {
    const full = this.columns
    this.columns = emptyColumns()
    return full
  }

  /** Only needed after the interval shrank, so the rare splice is cheaper than keeping an offset everywhere. */
  private takeFirst(n: number): ProductRows {
    const c = this.columns
    return {
      smiles: c.smiles.splice(0, n),
      generation: c.generation.splice(0, n),
      parent: c.parent.splice(0, n),
      rootId: c.rootId.splice(0, n),
      rule: c.rule.splice(0, n)
    }
  }
}
