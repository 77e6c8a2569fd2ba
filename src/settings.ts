/**
 * The settings of one run, as the CLI flags and the library API give them (same names, camelCase), and their
 * validation. A bad value stops the run before any work with a message naming the flag.
 */
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { parseElements } from "./engine/filters.js"
import { type ClusterClientPlace, clusterClientPlaces, type DedupMode, defaults, defaultWorkers, type EngineChoice, engineChoices, type ParquetWriterKind } from "./config.js"

export interface RunSettings {
  /** A molecule file (.smi, .csv, .tsv, optionally .gz); absent: the bundled sample set. */
  readonly input: string | undefined
  /** A built-in rule set's name, or a rule file (.tsv or .json). */
  readonly rules: string
  /** The coreactants a Pickaxe rule file's slots name (`#ID<TAB>Name<TAB>SMILES`); a built-in set brings its own. */
  readonly coreactants: string | undefined
  /** RunReactants' limit of product sets per rule and molecule (the product contract's 1,000; Pickaxe uses 10,000). */
  readonly maxProductSets: number
  /** Override what the rule set says about its preparation. */
  readonly explicitH: boolean | undefined
  readonly kekulize: boolean | undefined
  readonly generations: number
  readonly workers: number
  /** The RDKit the workers run: `auto` (native if its addon loads, else WebAssembly), `native` or `wasm`. */
  readonly engine: EngineChoice
  /** Molecules per batch; undefined: the engine's own (`defaults.batchSize` on this machine, `clusterBatchSize` on a cluster). */
  readonly batchSize: number | undefined
  readonly chunkSize: number
  readonly flushInterval: number
  readonly queueCapacity: number
  readonly dedup: DedupMode
  readonly expectedProducts: number
  readonly fpRate: number
  readonly parquetWriter: ParquetWriterKind
  readonly output: string
  /** The SMILES column of a CSV, TSV or Parquet input. */
  readonly smilesColumn: string
  /** The id column of a CSV, TSV or Parquet input. */
  readonly idColumn: string
  /** The data item holding an SD record's id; absent: its title line. */
  readonly idField: string | undefined
  readonly targetMemory: number
  /** Where the reader pauses; absent: target + 20, at most 95. */
  readonly criticalMemory: number | undefined
  readonly pollMs: number
  /** `system` (the machine, or its cgroup limit) or `script:FILE` (replay readings from a JSON file). */
  readonly memoryProbe: string
  /** Print only errors and the final summary. */
  readonly quiet: boolean
  /** Seconds between checkpoints (manifest + a committed part). */
  readonly checkpointSeconds: number
  /** Also merge the parts into one `products.parquet` (and `reactions.parquet`) at the end. */
  readonly singleFile: boolean
  /** Also write the reaction network: every distinct (reactant, rule, product) edge, in `reactions/`. */
  readonly reactions: boolean
  /** Product filters (`engine/filters.ts`): a product with more heavy atoms, more weight or other elements is dropped. */
  readonly maxHeavyAtoms: number | undefined
  readonly maxMw: number | undefined
  /** Element symbols allowed in products, comma-separated (`C,H,N,O`). */
  readonly elements: string | undefined
  /** Replace what an existing output folder holds. */
  readonly overwrite: boolean
  /** A molecule whose rules run longer is stopped and quarantined. */
  readonly moleculeTimeoutMs: number
  /** Seconds between progress lines when not on a terminal (and between progress events for the library). */
  readonly progressSeconds: number
  /** `text` for people, `json` for one structured event per line. */
  readonly logFormat: "text" | "json"
  /** V8's heap growth factor (percent) while the run lasts, for the whole process; 0 leaves V8's heuristic. */
  readonly heapGrowthPercent: number
  /**
   * A cluster's database (`postgres://USER@HOST[:PORT]/DATABASE`): the batches go to its runners instead of this
   * machine's worker threads. Absent: a local run.
   */
  readonly cluster: string | undefined
  /** Where a cluster run's coordinator receives: `thread` (threads of its own), `main`, or `auto` (see `clientThreads`). */
  readonly clusterClient: ClusterClientPlace
}

export const defaultSettings = (): RunSettings => ({
  input: undefined,
  rules: defaults.rules,
  coreactants: undefined,
  maxProductSets: defaults.maxProductSetsPerRule,
  explicitH: undefined,
  kekulize: undefined,
  generations: defaults.generations,
  workers: defaultWorkers(),
  engine: defaults.engine,
  batchSize: undefined,
  chunkSize: defaults.chunkSize,
  flushInterval: defaults.flushInterval,
  queueCapacity: defaults.queueCapacity,
  dedup: defaults.dedup,
  expectedProducts: defaults.expectedProducts,
  fpRate: defaults.fpRate,
  parquetWriter: defaults.parquetWriter,
  output: defaults.output,
  smilesColumn: defaults.smilesColumn,
  idColumn: defaults.idColumn,
  idField: undefined,
  targetMemory: defaults.targetMemory,
  criticalMemory: undefined,
  pollMs: defaults.pollMs,
  memoryProbe: "system",
  quiet: false,
  checkpointSeconds: defaults.checkpointSeconds,
  singleFile: false,
  reactions: false,
  maxHeavyAtoms: undefined,
  maxMw: undefined,
  elements: undefined,
  overwrite: false,
  moleculeTimeoutMs: defaults.moleculeTimeoutMs,
  progressSeconds: defaults.progressSeconds,
  logFormat: "text",
  heapGrowthPercent: defaults.heapGrowthPercent,
  cluster: undefined,
  clusterClient: "auto"
})

