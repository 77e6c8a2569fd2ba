/**
 * Each engine keeps the run's promises: a kill -9 mid-run resumes to the uninterrupted product set and reaction
 * network, each edge written once, Ctrl-C stops at a checkpoint without losing a molecule (its signal reaches native workers too), the governor's pause under a memory
 * spike, a full disk that loses nothing before the last checkpoint. The native engine's own:
 * RDKit's C++ crashing or running past the time limit costs one molecule, not the run; it gives the WebAssembly
 * engine's products where their RDKit versions agree; a resume with the other engine is refused; and without the
 * addon, `auto` falls back to WebAssembly while `native` refuses to start, saying why.
 */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { assert, beforeAll, describe, it } from "vitest"
import { expandEffect } from "../../src/expand.js"
import { settingsOf } from "../../src/index.js"
import { fixture, repoRoot, runCli, seededRandom, sleep, startCli, tempFolder } from "../support/cli.js"
import { datasetEdges, datasetProducts, readableRowCounts } from "../support/duckdb.js"
import { engines, nativeAvailable, stackLimited } from "../support/engines.js"
import { fillingFileSystem } from "../support/fillingFileSystem.js"
import { readReference, readRunProducts } from "../support/products.js"
import { smallRunArgs, smallRunOptions } from "../support/smallRun.js"

/** 120 NCI phenols, 2 generations: a few seconds, several checkpoints. */
const moleculeCount = 120
/** Room for a checkpoint or two, not for the whole run. */
const fullDiskBytes = 60_000
/** Past the first checkpoint, well before the end of a run of a few seconds. */
const killAfterCheckpointMs = 300

const shared = tempFolder("engines")
const input = path.join(shared, "input.smi")
fs.writeFileSync(input, fs.readFileSync(fixture("nci_phenols.smi"), "utf8").split("\n").filter(Boolean).slice(0, moleculeCount).join("\n") + "\n")

/**
 * 40 NCI phenols without the organomercury ones, on which RDKit 2022.09 (native) and 2026.09 (WebAssembly) write
 * different SMILES (`[Hg]Cl` against `[Hg][Cl]`, measured in the native-RDKit spike), in small batches for both workers.
 */
const smallSetArgs = (rules: string, output: string) =>
  ["--input", fixture("inputs", "nci40.smi"), "--rules", fixture("rules", rules), "--workers", "2", "--batch-size", "5", "--quiet", "--output", output]

const sorted = (set: Set<string>) => [...set].sort()

describe.each(engines)("the %s engine", (engine) => {
  const args = (output: string) => [...smallRunArgs(input, output), "--engine", engine, "--reactions"]
  let expected = new Set<string>()
  let expectedEdges = new Set<string>()

  /** The run's products and edges are the uninterrupted run's, and no edge was written twice. */
  const assertAsUninterrupted = async (output: string) => {
    const products = await datasetProducts(output)
    assert.strictEqual(products.rows, products.distinctSmiles)
    assert.deepStrictEqual(sorted(products.set), sorted(expected))
    const edges = await datasetEdges(output)
    assert.strictEqual(edges.rows, edges.set.size)
    assert.deepStrictEqual(sorted(edges.set), sorted(expectedEdges))
  }

  beforeAll(async () => {
    const output = path.join(shared, `${engine}-uninterrupted`)
    const result = runCli(args(output))
    assert.strictEqual(result.status, 0, result.stderr)
    expected = (await datasetProducts(output)).set
    expectedEdges = (await datasetEdges(output)).set
  })

  it("resumes a run killed with SIGKILL after a checkpoint to the uninterrupted product set and reaction network", async () => {
    assert.isAbove(expected.size, 0)
    assert.isAbove(expectedEdges.size, expected.size)
    const output = path.join(shared, `${engine}-killed`)
    const run = startCli(args(output))
    while (!fs.existsSync(path.join(output, "manifest.json")) && run.child.exitCode === null) await sleep(20)
    await sleep(killAfterCheckpointMs)
    run.child.kill("SIGKILL")
    const killed = await run.exited
    assert.strictEqual(killed.signal, "SIGKILL", "the run ended before the kill: nothing was resumed")
    await readableRowCounts(output)
    const resumed = runCli([...args(output), "--resume", output])
    assert.strictEqual(resumed.status, 0, resumed.stderr)
    await assertAsUninterrupted(output)
  })

  it("stops at a checkpoint on Ctrl-C, which signals its workers too, quarantining nothing; the resume completes", async () => {
    const output = path.join(shared, `${engine}-ctrl-c`)
    // In a process group of its own, as a terminal's foreground job is: the signal goes to every process in it.
    const run = spawn(process.execPath, [path.join(repoRoot, "dist", "main.js"), ...args(output)], { detached: true, stdio: "ignore" })
    const exited = new Promise<number | null>((resolve) => run.on("exit", (status) => resolve(status)))
    while (!fs.existsSync(path.join(output, "manifest.json")) && run.exitCode === null) await sleep(20)
    process.kill(-run.pid!, "SIGINT")
    assert.strictEqual(await exited, 130)
    assert.deepStrictEqual(fs.readFileSync(path.join(output, "quarantine.tsv"), "utf8").trim().split("\n").slice(1), [])
    const resumed = runCli([...args(output), "--resume", output])
    assert.strictEqual(resumed.status, 0, resumed.stderr)
    assert.deepStrictEqual(sorted((await datasetProducts(output)).set), sorted(expected))
  })

  it("pauses the reader through a memory spike and completes with the same products", async () => {
    const folder = tempFolder(`spike-${engine}`)
    const script = path.join(folder, "memory.json")
    fs.writeFileSync(script, JSON.stringify([40, 40, 40, 97, 97, 97, 55, 55, 40]))
    const output = path.join(folder, "out")
    const result = runCli([...args(output), "--poll-ms", "20", "--memory-probe", `script:${script}`])
    assert.strictEqual(result.status, 0, result.stderr)
    const summary = JSON.parse(fs.readFileSync(path.join(output, "summary.json"), "utf8"))
    const reasons = summary.governor.decisions.map((d: { reason: string }) => d.reason)
    assert.include(reasons, "critical: pause reader")
    assert.include(reasons, "back under target: resume reader")
    assert.deepStrictEqual(sorted((await datasetProducts(output)).set), sorted(expected))
  })

  it("fails on a full disk naming it, keeps the last checkpoint readable, and resumes once space returns", async () => {
    const output = path.join(tempFolder(`disk-${engine}`), "out")
    const settings = settingsOf({ ...smallRunOptions(input, output), engine, reactions: true })
    const failed = await Effect.runPromise(
      expandEffect({ settings, layers: { fileSystem: fillingFileSystem(output, fullDiskBytes) } }).pipe(Effect.flip)
    )
    assert.match(failed.message, /ENOSPC: no space left on device/)
    assert.isFalse(JSON.parse(fs.readFileSync(path.join(output, "manifest.json"), "utf8")).complete)
    await readableRowCounts(output)
    const resumed = runCli([...args(output), "--resume", output])
    assert.strictEqual(resumed.status, 0, resumed.stderr)
    await assertAsUninterrupted(output)
  })
})

