/**
 * Benchmark of the two Parquet product sinks: N products (default 2,000,000) of polyphenol-like SMILES, fed the way
 * the writer actor feeds them (messages of `chunkSize` products through a RowBuffer at the default flush interval).
 * Prints rows/s, CPU seconds, peak RSS and file size per writer, plus a baseline that only generates and buffers the
 * rows; "writer alone" is the writer's own rate, rows / (its seconds − the baseline's seconds).
 *
 * Each writer runs in its own child process, so each peak RSS is that writer's alone. Files go to a temporary folder
 * that is deleted at the end.
 *
 * Build first, then run:
 *   npx tsc -p tsconfig.json && node bench/writer.mjs [rows]
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect } from "effect"
import { asyncBufferFromFile, parquetMetadataAsync } from "hyparquet"
import { defaults } from "../dist/config.js"
import { openProductSink } from "../dist/io/ProductSink.js"
import { RowBuffer } from "../dist/io/rowBuffer.js"

const DEFAULT_ROWS = 2_000_000
const BASELINE = "generate+buffer only"
const RUNS = [BASELINE, "hyparquet-writer", "parquetjs-lite"]
const CHILD_FLAG = "--child"

/** Parents shaped like the polyphenol inputs; each product adds a substituent chain that spells its number. */
const PARENTS = [
  "O=C1C(O)=C(Oc2cc(O)cc(O)c12)c1ccc(O)c(O)c1",
  "Oc1cc(O)c2c(c1)O[C@H](c1ccc(O)c(O)c1)[C@H](O)C2",
  "OC(=O)c1cc(O)c(O)c(O)c1",
  "Oc1ccc(cc1)/C=C/c1cc(O)cc(O)c1",
  "OC(=O)/C=C/c1ccc(O)c(O)c1",
  "O=c1oc2c(O)c(O)cc3c(=O)oc4c(O)c(O)cc1c4c23"
]
/** Each starts with `C(` and ends with `)`, so a chain of them spells exactly one number: all products are distinct. */
const LINKS = ["C(C)", "C(O)", "C(N)", "C(=O)", "C(F)", "C(Cl)", "C(OC)", "C(CC)"]
const RULES = ["glucuronidation", "sulfation", "O-methylation", "glycine-conjugation", "dehydroxylation", "reduction"]
/** Products alternate between the first and second generation, as in the two-generation polyphenol study. */
const GENERATIONS = 2
/** Distinct inputs the products descend from. */
const ROOTS = 5_000
const ROOT_ID_DIGITS = 6

const KIB = 1024
const MIB = KIB * KIB
const US_PER_S = 1e6
const MS_PER_S = 1e3

/** RSS is sampled each time another quarter of the rows has been written, to show whether memory stays flat. */
const RSS_SAMPLES = 4

const parseRows = (arg) => {
  if (arg === undefined) return DEFAULT_ROWS
  const rows = Number(arg)
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`expected a positive integer row count, got ${arg}`)
  return rows
}

/**
 * One worker message of products [start, start + count). Strings are built with `join`, which gives flat strings like
 * those decoded from a worker's message; `+` would give rope strings that the encoder would first have to flatten.
 */
const message = (start, count, chainLinks) => {
  const rows = { smiles: [], generation: [], parent: [], rootId: [], rule: [] }
  const parts = []
  for (let i = start; i < start + count; i++) {
    parts.length = 0
    for (let n = i, k = 0; k < chainLinks; k++, n = Math.floor(n / LINKS.length)) parts.push(LINKS[n % LINKS.length])
    const parent = PARENTS[i % PARENTS.length]
    parts.push(parent)
    rows.smiles.push(parts.join(""))
    rows.generation.push(1 + (i % GENERATIONS))
    rows.parent.push(parent)
    rows.rootId.push(["NP", String(i % ROOTS).padStart(ROOT_ID_DIGITS, "0")].join(""))
    rows.rule.push(RULES[i % RULES.length])
  }
  return rows
}

