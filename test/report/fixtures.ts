/**
 * Hand-built summaries for the report's tests: a calm run that keeps every promise, and a busy one that breaks them
 * (memory past target with governor decisions, failures, an over-full queue, an over-full buffer). Small and
 * deterministic, so a test can say exactly what the page must show.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import type { MemoryPoint } from "../../src/governor/Governor.js"
import type { ReportSummary } from "../../src/report/report.js"
import { defaultSettings } from "../../src/settings.js"

const MIB = 2 ** 20
/** Twenty seconds polled every half second. */
const POLLS = 41
const POLL_SECONDS = 0.5

const timeline = (percentAt: (t: number) => number): ReadonlyArray<MemoryPoint> =>
  Array.from({ length: POLLS }, (_, i) => {
    const seconds = i * POLL_SECONDS
    return {
      seconds,
      systemPercent: percentAt(seconds),
      rssBytes: (200 + 5 * seconds) * MIB,
      heapUsedBytes: (40 + seconds) * MIB,
      inFlight: 2,
      flushInterval: 500,
      paused: false
    }
  })

/** A calm two-generation run in `outputDir`: memory under target, nothing failed, every queue within capacity. */
export const calmRun = (outputDir: string): ReportSummary => {
  const governorSettings = {
    targetPercent: 60,
    criticalPercent: 80,
    maxInFlight: 2,
    maxFlushInterval: 500,
    minFlushInterval: 250,
    shrinkCooldownPolls: 2,
    restoreAfterPolls: 6,
    hysteresisPoints: 5,
    maxPausePolls: 20,
    pollMs: 500
  }
  return {
    version: 1,
    settings: {
      ...defaultSettings(),
      input: "molecules.smi",
      generations: 2,
      workers: 2,
      flushInterval: 500,
      output: outputDir,
      ruleSource: "polyphenol-phase2",
      explicitHApplied: false,
      kekulizeApplied: false
    },
    inputs: { read: 120, valid: 117, invalid: 2, duplicate: 1 },
    candidates: 2_400,
    invalidCandidates: 3,
    moleculeFailures: 0,
    products: {
      total: 1_800,
      byGeneration: { "1": 600, "2": 1_200 },
      byRule: { o_methylation: 700, o_sulfation: 500, o_glucuronidation: 400, "acetylation <&>": 200 },
      examples: {
        o_methylation: { parent: "Oc1ccccc1", product: "COc1ccccc1" },
        o_sulfation: { parent: "Oc1ccc(O)cc1", product: "O=S(=O)(O)Oc1ccc(O)cc1" },
        o_glucuronidation: { parent: "Oc1ccccc1", product: "O=C(O)[C@H]1O[C@@H](Oc2ccccc2)[C@H](O)[C@@H](O)[C@@H]1O" },
        "acetylation <&>": { parent: "Nc1ccc(O)cc1", product: "CC(=O)Nc1ccc(O)cc1" }
      }
    },
    dedup: { mode: "exact", keys: 1_917, bytes: 2 * MIB, bytesPerKey: (2 * MIB) / 1_917, estimatedFalsePositives: 0 },
    writer: { kind: "hyparquet-writer", flushInterval: 500, flushes: 4, maxBufferRows: 500, rows: 1_800, bytes: 90_000 },
    memory: {
      source: "system",
      targetPercent: 60,
      criticalPercent: 80,
      peak: { systemPercent: 48, rssBytes: 300 * MIB, heapUsedBytes: 60 * MIB },
      low: { systemPercent: 40, rssBytes: 200 * MIB },
      timeline: timeline((t) => 40 + 8 * Math.sin(t / 4) ** 2),
      flushes: [
        { seconds: 5, table: "products", rows: 500, flushInterval: 500, rssBefore: 225 * MIB, rssAfter: 227 * MIB },
        { seconds: 10, table: "products", rows: 500, flushInterval: 500, rssBefore: 250 * MIB, rssAfter: 249 * MIB },
        { seconds: 15, table: "products", rows: 500, flushInterval: 500, rssBefore: 275 * MIB, rssAfter: 278 * MIB },
        { seconds: 19.5, table: "products", rows: 300, flushInterval: 500, rssBefore: 297 * MIB, rssAfter: 298 * MIB }
      ]
    },
    governor: {
      polls: POLLS,
      warnings: 0,
      finalLimits: { inFlight: 2, flushInterval: 500, paused: false },
      decisions: [],
      settings: governorSettings
    },
    queues: { capacity: { work: 2, dedup: 16, write: 16 }, maxDepth: { work: 2, dedup: 5, write: 3 } },
    workers: 2,
    engine: { kind: "threads", workers: 2, rdkit: "2026.9.1 (WebAssembly)" },
    files: {
      products: path.join(outputDir, "products"),
      parts: [path.join(outputDir, "products", "part-00000.parquet"), path.join(outputDir, "products", "part-00001.parquet")],
      quarantine: path.join(outputDir, "quarantine.tsv"),
      summary: path.join(outputDir, "summary.json"),
      report: path.join(outputDir, "report.html")
    },
    checkpoints: { count: 2, maxGapSeconds: 10, maxDrainSeconds: 0.5 },
    resumed: false,
    elapsedSeconds: 20,
    molPerSecond: (117 + 600) / 20,
    productsPerSecond: 1_800 / 20,
    peakRssBytes: 310 * MIB
  }
}

