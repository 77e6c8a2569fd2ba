/**
 * `bench/run.mjs --scale`: molexpand's peak RSS at growing input sizes, with the Bloom seen set and with the exact
 * one. Each point runs molexpand once, 1 generation of one cheap rule (bench/scale/o-methylation.tsv) on the first N
 * molecules of the scale input (bench/scale/build-input.mjs), 2 workers, the same settings at every point so that
 * only the data grows. The Bloom filter is sized for the largest point (--expected-products 3,000,000, --fp-rate 1e-6:
 * 1M inputs give about 2.2M keys), as a user sizes it for the run; the exact table starts at the default size
 * (1,000,000) and grows with the keys, which is what its points show. The run's cost is then reading, canonicalizing,
 * one substructure match, deduplicating and writing: the parts whose memory must stay flat.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as readline from "node:readline"
import { uptimeText } from "./machine.mjs"
import { runMeasured } from "./measure.mjs"

export const DEFAULT_SCALE_SIZES = [10_000, 100_000, 1_000_000]
export const DEFAULT_SCALE_MODES = ["bloom", "exact"]
const SCALE_WORKERS = 2
const SCALE_GENERATIONS = 1
/** Bloom sizing for every point: above the ~2.2M keys of the 1M-input point, so the filter keeps its error rate. */
const BLOOM_EXPECTED_PRODUCTS = 3_000_000
const dedupFlags = (mode) => (mode === "bloom" ? ["--dedup", "bloom", "--expected-products", String(BLOOM_EXPECTED_PRODUCTS)] : ["--dedup", mode])

/** Writes the first `count` lines of `file` to `target`; returns how many it wrote. */
const writePrefix = async (file, target, count) => {
  const out = fs.createWriteStream(target)
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
  let written = 0
  for await (const line of lines) {
    if (written >= count) break
    if (!out.write(line + "\n")) await new Promise((resolve) => out.once("drain", resolve))
    written++
  }
  lines.close()
  await new Promise((resolve) => out.end(resolve))
  return written
}

const countLines = async (file) => {
  let count = 0
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
  for await (const line of lines) if (line.length > 0) count++
  return count
}

/**
 * `reps` runs each point that many times (one number for every size, or one per size): peak RSS varies by tens of
 * MiB from run to run (when V8 collects, which threads get their own malloc arena), so one run per point can show a
 * growth that is only noise.
 */
