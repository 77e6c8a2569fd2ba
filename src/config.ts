/**
 * Every tunable number of a run, with its default and the reason for it.
 *
 * The CLI, the library API and the tests all start from `defaults`; nothing else in `src/` holds a bare
 * constant that changes what a run does or how much memory it may use.
 */
import * as os from "node:os"

export type DedupMode = "exact" | "bloom"
export type ParquetWriterKind = "hyparquet-writer" | "parquetjs-lite"

export const defaults = {
  /** Percent of system (or cgroup) memory the run aims to stay under. The seed pipeline died at 94%. */
  targetMemory: 60,
  /** Rule applications run one generation after another; two is what the polyphenol study used. */
  generations: 1,
  /**
   * Molecules per batch sent to a worker. Large enough that thread messaging is a small share of the time (a
   * molecule takes milliseconds), small enough that a batch takes a few seconds: a checkpoint waits for the batches
   * in flight, and a batch of ellagitannins (hundreds of products each) stays a few MB.
   */
  batchSize: 50,
  /**
   * Near a generation's end a batch takes at most 1/(this × workers) of the molecules left (see
   * `src/actors/batchSize.ts`). Two gives each worker about half its fair share of the rest: the batches shrink
   * geometrically, costing about `2 × workers × ln(batchSize)` extra messages a generation.
   */
  tailBatchDivisor: 2,
  /**
   * Products per message from a worker. The seed's 940,000-row buffer came from one 500,000-product message; this
   * caps every message on the data path, whatever a batch produces.
   */
  chunkSize: 1_000,
  /** Chunks a worker may send before the pipeline acknowledges one; two keeps a worker busy while one is consumed. */
  workerCredits: 2,
  /** Rows per Parquet row group (the Python pipeline's `flush_interval`). */
  flushInterval: 2_000,
  /**
   * The smallest flush interval the governor may shrink to. Below ~250 rows a row group's page and statistics
   * overhead outweighs its data and readers slow down, while the memory saved is already under 1 MB.
   */
  minFlushInterval: 250,
  /**
   * A molecule whose rules run longer than this is stopped (its worker thread is replaced) and quarantined. The
   * slowest molecules of the polyphenol set (ellagitannins, 322 heavy atoms) take seconds; a linear 120-ring
   * polyphenol takes about a minute for one glucuronidation rule. Two minutes stops only the pathological.
   */
  moleculeTimeoutMs: 120_000,
  /** Polls of a busy worker's progress per time limit: the limit is enforced within a quarter of itself. */
  timeoutChecksPerLimit: 4,
  /**
   * Messages each actor's inbox holds. With `chunkSize` this bounds what waits between two actors. The pool's inbox
   * holds at most one batch per worker instead: batches are slow to process, and any more would only lengthen the
   * wait at a checkpoint.
   */
  queueCapacity: 16,
  /** Expected number of products; sizes the Bloom filter and the exact table's first allocation. */
  expectedProducts: 1_000_000,
  /** Bloom filter false-positive rate: at 1e-6 a 100M-product run may drop ~100 products, for 3.6 bytes a key. */
  fpRate: 1e-6,
  /**
   * Slots of the workers' shared key cache (see `src/engine/keyCache.ts`), 1 KiB each: 16 MiB for all workers
   * together, which takes raw SMILES of tannin products (250 characters and more). On the NCI phenols (2 generations,
   * 1 worker) 16,384 slots let 22,072 candidates be parsed, 8,192 slots 22,989; a worker's own 10,000-entry LRU map
   * had let about 21,500 through, but with 2 workers about 25,500.
   */
  keyCacheSlots: 16_384,
  /**
   * Young-generation size (MB) of each worker thread's JavaScript heap. A worker allocates short-lived strings at a
   * high rate (every candidate's SMILES) and keeps few (its key cache, one chunk), so V8 kept enlarging the young
   * generation: on the 100,000-molecule scale input each worker's heap went from 15 to 48 MB. Capped at 4 MB it stays
   * at 12-25 MB, so a 16-worker machine saves some 370 MB; throughput did not change beyond run-to-run noise.
   */
  workerYoungGenerationMb: 4,
  /**
   * How far (percent) a JavaScript heap may grow past its live size before V8 collects it in full (see
   * `src/governor/heapGrowth.ts`). V8's own choice went up to 300% on the main thread, whose old space then swung
   * between 26 and 120 MB; 30% is V8's own "conservative" factor. 0 leaves V8's heuristic.
   */
  heapGrowthPercent: 30,
  /** RunReactants' cap on product sets per rule and molecule, as the product contract fixes it. */
  maxProductSetsPerRule: 1_000,
  dedup: "exact" as DedupMode,
  parquetWriter: "hyparquet-writer" as ParquetWriterKind,
  /** The built-in rule set used when `--rules` is not given. */
  rules: "polyphenol-phase2",
  output: "molexpand-out",
  smilesColumn: "smiles",
  idColumn: "id",
  /** How often the governor samples memory: twice a second sees a batch's growth before the next one starts. */
  pollMs: 500,
  /** Critical memory is the target plus this many points, unless set: room to slow down before pausing. */
  criticalAboveTarget: 20,
  /** The highest critical level: past 95% the kernel's OOM killer acts before a pause would help. */
  maxCriticalMemory: 95,
  /**
   * Polls after a shrink before another: memory takes a poll or two to show the effect of fewer batches, and
   * halving again before that would overshoot to the floor on one spike.
   */
  shrinkCooldownPolls: 2,
  /** Consecutive calm polls (below target minus the band) before a limit is restored one step. */
  restoreAfterPolls: 6,
  /** Points below target that count as calm: readings between the two hold the limits, so they do not flap. */
  hysteresisPoints: 5,
  /**
   * Polls the reader stays paused while memory stays critical with every limit at its floor. The run's own use
   * cannot go lower, so it goes on one batch at a time rather than wait forever, and says so.
   */
  maxPausePolls: 20,
  /**
   * Seconds between checkpoints. A kill loses at most this much work (plus the batches in flight); each checkpoint
   * drains the pipeline once, which costs about one batch's time, so a minute keeps that cost near 1%.
   */
  checkpointSeconds: 60,
  /**
   * Row groups in one part before it is closed even if no checkpoint is due: hyparquet-writer keeps ~5 KB of footer
   * metadata per row group in memory until the part is committed, so 2,000 groups cap that at ~10 MB.
   */
  maxRowGroupsPerPart: 2_000,
  /** Seconds between plain progress lines off a terminal: often enough to see a batch job move, few enough to read. */
  progressSeconds: 10,
  /** Redraws of the live progress line on a terminal: smooth enough for the eye, negligible work. */
  liveProgressMs: 500,
  /** Points kept in the summary's memory timeline; older points are merged pairwise, so a 20-hour run stays small. */
  timelinePoints: 2_000
} as const

/** One worker thread per core: RDKit is single-threaded in each WebAssembly instance. */
export const defaultWorkers = (): number => Math.max(1, os.availableParallelism())
