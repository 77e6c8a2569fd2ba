/**
 * `bench/run.mjs --cluster`: a cluster run against a local one on this machine. For each repetition, a local run with
 * 2 workers, then the same run with `--cluster` on a fresh `cluster-dev` of 2 runners with 1 worker each (fresh, so
 * that no runner starts with a key cache the previous repetition filled). The runners are long-lived in real use, so
 * their start-up is not timed; the coordinator's is, as the local run's is.
 *
 * Besides mol/s (the summary's: molecules expanded per second of the run) it records:
 * - bytes moved per molecule: what the runner processes read and wrote (/proc/PID/io rchar + wchar) during the run,
 *   over the molecules they took (canonicalized and expanded). Runners touch no file once started, so this is their
 *   sockets: the batches and products, and their own small traffic with PostgreSQL (shard locks, health);
 * - the coordinator's CPU seconds per molecule (GNU time): reading, receiving, deduplicating and writing. One
 *   coordinator core at that cost feeds `1 / cost` molecules a second, which is `1 / cost / rate` runner cores at a
 *   runner core's rate.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { runMeasured } from "./measure.mjs"
import { fmt, median, mib } from "./stats.mjs"

const LOCAL_WORKERS = 2
const RUNNERS = 2
const RUNNER_WORKERS = 1
/** How long cluster-dev may take to have its runners serving, on a loaded machine. */
const START_TIMEOUT_MS = 120_000

const readSummary = (output) => JSON.parse(fs.readFileSync(path.join(output, "summary.json"), "utf8"))

/** rchar + wchar of a process: every byte it read or wrote through a system call (files, pipes, sockets). */
const ioBytes = (pid) => {
  const text = fs.readFileSync(`/proc/${pid}/io`, "utf8")
  const field = (name) => Number(new RegExp(`^${name}: (\\d+)`, "m").exec(text)?.[1] ?? NaN)
  return field("rchar") + field("wchar")
}

const childPids = (pid) => {
  const text = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim()
  return text === "" ? [] : text.split(/\s+/).map(Number)
}

/** `molexpand cluster-dev` with its runners serving; `stop()` stops it (SIGINT) and waits. */
const startClusterDev = (molexpandMain) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [molexpandMain, "cluster-dev", "--runners", String(RUNNERS), "--workers", String(RUNNER_WORKERS)], {
      stdio: ["ignore", "ignore", "pipe"]
    })
    let text = ""
    const timer = setTimeout(() => reject(new Error(`cluster-dev not ready in ${START_TIMEOUT_MS} ms:\n${text}`)), START_TIMEOUT_MS)
    child.stderr.on("data", (chunk) => {
      text += chunk.toString()
      const url = /--cluster (\S+)/.exec(text)?.[1]
      if (url !== undefined && (text.match(/: serving with/g) ?? []).length === RUNNERS) {
        clearTimeout(timer)
        resolve({
          url,
          runnerPids: childPids(child.pid),
          stop: () => new Promise((done) => (child.once("exit", done), child.kill("SIGINT")))
        })
      }
    })
  })

