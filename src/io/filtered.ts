/**
 * `filtered.tsv` (with a product filter): each molecule a filter kept out of the products, once, with the filter it
 * failed and the rule, parent and generation that first reached it. These keys belong to the seen set (a filtered
 * molecule is never a product, however often it is reached), so a resume reads them back, cut at the checkpoint.
 */
import { Effect, FileSystem, Stream } from "effect"
import { describeCause, TextFileError } from "./errors.js"
import { type TextSink, tsvField } from "./textSink.js"

export const filteredName = "filtered.tsv"
export const filteredHeader = "smiles\tfilter\trule\tparent\tgeneration"

export interface FilteredLog {
  readonly add: (key: string, filter: string, rule: string, parent: string, generation: number) => Effect.Effect<void, TextFileError>
}

/** Wraps a sink whose header line has been written. */
export const filteredOn = (sink: TextSink): FilteredLog => ({
  add: (key, filter, rule, parent, generation) => sink.writeLine(`${key}\t${filter}\t${tsvField(rule)}\t${parent}\t${generation}`)
})

/** The keys of a filtered file cut back to `keepBytes` (its length at the checkpoint). */
export const readFilteredKeys = (path: string, keepBytes: number): Stream.Stream<string, TextFileError, FileSystem.FileSystem> =>
  Stream.unwrap(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    yield* fs.truncate(path, keepBytes)
    return fs.stream(path)
  })).pipe(
    Stream.decodeText,
    Stream.splitLines,
    Stream.mapError((cause) => new TextFileError({ path, reason: `cannot read the filtered molecules: ${describeCause(cause)}` })),
    Stream.drop(1),
    Stream.filter((line) => line.length > 0),
    Stream.map((line) => line.slice(0, line.indexOf("\t")))
  )