export const runScale = async ({ repoRoot, molexpandMain, sizes = DEFAULT_SCALE_SIZES, modes = DEFAULT_SCALE_MODES, reps = [1], input, log, onPoint }) => {
  const inputFile = path.resolve(input ?? path.join(repoRoot, "bench/scale/out/scale-input.smi"))
  if (!fs.existsSync(inputFile)) {
    throw new Error(`no scale input at ${inputFile}: build it first with node bench/scale/build-input.mjs (or pass --scale-input FILE)`)
  }
  const rules = path.join(repoRoot, "bench/scale/o-methylation.tsv")
  const available = await countLines(inputFile)
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "molexpand-scale-"))
  const result = {
    input: path.relative(repoRoot, inputFile),
    inputMolecules: available,
    rules: path.relative(repoRoot, rules),
    rulesDescription: "one rule (phenol O-methylation, bench/scale/o-methylation.tsv)",
    generations: SCALE_GENERATIONS,
    workers: SCALE_WORKERS,
    dedupSettings: `bloom: --expected-products ${BLOOM_EXPECTED_PRODUCTS}, --fp-rate 1e-6; exact: defaults (first allocation for 1,000,000 keys)`,
    uptimeBefore: uptimeText(),
    points: [],
    notes: [
      `Every point: molexpand --generations 1 --workers 2 with the same settings, so only the data grows; Bloom sized with --expected-products ${BLOOM_EXPECTED_PRODUCTS} --fp-rate 1e-6, exact with the defaults. ` +
        "Peak RSS is the process's (molexpand is one process; its workers are threads). Dedup MiB and B/key are from summary.json (dedup.bytes / dedup.keys; " +
        "the exact table is preallocated for the expected count, so B/key falls until the table must grow)."
    ]
  }
  log(`SCALE: ${available} molecules in ${inputFile}; sizes ${sizes.join(", ")}; dedup ${modes.join(", ")}; work in ${workDir}`)
  for (const [sizeIndex, size] of sizes.entries()) {
    if (size > available) {
      result.notes.push(`${size} inputs: skipped, the scale input holds only ${available} molecules.`)
      log(`  ${size}: skipped (only ${available} molecules)`)
      continue
    }
    const prefix = path.join(workDir, `input-${size}.smi`)
    await writePrefix(inputFile, prefix, size)
    const sizeReps = reps.length === 1 ? reps[0] : reps[sizeIndex] ?? 1
    for (let rep = 1; rep <= sizeReps; rep++) for (const mode of modes) {
      const out = path.join(workDir, `out-${size}-${mode}`)
      const measured = await runMeasured(
        process.execPath,
        [molexpandMain, "--input", prefix, "--rules", rules, "--generations", String(SCALE_GENERATIONS), "--workers", String(SCALE_WORKERS),
          ...dedupFlags(mode), "--output", out, "--quiet"],
        { cwd: repoRoot, logDir: path.join(workDir, "logs"), label: `scale-${size}-${mode}-r${rep}`, sampleMs: 500 }
      )
      const point = {
        size,
        mode,
        rep,
        exitCode: measured.exitCode,
        wallSeconds: measured.wallSeconds,
        cpuSeconds: measured.cpuSeconds,
        peakRssBytes: measured.peakRssBytes,
        settledRssBytes: measured.settledRssBytes,
        maxRssSingleBytes: measured.maxRssSingleBytes,
        loadBefore: measured.loadBefore,
        loadAfter: measured.loadAfter
      }
      if (measured.exitCode === 0) {
        const summary = JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8"))
        Object.assign(point, {
          inputsValid: summary.inputs.valid,
          inputsDuplicate: summary.inputs.duplicate,
          products: summary.products.total,
          dedupKeys: summary.dedup.keys,
          dedupBytes: summary.dedup.bytes,
          dedupBytesPerKey: summary.dedup.bytesPerKey,
          estimatedFalsePositives: summary.dedup.estimatedFalsePositives,
          programPeakRssBytes: summary.peakRssBytes,
          programElapsedSeconds: summary.elapsedSeconds,
          molPerSecond: summary.inputs.valid / measured.wallSeconds,
          productsBytes: summary.writer?.bytes
        })
        log(`  ${size} ${mode} r${rep}: ${measured.wallSeconds.toFixed(1)} s, ${measured.cpuSeconds.toFixed(1)} s CPU, peak RSS ${(measured.peakRssBytes / 2 ** 20).toFixed(0)} MiB, settled ${(measured.settledRssBytes / 2 ** 20).toFixed(0)} MiB, ` +
          `${point.products} products, ${point.dedupKeys} keys, dedup ${(point.dedupBytes / 2 ** 20).toFixed(1)} MiB (${point.dedupBytesPerKey.toFixed(1)} B/key), ` +
          `est. dropped ${point.estimatedFalsePositives.toFixed(2)}; load ${measured.loadBefore[0].toFixed(2)}`)
      } else {
        point.error = fs.readFileSync(measured.stderrFile, "utf8").split("\n").slice(-15).join("\n")
        log(`  ${size} ${mode}: FAILED (exit ${measured.exitCode})\n${point.error}`)
      }
      fs.rmSync(out, { recursive: true, force: true })
      result.points.push(point)
      onPoint?.({ ...result, uptimeAfter: uptimeText() })
    }
    fs.rmSync(prefix, { force: true })
  }
  result.uptimeAfter = uptimeText()
  fs.rmSync(workDir, { recursive: true, force: true })
  return result
}
