/**
 * Runs one program as a child process and measures it:
 * - wall seconds: the runner's clock from spawn to exit;
 * - CPU seconds: user + system time from GNU time (`/usr/bin/time -f`), which covers the child's threads and every
 *   descendant it waited for (a Python pool's workers are joined, so they count);
 * - memory, from a sampler that walks the child's process tree in /proc every `sampleMs`:
 *   - `peakRssBytes`: the sum over the tree's processes of each one's peak resident set (VmHWM, the kernel's
 *     high-water mark, read at each sample). For one process (molexpand and its worker threads) it is that process's
 *     peak RSS; for a process pool it is an upper bound of the pool's peak, since the processes peak at different
 *     times and share copy-on-write pages that each one counts;
 *   - `peakPssBytes`: the highest sum of the tree's proportional set sizes (PSS, shared pages split between the
 *     processes that map them) seen at any sample: what the tree really held at once, within the sampling interval;
 *   - `settledRssBytes`: the median, over the samples of the run's second half, of the tree's summed RSS (VmRSS): what
 *     the run holds once started, which a peak (one instant) shows only through the noise of garbage collection and
 *     malloc's arenas;
 *   - `maxRssSingleBytes`: GNU time's %M, the largest peak RSS of any single process of the tree.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { median } from "./stats.mjs"

const TIME = "/usr/bin/time"
/** Elapsed, user, system seconds and max RSS in KiB: GNU time's format string. */
const TIME_FORMAT = "%e %U %S %M"
const KIB = 1024
const NS_PER_S = 1e9
const DEFAULT_SAMPLE_MS = 200

const readText = (file) => {
  try {
    return fs.readFileSync(file, "utf8")
  } catch {
    return null
  }
}

/** The pids of a process's children (every thread's children: a child may be forked by any thread). */
const childrenOf = (pid) => {
  const out = []
  let tasks
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`)
  } catch {
    return out
  }
  for (const tid of tasks) {
    const text = readText(`/proc/${pid}/task/${tid}/children`)
    if (text) for (const child of text.trim().split(/\s+/)) if (child) out.push(Number(child))
  }
  return out
}

const descendantsOf = (pid) => {
  const all = []
  const stack = childrenOf(pid)
  while (stack.length > 0) {
    const next = stack.pop()
    all.push(next)
    stack.push(...childrenOf(next))
  }
  return all
}

const statusKib = (text, field) => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)
  return match ? Number(match[1]) : 0
}

/** Samples the tree under `rootPid` (excluding the root itself, which is GNU time). */
const makeSampler = (rootPid, sampleMs) => {
  const hwmKib = new Map()
  let peakPssKib = 0
  let samples = 0
  const rssKibSamples = []
  const sample = () => {
    samples++
    let pssKib = 0
    let rssKib = 0
    for (const pid of descendantsOf(rootPid)) {
      const status = readText(`/proc/${pid}/status`)
      if (status === null) continue
      const hwm = statusKib(status, "VmHWM")
      if (hwm > (hwmKib.get(pid) ?? 0)) hwmKib.set(pid, hwm)
      rssKib += statusKib(status, "VmRSS")
      const rollup = readText(`/proc/${pid}/smaps_rollup`)
      pssKib += rollup === null ? statusKib(status, "VmRSS") : statusKib(rollup, "Pss")
    }
    if (pssKib > peakPssKib) peakPssKib = pssKib
    if (rssKib > 0) rssKibSamples.push(rssKib)
  }
  const timer = setInterval(sample, sampleMs)
  return {
    sample,
    stop: () => {
      clearInterval(timer)
      let sum = 0
      for (const v of hwmKib.values()) sum += v
      const secondHalf = rssKibSamples.slice(Math.floor(rssKibSamples.length / 2))
      return {
        peakRssBytes: sum * KIB,
        peakPssBytes: peakPssKib * KIB,
        settledRssBytes: secondHalf.length === 0 ? 0 : median(secondHalf) * KIB,
        processes: hwmKib.size,
        samples
      }
    }
  }
}

/**
 * Runs `command args` under GNU time with stdout and stderr sent to files in `logDir`; resolves with the
 * measurements, the exit code and the child's stdout text.
 */
export const runMeasured = (command, args, { cwd, env, logDir, label, sampleMs = DEFAULT_SAMPLE_MS }) =>
  new Promise((resolve, reject) => {
    fs.mkdirSync(logDir, { recursive: true })
    const timeFile = path.join(logDir, `${label}.time`)
    const stdoutFile = path.join(logDir, `${label}.stdout`)
    const stderrFile = path.join(logDir, `${label}.stderr`)
    const stdout = fs.openSync(stdoutFile, "w")
    const stderr = fs.openSync(stderrFile, "w")
    const loadBefore = os.loadavg()
    const started = process.hrtime.bigint()
    const child = spawn(TIME, ["-f", TIME_FORMAT, "-o", timeFile, command, ...args], {
      cwd,
      env: env ?? process.env,
      stdio: ["ignore", stdout, stderr]
    })
    const sampler = makeSampler(child.pid, sampleMs)
    child.on("error", (error) => {
      sampler.stop()
      reject(error)
    })
    child.on("exit", (code, signal) => {
      const wallSeconds = Number(process.hrtime.bigint() - started) / NS_PER_S
      const memory = sampler.stop()
      fs.closeSync(stdout)
      fs.closeSync(stderr)
      const timeText = (readText(timeFile) ?? "").trim().split("\n")
      const fields = (timeText.at(-1) ?? "").split(/\s+/).map(Number)
      const [timeWall, user, sys, maxRssKib] = fields.length === 4 && fields.every(Number.isFinite) ? fields : [NaN, NaN, NaN, NaN]
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        signal,
        wallSeconds,
        timeWallSeconds: timeWall,
        userSeconds: user,
        sysSeconds: sys,
        cpuSeconds: user + sys,
        maxRssSingleBytes: maxRssKib * KIB,
        peakRssBytes: Math.max(memory.peakRssBytes, Number.isFinite(maxRssKib) ? maxRssKib * KIB : 0),
        peakPssBytes: memory.peakPssBytes,
        settledRssBytes: memory.settledRssBytes,
        processes: memory.processes,
        samples: memory.samples,
        loadBefore,
        loadAfter: os.loadavg(),
        stdout: readText(stdoutFile) ?? "",
        stderrFile,
        stdoutFile
      })
    })
  })
