/**
 * Chaos runs: the real pipeline on the NCI fixture with a scripted memory probe (`--memory-probe script:FILE`).
 * Each scenario must finish with the same product set as a run without pressure, never write a row group larger
 * than the flush interval in force, and never hold more messages in a queue than its capacity.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { assert, beforeAll, describe, it } from "vitest"
import { fixture, runCli, tempFolder } from "../support/cli.js"
import { readRunProducts, runRowGroupSizes } from "../support/products.js"

const pollMs = 20
const target = 60

/** Small batches and chunks so that products flow while the scripted readings change. */
const run = (name: string, readings: ReadonlyArray<number>, extra: ReadonlyArray<string> = []) => {
  const folder = tempFolder(`chaos-${name}`)
  const script = path.join(folder, "memory.json")
  fs.writeFileSync(script, JSON.stringify(readings))
  const output = path.join(folder, "out")
  const result = runCli([
    "--input", fixture("nci_phenols.smi"),
    "--rules", fixture("rules", "polyphenol-phase2.tsv"),
    "--workers", "2",
    "--batch-size", "5",
    "--chunk-size", "50",
    "--flush-interval", "400",
    "--target-memory", String(target),
    "--poll-ms", String(pollMs),
    "--memory-probe", `script:${script}`,
    "--output", output,
    ...extra
  ])
  assert.strictEqual(result.status, 0, result.stderr)
  return { output, stdout: result.stdout, stderr: result.stderr, summary: JSON.parse(fs.readFileSync(path.join(output, "summary.json"), "utf8")) }
}

type Run = ReturnType<typeof run>

const productSet = async (output: string) =>
  new Set((await readRunProducts(output)).map((row) => `${row.smiles}\t${row.generation}`))

/** The promises every scenario keeps, whatever the readings. */
const assertInvariants = async (scenario: Run, baseline: Set<string>) => {
  const ours = await productSet(scenario.output)
  assert.strictEqual(ours.size, baseline.size)
  assert.deepStrictEqual([...ours].filter((entry) => !baseline.has(entry)), [])
  const groups = runRowGroupSizes(scenario.output)
  const flushes: Array<{ rows: number; flushInterval: number }> = scenario.summary.memory.flushes
  assert.strictEqual(flushes.length, groups.length)
  groups.forEach((rows, i) => {
    assert.strictEqual(rows, flushes[i]!.rows)
    assert.isAtMost(rows, flushes[i]!.flushInterval)
  })
  const { capacity, maxDepth } = scenario.summary.queues
  for (const queue of ["work", "dedup", "write"]) {
    assert.isAtLeast(capacity[queue], 1)
    assert.isAtMost(maxDepth[queue], capacity[queue])
  }
  assert.isAtMost(scenario.summary.writer.maxBufferRows, 400)
}

const reasons = (scenario: Run): Array<string> => scenario.summary.governor.decisions.map((d: { reason: string }) => d.reason)

describe("memory governor under scripted pressure", () => {
  let baseline = new Set<string>()
  let calmDecisions = -1

  beforeAll(async () => {
    const calm = run("calm", [30])
    calmDecisions = calm.summary.governor.decisions.length
    baseline = await productSet(calm.output)
  })

  it("the calm run makes no decision and has the reference's 3,696 products", () => {
    assert.strictEqual(calmDecisions, 0)
    assert.strictEqual(baseline.size, 3_696)
  })

  it("a ramp from 40% to 85% throttles within 3 polls of crossing the target, then restores both limits", async () => {
    const up = Array.from({ length: 16 }, (_, i) => 40 + 3 * i) // 40 … 85
    const down = Array.from({ length: 16 }, (_, i) => 85 - 3 * i)
    const readings = [...new Array(5).fill(40), ...up, ...new Array(10).fill(85), ...down, 40]
    const crossing = readings.findIndex((r) => r > target) + 1 // polls count from 1
    const scenario = run("ramp", readings, ["--critical-memory", "95"])
    const decisions: Array<{ poll: number; reason: string; to: { inFlight: number; flushInterval: number } }> =
      scenario.summary.governor.decisions
    const firstShrink = decisions.find((d) => d.reason === "above target")!
    assert.isAtMost(firstShrink.poll - crossing, 3)
    assert.strictEqual(firstShrink.to.inFlight, 1)
    assert.isBelow(Math.min(...decisions.map((d) => d.to.flushInterval)), 400)
    assert.deepStrictEqual(scenario.summary.governor.finalLimits, { inFlight: 2, flushInterval: 400, paused: false })
    await assertInvariants(scenario, baseline)
  })

  it("a spike to 97% pauses the reader, which resumes, and the run completes", async () => {
    const scenario = run("spike", [...new Array(5).fill(40), 97, 97, 97, ...new Array(5).fill(55), 40])
    const seen = reasons(scenario)
    assert.include(seen, "critical: pause reader")
    assert.include(seen, "back under target: resume reader")
    assert.isAbove(scenario.summary.governor.warnings, 0)
    await assertInvariants(scenario, baseline)
  })

  it("an oscillation around the target makes no more decisions than the halvings to the floors", async () => {
    const readings = Array.from({ length: 2_000 }, (_, i) => (i % 2 === 0 ? 62 : 58))
    const scenario = run("oscillation", readings)
    // 2 workers → 1 halving; flush 400 → 250 floor → 1 halving; one decision may carry both.
    const bound = Math.ceil(Math.log2(2)) + Math.ceil(Math.log2(400 / 250)) + 1
    assert.isAtMost(scenario.summary.governor.decisions.length, bound)
    assert.isAbove(scenario.summary.governor.decisions.length, 0)
    await assertInvariants(scenario, baseline)
  })

  it("stuck at 99% for the whole run, it completes at 1 batch in flight and the minimum flush, and says so", async () => {
    const scenario = run("stuck", [99])
    assert.deepStrictEqual(scenario.summary.governor.finalLimits, { inFlight: 1, flushInterval: 250, paused: false })
    assert.include(reasons(scenario), "critical at the floor limits: continue one batch at a time")
    assert.match(scenario.stdout, /memory stayed high: the run finished at 1 batch in flight and row groups of 250 rows/)
    await assertInvariants(scenario, baseline)
  })
})
