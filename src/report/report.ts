/**
 * `report.html`: the run as a person reads it afterwards. One self-contained page made from `summary.json` (inline
 * CSS and SVG, no script, no network): the promises the run keeps and whether it kept them, the counts, memory and
 * the governor's decisions over time, throughput, flushes, products per generation and per rule, what went wrong,
 * and the settings.
 *
 * `renderReport` is pure: the same summary (and the same part check) gives the same bytes, so a regenerated report
 * differs from the old one only if the run's files did. The one look at the disk, whether each Parquet part is
 * whole, is `checkParts`, done by `writeReport` before rendering.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, FileSystem } from "effect"
import type { Reason } from "../governor/decide.js"
import { replaceFile } from "../io/durableFile.js"
import { describeCause } from "../io/errors.js"
import type { Summary } from "../summary.js"
import { depict } from "../engine/depiction.js"
import type { DrawingSize } from "../engine/protocol.js"
import { ReportError } from "./errors.js"
import { type Axis, type Bar, barChart, escapeXml, type EventMarker, lineChart, messageChart, rankedBarChart } from "./svg.js"

export const reportFileName = "report.html"
const summaryFileName = "summary.json"

/**
 * A summary as the report reads it: per-rule counts, the engine's report and the reaction network are absent from
 * summaries written before they were recorded.
 */
export type ReportSummary = Omit<Summary, "products" | "engine" | "reactions" | "filtered"> & {
  readonly products: Omit<Summary["products"], "byRule" | "examples"> & {
    readonly byRule?: Readonly<Record<string, number>>
    readonly examples?: Summary["products"]["examples"]
  }
  readonly engine?: Summary["engine"]
  readonly reactions?: Summary["reactions"]
  readonly filtered?: Summary["filtered"]
}

/** Drawings of molecules by key (inline SVG), made by `depict` for the rules' examples. */
export type Drawings = ReadonlyMap<string, string>

type ClusterReport = Extract<Summary["engine"], { readonly kind: "cluster" }>
const clusterOf = (s: ReportSummary): ClusterReport | undefined => (s.engine?.kind === "cluster" ? s.engine : undefined)

// ---------------------------------------------------------------------------------------------------------------
// Parquet parts

/** Every Parquet file starts and ends with these four bytes; a part cut short by a crash lacks the closing ones. */
const PARQUET_MAGIC = Buffer.from("PAR1", "ascii")

export interface PartsCheck {
  readonly listed: number
  readonly readable: number
  /** Each listed part that is missing or not framed by the magic, by its path in the output folder. */
  readonly problems: ReadonlyArray<{ readonly file: string; readonly reason: string }>
}

/**
 * Where a file the summary names is now: the summary's paths are as the run saw them, and the folder may have been
 * moved or mounted elsewhere since, so each is taken relative to the folder `summary.json` was in.
 */
const relativeToRun = (files: ReportSummary["files"], file: string): string => path.relative(path.dirname(files.summary), file)

