/**
 * The frontier between generations: the molecules first seen in generation g, which generation g+1 expands. It is
 * kept on disk (one `key<TAB>root id` line per molecule), not in memory, so a generation of tens of millions of
 * products costs no heap; the next generation streams it back in batches.
 */
import * as fs from "node:fs"
import * as readline from "node:readline"
import { Stream } from "effect"
import { TextFileError } from "./errors.js"
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
export const readFrontier = (path: string): Stream.Stream<FrontierEntry, TextFileError> =>
  Stream.suspend(() =>
    Stream.fromAsyncIterable(
      readline.createInterface({ input: fs.createReadStream(path), crlfDelay: Infinity }),
      (cause) => new TextFileError({ path, reason: `cannot read the frontier: ${String(cause)}` })
    )
  ).pipe(
    Stream.filter((line) => line.length > 0),
    Stream.map((line) => {
      const tab = line.indexOf("\t")
      return { key: line.slice(0, tab), rootId: line.slice(tab + 1) }
    })
  )
