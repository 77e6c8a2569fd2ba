/**
 * An actor's inbox: a bounded queue, counted in messages, that remembers the most it ever held.
 *
 * Backpressure: `send` suspends while the inbox is full, so a slow actor slows whoever feeds it. Messages on the data
 * path are themselves bounded (a batch by `batchSize` molecules, a chunk by `chunkSize` products), so capacity times
 * message bound is the most that can wait between two actors. The producer ends the inbox with `end`; the consumer's
 * `drain` then handles what is buffered and returns. Interrupting `drain` drops what is still buffered: the run is
 * being abandoned, and nothing in an inbox has been written anywhere yet.
 */
import { Cause, Effect, Option, Queue } from "effect"

export interface Mailbox<A> {
  readonly send: (message: A) => Effect.Effect<void>
  readonly end: Effect.Effect<void>
  /** The next message, waiting for one; none once the inbox is ended and empty. */
  readonly take: Effect.Effect<Option.Option<A>>
  /** Handles every message until the inbox is ended and empty. */
  readonly drain: <E, R>(handle: (message: A) => Effect.Effect<void, E, R>) => Effect.Effect<void, E, R>
  readonly capacity: number
  /** The most messages the inbox held at once. */
  readonly maxDepth: () => number
}

export const make = <A>(capacity: number): Effect.Effect<Mailbox<A>> =>
  Effect.map(Queue.bounded<A, Cause.Done>(capacity), (queue) => {
    let maxDepth = 0
    const take = Effect.map(Effect.result(Queue.take(queue)), (next) =>
      next._tag === "Failure" ? Option.none<A>() : Option.some(next.success))
    const drain = <E, R>(handle: (message: A) => Effect.Effect<void, E, R>): Effect.Effect<void, E, R> =>
      Effect.gen(function*() {
        while (true) {
          const next = yield* take
          if (Option.isNone(next)) return
          yield* handle(next.value)
        }
      })
    return {
      capacity,
      maxDepth: () => maxDepth,
      send: (message) =>
        Effect.andThen(Queue.offer(queue, message), () =>
          Effect.sync(() => {
            maxDepth = Math.max(maxDepth, Queue.sizeUnsafe(queue))
          })),
      end: Effect.asVoid(Queue.end(queue)),
      take,
      drain
    }
  })