const partProblem = (where: string): string | undefined => {
  let fd: number | undefined
  try {
    fd = fs.openSync(where, "r")
    const size = fs.fstatSync(fd).size
    if (size < 2 * PARQUET_MAGIC.length) return `only ${size} bytes`
    const head = Buffer.alloc(PARQUET_MAGIC.length)
    const tail = Buffer.alloc(PARQUET_MAGIC.length)
    fs.readSync(fd, head, 0, head.length, 0)
    fs.readSync(fd, tail, 0, tail.length, size - tail.length)
    if (!head.equals(PARQUET_MAGIC)) return "does not start with PAR1"
    if (!tail.equals(PARQUET_MAGIC)) return "does not end with PAR1 (cut short?)"
    return undefined
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === "ENOENT" ? "missing" : describeCause(error)
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/**
 * Opens each part the summary lists (found in `outputDir`), products' and the reaction network's, and checks the
 * Parquet magic at both ends.
 */
export const checkParts = (s: Pick<ReportSummary, "files" | "reactions">, outputDir: string): PartsCheck => {
  const listed = [...s.files.parts, ...(s.reactions?.parts ?? [])]
  const problems = listed.flatMap((part) => {
    const file = relativeToRun(s.files, part)
    const reason = partProblem(path.join(outputDir, file))
    return reason === undefined ? [] : [{ file, reason }]
  })
  return { listed: listed.length, readable: listed.length - problems.length, problems }
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting

const KIB = 1024
const MIB = KIB ** 2
const GIB = KIB ** 3

const count = (n: number): string => Math.round(n).toLocaleString("en-US")
const fixed = (n: number, digits: number): string =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
const bytes = (n: number): string =>
  n >= GIB ? `${fixed(n / GIB, 2)} GiB` : n >= MIB ? `${fixed(n / MIB, 1)} MiB` : n >= KIB ? `${fixed(n / KIB, 1)} KiB` : `${count(n)} B`
const twoDigits = (n: number): string => String(n).padStart(2, "0")
const duration = (seconds: number): string => {
  if (seconds < 60) return `${fixed(seconds, 1)} s`
  const whole = Math.round(seconds)
  return whole < 3600
    ? `${Math.floor(whole / 60)} min ${twoDigits(whole % 60)} s`
    : `${Math.floor(whole / 3600)} h ${twoDigits(Math.floor((whole % 3600) / 60))} min`
}
const plural = (n: number, one: string, many = `${one}s`): string => `${count(n)} ${n === 1 ? one : many}`

/** A settings value as a cell: JSON shows numbers and booleans as they are, and anything else compactly. */
const settingValue = (value: unknown): string =>
  typeof value === "number"
    ? Number.isInteger(value) ? count(value) : String(value)
    : typeof value === "boolean"
      ? value ? "yes" : "no"
      : typeof value === "string"
        ? value
        : JSON.stringify(value) ?? "—"

// ---------------------------------------------------------------------------------------------------------------
// The scorecard

export type Verdict = "PASS" | "WARN" | "FAIL"

export interface Check {
  readonly promise: string
  readonly verdict: Verdict
  /** The numbers behind the verdict. */
  readonly measured: string
}

/** Bad parts named in the scorecard line; more would turn one line into a list, so the rest are only counted. */
const MAX_LISTED_PART_PROBLEMS = 3

/**
 * The promises a run makes, each judged on the summary. A molecule failure is a WARN, not a FAIL: that molecule is
 * quarantined with its reason and the run's output is complete for every other molecule.
 */
export const scorecard = (s: ReportSummary, parts: PartsCheck): ReadonlyArray<Check> => {
  const { memory, queues, writer } = s
  const queueNames = ["work", "dedup", "write"] as const
  const overfull = queueNames.filter((q) => queues.maxDepth[q] > queues.capacity[q])
  const partsOk = parts.readable === parts.listed && (parts.listed > 0 || s.products.total === 0)
  const partProblems = parts.problems.slice(0, MAX_LISTED_PART_PROBLEMS).map((p) => `${p.file}: ${p.reason}`)
  const moreProblems = parts.problems.length - partProblems.length
  return [
    {
      promise: "The write buffer never held more than a flush interval",
      verdict: writer.maxBufferRows <= writer.flushInterval ? "PASS" : "FAIL",
      measured: `largest buffer ${count(writer.maxBufferRows)} rows; flush interval ${count(writer.flushInterval)} rows`
    },
    s.governor.polls === 0
      ? { promise: "Memory stayed at or under the target", verdict: "WARN", measured: "no memory readings were taken" }
      : {
        promise: "Memory stayed at or under the target",
        verdict: memory.peak.systemPercent <= memory.targetPercent ? "PASS" : "FAIL",
        measured: `peak ${fixed(memory.peak.systemPercent, 1)}% of ${memory.source} memory; target ${memory.targetPercent}%, ` +
          `critical ${memory.criticalPercent}%` + (memory.source === "script" ? " (scripted readings)" : "")
      },
    {
      promise: "No molecule failed",
      verdict: s.moleculeFailures === 0 ? "PASS" : "WARN",
      measured: s.moleculeFailures === 0
        ? "0 failures"
        : `${plural(s.moleculeFailures, "molecule")} failed and ${s.moleculeFailures === 1 ? "was" : "were"} quarantined; every other molecule was expanded`
    },
    {
      promise: "Every queue stayed within its capacity",
      verdict: overfull.length === 0 ? "PASS" : "FAIL",
      measured: queueNames.map((q) => `${q} ${count(queues.maxDepth[q])} / ${count(queues.capacity[q])}`).join(", ")
    },
    {
      promise: "Every Parquet part is readable (PAR1 at both ends)",
      verdict: partsOk ? "PASS" : "FAIL",
      measured: `${count(parts.readable)} of ${plural(parts.listed, "part")} whole` +
        (parts.listed === 0 && s.products.total > 0 ? `, but ${count(s.products.total)} products were counted` : "") +
        (partProblems.length === 0 ? "" : `; ${partProblems.join("; ")}${moreProblems > 0 ? `; and ${count(moreProblems)} more` : ""}`)
    }
  ]
}

// ---------------------------------------------------------------------------------------------------------------
// Charts

/** The page is 1,120 px wide with padding; a full-width chart and two half-width ones side by side fit it at 1:1. */
const FULL_WIDTH = 1040
const HALF_WIDTH = 510
const MEMORY_HEIGHT = 300
/** The RSS panel under the memory chart: its shape matters, not its detail. */
const RSS_HEIGHT = 200
const CHART_HEIGHT = 260
/** A chart that only says why it has nothing to draw needs no more than its title and one line. */
const MESSAGE_HEIGHT = 110
/** Rules past this many are summed into one "other rules" bar: 212 bars would be a page of their own. */
const MAX_RULE_BARS = 20
/** Rules whose example is drawn: as many as the per-rule chart has bars. */
const MAX_DRAWN_RULES = MAX_RULE_BARS
/** Pixels of a drawn molecule, before the page scales it to its column. */
const DRAWING_SIZE: DrawingSize = { width: 300, height: 220 }
/** Decisions listed in the table under the memory chart; the chart marks all of them. */
const MAX_DECISION_ROWS = 20

/** One colour per quantity wherever it appears: amber is the target and shrinking, red critical and pausing. */
const COLORS = {
  system: "#2563eb",
  rss: "#9333ea",
  target: "#d97706",
  critical: "#dc2626",
  shrink: "#d97706",
  pause: "#dc2626",
  relax: "#16a34a",
  rows: "#0f766e",
  interval: "#64748b",
  grew: "#ea580c",
  shrank: "#0891b2",
  generation: "#4f46e5",
  rule: "#0d9488",
  otherRules: "#94a3b8",
  workers: "#7c3aed",
  joined: "#16a34a",
  left: "#dc2626",
  refused: "#64748b"
} as const

/** How a runner's arrival, departure or refusal shows on the timelines. */
const runnerStyle: Record<ClusterReport["events"][number]["change"], { readonly name: string; readonly color: string }> = {
  joined: { name: "runner joined", color: COLORS.joined },
  left: { name: "runner left", color: COLORS.left },
  refused: { name: "runner refused", color: COLORS.refused }
}

const runnerMarkers = (s: ReportSummary, unit: TimeUnit): Array<EventMarker> =>
  (clusterOf(s)?.events ?? []).map((e) => ({
    x: e.seconds / unit.seconds,
    ...runnerStyle[e.change],
    title: `${duration(e.seconds)}: runner ${e.address} ${e.change} (${plural(e.workers, "worker")})`
  }))

/** How each governor decision shows: tightening, pausing, or giving back. */
const decisionStyle: Record<Reason, { readonly name: string; readonly color: string }> = {
  "above target": { name: "governor: shrink", color: COLORS.shrink },
  "critical: pause reader": { name: "governor: pause", color: COLORS.pause },
  "critical at the floor limits: continue one batch at a time": { name: "governor: pause", color: COLORS.pause },
  "back under target: resume reader": { name: "governor: resume / restore", color: COLORS.relax },
  "calm: restore a step": { name: "governor: resume / restore", color: COLORS.relax }
}

const changes = (event: ReportSummary["governor"]["decisions"][number]): string => {
  const change = (name: string, a: number, b: number) => (a === b ? [] : [`${name} ${count(a)} → ${count(b)}`])
  const parts = [
    ...change("in flight", event.from.inFlight, event.to.inFlight),
    ...change("flush interval", event.from.flushInterval, event.to.flushInterval),
    ...(event.from.paused === event.to.paused ? [] : [event.to.paused ? "reader paused" : "reader resumed"])
  ]
  return parts.length === 0 ? "no change" : parts.join(", ")
}

/** One time unit for every chart, picked so that the axis reads in small round numbers. */
interface TimeUnit {
  readonly seconds: number
  readonly label: string
}
const timeUnitFor = (longest: number): TimeUnit =>
  // Up to three of a unit still reads better in the smaller one: "150 s" rather than "2.5 min".
  longest >= 3 * 3600 ? { seconds: 3600, label: "h" } : longest >= 3 * 60 ? { seconds: 60, label: "min" } : { seconds: 1, label: "s" }

const timeAxis = (unit: TimeUnit): Axis => ({ label: `time since start (${unit.label})`, format: (v: number) => String(v), min: 0 })

/**
 * Memory in two panels on one time axis, each line against its own scale: the system's (or cgroup's) share in use,
 * which the governor judges against the target and critical lines, and the process's RSS in MiB, which it does not.
 */
const memoryCharts = (s: ReportSummary, unit: TimeUnit): string => {
  const { memory } = s
  const events: Array<EventMarker> = s.governor.decisions.map((d) => ({
    x: d.seconds / unit.seconds,
    ...decisionStyle[d.reason],
    title: `${duration(d.seconds)}, memory ${fixed(d.systemPercent, 1)}%: ${d.reason} (${changes(d)})`
  }))
  events.push(...runnerMarkers(s, unit))
  const system = lineChart({
    id: "memory",
    title: `Memory in use: ${memory.source} memory, with the governor's decisions${clusterOf(s) === undefined ? "" : " and the runners coming and going"}`,
    width: FULL_WIDTH,
    height: MEMORY_HEIGHT,
    x: timeAxis(unit),
    y: { label: `${memory.source} memory in use (%)`, format: (v) => `${v}%`, min: 0, max: 100 },
    series: [{ name: `${memory.source} memory %`, color: COLORS.system, points: memory.timeline.map((p) => ({ x: p.seconds / unit.seconds, y: p.systemPercent })) }],
    references: [
      { y: memory.targetPercent, label: `target ${memory.targetPercent}%`, color: COLORS.target },
      { y: memory.criticalPercent, label: `critical ${memory.criticalPercent}%`, color: COLORS.critical }
    ],
    events
  })
  const rss = lineChart({
    id: "rss",
    title: "Process memory: this process's resident set (RSS), in MiB; the target and critical lines do not apply to it",
    width: FULL_WIDTH,
    height: RSS_HEIGHT,
    x: timeAxis(unit),
    y: { label: "RSS (MiB)", format: (v) => count(v), min: 0 },
    series: [{ name: "process RSS", color: COLORS.rss, points: memory.timeline.map((p) => ({ x: p.seconds / unit.seconds, y: p.rssBytes / MIB })) }]
  })
  return system + rss
}

/**
 * Rows written so far at each recorded row group. Past `timelinePoints` row groups the log is thinned evenly, so the
 * recorded rows are scaled up to the rows actually written: the curve keeps its shape and ends at the true total. A
 * resumed run's log holds this session only, whose total the summary does not give; it is left unscaled.
 */
const cumulativeRows = (s: ReportSummary): { readonly points: ReadonlyArray<{ x: number; y: number }>; readonly scaled: boolean } => {
  const recorded = s.memory.flushes.reduce((sum, f) => sum + f.rows, 0)
  const scaled = !s.resumed && s.memory.flushes.length < s.writer.flushes && recorded > 0
  const factor = scaled ? s.writer.rows / recorded : 1
  let total = 0
  const points = s.memory.flushes.map((f) => {
    total += f.rows
    return { x: f.seconds, y: total * factor }
  })
  return { points: points.length === 0 ? [] : [{ x: 0, y: 0 }, ...points], scaled }
}

const throughputChart = (s: ReportSummary, unit: TimeUnit): { readonly svg: string; readonly note: string } => {
  const { points, scaled } = cumulativeRows(s)
  const last = points.at(-1)
  const rate = last !== undefined && last.x > 0 ? last.y / last.x : undefined
  const svg = lineChart({
    id: "throughput",
    title: "Throughput: cumulative rows written vs time",
    width: HALF_WIDTH,
    height: CHART_HEIGHT,
    x: timeAxis(unit),
    y: { label: "rows written", format: count, min: 0 },
    series: [{ name: "rows written (cumulative, at each row group)", color: COLORS.rows, points: points.map((p) => ({ x: p.x / unit.seconds, y: p.y })) }]
  })
  const notes = [
    ...(rate === undefined ? [] : [`${fixed(rate, 1)} rows/s on average, ${fixed(s.productsPerSecond, 1)} products/s over the whole run.`]),
    ...(scaled ? [`${count(s.memory.flushes.length)} of ${count(s.writer.flushes)} row groups recorded (thinned evenly); the curve is scaled to the ${count(s.writer.rows)} rows written.`] : []),
    ...(s.resumed ? ["A resumed run: this session's row groups only."] : [])
  ]
  return { svg, note: notes.join(" ") }
}

const flushSizesChart = (s: ReportSummary, unit: TimeUnit): string => {
  const { flushes, timeline } = s.memory
  // The governor's timeline shows the interval between flushes too; without readings, the flushes' own record it.
  const interval = timeline.length > 0
    ? timeline.map((p) => ({ x: p.seconds / unit.seconds, y: p.flushInterval }))
    : flushes.map((f) => ({ x: f.seconds / unit.seconds, y: f.flushInterval }))
  return lineChart({
    id: "flush-sizes",
    title: "Flush sizes: rows per row group",
    width: HALF_WIDTH,
    height: CHART_HEIGHT,
    x: timeAxis(unit),
    y: { label: "rows", format: count, min: 0 },
    series: [
      { name: "flush interval in force", color: COLORS.interval, shape: "step", points: interval },
      {
        name: "row group",
        color: COLORS.rows,
        shape: "dots",
        points: flushes.map((f) => ({
          x: f.seconds / unit.seconds,
          y: f.rows,
          title: `${duration(f.seconds)}: ${count(f.rows)} rows (interval ${count(f.flushInterval)})`
        }))
      }
    ]
  })
}

const signedMib = (mib: number): string => `${mib > 0 ? "+" : ""}${fixed(mib, 1)}`

const flushMemoryChart = (s: ReportSummary): string =>
  barChart({
    id: "flush-memory",
    title: "Memory change per flush: RSS after − before the write",
    width: HALF_WIDTH,
    height: CHART_HEIGHT,
    xLabel: "row group, in the order written",
    y: { label: "RSS change (MiB)", format: signedMib },
    color: COLORS.grew,
    bars: s.memory.flushes.map((f, i): Bar => {
      const mib = (f.rssAfter - f.rssBefore) / MIB
      return {
        label: String(i + 1),
        value: mib,
        color: mib < 0 ? COLORS.shrank : COLORS.grew,
        title: `row group ${i + 1} at ${duration(f.seconds)}: ${signedMib(mib)} MiB (${count(f.rows)} rows)`
      }
    })
  })

const generationsChart = (s: ReportSummary): string =>
  barChart({
    id: "generations",
    title: "Products per generation",
    width: HALF_WIDTH,
    height: CHART_HEIGHT,
    xLabel: "generation",
    y: { label: "new products", format: count, min: 0 },
    color: COLORS.generation,
    bars: Object.entries(s.products.byGeneration).map(([generation, n]) => ({ label: generation, value: n }))
  })

const rulesChart = (s: ReportSummary): string =>
  countsPerRuleChart("rules", "Products per rule (credited to the rule that first reached each product)", s.products.byRule)

/** The reaction network's edges per rule (`--reactions`): every distinct reactant and product it joined. */
const edgesChart = (s: ReportSummary): string =>
  s.reactions === undefined ? "" : figure(countsPerRuleChart("edges", "Reaction edges per rule", s.reactions.byRule))

const countsPerRuleChart = (id: string, title: string, byRule: Readonly<Record<string, number>> | undefined): string => {
  if (byRule === undefined) return messageChart(id, title, FULL_WIDTH, MESSAGE_HEIGHT, "not recorded in this summary.json")
  const ranked = Object.entries(byRule).sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
  const shown = ranked.slice(0, MAX_RULE_BARS)
  const rest = ranked.slice(MAX_RULE_BARS)
  const bars: Array<Bar> = [
    ...shown.map(([rule, n]) => ({ label: rule, value: n })),
    ...(rest.length === 0
      ? []
      : [{ label: `${rest.length} other rules`, value: rest.reduce((sum, [, n]) => sum + n, 0), color: COLORS.otherRules }])
  ]
  return rankedBarChart({ id, title, width: FULL_WIDTH, bars, format: count, color: COLORS.rule })
}

/** The rules whose example is drawn, those with the most products first, and how many more have one. */
const drawnRules = (s: ReportSummary): { readonly shown: ReadonlyArray<string>; readonly more: number } => {
  const byRule = s.products.byRule ?? {}
  const ranked = Object.keys(s.products.examples ?? {}).sort((a, b) => (byRule[b] ?? 0) - (byRule[a] ?? 0) || a.localeCompare(b))
  return { shown: ranked.slice(0, MAX_DRAWN_RULES), more: Math.max(0, ranked.length - MAX_DRAWN_RULES) }
}

/**
 * Each rule's first product drawn beside its parent, for the rules with the most products: a page with a drawing
 * pair per rule of a 1,224-rule set would be tens of MB, so past `MAX_DRAWN_RULES` the rest are only counted.
 */
const examplesSection = (s: ReportSummary, drawings: Drawings): string => {
  const examples = s.products.examples ?? {}
  const byRule = s.products.byRule ?? {}
  const { shown, more } = drawnRules(s)
  if (shown.length === 0) return ""
  const picture = (smiles: string, role: string) => {
    const svg = drawings.get(smiles)
    return `<figure class="molecule">${svg ?? `<p class="note">not drawn</p>`}<figcaption><b>${role}</b> <code>${escapeXml(smiles)}</code></figcaption></figure>`
  }
  const cards = shown.map((rule) => {
    const example = examples[rule]!
    return `<div class="example" data-rule="${escapeXml(rule)}"><h3>${escapeXml(rule)} · ${plural(byRule[rule] ?? 0, "product")}</h3>` +
      `<div class="pair">${picture(example.parent, "parent")}<span class="arrow">→</span>${picture(example.product, "product")}</div></div>`
  })
  return `<section class="card"><h2>What each rule made</h2><p class="note">For each rule with products, the first product it made, beside its parent (drawn by RDKit).${more > 0 ? ` The ${count(shown.length)} rules with the most products are drawn; ${count(more)} more made products.` : ""}</p>
<div class="examples">${cards.join("")}</div></section>`
}

/** The workers of the live, accepted runners over the run, from the runners' arrivals, departures and refusals. */
const runnersChart = (cluster: ClusterReport, s: ReportSummary, unit: TimeUnit): string => {
  const alive = new Map<string, number>()
  const points = [{ x: 0, y: 0 }]
  for (const e of cluster.events) {
    if (e.change === "joined") alive.set(e.address, e.workers)
    else alive.delete(e.address)
    points.push({ x: e.seconds / unit.seconds, y: [...alive.values()].reduce((a, b) => a + b, 0) })
  }
  points.push({ x: s.elapsedSeconds / unit.seconds, y: points.at(-1)!.y })
  return lineChart({
    id: "runners",
    title: "Cluster: workers of the runners taking batches",
    width: FULL_WIDTH,
    height: CHART_HEIGHT,
    x: timeAxis(unit),
    y: { label: "workers", format: count, min: 0 },
    series: [{ name: "workers", color: COLORS.workers, shape: "step", points }],
    events: runnerMarkers(s, unit)
  })
}

const runnerStatus = (cluster: ClusterReport, runner: ClusterReport["runners"][number]): string => {
  if (runner.refused !== undefined) return `refused: ${runner.refused}`
  const last = cluster.events.filter((e) => e.address === runner.address).at(-1)
  return last?.change === "left" ? `left at ${duration(last.seconds)}` : "to the end"
}

const clusterSection = (s: ReportSummary, unit: TimeUnit): string => {
  const cluster = clusterOf(s)
  if (cluster === undefined) return ""
  const rows = cluster.runners.map((r) =>
    row([
      td(escapeXml(r.address)),
      td(count(r.workers), "num"),
      td(count(r.batches), "num"),
      td(count(r.molecules), "num"),
      td(fixed(r.molPerSecond, 1), "num"),
      td(count(r.resent), "num"),
      td(escapeXml(runnerStatus(cluster, r)))
    ])
  )
  return `<section class="card"><h2>Cluster</h2>
<p>Database ${escapeXml(cluster.cluster)} · RDKit ${escapeXml(cluster.rdkit)} · at most ${plural(cluster.workers, "worker")} at once · ${plural(cluster.resentBatches, "batch", "batches")} sent again after a runner was lost</p>
<table><tr><th>runner</th><th>workers</th><th>batches</th><th>molecules</th><th>mol/s while busy</th><th>batches sent again</th><th>taking batches</th></tr>${rows.join("")}</table>
${runnersChart(cluster, s, unit)}
<p class="note">Batches a runner had when it was lost are sent again to the others; each chunk of products is taken once, so none is lost or doubled. Canonicalizing the inputs counts as a batch of molecules too.</p></section>`
}

// ---------------------------------------------------------------------------------------------------------------
// The page

const STYLE = `
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --page: #f5f7fa; --card: #fff;
  --pass: #15803d; --pass-bg: #dcfce7; --warn: #a16207; --warn-bg: #fef9c3; --fail: #b91c1c; --fail-bg: #fee2e2; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 16px; margin: 0 0 10px; }
h2.below-chart { margin-top: 14px; }
h3 { font-size: 13px; margin: 0 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.where { color: var(--muted); margin: 0 0 16px; word-break: break-all; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin: 0 0 16px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 0 16px; }
.top { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 0 16px; }
@media (max-width: 900px) { .top { grid-template-columns: 1fr; } }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 0 0 16px; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.tile b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
.tile span { color: var(--muted); font-size: 12px; }
svg { display: block; width: 100%; height: auto; }
figure { margin: 0; }
.note { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.num { text-align: right; white-space: nowrap; }
.verdict { display: inline-block; min-width: 48px; text-align: center; font-weight: 700; font-size: 12px; border-radius: 4px; padding: 1px 6px; }
.PASS { color: var(--pass); background: var(--pass-bg); }
.WARN { color: var(--warn); background: var(--warn-bg); }
.FAIL { color: var(--fail); background: var(--fail-bg); }
.counts { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px 32px; }
.counts td:first-child, .settings td:nth-child(odd) { color: var(--muted); }
.settings td { font-size: 12px; word-break: break-all; }
.issues { margin: 0; padding: 0; list-style: none; }
.issues li { padding: 4px 0; border-bottom: 1px solid var(--line); }
footer { color: var(--muted); font-size: 12px; text-align: center; }
.examples { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 12px 24px; }
.example h3 { text-transform: none; letter-spacing: 0; color: var(--ink); font-size: 13px; }
.pair { display: grid; grid-template-columns: 1fr auto 1fr; align-items: center; gap: 8px; }
.arrow { font-size: 22px; color: var(--muted); }
figure.molecule { margin: 0; }
figure.molecule figcaption { font-size: 11px; color: var(--muted); word-break: break-all; }
`

const row = (cells: ReadonlyArray<string>): string => `<tr>${cells.join("")}</tr>`
const td = (content: string, className?: string): string =>
  `<td${className === undefined ? "" : ` class="${className}"`}>${content}</td>`

/** A small two-column table of already-formatted values under a heading. */
const countTable = (heading: string, rows: ReadonlyArray<readonly [string, string]>): string =>
  `<div><h3>${escapeXml(heading)}</h3><table>${rows.map(([k, v]) => row([td(escapeXml(k)), td(escapeXml(v), "num")])).join("")}</table></div>`

const tile = (value: string, label: string): string =>
  `<div class="tile"><b>${escapeXml(value)}</b><span>${escapeXml(label)}</span></div>`

const figure = (svg: string, note = ""): string =>
  `<figure class="card">${svg}${note === "" ? "" : `<p class="note">${escapeXml(note)}</p>`}</figure>`

/** Settings go in this many key/value pairs per row: the settings are many and short. */
const SETTINGS_PER_ROW = 3

const settingsTable = (settings: ReportSummary["settings"]): string => {
  const entries = Object.entries(settings)
  const rows: Array<string> = []
  for (let i = 0; i < entries.length; i += SETTINGS_PER_ROW) {
    rows.push(row(entries.slice(i, i + SETTINGS_PER_ROW).flatMap(([k, v]) => [td(escapeXml(k)), td(escapeXml(settingValue(v)))])))
  }
  return `<table class="settings">${rows.join("")}</table>`
}

/** A relative link, so the report still finds the file when the folder is moved, zipped or served. */
const relativeHref = (files: ReportSummary["files"], file: string): string =>
  relativeToRun(files, file).split(path.sep).map(encodeURIComponent).join("/")

const decisionsTable = (s: ReportSummary): string => {
  const decisions = s.governor.decisions
  if (decisions.length === 0) return `<p class="note">The governor made no decisions: memory stayed calm, the limits stayed as set.</p>`
  const rows = decisions.slice(0, MAX_DECISION_ROWS).map((d) =>
    row([td(escapeXml(duration(d.seconds)), "num"), td(`${fixed(d.systemPercent, 1)}%`, "num"), td(escapeXml(d.reason)), td(escapeXml(changes(d)))])
  )
  const more = decisions.length - rows.length
  return `<table><tr><th>time</th><th>memory</th><th>decision</th><th>change</th></tr>${rows.join("")}</table>` +
    (more > 0 ? `<p class="note">…and ${count(more)} more; every decision is marked on the chart and listed in summary.json.</p>` : "")
}

const issuesList = (s: ReportSummary): string => {
  const quarantine = `<a href="${escapeXml(relativeHref(s.files, s.files.quarantine))}">${escapeXml(relativeToRun(s.files, s.files.quarantine))}</a>`
  const item = (verdict: Verdict | undefined, content: string) =>
    `<li>${verdict === undefined ? "" : `<span class="verdict ${verdict}">${verdict}</span> `}${content}</li>`
  return `<ul class="issues">${[
    item(s.governor.warnings > 0 ? "WARN" : undefined,
      `${plural(s.governor.warnings, "critical memory reading")} (at or above ${s.memory.criticalPercent}%) of ${plural(s.governor.polls, "poll")}`),
    item(s.moleculeFailures > 0 ? "WARN" : undefined,
      `${plural(s.moleculeFailures, "molecule failure")} (RDKit threw or the molecule timed out; quarantined)`),
    item(s.inputs.invalid > 0 ? "WARN" : undefined, `${plural(s.inputs.invalid, "invalid input")}, listed with the reason in ${quarantine}`),
    item(undefined, `${plural(s.invalidCandidates, "invalid candidate")} (products RDKit could not sanitize; dropped)`),
    item(undefined, `${fixed(s.dedup.estimatedFalsePositives, 2)} products estimated lost to ${s.dedup.mode} deduplication false positives`)
  ].join("")}</ul>`
}

const countsSection = (s: ReportSummary): string => {
  const generations = Object.entries(s.products.byGeneration).map(([g, n]): readonly [string, string] => [`generation ${g}`, count(n)])
  return `<div class="counts">${[
    countTable("Inputs", [["read", count(s.inputs.read)], ["valid", count(s.inputs.valid)], ["invalid", count(s.inputs.invalid)], ["duplicate", count(s.inputs.duplicate)]]),
    countTable("Products", [["candidates", count(s.candidates)], ["invalid candidates", count(s.invalidCandidates)], ["products", count(s.products.total)], ...generations]),
    ...(s.reactions === undefined
      ? []
      : [countTable("Reaction network", [
        ["edges", count(s.reactions.edges)],
        ...Object.entries(s.reactions.byGeneration).map(([g, n]): readonly [string, string] => [`generation ${g}`, count(n)]),
        ["size", bytes(s.reactions.bytes)]
      ])]),
    ...(s.filtered === undefined
      ? []
      : [countTable("Filtered", [
        ["filters", s.filtered.filters],
        ["molecules", count(s.filtered.total)],
        ...Object.entries(s.filtered.byFilter).map(([filter, f]): readonly [string, string] => [filter, count(f.total)])
      ])]),
    countTable("Deduplication", [["mode", s.dedup.mode], ["keys", count(s.dedup.keys)], ["memory", bytes(s.dedup.bytes)], ["bytes per key", fixed(s.dedup.bytesPerKey, 1)], ["estimated false positives", fixed(s.dedup.estimatedFalsePositives, 2)]]),
    countTable("Writer", [["kind", s.writer.kind], ["row groups (flushes)", count(s.writer.flushes)], ["flush interval", `${count(s.writer.flushInterval)} rows`], ["largest buffer", `${count(s.writer.maxBufferRows)} rows`], ["rows", count(s.writer.rows)], ["size", bytes(s.writer.bytes)]]),
    countTable("Speed and memory", [["elapsed", duration(s.elapsedSeconds)], ["molecules per second", fixed(s.molPerSecond, 1)], ["products per second", fixed(s.productsPerSecond, 1)], ["workers", count(s.workers)], ["peak RSS", bytes(s.peakRssBytes)], ["peak memory", `${fixed(s.memory.peak.systemPercent, 1)}%`]]),
    countTable("Checkpoints", [["written", count(s.checkpoints.count)], ["longest gap", duration(s.checkpoints.maxGapSeconds)], ["longest drain", duration(s.checkpoints.maxDrainSeconds)], ["resumed", s.resumed ? "yes" : "no"]])
  ].join("")}</div>`
}

/** The report page for a summary; `parts` is `checkParts` of the same run. Pure: same inputs, same bytes. */
export const renderReport = (
  s: ReportSummary,
  options: { readonly outputDir: string; readonly parts: PartsCheck; readonly drawings?: Drawings | undefined }
): string => {
  const longest = Math.max(s.elapsedSeconds, ...s.memory.timeline.map((p) => p.seconds), ...s.memory.flushes.map((f) => f.seconds))
  const unit = timeUnitFor(longest)
  const checks = scorecard(s, options.parts)
  const passed = checks.filter((c) => c.verdict === "PASS").length
  const throughput = throughputChart(s, unit)
  const generations = Object.keys(s.products.byGeneration).length
  const where = [
    path.resolve(options.outputDir),
    `rules ${s.settings.ruleSource}`,
    plural(generations, "generation"),
    plural(s.workers, "worker"),
    // Older summaries (before engines were named) lack it.
    ...(s.engine?.rdkit === undefined ? [] : [`RDKit ${s.engine.rdkit}`]),
    ...(clusterOf(s) === undefined ? [] : [`on ${plural(clusterOf(s)!.runners.filter((r) => r.refused === undefined).length, "runner")}`]),
    ...(s.resumed ? ["resumed"] : [])
  ].join(" · ")
  const scoreRows = checks.map((c) => row([td(`<span class="verdict ${c.verdict}">${c.verdict}</span>`), td(escapeXml(c.promise)), td(escapeXml(c.measured))]))
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>molexpand run report: ${escapeXml(path.basename(path.resolve(options.outputDir)))}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>molexpand run report</h1>
<p class="where">${escapeXml(where)}</p>
<div class="tiles">${[
    tile(count(s.products.total), "products"),
    tile(count(s.inputs.valid), `valid inputs (${count(s.inputs.read)} read)`),
    tile(duration(s.elapsedSeconds), "elapsed"),
    tile(fixed(s.molPerSecond, 1), "molecules per second"),
    tile(bytes(s.peakRssBytes), "peak RSS"),
    tile(`${passed} of ${checks.length}`, "promises kept")
  ].join("")}</div>
<div class="top">
<section class="card"><h2>Promises</h2><table class="scorecard"><tr><th>result</th><th>promise</th><th>measured</th></tr>${scoreRows.join("")}</table>
<p class="note">A molecule failure counts as WARN, not FAIL: the molecule is quarantined and the rest of the output is complete.</p></section>
<section class="card"><h2>Warnings and errors</h2>${issuesList(s)}</section>
</div>
<section class="card">${memoryCharts(s, unit)}
<p class="note">Source: ${escapeXml(s.memory.source)} memory, polled every ${count(s.governor.settings.pollMs)} ms (${plural(s.governor.polls, "poll")}). Dots on the time axis are the governor's decisions; hover one for its reason.</p>
<h2 class="below-chart">Governor decisions</h2>${decisionsTable(s)}</section>
<div class="grid">
${figure(throughput.svg, throughput.note)}
${figure(flushSizesChart(s, unit), "Each dot is one row group; the grey step is the flush interval the governor had in force.")}
${figure(flushMemoryChart(s), "Orange: RSS grew during the write; blue: it shrank.")}
${figure(generationsChart(s))}
</div>
${figure(rulesChart(s))}
${edgesChart(s)}
${examplesSection(s, options.drawings ?? new Map())}
${clusterSection(s, unit)}
<section class="card"><h2>Counts</h2>${countsSection(s)}</section>
<section class="card"><h2>Settings</h2>${settingsTable(s.settings)}</section>
<footer>Made from ${escapeXml(relativeToRun(s.files, s.files.summary))} (summary version ${s.version}). Hover the charts' dots and bars for details.</footer>
</main>
</body>
</html>
`
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the summary, writing the page

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null

/** The sections the report reads, each with what it must be; a summary lacking one is not one the report can show. */
const requiredSections: ReadonlyArray<readonly [string, (value: unknown) => boolean]> = [
  ["settings", isObject],
  ["inputs", isObject],
  ["products.byGeneration", isObject],
  ["dedup", isObject],
  ["writer", isObject],
  ["memory.timeline", Array.isArray],
  ["memory.flushes", Array.isArray],
  ["memory.peak", isObject],
  ["governor.decisions", Array.isArray],
  ["governor.settings", isObject],
  ["queues.capacity", isObject],
  ["queues.maxDepth", isObject],
  ["files.parts", Array.isArray],
  ["checkpoints", isObject]
]

const at = (value: unknown, dotted: string): unknown =>
  dotted.split(".").reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), value)

/** Checks the shape the report relies on (not every number): the summary is molexpand's own output. */
const parseSummary = (file: string, text: string): Effect.Effect<ReportSummary, ReportError> =>
  Effect.gen(function*() {
    const value = yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: (error) => new ReportError({ path: file, reason: `not JSON (${describeCause(error)})` })
    })
    if (!isObject(value) || value["version"] !== 1) {
      return yield* new ReportError({ path: file, reason: "not a molexpand summary of version 1" })
    }
    const missing = requiredSections.filter(([key, valid]) => !valid(at(value, key))).map(([key]) => key)
    if (missing.length > 0) return yield* new ReportError({ path: file, reason: `missing or malformed: ${missing.join(", ")}` })
    return value as unknown as ReportSummary
  })


/** Drawings by the RDKit the run used, so that a report written again is the run's own report. */
const drawLikeTheRun = (s: ReportSummary) => (smiles: ReadonlyArray<string>, size: DrawingSize) =>
  depict(smiles, size, s.engine?.rdkit?.endsWith("(native)") === true ? "native" : "wasm")

/** The molecules the examples section draws: parent and product of each drawn rule's example. */
export const examplesToDraw = (s: ReportSummary): ReadonlyArray<string> =>
  drawnRules(s).shown.flatMap((rule) => [s.products.examples![rule]!.parent, s.products.examples![rule]!.product])

/**
 * Reads `summary.json` in `outputDir`, checks the parts, draws the rules' examples (with `draw`: a run's engine, or
 * a thread of its own), and writes `report.html` next to it: to a hidden temporary
 * file first, renamed over the old report, so a reader never sees half a page. Returns the report's path.
 */
export const writeReport = (
  outputDir: string,
  draw?: (smiles: ReadonlyArray<string>, size: DrawingSize) => Effect.Effect<Drawings>
): Effect.Effect<string, ReportError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fileSystem = yield* FileSystem.FileSystem
    const summaryPath = path.join(outputDir, summaryFileName)
    const text = yield* fileSystem.readFileString(summaryPath).pipe(
      Effect.mapError((error) => new ReportError({ path: summaryPath, reason: `could not read it (${describeCause(error)})` }))
    )
    const summary = yield* parseSummary(summaryPath, text)
    const parts = yield* Effect.sync(() => checkParts(summary, outputDir))
    const drawings = yield* (draw ?? drawLikeTheRun(summary))(examplesToDraw(summary), DRAWING_SIZE)
    const html = renderReport(summary, { outputDir, parts, drawings })
    const target = path.join(outputDir, reportFileName)
    yield* replaceFile(target, html).pipe(
      Effect.mapError((error) => new ReportError({ path: target, reason: `could not write it (${describeCause(error.cause)})` }))
    )
    return target
  })
