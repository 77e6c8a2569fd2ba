import { assert, describe, it } from "@effect/vitest"
import { makeCliReporter } from "../../src/progress/cliReporter.js"
import type { ProgressSnapshot, RunEvent } from "../../src/progress/events.js"
import { etaSeconds, formatDuration, formatProgress } from "../../src/progress/render.js"

const snapshot: ProgressSnapshot = {
  generation: 1,
  generations: 2,
  done: 1_234,
  total: 3_117,
  molPerSecond: 45.21,
  products: 12_345,
  systemPercent: 41.04,
  targetPercent: 60,
  inFlight: 2,
  paused: false,
  waiting: undefined,
  etaSeconds: 41.6
}

const collect = () => {
  const out: Array<string> = []
  const err: Array<string> = []
  return { out, err, streams: (isTTY: boolean) => ({ stdout: { write: (t: string) => out.push(t) }, stderr: { isTTY, write: (t: string) => err.push(t) } }) }
}

describe("progress rendering", () => {
  it.each([[0, "0:00"], [41.6, "0:42"], [3_599, "59:59"], [3_600, "1:00:00"], [73_512, "20:25:12"]])("formats %s s as %s", (s, text) => {
    assert.strictEqual(formatDuration(s), text)
  })

  it("estimates the time left only when total and rate are known", () => {
    assert.strictEqual(etaSeconds(100, 300, 50), 4)
    assert.isUndefined(etaSeconds(100, undefined, 50))
    assert.isUndefined(etaSeconds(100, 300, 0))
    assert.strictEqual(etaSeconds(400, 300, 50), 0)
  })

  it("shows generation, molecules, rate, products, memory against target, batches in flight and ETA", () => {
    assert.strictEqual(
      formatProgress(snapshot),
      "generation 1/2  1,234/3,117 mol  45.2 mol/s  12,345 products  memory 41.0%/60%  2 in flight  ETA 0:42"
    )
    assert.include(formatProgress({ ...snapshot, total: undefined, paused: true, etaSeconds: undefined }), "1,234/? mol")
    assert.include(formatProgress({ ...snapshot, paused: true }), "reader paused")
  })

  it("on a terminal redraws one line and prints decisions above it", () => {
    const { err, streams } = collect()
    const reporter = makeCliReporter({ format: "text", quiet: false, progressSeconds: 10 }, streams(true))
    reporter.onEvent({ type: "progress", seconds: 1, ...snapshot })
    reporter.onEvent({ type: "warning", seconds: 2, message: "memory high" })
    reporter.onEvent({ type: "end", seconds: 3, outcome: "complete", summary: undefined })
    assert.isBelow(reporter.progressMs!, 1_000)
    assert.strictEqual(err[0], "\r\u001b[K" + "molexpand: " + formatProgress(snapshot))
    assert.match(err[1]!, /^\r\u001b\[Kmolexpand: warning: memory high\n/)
    assert.strictEqual(err.at(-1), "\r\u001b[K")
  })

  it("off a terminal prints plain lines every --progress-seconds", () => {
    const { err, streams } = collect()
    const reporter = makeCliReporter({ format: "text", quiet: false, progressSeconds: 7 }, streams(false))
    reporter.onEvent({ type: "progress", seconds: 1, ...snapshot })
    assert.strictEqual(reporter.progressMs, 7_000)
    assert.deepStrictEqual(err, [`molexpand: ${formatProgress(snapshot)}\n`])
  })

  it("in JSON writes every event as one line on stdout, and with --quiet only the end", () => {
    const events: Array<RunEvent> = [
      { type: "progress", seconds: 1, ...snapshot },
      { type: "end", seconds: 2, outcome: "complete", summary: undefined }
    ]
    const all = collect()
    const json = makeCliReporter({ format: "json", quiet: false, progressSeconds: 10 }, all.streams(false))
    events.forEach(json.onEvent)
    assert.deepStrictEqual(all.out.map((line) => JSON.parse(line).type), ["progress", "end"])
    assert.isFalse(json.printSummary)
    const quiet = collect()
    const q = makeCliReporter({ format: "json", quiet: true, progressSeconds: 10 }, quiet.streams(false))
    events.forEach(q.onEvent)
    assert.deepStrictEqual(quiet.out.map((line) => JSON.parse(line).type), ["end"])
    assert.isUndefined(q.progressMs)
  })
})