export const runClusterBench = async ({ repoRoot, molexpandMain, input, rules, reps, log, logDir }) => {
  const runs = []
  for (let rep = 1; rep <= reps; rep++) {
    const localOut = path.join(logDir, `local-${rep}`)
    const local = await runMeasured(process.execPath, [molexpandMain, "--input", input, "--rules", rules, "--workers", String(LOCAL_WORKERS), "--output", localOut, "--overwrite", "--quiet"], { cwd: repoRoot, logDir, label: `local-${rep}` })
    const localSummary = readSummary(localOut)
    log(`rep ${rep} local: ${fmt(localSummary.molPerSecond)} mol/s, ${fmt(localSummary.elapsedSeconds)} s, ${localSummary.products.total} products`)

    const dev = await startClusterDev(molexpandMain)
    const before = dev.runnerPids.map(ioBytes)
    const clusterOut = path.join(logDir, `cluster-${rep}`)
    const cluster = await runMeasured(process.execPath, [molexpandMain, "--cluster", dev.url, "--input", input, "--rules", rules, "--output", clusterOut, "--overwrite", "--quiet"], { cwd: repoRoot, logDir, label: `cluster-${rep}` })
    const after = dev.runnerPids.map(ioBytes)
    await dev.stop()
    const clusterSummary = readSummary(clusterOut)
    const molecules = clusterSummary.engine.runners.reduce((total, r) => total + r.molecules, 0)
    const runnerBytes = after.reduce((total, b, i) => total + b - before[i], 0)
    const run = {
      rep,
      local: { exitCode: local.exitCode, molPerSecond: localSummary.molPerSecond, elapsedSeconds: localSummary.elapsedSeconds, wallSeconds: local.wallSeconds, cpuSeconds: local.cpuSeconds, products: localSummary.products.total, peakRssBytes: local.peakRssBytes },
      cluster: {
        exitCode: cluster.exitCode,
        molPerSecond: clusterSummary.molPerSecond,
        elapsedSeconds: clusterSummary.elapsedSeconds,
        wallSeconds: cluster.wallSeconds,
        coordinatorCpuSeconds: cluster.cpuSeconds,
        coordinatorPeakRssBytes: cluster.peakRssBytes,
        products: clusterSummary.products.total,
        molecules,
        runnerBytes,
        bytesPerMolecule: runnerBytes / molecules,
        resentBatches: clusterSummary.engine.resentBatches,
        runners: clusterSummary.engine.runners
      }
    }
    run.ratio = run.cluster.molPerSecond / run.local.molPerSecond
    log(`rep ${rep} cluster: ${fmt(run.cluster.molPerSecond)} mol/s (${fmt(run.ratio, 2)} of local), ${fmt(run.cluster.elapsedSeconds)} s, ${run.cluster.products} products, ${fmt(run.cluster.bytesPerMolecule, 0)} bytes/molecule, coordinator ${fmt(run.cluster.coordinatorCpuSeconds)} CPU s`)
    runs.push(run)
  }
  const coordinatorCpuPerMolecule = median(runs.map((r) => r.cluster.coordinatorCpuSeconds / r.cluster.molecules))
  const perWorker = median(runs.map((r) => r.local.molPerSecond / LOCAL_WORKERS))
  return {
    input,
    rules,
    runs,
    ratio: median(runs.map((r) => r.ratio)),
    bytesPerMolecule: median(runs.map((r) => r.cluster.bytesPerMolecule)),
    coordinatorCpuPerMolecule,
    localMolPerSecondPerWorker: perWorker,
    coresOneCoordinatorFeeds: 1 / coordinatorCpuPerMolecule / perWorker
  }
}

export const clusterReportLines = (c) => [
  "## Cluster against local",
  "",
  `Input \`${path.basename(c.input)}\`, rules \`${path.basename(c.rules)}\`, 1 generation. Local: ${LOCAL_WORKERS} worker threads. Cluster: \`cluster-dev\` with ${RUNNERS} runners of ${RUNNER_WORKERS} worker, fresh each repetition, on the same machine as the coordinator and PostgreSQL.`,
  "",
  "| rep | local mol/s | cluster mol/s | cluster/local | local s | cluster s | products local / cluster | bytes/molecule | coordinator CPU s | coordinator peak RSS MiB |",
  "|---|---|---|---|---|---|---|---|---|---|",
  ...c.runs.map((r) =>
    `| ${r.rep} | ${fmt(r.local.molPerSecond)} | ${fmt(r.cluster.molPerSecond)} | ${fmt(r.ratio, 2)} | ${fmt(r.local.elapsedSeconds)} | ${fmt(r.cluster.elapsedSeconds)} | ${r.local.products} / ${r.cluster.products} | ${fmt(r.cluster.bytesPerMolecule, 0)} | ${fmt(r.cluster.coordinatorCpuSeconds)} | ${mib(r.cluster.coordinatorPeakRssBytes)} |`
  ),
  "",
  `- Median throughput ratio cluster/local: **${fmt(c.ratio, 2)}**.`,
  `- Bytes moved per molecule (runners' rchar + wchar): median **${fmt(c.bytesPerMolecule, 0)}**.`,
  `- Coordinator CPU per molecule: median ${fmt(c.coordinatorCpuPerMolecule * 1e3, 3)} ms; a local worker's rate: ${fmt(c.localMolPerSecondPerWorker)} mol/s; so one coordinator core feeds about **${fmt(c.coresOneCoordinatorFeeds, 0)} runner cores** at this case's products per molecule.`,
  ""
]
