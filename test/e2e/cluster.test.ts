/**
 * One run on a cluster (Effect Cluster over PostgreSQL, `cluster-dev`'s embedded one), with runner processes that
 * come, go and get killed, held to the same product set and reaction network as a local run: native RDKit's
 * reference for the NCI phenols over two generations, with and without product filters. Each scenario starts its own
 * database and processes.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, assert, describe, it } from "vitest"
import type { RunnerReport } from "../../src/engine/Engine.js"
import type { RunEvent } from "../../src/progress/events.js"
import type { Summary } from "../../src/summary.js"
import { molexpandVersion } from "../../src/versions.js"
import { fixture, runCli, tempFolder } from "../support/cli.js"
import { otherVersionMain, startClusterDev, startCoordinator, startRunner, stopAll } from "../support/cluster.js"
import { datasetProducts } from "../support/duckdb.js"
import { readReference, readReferenceEdges, readRunEdges, readRunProducts } from "../support/products.js"
import { recanonicalizedEdges, recanonicalizedEntries } from "../support/rdkit.js"

afterAll(stopAll)

const runArgs = (url: string, output: string, ...more: Array<string>) => [
  "--cluster", url,
  "--input", fixture("nci_phenols.smi"),
  "--rules", fixture("rules", "polyphenol-phase2.tsv"),
  "--generations", "2",
  "--output", output,
  "--progress-seconds", "0.2",
  ...more
]

/** The references: without filters, and with the filters of `filterArgs` (`fixtures/reference/filter_reference.py`). */
const references = {
  plain: { products: "nci_phenols.gen2.tsv", edges: "nci_phenols.gen2.edges.tsv.gz" },
  filtered: { products: "nci_phenols.filtered.gen2.products.tsv", edges: "nci_phenols.filtered.gen2.edges.tsv.gz" }
} as const
const filterArgs = ["--max-heavy-atoms", "25", "--max-mw", "400", "--elements", "C,H,N,O,S,Cl"]

const assertSameSet = (ours: Set<string>, expected: Set<string>, what: string) => {
  assert.deepStrictEqual([...ours].filter((entry) => !expected.has(entry)), [], `${what} the reference does not have`)
  assert.deepStrictEqual([...expected].filter((entry) => !ours.has(entry)), [], `reference ${what} missing`)
}

/** The run's products are exactly the reference's, each key once, and so are its edges when it wrote them. */
const assertReferenceSet = async (output: string, reference: keyof typeof references = "plain") => {
  const rows = await readRunProducts(output)
  assert.strictEqual(new Set(rows.map((row) => row.smiles)).size, rows.length, "a key written twice")
  const files = references[reference]
  assertSameSet(await recanonicalizedEntries(rows), await recanonicalizedEntries(readReference(fixture("reference", files.products))), "products")
  if (!fs.existsSync(path.join(output, "reactions"))) return
  const edges = await readRunEdges(output)
  const ours = await recanonicalizedEdges(edges)
  assert.strictEqual(ours.size, edges.length, "an edge written twice")
  assertSameSet(ours, await recanonicalizedEdges(readReferenceEdges(fixture("reference", files.edges))), "edges")
}

const summaryOf = (output: string): Summary => JSON.parse(fs.readFileSync(path.join(output, "summary.json"), "utf8")) as Summary

const clusterReport = (summary: Summary) => {
  const engine = summary.engine
  if (engine.kind !== "cluster") throw new Error(`not a cluster run: ${engine.kind}`)
  return engine
}

const runner = (runners: ReadonlyArray<RunnerReport>, address: string): RunnerReport => {
  const found = runners.find((r) => r.address === address)
  if (found === undefined) throw new Error(`runner ${address} is not in the summary: ${runners.map((r) => r.address).join(", ")}`)
  return found
}

const isProgress = (event: RunEvent): event is Extract<RunEvent, { type: "progress" }> => event.type === "progress"

