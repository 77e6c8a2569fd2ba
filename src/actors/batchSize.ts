import { defaults } from "../config.js"

/**
 * The largest batch of a run: the one asked for, else the engine's own. On a cluster a batch's fixed cost is paid
 * by the coordinator's one main thread, so batches are larger there (see `defaults.clusterBatchSize`).
 */
export const largestBatch = (settings: { readonly batchSize: number | undefined; readonly cluster: string | undefined }): number =>
  settings.batchSize ?? (settings.cluster === undefined ? defaults.batchSize : defaults.clusterBatchSize)

/**
 * How many molecules the reader puts in its next batch.
 *
 * A generation ends, and a checkpoint is taken, only when the slowest worker finishes. With full batches to the end,
 * one worker can be left with a last batch of heavy molecules while the others wait: on the NCI phenols' second
 * generation at 2 workers that wait was about 2.5 s of a 29 s run. So batches shrink as the end nears (guided
 * scheduling, as OpenMP's `schedule(guided)`): each takes at most a share of what is left, and the last ones are
 * single molecules.
 */
export const nextBatchSize = (options: {
  /** The configured batch size, never exceeded. */
  readonly batchSize: number
  readonly workers: number
  /**
   * Molecules left to hand out before each drain ahead (the generation's end, the next checkpoint), undefined where
   * not known; the nearest known one counts.
   */
  readonly remaining: ReadonlyArray<number | undefined>
  /** The next batch takes at most 1/(tailDivisor × workers) of what is left before the nearest drain. */
  readonly tailDivisor: number
}): number => {
  const { batchSize, workers, tailDivisor } = options
  const known = options.remaining.filter((left): left is number => left !== undefined)
  if (known.length === 0) return batchSize
  return Math.min(batchSize, Math.max(1, Math.ceil(Math.min(...known) / (tailDivisor * workers))))
}

/**
 * Molecules the workers are expected to finish before a checkpoint falls due, at the rate they finished them so far
 * in the segment: what is left of the segment when the checkpoint comes before the generation's end. Undefined until
 * a batch is done, since nothing is known of the rate before.
 */
export const expectedBeforeCheckpoint = (options: {
  readonly done: number
  readonly elapsedMs: number
  readonly leftMs: number
}): number | undefined => {
  const { done, elapsedMs, leftMs } = options
  if (done === 0 || elapsedMs <= 0) return undefined
  return Math.max(0, (done / elapsedMs) * leftMs)
}
