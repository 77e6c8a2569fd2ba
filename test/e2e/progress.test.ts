/** What a person or a log sees while a run works: live line on a terminal, plain lines in a pipe, JSON events. */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "vitest"
import { fixture, repoRoot, runCli, tempFolder } from "../support/cli.js"

const input = () => {
  const file = path.join(tempFolder("progress-in"), "in.smi")
  fs.writeFileSync(file, fs.readFileSync(fixture("nci_phenols.smi"), "utf8").split("\n").slice(0, 80).join("\n") + "\n")
  return file
}

describe("progress", () => {
  it("off a terminal, prints plain progress lines every --progress-seconds", () => {
    // Every 0.1 s: the native engine runs these 80 molecules' two generations in about a second.
    const result = runCli(["--input", input(), "--generations", "2", "--progress-seconds", "0.1", "--output", path.join(tempFolder("plain"), "out")])
    assert.strictEqual(result.status, 0, result.stderr)
    const lines = result.stderr.split("\n").filter((line) => line.startsWith("molexpand: generation "))
    assert.isAtLeast(lines.length, 3)
    assert.notInclude(result.stderr, "\r")
    assert.match(lines.at(-1)!, /generation \d\/2 {2}[\d,]+\/[\d,?]+ mol {2}[\d.]+ mol\/s {2}[\d,]+ products {2}memory [\d.?]+%\/60% {2}(\d+ in flight|reader paused) {2}ETA /)
  })

  it("under a pseudo-terminal, redraws one live line in place", () => {
    const output = path.join(tempFolder("tty"), "out")
    const command = [process.execPath, path.join(repoRoot, "dist", "main.js"), "--input", input(), "--generations", "2", "--output", output]
      .map((arg) => `'${arg}'`)
      .join(" ")
    // `script` runs the command with a pseudo-terminal as its stdin/stdout/stderr and copies what it printed.
    const result = spawnSync("script", ["-qfec", command, "/dev/null"], { encoding: "utf8" })
    assert.strictEqual(result.status, 0, result.stderr)
    const redraws = result.stdout.split("\r\u001b[K").filter((part) => part.startsWith("molexpand: generation "))
    assert.isAtLeast(redraws.length, 2)
    assert.match(result.stdout, /molexpand: 80 inputs read/)
  })

  it("--log-format json writes one event per line on stdout, ending with the summary", () => {
    const result = runCli(["--input", input(), "--log-format", "json", "--progress-seconds", "0.5", "--output", path.join(tempFolder("json"), "out")])
    assert.strictEqual(result.status, 0, result.stderr)
    const events = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; summary?: { products: { total: number } } })
    const types = new Set(events.map((event) => event.type))
    for (const type of ["start", "progress", "flush", "checkpoint", "end"]) assert.isTrue(types.has(type), type)
    assert.strictEqual(events[0]!.type, "start")
    assert.strictEqual(events.at(-1)!.type, "end")
    assert.isAbove(events.at(-1)!.summary!.products.total, 0)
  })

  it("--quiet prints nothing but the final summary", () => {
    const result = runCli(["--input", input(), "--quiet", "--output", path.join(tempFolder("quiet"), "out")])
    assert.strictEqual(result.status, 0, result.stderr)
    assert.strictEqual(result.stderr, "")
    assert.match(result.stdout, /^molexpand: 80 inputs read/)
  })
})
