/**
 * The frontier between generations: the molecules first seen in generation g, which generation g+1 expands. It is
 * kept on disk (one `key<TAB>root id` line per molecule), not in memory, so a generation of tens of millions of
 * products costs no heap; the next generation streams it back in batches.
 */
import { Effect, FileSystem, Stream } from "effect"
import { describeCause, TextFileError } from "./errors.js"
import { tsvField } from "./textSink.js"

export interface FrontierBatch {
  readonly keys: ReadonlyArray<string>
  readonly rootIds: ReadonlyArray<string>
}

export const frontierLine = (key: string, rootId: string): string => `${key}\t${tsvField(rootId)}`

export const frontierPath = (folder: string, generation: number): string => `${folder}/frontier-${generation}.tsv`

export interface FrontierEntry {
  readonly key: string
  readonly rootId: string
}

/** The entries of a frontier file, read lazily; a resumed run cuts the file back to its checkpoint first. */
export const readFrontier = (path: string): Stream.Stream<FrontierEntry, TextFileError, FileSystem.FileSystem> =>
  Stream.unwrap(Effect.map(FileSystem.FileSystem, (fs) => fs.stream(path))).pipe(
    Stream.decodeText,
    Stream.splitLines,
    Stream.mapError((cause) => new TextFileError({ path, reason: `cannot read the frontier: ${describeCause(cause)}` })),
    Stream.filter((line) => line.length > 0),
    Stream.map((line) => {
      const tab = line.indexOf("\t")
      return { key: line.slice(0, tab), rootId: line.slice(tab + 1) }
    })
  )
