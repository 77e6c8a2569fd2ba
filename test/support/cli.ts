/** Runs the built CLI (`dist/main.js`) as a child process, as a user would. */
import { spawnSync } from "node:child_process"
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

export const runCli = (args: ReadonlyArray<string>, options: { readonly cwd?: string } = {}): CliResult => {
  const result = spawnSync(process.execPath, [path.join(repoRoot, "dist", "main.js"), ...args], {
    cwd: options.cwd ?? repoRoot,
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

export const tempFolder = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), `molexpand-${prefix}-`))
