/** Runs the built CLI (`dist/main.js`) as a child process, as a user would. */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
export const fixture = (...parts: Array<string>) => path.join(repoRoot, "test", "fixtures", ...parts)

export interface CliResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

export const runCli = (
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly nodeArgs?: ReadonlyArray<string>; readonly env?: Record<string, string> } = {}
): CliResult => {
  const result = spawnSync(process.execPath, [...(options.nodeArgs ?? []), path.join(repoRoot, "dist", "main.js"), ...args], {
    cwd: options.cwd ?? repoRoot,
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
    env: { ...process.env, ...options.env }
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

export const tempFolder = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), `molexpand-${prefix}-`))

/** Starts the CLI without waiting, for tests that signal or kill it. */
export const startCli = (args: ReadonlyArray<string>, options: { readonly cwd?: string } = {}) => {
  const child = spawn(process.execPath, [path.join(repoRoot, "dist", "main.js"), ...args], {
    cwd: options.cwd ?? repoRoot,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<CliResult & { readonly signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (status, signal) => resolve({ status, signal, stdout, stderr }))
  )
  return { child, exited }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A small seeded generator (mulberry32), so that "random" kill moments are the same on every run. */
export const seededRandom = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}
