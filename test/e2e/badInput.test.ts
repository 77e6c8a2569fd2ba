/**
 * Garbage never stops a run: 1,000 bad lines of every kind, mixed with 1,000 good ones in a CSV with a BOM and CRLF
 * line ends. Every bad line is quarantined once, with a reason; the good molecules' products are exactly those of a
 * run on the good lines alone. Among the bad: a SMILES that crashes RDKit (the worker is replaced) and a molecule
 * that runs past --molecule-timeout-ms (stopped and quarantined). On each engine.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "vitest"
import { fixture, runCli, seededRandom, tempFolder } from "../support/cli.js"
import { datasetProducts } from "../support/duckdb.js"
import { crashableEngines } from "../support/engines.js"

const goodCount = 1_000
const badCount = 1_000
const fuzzSeed = 42

/** 515 NCI phenols and simple alkyl phenols up to 1,000 distinct molecules, each with one aromatic OH or more. */
const goodMolecules = (): Array<string> => {
  const nci = fs.readFileSync(fixture("nci_phenols.smi"), "utf8").split("\n").filter(Boolean).map((line) => line.split("\t")[0]!)
  const alkyl = Array.from({ length: goodCount - nci.length }, (_, n) => `Oc1ccc(${"C".repeat(n + 1)}O)cc1`)
  return [...nci, ...alkyl]
}

/**
 * A SMILES that crashes each engine's RDKit while it is canonicalized. A 200-ring linear polyphenol overflows the
 * WebAssembly instance's recursion: it traps within a second. (A 20,000-atom chain used to, but is only slow now that
 * hydrogen-free SMILES skip RemoveHs.) Native RDKit, on an 8 MiB stack, takes that one in its stride (slowly), but a
 * ring of 20,002 carbons overflows it while its SMILES is written: a segmentation fault.
 */
const rdkitCrasher = { wasm: "O" + "c1cc(O)c(cc1)".repeat(199) + "c1cc(O)ccc1", native: `C1${"C".repeat(20_000)}C1` }
/**
 * A 121-ring linear polyphenol: about 6 s of work in WebAssembly on this machine (60 rings took 1.5 s, too close to
 * its limit on a quiet machine), 13 s in native RDKit. 200 rings overflow WebAssembly's RDKit: its crasher.
 */
const slowMolecule = "O" + "c1cc(O)c(cc1)".repeat(120) + "c1cc(O)ccc1"
/**
 * The time limit each engine's run sets: well under the slow molecule's time, well over the crasher's (native RDKit
 * takes about 1 s to overflow its stack on it, longer on a loaded machine).
 */
const timeLimitMs = { wasm: 1_500, native: 5_000 }
const fiveMegabytes = 5 * 1024 * 1024

const badLine = (random: () => number, n: number): string => {
  const kinds = [
    () => `\u0000${String.fromCharCode(0xfffd)}binary${n}\u0001\u0002`,
    () => `,empty-${n}`,
    () => `CCO,too,many,fields,${n}`,
    () => `"CCO${n},unclosed`,
    () => `C1CC${"C".repeat(n % 5)},unclosed-ring-${n}`,
    () => `CC(C)(C)(C)(C)C${"C".repeat(n % 3)},valence-${n}`,
    () => `c1cccc1${"C".repeat(n % 4)},kekulize-${n}`
  ]
  return kinds[Math.floor(random() * kinds.length)]!()
}

describe.each(crashableEngines)("a fuzzed input, %s engine", (engine) => {
  it(`quarantines ${badCount} bad lines with reasons and gives the good lines' products`, async () => {
    const folder = tempFolder(`fuzz-${engine}`)
    const random = seededRandom(fuzzSeed)
    const good = goodMolecules().map((smiles, i) => `${smiles},good-${i}`)
    const bad = [
      `${"C".repeat(fiveMegabytes)},huge`,
      `${rdkitCrasher[engine]},crasher`,
      `${slowMolecule},slow`,
      ...Array.from({ length: badCount - 3 }, (_, n) => badLine(random, n))
    ]
    // Interleave: each bad line goes at a random place among the good ones.
    const lines = [...good]
    for (const line of bad) lines.splice(Math.floor(random() * (lines.length + 1)), 0, line)
    const fuzzed = path.join(folder, "fuzzed.csv")
    fs.writeFileSync(fuzzed, "\ufeffsmiles,id\r\n" + lines.join("\r\n") + "\r\n", "utf8")
    const clean = path.join(folder, "clean.csv")
    fs.writeFileSync(clean, "smiles,id\n" + good.join("\n") + "\n")

    const common = ["--rules", fixture("rules", "methylation.tsv"), "--workers", "2", "--batch-size", "25", "--molecule-timeout-ms", String(timeLimitMs[engine]), "--engine", engine, "--quiet"]
    const fuzzedRun = runCli(["--input", fuzzed, "--output", path.join(folder, "fuzzed"), ...common])
    assert.strictEqual(fuzzedRun.status, 0, fuzzedRun.stderr)
    const cleanRun = runCli(["--input", clean, "--output", path.join(folder, "clean"), ...common])
    assert.strictEqual(cleanRun.status, 0, cleanRun.stderr)

    const quarantined = fs.readFileSync(path.join(folder, "fuzzed", "quarantine.tsv"), "utf8").split("\n").slice(1).filter(Boolean)
    assert.strictEqual(quarantined.length, badCount)
    for (const row of quarantined) assert.isAbove(row.split("\t")[2]?.trim().length ?? 0, 0, `no reason: ${row.slice(0, 80)}`)
    const reasons = quarantined.map((row) => row.split("\t")[2]!)
    assert.isTrue(reasons.some((r) => /longer than 1048576 bytes/.test(r)), "the 5 MB line")
    // RDKit either throws (the worker reports it and exits) or traps so hard that the worker dies: both are crashes.
    assert.isTrue(reasons.some((r) => /RDKit failed on this molecule|the RDKit worker died on it/.test(r)), "the RDKit crash")
    assert.isTrue(reasons.some((r) => r.includes(`ran longer than the limit of ${timeLimitMs[engine]} ms`)), "the slow molecule")

    const summary = JSON.parse(fs.readFileSync(path.join(folder, "fuzzed", "summary.json"), "utf8"))
    assert.strictEqual(summary.inputs.valid, goodCount + 1) // the slow molecule is valid; it fails while expanding
    assert.strictEqual(summary.inputs.invalid, badCount - 1)
    assert.strictEqual(summary.moleculeFailures, 1)

    const fuzzedProducts = await datasetProducts(path.join(folder, "fuzzed"))
    const cleanProducts = await datasetProducts(path.join(folder, "clean"))
    assert.isAbove(cleanProducts.set.size, 0)
    assert.deepStrictEqual([...fuzzedProducts.set].sort(), [...cleanProducts.set].sort())
  })
})