/** Runs one writer (or the baseline) over `rows` products in this process and returns its measurements. */
const measure = async (run, rows, folder) => {
  const chainLinks = Math.max(1, Math.ceil(Math.log(rows) / Math.log(LINKS.length)))
  const finalPath = path.join(folder, `${run}.parquet`)
  const rssSamples = []
  const started = performance.now()
  const cpuStart = process.cpuUsage()
  const program = Effect.scoped(
    Effect.gen(function* () {
      const sink = run === BASELINE ? undefined : yield* openProductSink(run, finalPath)
      const buffer = new RowBuffer()
      const write = (group) => (sink === undefined ? Effect.void : sink.writeRowGroup(group))
      for (let start = 0; start < rows; start += defaults.chunkSize) {
        const products = message(start, Math.min(defaults.chunkSize, rows - start), chainLinks)
        for (const group of buffer.append(products, defaults.flushInterval)) yield* write(group)
        const end = start + products.smiles.length
        if (Math.floor((end * RSS_SAMPLES) / rows) > Math.floor((start * RSS_SAMPLES) / rows)) {
          rssSamples.push(process.memoryUsage.rss() / MIB)
        }
      }
      const rest = buffer.takeRemainder()
      if (rest !== undefined) yield* write(rest)
      return sink === undefined ? undefined : yield* sink.commit
    })
  )
  const committed = await Effect.runPromise(Effect.provide(program, NodeFileSystem.layer))
  const cpu = process.cpuUsage(cpuStart)
  const seconds = (performance.now() - started) / MS_PER_S
  // Read back the footer: a file whose row count is wrong is no result at all.
  const rowsInFile = committed === undefined ? rows : Number((await parquetMetadataAsync(await asyncBufferFromFile(finalPath))).num_rows)
  if (rowsInFile !== rows) throw new Error(`${run} wrote ${rowsInFile} rows, expected ${rows}`)
  return {
    run,
    rows,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / US_PER_S,
    rowsPerSecond: rows / seconds,
    peakRssMiB: (process.resourceUsage().maxRSS * KIB) / MIB,
    fileMiB: committed === undefined ? 0 : committed.bytes / MIB,
    rowGroups: committed === undefined ? 0 : committed.rowGroups,
    rssSamples
  }
}

const fixed = (value, digits) => value.toFixed(digits)

const main = () => {
  const rows = parseRows(process.argv[2])
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "molexpand-bench-writer-"))
  try {
    console.log(`${rows.toLocaleString("en")} rows, ${defaults.chunkSize} per message, flush interval ${defaults.flushInterval}`)
    console.log("| run | rows/s | writer alone rows/s | wall s | CPU s | peak RSS MiB | RSS MiB at 25/50/75/100% | file MiB | row groups |")
    console.log("|---|---|---|---|---|---|---|---|---|")
    let baselineSeconds = 0
    for (const run of RUNS) {
      const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), CHILD_FLAG, run, String(rows), folder], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"]
      })
      if (child.status !== 0) throw new Error(`${run} failed with exit code ${child.status}`)
      const r = JSON.parse(child.stdout)
      if (r.run === BASELINE) baselineSeconds = r.seconds
      const alone = r.run === BASELINE ? "" : Math.round(rows / (r.seconds - baselineSeconds)).toLocaleString("en")
      console.log(
        `| ${r.run} | ${Math.round(r.rowsPerSecond).toLocaleString("en")} | ${alone} | ${fixed(r.seconds, 1)} | ${fixed(r.cpuSeconds, 1)} | ` +
          `${fixed(r.peakRssMiB, 0)} | ${r.rssSamples.map((mib) => fixed(mib, 0)).join(" / ")} | ${fixed(r.fileMiB, 1)} | ${r.rowGroups} |`
      )
    }
  } finally {
    fs.rmSync(folder, { recursive: true, force: true })
  }
}

if (process.argv[2] === CHILD_FLAG) {
  const [, , , run, rows, folder] = process.argv
  process.stdout.write(JSON.stringify(await measure(run, parseRows(rows), folder)))
} else {
  main()
}