/**
 * A ring of 20,002 carbons overflows the 8 MiB stack of a native worker while RDKit writes its SMILES (recursion in
 * its canonical ranking), and two chains of 7,000 random atoms joined by a rule give a product that does the same:
 * RDKit's C++ segfaults. Found for this project; they crash native RDKit 2022.09.3 from Python alike.
 */
const bigRing = `C1${"C".repeat(20_000)}C1`
const joinedChainAtoms = 7_000
const crashSeed = 7
/** A 121-ring linear polyphenol: about 13 s of native RDKit under the methyl rule, well past the limit set. */
const slowMolecule = "O" + "c1cc(O)c(cc1)".repeat(120) + "c1cc(O)ccc1"
/** Well over the crashes' time (about 1 s each), well under the slow molecule's. */
const timeLimitMs = 5_000

describe.skipIf(!nativeAvailable)("the native engine", () => {
  it("gives the WebAssembly engine's products where their RDKit versions agree", async () => {
    const folder = tempFolder("native-vs-wasm")
    for (const rules of ["sygma_phase1.tsv", "sygma_phase2.tsv"]) {
      const sets = await Promise.all((["wasm", "native"] as const).map(async (engine) => {
        const output = path.join(folder, `${rules}-${engine}`)
        const result = runCli([...smallSetArgs(rules, output), "--engine", engine])
        assert.strictEqual(result.status, 0, result.stderr)
        return (await datasetProducts(output)).set
      }))
      assert.isAbove(sets[0]!.size, 0, rules)
      assert.deepStrictEqual(sorted(sets[1]!), sorted(sets[0]!), rules)
    }
  })

  it("gives native RDKit's own keys with explicit hydrogens and Kekulé structures, where WebAssembly's RDKit differs", async () => {
    const output = path.join(tempFolder("native-prepared"), "out")
    const result = runCli([...smallSetArgs("mine_metacyc_generalized.tsv", output), "--explicit-h", "--kekulize", "--engine", "native"])
    assert.strictEqual(result.status, 0, result.stderr)
    // The reference's keys as written, not re-canonicalized: the native engine runs the reference's own RDKit.
    const reference = readReference(fixture("reference", "nci40.mine-metacyc.explicit-h.kekulize.gen1.tsv"))
    const ours = (await readRunProducts(output)).map((row) => `${row.smiles}\t${row.generation}`)
    assert.strictEqual(ours.length, new Set(ours).size)
    assert.deepStrictEqual(ours.sort(), reference.map((row) => `${row.smiles}\t${row.generation}`).sort())
  })

  it.skipIf(!stackLimited)("quarantines a molecule that crashes RDKit's C++ or runs past the time limit, and completes the run", async () => {
    const folder = tempFolder("native-crash")
    const random = seededRandom(crashSeed)
    const chain = (length: number) => Array.from({ length }, () => "CNOS"[Math.floor(random() * 4)]).join("")
    fs.writeFileSync(path.join(folder, "input.smi"), [
      "Oc1ccccc1\tphenol",
      `${bigRing}\tbig-ring`,
      "Oc1ccc(O)cc1\thydroquinone",
      `BrC${chain(joinedChainAtoms)}.IC${chain(joinedChainAtoms)}\ttwo-chains`,
      `${slowMolecule}\tslow`,
      "Oc1ccc(C)cc1\tcresol"
    ].join("\n") + "\n")
    fs.writeFileSync(path.join(folder, "rules.tsv"), "o_methylation\t[c:1][OX2H1:2]>>[c:1][O:2][CH3]\njoin_chains\t([C:1]Br.[C:2]I)>>[C:1][C:2]\n")
    const output = path.join(folder, "out")
    const result = runCli([
      "--input", path.join(folder, "input.smi"), "--rules", path.join(folder, "rules.tsv"), "--engine", "native",
      "--workers", "2", "--batch-size", "1", "--molecule-timeout-ms", String(timeLimitMs), "--quiet", "--output", output
    ])
    assert.strictEqual(result.status, 0, result.stderr)
    const reasons = fs.readFileSync(path.join(output, "quarantine.tsv"), "utf8").trim().split("\n").slice(1).map((row) => row.split("\t")[2]!)
    // The big ring when its key is written (an input), the joined chains when its product's is (an expansion).
    assert.deepStrictEqual(reasons.filter((r) => /the RDKit worker died on it \(killed by SIGSEGV\)/.test(r)).length, 2, reasons.join("\n"))
    assert.deepStrictEqual(reasons.filter((r) => r.includes(`ran longer than the limit of ${timeLimitMs} ms`)).length, 1, reasons.join("\n"))
    const summary = JSON.parse(fs.readFileSync(path.join(output, "summary.json"), "utf8"))
    assert.deepStrictEqual(summary.inputs, { read: 6, valid: 5, invalid: 1, duplicate: 0 })
    assert.strictEqual(summary.moleculeFailures, 2)
    // Each phenol's one methyl ether, the slow molecule's none.
    assert.strictEqual(summary.products.total, 3)
  })

  it("refuses to resume a native run with the WebAssembly engine, naming both", async () => {
    const output = path.join(tempFolder("native-resume-wasm"), "out")
    const run = startCli([...smallRunArgs(input, output), "--engine", "native"])
    while (!fs.existsSync(path.join(output, "manifest.json")) && run.child.exitCode === null) await sleep(20)
    run.child.kill("SIGKILL")
    await run.exited
    const refused = runCli([...smallRunArgs(input, output), "--engine", "wasm", "--resume", output])
    assert.strictEqual(refused.status, 2, refused.stderr)
    assert.match(refused.stderr, /RDKit \(--engine\): was [\d.]+ \(native\), now [\d.]+ \(WebAssembly\)/)
  })
})