/** The critical level in force: the user's, or target + 20 capped at 95. */
export const criticalMemoryOf = (s: Pick<RunSettings, "targetMemory" | "criticalMemory">): number =>
  s.criticalMemory ?? Math.min(s.targetMemory + defaults.criticalAboveTarget, defaults.maxCriticalMemory)

/** A worker thread costs ~60 MB of RDKit; past this the machine, not molexpand, is the limit. */
const maxWorkers = 256
/**
 * Percent bounds of --target-memory. Any positive share can be a target (a 24 GiB machine idles at ~5%); above 95
 * the kernel's OOM killer, not molexpand, decides.
 */
const targetMemoryRange = [1, 95] as const

/** V8's own largest growth factor is 4× (300%); a larger one would only let heaps grow further than V8 ever does. */
const maxHeapGrowthPercent = 300

const integerAtLeast = (flag: string, value: number, min: number): Array<string> =>
  Number.isInteger(value) && value >= min ? [] : [`--${flag} must be an integer ≥ ${min}, got ${value}`]

const targetMemoryProblems = (targetMemory: number): Array<string> =>
  Number.isFinite(targetMemory) && targetMemory >= targetMemoryRange[0] && targetMemory <= targetMemoryRange[1]
    ? []
    : [`--target-memory must be a percent from ${targetMemoryRange[0]} to ${targetMemoryRange[1]}, got ${targetMemory}`]

const criticalMemoryProblems = (targetMemory: number, criticalMemory: number | undefined): Array<string> =>
  criticalMemory === undefined || (criticalMemory > targetMemory && criticalMemory <= 100)
    ? []
    : [`--critical-memory must be above --target-memory (${targetMemory}) and at most 100, got ${criticalMemory}`]

const workersProblems = (workers: number): Array<string> => [
  ...integerAtLeast("workers", workers, 1),
  ...(workers > maxWorkers ? [`--workers must be at most ${maxWorkers}, got ${workers}`] : [])
]

/** A choice the library may be given unchecked: one of `choices`, or a problem naming the flag. */
const oneOf = (flag: string, choices: ReadonlyArray<string>, value: string): Array<string> =>
  choices.includes(value) ? [] : [`--${flag} must be one of ${choices.join(", ")}, got ${value}`]

/** Every problem with a runner's flags (`molexpand runner`), each naming its flag. */
export const runnerProblems = (s: {
  readonly workers: number
  readonly targetMemory: number
  readonly criticalMemory: number | undefined
  readonly pollMs: number
}): Array<string> => [
  ...workersProblems(s.workers),
  ...targetMemoryProblems(s.targetMemory),
  ...criticalMemoryProblems(s.targetMemory, s.criticalMemory),
  ...integerAtLeast("poll-ms", s.pollMs, 1)
]

/** Every problem with the settings, each naming its flag; empty when they are usable. */
export const validateSettings = (s: RunSettings): Array<string> => [
  ...integerAtLeast("generations", s.generations, 1),
  ...integerAtLeast("max-product-sets", s.maxProductSets, 1),
  ...workersProblems(s.workers),
  ...oneOf("engine", engineChoices, s.engine),
  ...oneOf("cluster-client", clusterClientPlaces, s.clusterClient),
  ...(s.batchSize === undefined ? [] : integerAtLeast("batch-size", s.batchSize, 1)),
  ...integerAtLeast("chunk-size", s.chunkSize, 1),
  ...integerAtLeast("flush-interval", s.flushInterval, 1),
  ...integerAtLeast("queue-capacity", s.queueCapacity, 1),
  ...integerAtLeast("expected-products", s.expectedProducts, 1),
  ...(s.fpRate > 0 && s.fpRate < 1 ? [] : [`--fp-rate must be between 0 and 1 (exclusive), got ${s.fpRate}`]),
  ...targetMemoryProblems(s.targetMemory),
  ...criticalMemoryProblems(s.targetMemory, s.criticalMemory),
  ...integerAtLeast("poll-ms", s.pollMs, 1),
  ...integerAtLeast("molecule-timeout-ms", s.moleculeTimeoutMs, 1),
  ...(Number.isFinite(s.progressSeconds) && s.progressSeconds > 0
    ? []
    : [`--progress-seconds must be a positive number, got ${s.progressSeconds}`]),
  ...(s.memoryProbe === "system" || (s.memoryProbe.startsWith("script:") && s.memoryProbe.length > "script:".length)
    ? []
    : [`--memory-probe must be "system" or "script:FILE", got ${s.memoryProbe}`]),
  ...(Number.isFinite(s.checkpointSeconds) && s.checkpointSeconds > 0
    ? []
    : [`--checkpoint-seconds must be a positive number, got ${s.checkpointSeconds}`]),
  ...(Number.isInteger(s.heapGrowthPercent) && s.heapGrowthPercent >= 0 && s.heapGrowthPercent <= maxHeapGrowthPercent
    ? []
    : [`--heap-growth-percent must be an integer from 0 to ${maxHeapGrowthPercent}, got ${s.heapGrowthPercent}`]),
  ...(s.output.length > 0 ? [] : ["--output must name a folder"]),
  ...(s.maxHeavyAtoms === undefined ? [] : integerAtLeast("max-heavy-atoms", s.maxHeavyAtoms, 1)),
  ...(s.maxMw === undefined || (Number.isFinite(s.maxMw) && s.maxMw > 0) ? [] : [`--max-mw must be a positive number, got ${s.maxMw}`]),
  ...elementsProblems(s.elements)
]

const elementsProblems = (elements: string | undefined): Array<string> => {
  if (elements === undefined) return []
  const parsed = parseElements(elements)
  return parsed.ok ? [] : [parsed.reason]
}

/** The bundled sample set: the NCI phenols shipped in `data/` (BSD-3-Clause, see data/README.md). */
export const bundledSample = (): string =>
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "data", "sample.smi")
