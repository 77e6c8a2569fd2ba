/**
 * Micro-benchmark of the dedup seen sets: key hashing, the exact hash table and the Bloom seen set, over generated
 * SMILES-like keys (about 42 characters, all distinct). Prints keys/s and bytes/key for each.
 *
 * Build first, then run:
 *   npx tsc -p tsconfig.json && node bench/dedup.mjs [exactKeys] [bloomKeys]
 */
import { defaults } from "../dist/config.js"
import { HashTable } from "../dist/dedup/HashTable.js"
import { makeKeyHasher } from "../dist/dedup/keyHash.js"
import { makeSeenSet } from "../dist/dedup/SeenSet.js"

/** Keys for the exact runs: enough that the table outgrows the CPU caches, as a real run's does. */
const DEFAULT_EXACT_KEYS = 2_000_000
/** Keys for the Bloom run: `bloom-filters` does 10,000 to 25,000 addIfNew a second, so this takes 10 to 20 s. */
const DEFAULT_BLOOM_KEYS = 200_000
/** Keys run through every path once before timing, so that the measured pass runs optimised code. */
const WARM_UP_KEYS = 20_000

/** SMILES-like fragments the keys are built from, and how many make a key of about 40 characters. */
const FRAGMENTS = ["C", "c1ccccc1", "O", "N", "(=O)", "[C@@H]", "Cl", "(O)", "c2ccc(O)cc2", "[nH]", "S", "CC"]
const FRAGMENTS_PER_KEY = 10
/** Seed and constants of a linear congruential generator (Numerical Recipes'), so every run sees the same keys. */
const SEED = 20_261_127
const LCG_MULTIPLIER = 1_664_525
const LCG_INCREMENT = 1_013_904_223

const MS_PER_S = 1_000
const NS_PER_MS = 1e6
const US_PER_MS = 1e3

const parseCount = (arg, fallback) => {
  if (arg === undefined) return fallback
  const count = Number(arg)
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`expected a positive integer key count, got ${arg}`)
  return count
}

/**
 * Distinct keys: random fragments plus a base-36 counter, with a prefix so that two key sets never overlap. Built with
 * `join`, which gives flat strings like those decoded from a worker's message; `+=` would give rope strings that the
 * first hashing pass would have to flatten (measured 1.3M against 5M keys/s).
 */
const makeKeys = (count, prefix) => {
  let state = SEED
  const keys = []
  const parts = []
  for (let i = 0; i < count; i++) {
    parts.length = 0
    parts.push(prefix)
    for (let j = 0; j < FRAGMENTS_PER_KEY; j++) {
      state = (Math.imul(state, LCG_MULTIPLIER) + LCG_INCREMENT) >>> 0
      parts.push(FRAGMENTS[state % FRAGMENTS.length])
    }
    parts.push(".", i.toString(36))
    keys.push(parts.join(""))
  }
  return keys
}

/**
 * Runs `body` once and returns its result with the elapsed wall-clock and CPU milliseconds. CPU time is reported too
 * because on a shared machine the wall-clock rate mostly measures the other processes.
 */
const timed = (body) => {
  const start = process.hrtime.bigint()
  const cpuStart = process.cpuUsage()
  const result = body()
  const cpu = process.cpuUsage(cpuStart)
  return {
    result,
    ms: Number(process.hrtime.bigint() - start) / NS_PER_MS,
    cpuMs: (cpu.user + cpu.system) / US_PER_MS
  }
}

const perSecond = (count, ms) => Math.round((count / ms) * MS_PER_S).toLocaleString("en-US")
const rate = (count, { ms, cpuMs }) => `${perSecond(count, ms)} keys/s (${perSecond(count, cpuMs)} per CPU-s)`

const hashAll = (hasher, keys) => {
  const hashes = new Uint32Array(2 * keys.length)
  for (let i = 0; i < keys.length; i++) hasher.hashInto(keys[i], hashes, 2 * i)
  return hashes
}

const addAll = (table, hashes) => {
  let accepted = 0
  for (let i = 0; i < hashes.length; i += 2) if (table.addIfNew(hashes[i], hashes[i + 1])) accepted++
  return accepted
}

const offerAll = (seen, hasher, keys) => {
  const hash = new Uint32Array(2)
  let accepted = 0
  for (const key of keys) {
    hasher.hashInto(key, hash, 0)
    if (seen.addIfNew([key], hash, 0)) accepted++
  }
  return accepted
}

const exactKeys = parseCount(process.argv[2], DEFAULT_EXACT_KEYS)
const bloomKeys = parseCount(process.argv[3], DEFAULT_BLOOM_KEYS)
const hasher = await makeKeyHasher()

const warmUpKeys = makeKeys(WARM_UP_KEYS, "W")
const warmUpHashes = hashAll(hasher, warmUpKeys)
addAll(new HashTable(1), warmUpHashes)
offerAll(makeSeenSet({ mode: "exact", expectedProducts: WARM_UP_KEYS, fpRate: defaults.fpRate }), hasher, warmUpKeys)
offerAll(makeSeenSet({ mode: "bloom", expectedProducts: WARM_UP_KEYS, fpRate: defaults.fpRate }), hasher, warmUpKeys)

const keys = makeKeys(exactKeys, "")
const meanLength = keys.reduce((sum, key) => sum + key.length, 0) / keys.length
console.log(`${exactKeys} keys, mean length ${meanLength.toFixed(1)}`)

const hashing = timed(() => hashAll(hasher, keys))
const hashes = hashing.result
console.log(`hash (xxHash64)                 ${rate(exactKeys, hashing)}`)

for (const [label, expected] of [["presized", exactKeys], ["growing from 16", 1]]) {
  const table = new HashTable(expected)
  const fresh = timed(() => addAll(table, hashes))
  const again = timed(() => addAll(table, hashes))
  if (fresh.result !== exactKeys || again.result !== 0) throw new Error("exact table lost or duplicated a key")
  console.log(
    `exact table, ${label.padEnd(16)} new ${rate(exactKeys, fresh)}, seen ${rate(exactKeys, again)}, ` +
      `${(table.bytes / table.size).toFixed(1)} B/key at load ${(table.size / table.capacity).toFixed(2)}`
  )
}

const exact = makeSeenSet({ mode: "exact", expectedProducts: exactKeys, fpRate: defaults.fpRate })
const exactRun = timed(() => offerAll(exact, hasher, keys))
console.log(
  `exact seen set, hash + add       ${rate(exactKeys, exactRun)}, ${(exact.bytes / exact.size).toFixed(1)} B/key`
)

const bloomSubset = keys.slice(0, bloomKeys)
const bloom = makeSeenSet({ mode: "bloom", expectedProducts: bloomKeys, fpRate: defaults.fpRate })
const bloomRun = timed(() => offerAll(bloom, hasher, bloomSubset))
console.log(
  `bloom seen set at ${defaults.fpRate}, ${bloomSubset.length} keys: ${rate(bloomSubset.length, bloomRun)}, ` +
    `${(bloom.bytes / bloom.size).toFixed(2)} B/key, dropped ${bloomSubset.length - bloom.size}, ` +
    `estimated ${bloom.estimatedFalsePositives.toFixed(3)}`
)