describe("without the native addon", () => {
  const switchedOff = { RDKIT_NATIVE: "0" }

  it("--engine native exits 2 before any work, saying why and how to get it", () => {
    const output = path.join(tempFolder("no-native"), "out")
    const result = runCli(["--input", input, "--engine", "native", "--output", output], { env: switchedOff })
    assert.strictEqual(result.status, 2, result.stderr)
    assert.match(result.stderr, /--engine native: the native RDKit engine cannot be used: it is switched off \(RDKIT_NATIVE=0\)/)
    assert.isFalse(fs.existsSync(output))
  })

  it("--engine auto runs on WebAssembly and says so", () => {
    const output = path.join(tempFolder("auto-wasm"), "out")
    const result = runCli(["--input", input, "--generations", "1", "--output", output], { env: switchedOff })
    assert.strictEqual(result.status, 0, result.stderr)
    assert.match(result.stderr, /starting: .*, RDKit [\d.]+ \(WebAssembly\)/)
  })

  it("the install hook succeeds without RDKit's headers, saying WebAssembly will be used", () => {
    const hook = spawnSync(process.execPath, [path.join(repoRoot, "native", "build.mjs")], {
      encoding: "utf8",
      env: { ...process.env, RDKIT_INCLUDE: path.join(shared, "no-rdkit-here") }
    })
    assert.strictEqual(hook.status, 0, hook.stderr)
    assert.match(hook.stdout, /RDKit's C\+\+ headers are not in .*no-rdkit-here: the native engine is not built and runs use WebAssembly \(apt-get install librdkit-dev libboost-dev, then npm ci\)/)
  })
})
