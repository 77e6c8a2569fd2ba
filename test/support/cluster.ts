/**
 * Cluster processes for the tests, each started as a user would: `molexpand cluster-dev` for the database (with
 * runners or none), `molexpand runner` processes the test can kill one by one, and a coordinator whose JSON events
 * the test follows. Every process started here is stopped by `stopAll`.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import type { RunEvent } from "../../src/progress/events.js"
import { repoRoot, tempFolder } from "./cli.js"

const started = new Set<ChildProcess>()

/** Lines a process wrote, and a way to wait for one that matches. */
const follow = (stream: NodeJS.ReadableStream) => {
  const lines: Array<string> = []
  const waiters: Array<{ readonly test: (line: string) => boolean; readonly resolve: (line: string) => void }> = []
  let rest = ""
  stream.on("data", (chunk: Buffer) => {
    const text = rest + chunk.toString()
    const parts = text.split("\n")
    rest = parts.pop() ?? ""
    for (const line of parts) {
      lines.push(line)
      for (const waiter of [...waiters]) {
        if (waiter.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(line)
        }
      }
    }
  })
  const waitFor = (test: (line: string) => boolean, what: string, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find(test)
      if (seen !== undefined) return resolve(seen)
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got:\n${lines.slice(-20).join("\n")}`)), timeoutMs)
      waiters.push({ test, resolve: (line) => (clearTimeout(timer), resolve(line)) })
    })
  return { lines, waitFor }
}

const startNode = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } })
  started.add(child)
  const exited = new Promise<{ readonly status: number | null; readonly signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (status, signal) => resolve({ status, signal }))
  )
  return { child, stdout: follow(child.stdout!), stderr: follow(child.stderr!), exited }
}

/** How long a cluster process may take to say it is up, on a loaded two-core machine. */
const startMs = 60_000

/** `molexpand cluster-dev`: an embedded PostgreSQL and `runners` runners; `url` once the database is up. */
export const startClusterDev = async (options: { readonly runners: number; readonly workers: number }) => {
  const proc = startNode([path.join(repoRoot, "dist", "main.js"), "cluster-dev", "--runners", String(options.runners), "--workers", String(options.workers)])
  const line = await proc.stderr.waitFor((l) => l.includes("--cluster postgres://"), "cluster-dev's --cluster line", startMs)
  return { ...proc, url: /--cluster (\S+)/.exec(line)![1]! }
}

/** A runner of this package (or of `main`, another package's main.js); `address` once it serves. */
export const startRunner = async (url: string, options: { readonly workers: number; readonly main?: string }) => {
  const proc = startNode([options.main ?? path.join(repoRoot, "dist", "main.js"), "runner", "--cluster", url, "--workers", String(options.workers)])
  const line = await proc.stderr.waitFor((l) => l.includes(": serving with"), "the runner's serving line", startMs)
  return { ...proc, address: /molexpand runner (\S+): serving/.exec(line)![1]! }
}

/** A coordinator run with `--log-format json`: its events as they come. */
export const startCoordinator = (args: ReadonlyArray<string>) => {
  const proc = startNode([path.join(repoRoot, "dist", "main.js"), ...args, "--log-format", "json"])
  const events = (): Array<RunEvent> => proc.stdout.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as RunEvent)
  const waitForEvent = (test: (event: RunEvent) => boolean, what: string, timeoutMs = startMs) =>
    proc.stdout.waitFor((l) => l.startsWith("{") && test(JSON.parse(l) as RunEvent), what, timeoutMs).then((l) => JSON.parse(l) as RunEvent)
  return { ...proc, events, waitForEvent }
}

/**
 * This package as another version: its build and a package.json saying `0.0.0-other`, with the same dependencies.
 * Its runners must be refused by this version's coordinators.
 */
export const otherVersionMain = (): string => {
  const folder = tempFolder("other-version")
  fs.cpSync(path.join(repoRoot, "dist"), path.join(folder, "dist"), { recursive: true })
  for (const shared of ["node_modules", "rules", "data"]) fs.symlinkSync(path.join(repoRoot, shared), path.join(folder, shared))
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as Record<string, unknown>
  fs.writeFileSync(path.join(folder, "package.json"), JSON.stringify({ ...manifest, version: "0.0.0-other" }))
  return path.join(folder, "dist", "main.js")
}

/** Stops every process these helpers started: SIGINT (cluster-dev and runners leave cleanly), then SIGKILL. */
export const stopAll = async () => {
  const running = [...started].filter((child) => child.exitCode === null && child.signalCode === null)
  await Promise.all(running.map((child) =>
    new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill("SIGKILL"), 20_000)
      child.once("exit", () => (clearTimeout(kill), resolve()))
      child.kill("SIGINT")
    })
  ))
  started.clear()
}
