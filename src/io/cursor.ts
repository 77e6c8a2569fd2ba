/**
 * A stream read one item at a time, across checkpoints. The pipeline runs a generation as several segments (one per
 * checkpoint); each segment's reader takes items from the same cursor, and `consumed` says exactly how many items
 * the finished segments took, which is what a checkpoint records and a resume skips. Items read ahead from the
 * source but not yet taken are not counted: after a crash they are simply read again.
 */
import { Cause, Effect, Option, type Scope, Stream } from "effect"

export interface Cursor<A, E> {
  /** The next item, or none at the end of the source. */
  readonly next: Effect.Effect<Option.Option<A>, E>
  /** Items handed out so far. */
  readonly consumed: () => number
}

export const makeCursor = <A, E, R>(stream: Stream.Stream<A, E, R>): Effect.Effect<Cursor<A, E>, never, R | Scope.Scope> =>
  Effect.map(Stream.toPull(stream), (pull) => {
    let buffer: ReadonlyArray<A> = []
    let index = 0
    let consumed = 0
    let ended = false
    const take = (): Option.Option<A> => {
      consumed++
      return Option.some(buffer[index++]!)
    }
    const next: Effect.Effect<Option.Option<A>, E> = Effect.suspend(() => {
      if (index < buffer.length) return Effect.succeed(take())
      if (ended) return Effect.succeed(Option.none())
      return pull.pipe(
        Effect.map((chunk) => {
          buffer = chunk
          index = 0
          return take()
        }),
        Effect.catchCause((cause) => {
          if (Cause.hasFails(cause) && cause.reasons.every((r) => r._tag === "Fail" && Cause.isDone(r.error))) {
            ended = true
            return Effect.succeed(Option.none<A>())
          }
          return Effect.failCause(cause as Cause.Cause<E>)
        })
      )
    })
    return { next, consumed: () => consumed }
  })
