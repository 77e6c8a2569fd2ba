/**
 * The run report: the SVG helpers (escaping, scales, empty and degenerate series), `renderReport` on hand-built
 * summaries, `checkParts` and `writeReport` on disk, and the page itself in headless Chromium with JavaScript off.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, Exit } from "effect"
import { chromium } from "playwright-core"
import { assert, describe, it } from "vitest"
import { checkParts, type PartsCheck, renderReport, type ReportSummary, scorecard, writeReport } from "../../src/report/report.js"
import { barChart, escapeXml, lineChart, linearScale, messageChart, niceDomain, rankedBarChart } from "../../src/report/svg.js"
import { busyRun, calmRun, clusterRun, wholePart, writeRunFolder } from "./fixtures.js"

const reportIn = (folder: string) => writeReport(folder).pipe(Effect.provide(NodeFileSystem.layer))

const CHARTS = ["memory", "rss", "throughput", "flush-sizes", "flush-memory", "generations", "rules"] as const
const CHROMIUM = "/usr/bin/chromium"

const tempFolder = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), `molexpand-report-${prefix}-`))
const allWhole = (summary: ReportSummary): PartsCheck => ({ listed: summary.files.parts.length, readable: summary.files.parts.length, problems: [] })
const occurrences = (text: string, needle: string): number => text.split(needle).length - 1
const axis = { label: "value", format: String }

describe("svg helpers", () => {
  it("escapes the five XML specials in text and attributes", () => {
    assert.strictEqual(escapeXml(`<a href="x">Tom & 'Jerry'</a>`), "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
    const svg = lineChart({
      id: "x\"><script>",
      title: "<script>alert(1)</script>",
      width: 400,
      height: 200,
      x: axis,
      y: axis,
      series: [{ name: "a & <b>", color: "#000", points: [{ x: 0, y: 1 }, { x: 1, y: 2 }] }],
      events: [{ x: 0.5, name: "ev", title: "reason <&>", color: "#f00" }]
    })
    assert.notInclude(svg, "<script")
    assert.include(svg, "&lt;script&gt;alert(1)&lt;/script&gt;")
    assert.include(svg, "a &amp; &lt;b&gt;")
    assert.include(svg, "reason &lt;&amp;&gt;")
  })

  it("picks round domains and ticks", () => {
    assert.deepStrictEqual(niceDomain(0, 97, 5), { min: 0, max: 100, ticks: [0, 20, 40, 60, 80, 100] })
    assert.deepStrictEqual(niceDomain(0.1, 0.3, 2).ticks, [0.1, 0.2, 0.3])
    const negative = niceDomain(-2.5, 7, 5)
    assert.isAtMost(negative.min, -2.5)
    assert.isAtLeast(negative.max, 7)
    assert.include(negative.ticks, 0)
  })

  it("widens degenerate domains without going negative or NaN", () => {
    const single = niceDomain(3, 3, 5)
    assert.isBelow(single.min, 3)
    assert.isAbove(single.max, 3)
    assert.isAtLeast(single.min, 0)
    assert.deepStrictEqual([niceDomain(0, 0, 5).min, niceDomain(0, 0, 5).max], [0, 1])
    const nothing = niceDomain(Number.NaN, Number.POSITIVE_INFINITY, 5)
    assert.deepStrictEqual([nothing.min, nothing.max], [0, 1])
  })

  it("maps a domain linearly, y axes upside down", () => {
    const scale = linearScale(niceDomain(0, 100, 5), 200, 0)
    assert.strictEqual(scale(0), 200)
    assert.strictEqual(scale(100), 0)
    assert.strictEqual(scale(25), 150)
  })

  it("draws empty or non-finite series as a 'no data' chart", () => {
    const charts = [
      lineChart({ id: "a", title: "t", width: 400, height: 200, x: axis, y: axis, series: [{ name: "s", color: "#000", points: [] }] }),
      lineChart({ id: "b", title: "t", width: 400, height: 200, x: axis, y: axis, series: [{ name: "s", color: "#000", points: [{ x: Number.NaN, y: 1 }] }] }),
      barChart({ id: "c", title: "t", width: 400, height: 200, bars: [], xLabel: "x", y: axis, color: "#000" }),
      rankedBarChart({ id: "d", title: "t", width: 400, bars: [], format: String, color: "#000" }),
      messageChart("e", "t", 400, 100, "no data")
    ]
    for (const svg of charts) {
      assert.include(svg, "no data")
      assert.notInclude(svg, "class=\"data")
      assert.notInclude(svg, "NaN")
      assert.notInclude(svg, "Infinity")
    }
  })

  it("drops non-finite points, draws a lone point as a dot and steps as H/V moves", () => {
    const svg = lineChart({
      id: "a",
      title: "t",
      width: 400,
      height: 200,
      x: axis,
      y: axis,
      series: [
        { name: "lone", color: "#000", points: [{ x: 1, y: Number.NaN }, { x: 2, y: 5 }] },
        { name: "step", color: "#000", shape: "step", points: [{ x: 0, y: 1 }, { x: 1, y: 2 }, { x: 3, y: 1 }] }
      ]
    })
    assert.notInclude(svg, "NaN")
    assert.strictEqual(occurrences(svg, "<circle class=\"data\""), 1)
    assert.match(svg, /<path class="data" d="M[\d.]+ [\d.]+H[\d.]+V[\d.]+H[\d.]+V[\d.]+"/)
  })

  it("draws negative columns from the zero line, and one marker per event", () => {
    const svg = barChart({
      id: "a",
      title: "t",
      width: 400,
      height: 200,
      xLabel: "x",
      y: axis,
      color: "#000",
      bars: [{ label: "up", value: 2 }, { label: "down", value: -1 }, { label: "bad", value: Number.NaN }]
    })
    const rects = [...svg.matchAll(/<rect class="data" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)].map((m) => m.slice(1).map(Number))
    assert.strictEqual(rects.length, 2)
    const [up, down] = rects
    // The first bar ends where the second starts: at zero.
    assert.strictEqual(up![1]! + up![3]!, down![1]!)
    const events = lineChart({
      id: "b",
      title: "t",
      width: 400,
      height: 200,
      x: axis,
      y: axis,
      series: [{ name: "s", color: "#000", points: [{ x: 0, y: 0 }, { x: 10, y: 1 }] }],
      events: [1, 2, 3].map((x) => ({ x, name: "e", title: `at ${x}`, color: "#f00" }))
    })
    assert.strictEqual(occurrences(events, "class=\"data event\""), 3)
  })

  it("sizes ranked bars by value and cuts labels too long for their column, keeping them whole in the tooltip", () => {
    const long = "a".repeat(200)
    const svg = rankedBarChart({ id: "r", title: "t", width: 600, format: String, color: "#000", bars: [{ label: "big", value: 10 }, { label: long, value: 5 }] })
    const widths = [...svg.matchAll(/<rect class="data"[^>]* width="([\d.]+)"/g)].map((m) => Number(m[1]))
    assert.strictEqual(widths.length, 2)
    assert.closeTo(widths[1]! / widths[0]!, 0.5, 0.01)
    assert.include(svg, "…")
    assert.include(svg, `<title>${long}: 5</title>`)
  })
})

describe("renderReport", () => {
  const calm = calmRun("/runs/calm")

  it("has every chart once, no NaN, and a relative link to the quarantine file", () => {
    const html = renderReport(calm, { outputDir: "/runs/calm", parts: allWhole(calm) })
    for (const chart of CHARTS) assert.strictEqual(occurrences(html, `data-chart="${chart}"`), 1, chart)
    assert.notInclude(html, "NaN")
    assert.notInclude(html, "<script")
    assert.notMatch(html, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, "no network reference but the SVG namespace")
    assert.include(html, `href="quarantine.tsv"`)
    assert.include(html, "acetylation &lt;&amp;&gt;")
    assert.include(html, "1,800")
  })

  it("is the same bytes for the same summary", () => {
    const parts = allWhole(calm)
    assert.strictEqual(renderReport(calm, { outputDir: "/runs/calm", parts }), renderReport(calmRun("/runs/calm"), { outputDir: "/runs/calm", parts }))
  })

  it("draws each rule's example, parent beside product, most products first, and says when one could not be drawn", () => {
    const drawings = new Map([["Oc1ccccc1", "<svg data-mol=\"phenol\"></svg>"], ["COc1ccccc1", "<svg data-mol=\"anisole\"></svg>"]])
    const html = renderReport(calm, { outputDir: "/runs/calm", parts: allWhole(calm), drawings })
    const rules = [...html.matchAll(/class="example" data-rule="([^"]+)"/g)].map((m) => m[1])
    assert.deepStrictEqual(rules, ["o_methylation", "o_sulfation", "o_glucuronidation", "acetylation &lt;&amp;&gt;"])
    assert.include(html, "o_methylation · 700 products")
    assert.match(html, /data-rule="o_methylation">[^]*data-mol="phenol"[^]*→[^]*data-mol="anisole"/)
    assert.include(html, "<code>O=S(=O)(O)Oc1ccc(O)cc1</code>")
    assert.strictEqual(occurrences(html, "not drawn"), 5)
  })

  it("has no examples section for a summary without examples", () => {
    const { examples: _, ...products } = calm.products
    const html = renderReport({ ...calm, products }, { outputDir: "/runs/calm", parts: allWhole(calm) })
    assert.notInclude(html, "What each rule made")
  })

  it("says per-rule counts were not recorded when the summary lacks them", () => {
    const { byRule: _, ...products } = calm.products
    const html = renderReport({ ...calm, products }, { outputDir: "/runs/calm", parts: allWhole(calm) })
    assert.match(html, /data-chart="rules"[^]*not recorded/)
  })

  it("renders a run with no readings, no flushes and no products without NaN", () => {
    const empty: ReportSummary = {
      ...calm,
      products: { total: 0, byGeneration: {}, byRule: {} },
      memory: { ...calm.memory, timeline: [], flushes: [] },
      governor: { ...calm.governor, polls: 0, decisions: [] },
      files: { ...calm.files, parts: [] },
      elapsedSeconds: 0
    }
    const html = renderReport(empty, { outputDir: "/runs/calm", parts: { listed: 0, readable: 0, problems: [] } })
    assert.notInclude(html, "NaN")
    assert.notInclude(html, "Infinity")
    assert.strictEqual(occurrences(html, "class=\"data"), 0)
    assert.strictEqual(occurrences(html, ">no data<"), CHARTS.length)
  })

  it("shows a cluster's runners, their batches and refusals, and marks their comings and goings on the timelines", () => {
    const cluster = clusterRun("/runs/cluster")
    const html = renderReport(cluster, { outputDir: "/runs/cluster", parts: allWhole(cluster) })
    assert.strictEqual(occurrences(html, `data-chart="runners"`), 1)
    for (const address of ["node-1:34431", "node-2:34431", "node-3:34431"]) assert.include(html, address)
    assert.include(html, "refused: runner node-3:34431 refused: it runs molexpand 0.0.0-other")
    assert.include(html, "left at 9.0 s")
    assert.include(html, "2 batches sent again")
    assert.include(html, "on 2 runners")
    assert.include(html, "runner node-2:34431 left (2 workers)")
    assert.notInclude(html, "NaN")
    // Every runner event is marked on the memory chart and on the runners chart.
    assert.strictEqual(occurrences(html, "runner node-3:34431 refused (4 workers)"), 2)
  })

  it("has no cluster section for a run on worker threads", () => {
    const html = renderReport(calm, { outputDir: "/runs/calm", parts: allWhole(calm) })
    assert.notInclude(html, `data-chart="runners"`)
    assert.notInclude(html, "<h2>Cluster</h2>")
  })

  it("keeps every promise on a calm run", () => {
    assert.deepStrictEqual(scorecard(calm, allWhole(calm)).map((c) => c.verdict), ["PASS", "PASS", "PASS", "PASS", "PASS"])
  })

  it("breaks the promises a busy run broke, with the numbers", () => {
    const busy = busyRun("/runs/busy")
    const parts: PartsCheck = { listed: 2, readable: 1, problems: [{ file: "products/part-00001.parquet", reason: "missing" }] }
    const checks = scorecard(busy, parts)
    assert.deepStrictEqual(checks.map((c) => c.verdict), ["FAIL", "FAIL", "WARN", "FAIL", "FAIL"])
    assert.include(checks[0]!.measured, "largest buffer 600 rows; flush interval 500 rows")
    assert.include(checks[1]!.measured, "peak 85.0%")
    assert.include(checks[2]!.measured, "2 molecules failed")
    assert.include(checks[3]!.measured, "dedup 17 / 16")
    assert.include(checks[4]!.measured, "1 of 2 parts whole; products/part-00001.parquet: missing")
    const html = renderReport(busy, { outputDir: "/runs/busy", parts })
    assert.strictEqual(occurrences(html, "class=\"data event\""), busy.governor.decisions.length)
    assert.include(html, "critical: pause reader")
  })

  it("gives an unmeasured memory promise a WARN, and a run with products but no parts a FAIL", () => {
    const checks = scorecard({ ...calm, governor: { ...calm.governor, polls: 0 } }, { listed: 0, readable: 0, problems: [] })
    assert.strictEqual(checks[1]!.verdict, "WARN")
    assert.strictEqual(checks[4]!.verdict, "FAIL")
  })
})

describe("checkParts and writeReport", () => {
  it("counts the parts that exist and are framed by PAR1, where the folder is now", () => {
    const folder = tempFolder("parts")
    // The summary names the folder the run wrote to; the folder has since moved here.
    const summary = calmRun("/somewhere/else")
    const products = path.join(folder, "products")
    fs.mkdirSync(products)
    fs.writeFileSync(path.join(products, "part-00000.parquet"), wholePart)
    fs.writeFileSync(path.join(products, "part-00001.parquet"), wholePart.subarray(0, wholePart.length - 2))
    fs.mkdirSync(path.join(folder, "reactions"))
    fs.writeFileSync(path.join(folder, "reactions", "part-00000.parquet"), wholePart)
    const listed = { ...summary.files, parts: [...summary.files.parts, "/somewhere/else/products/part-00002.parquet"] }
    const reactions = {
      edges: 0,
      byGeneration: {},
      byRule: {},
      path: "/somewhere/else/reactions",
      parts: ["/somewhere/else/reactions/part-00000.parquet", "/somewhere/else/reactions/part-00001.parquet"],
      bytes: 0
    }
    const check = checkParts({ files: listed, reactions }, folder)
    assert.strictEqual(check.listed, 5)
    assert.strictEqual(check.readable, 2)
    assert.deepStrictEqual(check.problems.map((p) => p.file), [
      path.join("products", "part-00001.parquet"),
      path.join("products", "part-00002.parquet"),
      path.join("reactions", "part-00001.parquet")
    ])
    assert.match(check.problems[0]!.reason, /PAR1/)
    assert.strictEqual(check.problems[1]!.reason, "missing")
  })

  it("writes report.html atomically and identically each time", async () => {
    const folder = tempFolder("write")
    writeRunFolder(calmRun(folder))
    const written = await Effect.runPromise(reportIn(folder))
    assert.strictEqual(written, path.join(folder, "report.html"))
    const first = fs.readFileSync(written, "utf8")
    await Effect.runPromise(reportIn(folder))
    assert.strictEqual(fs.readFileSync(written, "utf8"), first)
    assert.deepStrictEqual(fs.readdirSync(folder).filter((name) => name.endsWith(".tmp")), [])
    assert.include(first, "Every Parquet part is readable")
    assert.notInclude(first, `class="verdict FAIL"`)
  })

  it("fails with a ReportError naming the file when summary.json is missing or not a summary", async () => {
    const folder = tempFolder("bad")
    const missing = await Effect.runPromiseExit(reportIn(folder))
    assert.isTrue(Exit.isFailure(missing))
    const error = (await Effect.runPromise(Effect.flip(reportIn(folder))))
    assert.strictEqual(error._tag, "ReportError")
    assert.strictEqual(error.path, path.join(folder, "summary.json"))
    fs.writeFileSync(path.join(folder, "summary.json"), "{ not json")
    assert.match((await Effect.runPromise(Effect.flip(reportIn(folder)))).reason, /not JSON/)
    fs.writeFileSync(path.join(folder, "summary.json"), JSON.stringify({ version: 1, settings: {} }))
    assert.match((await Effect.runPromise(Effect.flip(reportIn(folder)))).reason, /missing or malformed: inputs/)
    assert.isFalse(fs.existsSync(path.join(folder, "report.html")))
  })
})

describe.skipIf(!fs.existsSync(CHROMIUM))(`report in headless Chromium (needs ${CHROMIUM}: apt-get install -y chromium)`, () => {
  /** Opens the report with JavaScript off (the page must not need it) and no network, returning what the test needs. */
  const open = async (summary: ReportSummary) => {
    writeRunFolder(summary)
    const folder = path.dirname(summary.files.summary)
    const report = await Effect.runPromise(reportIn(folder))
    const context = await chromium.launchPersistentContext(tempFolder("chromium-profile"), {
      executablePath: CHROMIUM,
      headless: true,
      javaScriptEnabled: false,
      viewport: { width: 1200, height: 900 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
    })
    const requests: Array<string> = []
    const errors: Array<string> = []
    const page = await context.newPage()
    page.on("request", (request) => requests.push(request.url()))
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text())
    })
    page.on("pageerror", (error) => errors.push(error.message))
    await page.goto(`file://${report}`)
    return { context, page, report, requests, errors }
  }

  it("draws every chart, shows PASS for a calm run, and saves a screenshot", async () => {
    const { context, page, report, requests } = await open(calmRun(tempFolder("browser")))
    try {
      for (const chart of CHARTS) {
        const drawn = await page.locator(`svg[data-chart="${chart}"] .data`).evaluateAll((elements) =>
          elements.filter((element) => {
            const box = element.getBoundingClientRect()
            return box.width > 0 && box.height > 0
          }).length
        )
        assert.isAtLeast(drawn, 1, `chart ${chart} draws something visible`)
      }
      const verdicts = await page.locator(".scorecard .verdict").allTextContents()
      assert.deepStrictEqual(verdicts, ["PASS", "PASS", "PASS", "PASS", "PASS"])
      assert.isTrue(requests.every((url) => url.startsWith("file://")), requests.join(", "))
      const screenshot = path.join(path.dirname(report), "report.png")
      await page.screenshot({ path: screenshot, fullPage: true })
      assert.isAbove(fs.statSync(screenshot).size, 0)
      console.log(`report screenshot: ${screenshot}`)
    } finally {
      await context.close()
    }
  })

  it("draws each rule's example with RDKit, and the page logs no error", async () => {
    const calm = calmRun(tempFolder("browser-structures"))
    const { context, page, errors } = await open(calm)
    try {
      const drawn = await page.locator(".example figure.molecule svg").evaluateAll((elements) =>
        elements.filter((element) => {
          const box = element.getBoundingClientRect()
          return box.width > 0 && box.height > 0 && element.querySelectorAll("path").length > 0
        }).length
      )
      assert.strictEqual(drawn, 2 * Object.keys(calm.products.examples ?? {}).length)
      assert.deepStrictEqual(errors, [])
    } finally {
      await context.close()
    }
  })

  it("draws a cluster's workers over time, with a marker for each runner joining, leaving or refused", async () => {
    const cluster = clusterRun(tempFolder("browser-cluster"))
    const { context, page } = await open(cluster)
    try {
      const steps = await page.locator(`svg[data-chart="runners"] .data`).count()
      assert.isAtLeast(steps, 1)
      const engine = cluster.engine!
      assert.strictEqual(await page.locator(`svg[data-chart="runners"] .event`).count(), engine.kind === "cluster" ? engine.events.length : -1)
      const rows = await page.locator("section.card h2:text-is('Cluster') + p + table tr").count()
      assert.strictEqual(rows, 1 + 3)
    } finally {
      await context.close()
    }
  })

  it("marks each governor decision on the memory chart of a busy run, with FAIL where promises broke", async () => {
    const busy = busyRun(tempFolder("browser-busy"))
    const { context, page } = await open(busy)
    try {
      const markers = await page.locator(`svg[data-chart="memory"] .event`).count()
      assert.strictEqual(markers, busy.governor.decisions.length)
      const tooltips = await page.locator(`svg[data-chart="memory"] g > title`).allTextContents()
      assert.isTrue(tooltips.some((title) => title.includes("critical: pause reader")), tooltips.join("\n"))
      const verdicts = await page.locator(".scorecard .verdict").allTextContents()
      assert.deepStrictEqual(verdicts, ["FAIL", "FAIL", "WARN", "FAIL", "PASS"])
    } finally {
      await context.close()
    }
  })
})
