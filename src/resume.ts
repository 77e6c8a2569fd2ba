/**
 * What a resumed run needs before it starts: the seen set as it was at the checkpoint. It is the valid inputs (the
 * first frontier, cut at the checkpoint's length) plus every product in the checkpoint's parts, hashed again here:
 * the hash is deterministic, so the rebuilt set answers exactly as the original did.
 */
import * as path from "node:path"
import { Effect, FileSystem, Stream } from "effect"
import { makeKeyHasher } from "./dedup/keyHash.js"
import type { SeenSet } from "./dedup/SeenSet.js"
import type { KeyList } from "./engine/protocol.js"
import { forEachRowGroup, partsFolder, removeUnlistedParts } from "./io/dataset.js"
import { productTable, reactionTable } from "./io/tables.js"
import { describeCause, TextFileError } from "./io/errors.js"
import { frontierPath, readFrontier } from "./io/frontier.js"
import { filteredName, readFilteredKeys } from "./io/filtered.js"
import type { Manifest } from "./io/manifest.js"

const frontiersOf = (output: string) => path.join(output, ".frontier")

/** Cuts each frontier file back to its checkpointed length and removes those the checkpoint does not know. */
const restoreFrontiers = (output: string, manifest: Manifest) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const folder = frontiersOf(output)
    yield* fs.makeDirectory(folder, { recursive: true })
    for (const name of yield* fs.readDirectory(folder)) {
      const generation = /^frontier-(\d+)\.tsv$/.exec(name)?.[1]
      const keep = generation === undefined ? undefined : manifest.frontierBytes[generation]
      if (keep === undefined) yield* fs.remove(path.join(folder, name), { force: true })
      else yield* fs.truncate(path.join(folder, name), keep)
    }
  }).pipe(
    Effect.mapError((cause) => new TextFileError({ path: frontiersOf(output), reason: `cannot restore the frontier files: ${describeCause(cause)}` }))
  )

export const rebuildSeenSet = (seen: SeenSet, output: string, manifest: Manifest) =>
  Effect.gen(function*() {
    yield* removeUnlistedParts(output, productTable, manifest.parts)
    yield* removeUnlistedParts(output, reactionTable, manifest.reactionParts ?? [])
    yield* restoreFrontiers(output, manifest)
    const hasher = yield* Effect.promise(() => makeKeyHasher())
    const hash = new Uint32Array(2)
    // One key at a time, through one list: a resumed run re-adds every key it wrote.
    let current = ""
    const one: KeyList = { length: 1, at: () => current }
    const add = (key: string) => {
      current = key
      hasher.hashInto(key, hash, 0)
      seen.addIfNew(one, hash, 0)
    }
    if (manifest.frontierBytes["0"] !== undefined) {
      yield* readFrontier(frontierPath(frontiersOf(output), 0)).pipe(Stream.runForEach((entry) => Effect.sync(() => add(entry.key))))
    }
    if (manifest.filteredBytes !== undefined) {
      yield* readFilteredKeys(path.join(output, filteredName), manifest.filteredBytes).pipe(Stream.runForEach((key) => Effect.sync(() => add(key))))
    }
    for (const part of manifest.parts) {
      yield* forEachRowGroup(path.join(partsFolder(output), part.file), ["smiles"], (rows) =>
        Effect.sync(() => rows.forEach((row) => add(String(row.smiles)))))
    }
  })
