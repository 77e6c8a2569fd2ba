/**
 * `bench/run.mjs --cluster`: a cluster run against a local one on this machine. For each repetition, a local run with
 * 2 workers and the same run with `--cluster` on a fresh `cluster-dev` of 2 runners with 1 worker each (fresh, so
 * that no runner starts with a key cache the previous repetition filled), in alternating order. The runners are long-lived in real use, so
 * their start-up is not timed; the coordinator's is, as the local run's is.
 *
 * Besides mol/s (the summary's: molecules expanded per second of the run) it records:
 * - bytes moved per molecule: what the runner processes read and wrote (/proc/PID/io rchar + wchar) during the run,
 *   over the molecules they took (canonicalized and expanded). Runners touch no file once started, so this is their
 *   sockets: the batches and products, and their own traffic with PostgreSQL and each other (shard locks, health,
 *   the registry), which goes on while they are idle; so it is also given net of the idle rate measured just before;
 * - the coordinator's CPU seconds per molecule (GNU time), less its start-up (a run of one molecule on the same
 *   cluster): reading, receiving, deduplicating and writing, and its share of the cluster's routine over the run.
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

/** cluster-dev's runner processes (its other child is PostgreSQL). */
const runnerPids = (pid) => {
  const text = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim()
  const children = text === "" ? [] : text.split(/\s+/).map(Number)
  return children.filter((child) => fs.readFileSync(`/proc/${child}/cmdline`, "utf8").split("\0").includes("runner"))
}

/** Seconds over which the runners' idle traffic (shard locks, health checks, the registry) is measured. */
const IDLE_SECONDS = 10

/** `molexpand cluster-dev` with its runners serving; `stop()` stops it (SIGINT) and waits. */
export const startClusterDev = (molexpandMain, runners = RUNNERS) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [molexpandMain, "cluster-dev", "--runners", String(runners), "--workers", String(RUNNER_WORKERS)], {
      stdio: ["ignore", "ignore", "pipe"]
    })
    let text = ""
    const timer = setTimeout(() => reject(new Error(`cluster-dev not ready in ${START_TIMEOUT_MS} ms:\n${text}`)), START_TIMEOUT_MS)
    child.stderr.on("data", (chunk) => {
      text += chunk.toString()
      const url = /--cluster (\S+)/.exec(text)?.[1]
      if (url !== undefined && (text.match(/: serving with/g) ?? []).length === runners) {
        clearTimeout(timer)
        resolve({
          url,
          runnerPids: runnerPids(child.pid),
          stop: () => new Promise((done) => (child.once("exit", done), child.kill("SIGINT")))
        })
      }
    })
  })

