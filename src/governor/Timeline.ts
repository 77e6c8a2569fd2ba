/**
 * A series that keeps at most `capacity` points however long the run: when full, neighbouring points are thinned
 * to every other one and from then on only every `stride`-th new point is kept. A 20-hour run at two polls a second
 * keeps the same number of points as a 5-minute one, evenly spread over the run, with the first and latest kept.
 */
export class Timeline<A> {
  private points: Array<A> = []
  private stride = 1
  private seen = 0
  private latest: A | undefined

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError(`capacity must be an integer ≥ 2, got ${capacity}`)
  }

  add(point: A): void {
    this.latest = point
    if (this.seen++ % this.stride !== 0) return
    if (this.points.length === this.capacity) {
      this.points = this.points.filter((_, i) => i % 2 === 0)
      this.stride *= 2
      if ((this.seen - 1) % this.stride !== 0) return
    }
    this.points.push(point)
  }

  /** The kept points, ending with the latest one added. */
  toArray(): Array<A> {
    const last = this.points[this.points.length - 1]
    return this.latest !== undefined && last !== this.latest ? [...this.points, this.latest] : [...this.points]
  }

  get total(): number {
    return this.seen
  }
}
