/**
 * Which runner gets the next batch, and through which shard. Pure functions; the cluster engine keeps the state.
 *
 * Effect Cluster routes a call by its entity id's shard to the shard's owner; it does not balance load. The
 * coordinator does: it sends each batch to the runner with the largest share of free workers, through an entity id
 * whose shard that runner owns. Ownership is computed as Effect Cluster computes it (its own weighted hash ring over
 * the healthy runners, `assignShards`), and corrected by what runners report when they take a batch: for a second
 * or two after runners join or leave, the two views can differ.
 */
import { HashRing } from "effect"
import type { RunnerAddress } from "effect/cluster"

export interface RegisteredRunner {
  readonly address: RunnerAddress.RunnerAddress
  /** Its shard weight, which a molexpand runner sets to its worker count. */
  readonly weight: number
}

/** `host:port`, the name a runner goes by in notices, the summary and the report. */
export const addressText = (address: { readonly host: string; readonly port: number }): string => `${address.host}:${address.port}`

/**
 * The owner of each shard (index 0 is shard 1), as Effect Cluster assigns them over these healthy runners: the same
 * hash ring, weights and shard count, so the same answer. Undefined where no runner is alive.
 */
export const assignShards = (runners: ReadonlyArray<RegisteredRunner>, shards: number): ReadonlyArray<string | undefined> => {
  const ring = HashRing.make<RunnerAddress.RunnerAddress>()
  for (const runner of runners) HashRing.add(ring, runner.address, { weight: runner.weight })
  const owners = HashRing.getShards(ring, shards)
  return Array.from({ length: shards }, (_, i) => (owners === undefined ? undefined : addressText(owners[i]!)))
}

/**
 * One entity id per shard: the first of `prefix0`, `prefix1`, ... that falls in each shard, given the cluster's own
 * id-to-shard function. A batch sent to `ids[s]` goes to the owner of shard s + 1.
 */
export const entityIdsByShard = (shards: number, shardOf: (entityId: string) => number, prefix: string): ReadonlyArray<string> => {
  const ids: Array<string | undefined> = new Array(shards).fill(undefined)
  let found = 0
  for (let n = 0; found < shards; n++) {
    const id = `${prefix}${n}`
    const shard = shardOf(id) - 1
    if (ids[shard] === undefined) {
      ids[shard] = id
      found++
    }
  }
  return ids as ReadonlyArray<string>
}

export interface RunnerLoad {
  readonly address: string
  /** Batches it may hold at once. */
  readonly slots: number
  readonly inFlight: number
}

/**
 * The runner that should take the next batch: the one with the largest share of its slots free (so a runner of 16
 * workers takes about 16 batches for each one a single-worker runner takes), then the fewest in flight, then the
 * first by address. Undefined when every runner is full.
 */
export const pickRunner = (runners: ReadonlyArray<RunnerLoad>): string | undefined => {
  let best: RunnerLoad | undefined
  for (const runner of runners) {
    if (runner.inFlight >= runner.slots) continue
    if (best === undefined) {
      best = runner
      continue
    }
    const share = (runner.slots - runner.inFlight) / runner.slots
    const bestShare = (best.slots - best.inFlight) / best.slots
    if (
      share > bestShare ||
      (share === bestShare && (runner.inFlight < best.inFlight || (runner.inFlight === best.inFlight && runner.address < best.address)))
    ) best = runner
  }
  return best?.address
}

/** The shards (0-based) each runner owns, from the assignment with the observed corrections laid over it. */
export const shardsByRunner = (
  assignment: ReadonlyArray<string | undefined>,
  corrections: ReadonlyMap<number, string>
): ReadonlyMap<string, ReadonlyArray<number>> => {
  const byRunner = new Map<string, Array<number>>()
  assignment.forEach((assigned, shard) => {
    const owner = corrections.get(shard) ?? assigned
    if (owner === undefined) return
    const owned = byRunner.get(owner)
    if (owned === undefined) byRunner.set(owner, [shard])
    else owned.push(shard)
  })
  return byRunner
}