export const runClusterBench = async ({ repoRoot, molexpandMain, input, rules, reps, log, logDir }) => {
  const runs = []
  for (let rep = 1; rep <= reps; rep++) {
    const localOut = path.join(logDir, `local-${rep}`)
    const runLocal = async () => {
      const measured = await runMeasured(process.execPath, [molexpandMain, "--input", input, "--rules", rules, "--workers", String(LOCAL_WORKERS), "--output", localOut, "--overwrite", "--quiet"], { cwd: repoRoot, logDir, label: `local-${rep}` })
      const summary = readSummary(localOut)
      log(`rep ${rep} local: ${fmt(summary.molPerSecond)} mol/s, ${fmt(summary.elapsedSeconds)} s, ${summary.products.total} products`)
      return { measured, summary }
    }
    // Which goes first alternates, so that a drift in the machine's load does not always favour one.
    const localFirst = rep % 2 === 1
    const early = localFirst ? await runLocal() : undefined

    const dev = await startClusterDev(molexpandMain)
    const idleStart = dev.runnerPids.map(ioBytes)
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000))
    const before = dev.runnerPids.map(ioBytes)
    const idleBytesPerSecond = before.reduce((total, b, i) => total + b - idleStart[i], 0) / IDLE_SECONDS
    const clusterOut = path.join(logDir, `cluster-${rep}`)
    const cluster = await runMeasured(process.execPath, [molexpandMain, "--cluster", dev.url, "--input", input, "--rules", rules, "--output", clusterOut, "--overwrite", "--quiet"], { cwd: repoRoot, logDir, label: `cluster-${rep}` })
    const after = dev.runnerPids.map(ioBytes)
    // The coordinator's start-up (loading, the rule check's RDKit thread) is not per molecule: one line measures it.
    const oneLine = path.join(logDir, "one-molecule.smi")
    fs.writeFileSync(oneLine, fs.readFileSync(input, "utf8").split("\n")[0] + "\n")
    const startup = await runMeasured(process.execPath, [molexpandMain, "--cluster", dev.url, "--input", oneLine, "--rules", rules, "--output", path.join(logDir, `startup-${rep}`), "--overwrite", "--quiet"], { cwd: repoRoot, logDir, label: `startup-${rep}` })
    await dev.stop()
    const clusterSummary = readSummary(clusterOut)
    const { measured: local, summary: localSummary } = early ?? (await runLocal())
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
        coordinatorStartupCpuSeconds: startup.cpuSeconds,
        coordinatorPeakRssBytes: cluster.peakRssBytes,
        products: clusterSummary.products.total,
        molecules,
        runnerBytes,
        idleBytesPerSecond,
        bytesPerMolecule: runnerBytes / molecules,
        batchBytesPerMolecule: (runnerBytes - idleBytesPerSecond * cluster.wallSeconds) / molecules,
        resentBatches: clusterSummary.engine.resentBatches,
        runners: clusterSummary.engine.runners
      }
    }
    run.ratio = run.cluster.molPerSecond / run.local.molPerSecond
    log(`rep ${rep} cluster: ${fmt(run.cluster.molPerSecond)} mol/s (${fmt(run.ratio, 2)} of local), ${fmt(run.cluster.elapsedSeconds)} s, ${run.cluster.products} products, ${fmt(run.cluster.bytesPerMolecule, 0)} bytes/molecule (${fmt(run.cluster.batchBytesPerMolecule, 0)} net of idle), coordinator ${fmt(run.cluster.coordinatorCpuSeconds)} CPU s`)
    runs.push(run)
  }
  const coordinatorCpuPerMolecule = median(runs.map((r) => (r.cluster.coordinatorCpuSeconds - r.cluster.coordinatorStartupCpuSeconds) / r.cluster.molecules))
  const perWorker = median(runs.map((r) => r.local.molPerSecond / LOCAL_WORKERS))
  return {
    input,
    rules,
    runs,
    ratio: median(runs.map((r) => r.ratio)),
    bytesPerMolecule: median(runs.map((r) => r.cluster.bytesPerMolecule)),
    batchBytesPerMolecule: median(runs.map((r) => r.cluster.batchBytesPerMolecule)),
    coordinatorCpuPerMolecule,
    localMolPerSecondPerWorker: perWorker,
  }
}

export const clusterReportLines = (c) => [
  "## Cluster against local",
  "",
  `Input \`${path.basename(c.input)}\`, rules \`${path.basename(c.rules)}\`, 1 generation. Local: ${LOCAL_WORKERS} worker threads. Cluster: \`cluster-dev\` with ${RUNNERS} runners of ${RUNNER_WORKERS} worker, fresh each repetition, on the same machine as the coordinator and PostgreSQL; the coordinator's cluster client where \`--cluster-client auto\` puts it (its main thread on fewer than 4 cores, as here).`,
  "",
  "| rep | local mol/s | cluster mol/s | cluster/local | local s | cluster s | products local / cluster | bytes/molecule (net of idle) | runners' idle bytes/s | coordinator CPU s (start-up) | coordinator peak RSS MiB |",
  "|---|---|---|---|---|---|---|---|---|---|---|",
  ...c.runs.map((r) =>
    `| ${r.rep} | ${fmt(r.local.molPerSecond)} | ${fmt(r.cluster.molPerSecond)} | ${fmt(r.ratio, 2)} | ${fmt(r.local.elapsedSeconds)} | ${fmt(r.cluster.elapsedSeconds)} | ${r.local.products} / ${r.cluster.products} | ${fmt(r.cluster.bytesPerMolecule, 0)} (${fmt(r.cluster.batchBytesPerMolecule, 0)}) | ${fmt(r.cluster.idleBytesPerSecond, 0)} | ${fmt(r.cluster.coordinatorCpuSeconds)} (${fmt(r.cluster.coordinatorStartupCpuSeconds)}) | ${mib(r.cluster.coordinatorPeakRssBytes)} |`
  ),
  "",
  `- Median throughput ratio cluster/local: **${fmt(c.ratio, 2)}**.`,
  `- Bytes moved per molecule (runners' rchar + wchar): median **${fmt(c.bytesPerMolecule, 0)}**, of which the batches and their products (net of the runners' idle traffic) **${fmt(c.batchBytesPerMolecule, 0)}**. A molecule counts once when canonicalized and once when expanded.`,
  `- Coordinator CPU per molecule, start-up excluded: median ${fmt(c.coordinatorCpuPerMolecule * 1e3, 3)} ms. Most of it is not per molecule: the coordinator's share of the cluster's routine (the registry read every second, shard assignments, its memory governor) over a run whose runners keep it idle most of the time. What a coordinator takes per key, receiving included, is measured apart under "The coordinator alone", fed by replaying runners.`,
  ""
]