describe("a cluster run", () => {
  it("stops before any work when the cluster's database cannot be reached, naming the host and not the password", () => {
    const output = path.join(tempFolder("cluster-unreachable"), "out")
    const result = runCli(["--cluster", "postgres://molexpand:s3cret-pw@127.0.0.1:1/molexpand", "--output", output])
    assert.strictEqual(result.status, 2, result.stderr)
    assert.include(result.stderr, "127.0.0.1:1")
    assert.notInclude(result.stderr + result.stdout, "s3cret-pw")
    assert.isFalse(fs.existsSync(output))
  })

  it("waits for runners and says so, refuses a runner of another version, and gives the reference set and network on two runners", async () => {
    const cluster = await startClusterDev({ runners: 0, workers: 1 })
    const output = path.join(tempFolder("cluster-reference"), "out")
    // cluster-dev's database trusts local connections, so any password is accepted: this one must never be shown.
    const password = "pw-never-shown"
    // The cluster client in its own thread: its notices, waiting, refusals and report cross to the main thread.
    const coordinator = startCoordinator(runArgs(cluster.url.replace("molexpand@", `molexpand:${password}@`), output, "--reactions", "--cluster-client", "thread"))

    await coordinator.waitForEvent((e) => isProgress(e) && e.waiting === "waiting for runners: none alive", "a progress line waiting for runners")
    const stranger = await startRunner(cluster.url, { workers: 1, main: otherVersionMain() })
    const refusal = await coordinator.waitForEvent((e) => e.type === "engine" && e.message.includes("refused"), "the refusal")
    assert.include(refusal.type === "engine" ? refusal.message : "", "molexpand 0.0.0-other")
    await coordinator.waitForEvent((e) => isProgress(e) && e.waiting === "waiting for runners: 1 alive, all refused", "a progress line with the runner refused")

    const runners = [await startRunner(cluster.url, { workers: 1 }), await startRunner(cluster.url, { workers: 1 })]
    const exit = await coordinator.exited
    assert.strictEqual(exit.status, 0, coordinator.stderr.lines.join("\n"))
    await assertReferenceSet(output)

    const report = clusterReport(summaryOf(output))
    for (const { address } of runners) assert.isAbove(runner(report.runners, address).batches, 0, `runner ${address} got no batch`)
    const expanded = report.runners.reduce((total, r) => total + r.molecules, 0)
    // Every input canonicalized once, then every molecule of generations 0 and 1 expanded once.
    assert.strictEqual(expanded, 515 + 515 + 3_696)
    const refused = runner(report.runners, stranger.address)
    assert.strictEqual(refused.batches, 0)
    assert.include(refused.refused ?? "", "0.0.0-other")
    assert.include(refused.refused ?? "", `molexpand ${molexpandVersion}`)
    assert.deepStrictEqual(
      report.events.map((e) => `${e.address} ${e.change}`).sort(),
      [`${stranger.address} joined`, `${stranger.address} refused`, ...runners.map((r) => `${r.address} joined`)].sort()
    )
    const page = fs.readFileSync(path.join(output, "report.html"), "utf8")
    for (const { address } of [...runners, stranger]) assert.include(page, address)
    const shown = [page, fs.readFileSync(path.join(output, "summary.json"), "utf8"), ...coordinator.stdout.lines, ...coordinator.stderr.lines]
    assert.isTrue(shown.every((text) => !text.includes(password)), "the password was shown")
    assert.include(page, cluster.url)
    await stopAll()
  })

  it("loses no product or edge and doubles none when runners are killed in each generation, and feeds a runner that joins", async () => {
    const cluster = await startClusterDev({ runners: 0, workers: 1 })
    // Three runners, so that one is left after two are killed.
    const a = await startRunner(cluster.url, { workers: 1 })
    const b = await startRunner(cluster.url, { workers: 1 })
    await startRunner(cluster.url, { workers: 1 })
    const output = path.join(tempFolder("cluster-failover"), "out")
    const coordinator = startCoordinator(runArgs(cluster.url, output, "--batch-size", "20", "--reactions", "--cluster-client", "thread"))

    await coordinator.waitForEvent((e) => isProgress(e) && e.generation === 1 && e.done > 0, "generation 1 under way")
    a.child.kill("SIGKILL")
    const late = await startRunner(cluster.url, { workers: 1 })
    await coordinator.waitForEvent((e) => isProgress(e) && e.generation === 2 && e.done >= 500, "generation 2 under way", 120_000)
    b.child.kill("SIGKILL")

    const exit = await coordinator.exited
    assert.strictEqual(exit.status, 0, coordinator.stderr.lines.join("\n"))
    await assertReferenceSet(output)
    const report = clusterReport(summaryOf(output))
    assert.isAbove(report.resentBatches, 0)
    assert.strictEqual(report.resentBatches, report.runners.reduce((total, r) => total + r.resent, 0))
    assert.isAbove(runner(report.runners, late.address).batches, 0, "the runner that joined mid-run got no batch")
    const changes = report.events.map((e) => `${e.address} ${e.change}`)
    for (const expected of [`${a.address} left`, `${b.address} left`, `${late.address} joined`]) assert.include(changes, expected)
    await stopAll()
  })

  it("resumes a filtered run after the coordinator is killed, to the same products and network", async () => {
    const cluster = await startClusterDev({ runners: 2, workers: 1 })
    const output = path.join(tempFolder("cluster-resume"), "out")
    const args = runArgs(cluster.url, output, "--batch-size", "20", "--checkpoint-seconds", "1", "--reactions", "--cluster-client", "main", ...filterArgs)
    const first = startCoordinator(args)
    await first.waitForEvent((e) => e.type === "checkpoint" && e.generation === 2 && e.consumed > 0, "a checkpoint inside generation 2", 120_000)
    first.child.kill("SIGKILL")
    await first.exited

    const resumed = startCoordinator([...args, "--resume", output])
    const exit = await resumed.exited
    assert.strictEqual(exit.status, 0, resumed.stderr.lines.join("\n"))
    await assertReferenceSet(output, "filtered")
    const products = await datasetProducts(output)
    assert.strictEqual(products.rows, products.distinctSmiles)
    assert.isTrue(summaryOf(output).resumed)
    await stopAll()
  })
})
