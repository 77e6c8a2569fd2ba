/**
 * Molecules drawn for the report where no engine draws them (`molexpand report`, a cluster's coordinator): RDKit's own
 * SVG depiction, made in a short-lived worker thread (`depictionWorker.ts`). A molecule RDKit cannot draw, or a thread that fails, leaves it undrawn: a report is for
 * people, and a missing picture must not cost a run its report.
 */
import { Worker } from "node:worker_threads"
import { Effect } from "effect"
import { compiledEntry } from "../compiledEntry.js"
import type { DrawingSize } from "./protocol.js"
import type { DepictRequest } from "./depictionWorker.js"

/** Each SMILES's drawing as inline SVG (no XML declaration), for those RDKit (of `engine`) could draw. */
export const depict = (smiles: ReadonlyArray<string>, size: DrawingSize, engine: DepictRequest["engine"]) =>
  Effect.callback<ReadonlyMap<string, string>>((resume) => {
    const unique = [...new Set(smiles)]
    if (unique.length === 0) return resume(Effect.succeed(new Map()))
    const worker = new Worker(compiledEntry(import.meta.url, "depictionWorker.js"), { workerData: { smiles: unique, size, engine } satisfies DepictRequest })
    let answered = false
    const answer = (bySmiles: ReadonlyMap<string, string>) => {
      if (answered) return
      answered = true
      resume(Effect.succeed(bySmiles))
      void worker.terminate()
    }
    worker.once("message", (drawings: ReadonlyArray<string | null>) => {
      const bySmiles = new Map<string, string>()
      drawings.forEach((svg, i) => {
        if (svg !== null) bySmiles.set(unique[i]!, svg)
      })
      answer(bySmiles)
    })
    worker.once("error", () => answer(new Map()))
    worker.once("exit", () => answer(new Map()))
    return Effect.promise(() => worker.terminate())
  })
