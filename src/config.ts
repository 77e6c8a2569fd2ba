/**
 * Every tunable number of a run, with its default and the reason for it.
 *
 * The CLI, the library API and the tests all start from `defaults`; nothing else in `src/` holds a bare
 * constant that changes what a run does or how much memory it may use.
 */
import * as os from "node:os"

export type DedupMode = "exact" | "bloom"
export type ParquetWriterKind = "hyparquet-writer" | "parquetjs-lite"
/** Which RDKit runs the chemistry: the native addon if it loads (`auto`), the native addon, or WebAssembly. */
export const engineChoices = ["auto", "native", "wasm"] as const
export type EngineChoice = (typeof engineChoices)[number]

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
   * Molecules per batch on a cluster, unless `--batch-size` is given. Whatever its size, a batch costs the
   * coordinator's main thread about 0.6 ms (an RPC call, its stream's start and end, routing, taking it once), and
   * that thread is what bounds how many runner cores one coordinator feeds: from 50 to 400 its CPU per key fell by
   * a quarter on the polyphenols' replay (`bench/README.md`, "the coordinator over the cluster"), 1,000 gained
   * nothing more. A batch stays streamed back in chunks, so its size does not bound memory; a lost runner costs its
   * batches again, at 400 polyphenols about 7 s of one core each.
   */
  clusterBatchSize: 400,
  /**
   * `--cluster-client auto` runs the coordinator's cluster clients in threads of their own on a machine of at least
   * this many cores (the main thread, the clients', Parquet's encoder), else one client on the main thread. The
   * threads lift what one coordinator takes (README "Cluster speed"), but each costs about 2 CPU seconds a run (a
   * JavaScript heap and its start-up, messages between the threads); on 2 cores shared with RDKit workers, as under
   * `cluster-dev` here, those seconds are taken from the workers (cluster/local 0.86-0.88 with one thread, 0.91-1.05
   * without).
   */
  clusterClientThreadMinCores: 4,
  /**
   * Client threads a coordinator runs when not on its main thread. One client thread was what bounded a coordinator
   * (958-1,091 native runner cores as the job would feed it, while its main thread could take 1,275-1,596):
   * receiving a key costs more than deduplicating and writing it. Two, each receiving its share of the batches, took
   * 1,385-1,673 (README "Cluster speed"), with the main thread about as busy as the busier client: a third would
   * gain little.
   */
  clusterClientThreads: 2,
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
   * Row groups a hyparquet-writer part may have in its encoder thread before the writer waits for the oldest. One
   * would leave the thread idle each time the main thread, busy deduplicating, has yet to notice a group is done and
   * hand over the next (the coordinator replay ran at ~60% of each thread); three kept both busy and took it from
   * 162,000-205,000 to 270,000-319,000 keys/s. Each holds a flush interval's rows: a few hundred KB.
   */
  parquetRowGroupsInThread: 3,
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
   * Product keys whose filter verdict each worker remembers (`--max-mw` and the other filters): a key recurs across
   * the molecules of a frontier (generation 2's products are reached from several parents). At ~100 bytes a key, a
   * full memory is ~10 MB per worker; it is emptied when full, which only costs judging again.
   */
  filterMemoryKeys: 100_000,
  /**
   * Young-generation size (MB) of each worker thread's JavaScript heap. A worker allocates short-lived strings at a
   * high rate (every candidate's SMILES) and keeps few (its key cache, one chunk), so V8 kept enlarging the young
   * generation: on the 100,000-molecule scale input each worker's heap went from 15 to 48 MB. Capped at 4 MB it stays
   * at 12-25 MB, so a 16-worker machine saves some 370 MB; throughput did not change beyond run-to-run noise.
   */
  workerYoungGenerationMb: 4,
  /**
   * The same bound for a native worker, which is a process and takes V8's flag: its young generation is two
   * semi-spaces, so half of `workerYoungGenerationMb` each.
   */
  workerSemiSpaceMb: 2,
  /**
   * How far (percent) a JavaScript heap may grow past its live size before V8 collects it in full (see
   * `src/governor/heapGrowth.ts`). V8's own choice went up to 300% on the main thread, whose old space then swung
   * between 26 and 120 MB; 30% is V8's own "conservative" factor. 0 leaves V8's heuristic.
   */
  heapGrowthPercent: 30,
  /** RunReactants' cap on product sets per rule and molecule, as the product contract fixes it. */
  maxProductSetsPerRule: 1_000,
  dedup: "exact" as DedupMode,
  /**
   * `auto`: the native RDKit where its addon was built (the reference's own RDKit, at native speed), WebAssembly
   * elsewhere, so that a run needs nothing beyond `npm ci`.
   */
  engine: "auto" as EngineChoice,
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
  timelinePoints: 2_000,
  /**
   * Shards of a cluster (Effect Cluster's own default). Every process sharing a database must use the same number. A
   * runner's share of them follows its workers, and the coordinator routes a batch to a runner through one of its
   * shards, so this is also about the most runners a cluster can feed evenly.
   */
  clusterShards: 300,
  /**
   * How often a runner renews its shard locks, and how long an unrenewed lock holds. A killed runner's Postgres
   * session ends at once and its advisory locks with it; the expiry covers a runner that is cut off but alive, whose
   * batches wait that long before they move. Effect's defaults (10 s and 35 s) would keep a lost runner's batches
   * waiting over half a minute.
   */
  clusterLockRefreshMs: 1_000,
  clusterLockExpirationMs: 10_000,
  /**
   * Batches a runner is sent beyond its workers, which wait on the runner: when a worker finishes, its next batch is
   * already there instead of a round trip away (coordinator, deduper, next batch, runner). Without it, on the
   * polyphenols on this 2-core machine, a runner's worker thread was busy for 87% of the run against 92% for a local
   * run's. Each costs a batch in flight and one more batch a checkpoint waits for.
   */
  runnerQueuedBatches: 1,
  /** How often every process re-reads the runners and their shards: a joining runner gets batches within this. */
  clusterRefreshMs: 1_000,
  /**
   * How often runners ping each other; a runner that does not answer is marked unhealthy and its shards move.
   * Effect's default of a minute is meant for long-lived services, not for batches that wait on a lost runner.
   */
  clusterHealthCheckMs: 2_000,
  /** A cluster database that has not answered a connection in this long is unreachable: the run stops before any work. */
  clusterConnectTimeoutMs: 10_000,
  /** Milliseconds to open a socket to a runner before it counts as unavailable (Effect's own choice). */
  clusterSocketOpenTimeoutMs: 1_000,
  /** Connections each process keeps to the cluster's database: registration, shard locks and health, never data. */
  clusterDatabaseConnections: 4,
  /**
   * Seconds a runner keeps the worker threads of a rule set it has not been sent a batch for: long enough to span a
   * coordinator's checkpoints and a resume, short enough that a runner serving a new rule set soon frees the old
   * one's threads.
   */
  runnerPoolIdleSeconds: 120,
  /**
   * Connections cluster-dev's PostgreSQL accepts: each process of a cluster keeps `clusterDatabaseConnections` and
   * a few for its shard locks; 200 leaves room for dozens of local runners.
   */
  clusterDevMaxConnections: 200,
  /** Where a runner listens unless told: this machine only, on a free port (a cluster across machines needs --listen). */
  runnerListen: "127.0.0.1:0",
  /** cluster-dev's runners and their workers: two single-worker runners show a cluster's behaviour on any machine. */
  clusterDevRunners: 2,
  clusterDevWorkers: 1,
  /** Milliseconds cluster-dev gives a runner to leave the cluster after SIGTERM before it kills it. */
  clusterDevStopMs: 10_000
} as const

/** One worker thread per core: RDKit is single-threaded in each WebAssembly instance. */
export const defaultWorkers = (): number => Math.max(1, os.availableParallelism())

/** Where a coordinator runs its cluster client: threads of its own, or its main thread. */
export const clusterClientPlaces = ["auto", "thread", "main"] as const
export type ClusterClientPlace = (typeof clusterClientPlaces)[number]

/** How many client threads a coordinator runs, 0 for its main thread: `auto` resolved for this machine (see `clusterClientThreadMinCores`). */
export const clientThreads = (place: ClusterClientPlace, cores: number = os.availableParallelism()): number =>
  place === "thread" || (place === "auto" && cores >= defaults.clusterClientThreadMinCores) ? defaults.clusterClientThreads : 0