/** The calm run gone wrong: memory ramps past critical and the governor acts; promises are broken. */
export const busyRun = (outputDir: string): ReportSummary => {
  const calm = calmRun(outputDir)
  const limits = (inFlight: number, flushInterval: number, paused: boolean) => ({ inFlight, flushInterval, paused })
  const at = (seconds: number, systemPercent: number) => ({ seconds, poll: seconds / POLL_SECONDS + 1, systemPercent, rssBytes: 250 * MIB })
  return {
    ...calm,
    moleculeFailures: 2,
    writer: { ...calm.writer, maxBufferRows: 600 },
    memory: {
      ...calm.memory,
      peak: { ...calm.memory.peak, systemPercent: 85 },
      timeline: timeline((t) => (t < 10 ? 45 + 4 * t : 85 - 4 * (t - 10)))
    },
    governor: {
      ...calm.governor,
      warnings: 3,
      decisions: [
        { ...at(4, 61), reason: "above target", from: limits(2, 500, false), to: limits(1, 250, false) },
        { ...at(9, 81), reason: "critical: pause reader", from: limits(1, 250, false), to: limits(1, 250, true) },
        { ...at(14, 59), reason: "back under target: resume reader", from: limits(1, 250, true), to: limits(1, 250, false) },
        { ...at(19, 45), reason: "calm: restore a step", from: limits(1, 250, false), to: limits(2, 500, false) }
      ]
    },
    queues: { ...calm.queues, maxDepth: { work: 2, dedup: 17, write: 3 } }
  }
}

/** The calm run on a cluster: two runners, a third refused for its version, one of the two lost mid-run and resent. */
export const clusterRun = (outputDir: string): ReportSummary => {
  const calm = calmRun(outputDir)
  return {
    ...calm,
    settings: { ...calm.settings, cluster: "postgres://molexpand@db.lab:5432/molexpand" },
    engine: {
      kind: "cluster",
      workers: 3,
      rdkit: "2026.9.1 (WebAssembly)",
      cluster: "postgres://molexpand@db.lab:5432/molexpand",
      resentBatches: 2,
      runners: [
        { address: "node-1:34431", workers: 1, batches: 20, molecules: 400, busySeconds: 19, molPerSecond: 21.1, resent: 0, refused: undefined },
        { address: "node-2:34431", workers: 2, batches: 9, molecules: 180, busySeconds: 8, molPerSecond: 22.5, resent: 2, refused: undefined },
        { address: "node-3:34431", workers: 4, batches: 0, molecules: 0, busySeconds: 0, molPerSecond: 0, resent: 0, refused: "runner node-3:34431 refused: it runs molexpand 0.0.0-other with RDKit 2026.9.1 (WebAssembly), this coordinator molexpand 0.1.0 with RDKit 2026.9.1 (WebAssembly)" }
      ],
      events: [
        { seconds: 0, address: "node-1:34431", change: "joined", workers: 1 },
        { seconds: 0, address: "node-2:34431", change: "joined", workers: 2 },
        { seconds: 3, address: "node-3:34431", change: "joined", workers: 4 },
        { seconds: 3.1, address: "node-3:34431", change: "refused", workers: 4 },
        { seconds: 9, address: "node-2:34431", change: "left", workers: 2 }
      ]
    }
  }
}

/** The smallest valid-looking Parquet framing: the magic, some bytes, the magic. */
export const wholePart = Buffer.concat([Buffer.from("PAR1"), Buffer.alloc(64, 7), Buffer.from("PAR1")])

/** Writes `summary.json`, the parts it lists (whole) and an empty quarantine file into the summary's own folder. */
export const writeRunFolder = (summary: ReportSummary): void => {
  const folder = path.dirname(summary.files.summary)
  fs.mkdirSync(path.join(folder, "products"), { recursive: true })
  for (const part of summary.files.parts) fs.writeFileSync(part, wholePart)
  fs.writeFileSync(summary.files.quarantine, "line\ttext\treason\n")
  fs.writeFileSync(summary.files.summary, JSON.stringify(summary, null, 2))
}
