/**
 * The writer actor's row buffer: cuts incoming row messages of any size into row groups of the flush interval, and
 * never holds more than that interval itself. One buffer per table the writer fills (products, reactions).
 *
 * Pure and synchronous. Its only state is the rows not yet emitted; if a run is interrupted they are simply dropped
 * with the rest of the unwritten output, since only a committed file counts.
 */
import { rowCount, type Rows, type Table } from "./tables.js"

/** Mutable columns by field, filled up to the flush interval and handed out whole when full. */
type Columns = Record<string, Array<string | number>>

export class RowBuffer<R extends Rows> {
  private readonly fields: ReadonlyArray<string>
  private columns: Columns
  private most = 0

  constructor(private readonly table: Table<R>) {
    this.fields = table.columns.map((column) => column.field)
    this.columns = this.empty()
  }

  /** Rows held now. */
  get size(): number {
    return this.columns[this.fields[0]!]!.length
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
  append(rows: R, flushInterval: number): Array<R> {
    if (!Number.isInteger(flushInterval) || flushInterval < 1) {
      throw new RangeError(`flush interval must be a positive integer, got ${flushInterval}`)
    }
    const count = rowCount(this.table, rows)
    if (this.fields.some((field) => rows[field]!.length !== count)) {
      throw new RangeError(`${this.table.name} columns must all have the same length`)
    }
    const groups: Array<R> = []
    while (this.size >= flushInterval) groups.push(this.takeFirst(flushInterval))
    let next = 0
    while (next < count) {
      const end = Math.min(count, next + flushInterval - this.size)
      for (const field of this.fields) {
        const target = this.columns[field]!
        const source = rows[field]!
        for (let i = next; i < end; i++) target.push(source[i]!)
      }
      next = end
      this.most = Math.max(this.most, this.size)
      if (this.size === flushInterval) groups.push(this.takeAll())
    }
    return groups
  }

  /** Hands out what is left (at end of input), or undefined if nothing is. */
  takeRemainder(): R | undefined {
    return this.size === 0 ? undefined : this.takeAll()
  }

  private empty(): Columns {
    return Object.fromEntries(this.fields.map((field) => [field, []]))
  }

  private takeAll(): R {
    const full = this.columns
    this.columns = this.empty()
    return full as unknown as R
  }

  /** Only needed after the interval shrank, so the rare splice is cheaper than keeping an offset everywhere. */
  private takeFirst(n: number): R {
    return Object.fromEntries(this.fields.map((field) => [field, this.columns[field]!.splice(0, n)])) as unknown as R
  }
}
