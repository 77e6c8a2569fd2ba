/**
 * The reader actor: turns the molecule source (generation 0) or the previous generation's frontier file into work
 * batches for the pool. It owns the input position and nothing else; it ends the pool's inbox when its source ends.
 * Its only bound is the pool's inbox: when that is full the reader waits, so a slow pipeline stops the reading.
 * Rejected input lines go straight to the quarantine and are counted. Before each batch it passes the governor's
 * gate, which is closed while memory is critical.
 */
import { Effect, Stream } from "effect"
import type { FrontierBatch } from "../io/frontier.js"
import type { InputItem, InputRecord } from "../io/moleculeSource.js"
import type { Quarantine } from "../io/quarantine.js"
import type { Mailbox } from "./mailbox.js"
import type { WorkBatch } from "./messages.js"
import type { RunStats } from "./stats.js"

export const readInputs = <E, R>(
  source: Stream.Stream<InputItem, E, R>,
  options: {
    readonly batchSize: number
    readonly out: Mailbox<WorkBatch>
    readonly quarantine: Quarantine
    readonly stats: RunStats
    /** Waits while the memory governor has paused the reader. */
    readonly gate: Effect.Effect<void>
  }
) => {
  const { out, quarantine, stats, gate } = options
  return source.pipe(
    Stream.mapEffect((item) => {
      stats.inputsRead++
      if (item._tag === "Record") return Effect.succeed<ReadonlyArray<InputRecord>>([item.record])
      stats.inputsInvalid++
      const { line, text, reason } = item.rejected
      return Effect.as(quarantine.add(line, text, reason), [])
    }),
    Stream.flattenIterable,
    Stream.grouped(options.batchSize),
    Stream.runForEach((records) => Effect.andThen(gate, out.send({ _tag: "Inputs", records }))),
    Effect.ensuring(out.end)
  )
}

export const readFrontier = <E, R>(
  frontier: Stream.Stream<FrontierBatch, E, R>,
  options: { readonly generation: number; readonly out: Mailbox<WorkBatch>; readonly gate: Effect.Effect<void> }
) =>
  frontier.pipe(
    Stream.runForEach((batch) =>
      Effect.andThen(options.gate, options.out.send({ _tag: "Frontier", generation: options.generation, batch }))
    ),
    Effect.ensuring(options.out.end)
  )
