/** The cluster's commands: `molexpand runner` (a machine's cores for a cluster) and `molexpand cluster-dev`. */
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { defaults, defaultWorkers } from "../config.js"
import { chooseEngine } from "../engine/choice.js"
import { parseClusterUrl } from "../engine/cluster/connection.js"
import { runClusterDev } from "../engine/cluster/dev.js"
import { parseListen } from "../engine/cluster/listenAddress.js"
import { runRunner } from "../engine/cluster/runner.js"
import { SettingsError } from "../runErrors.js"
import { criticalMemoryOf, runnerProblems } from "../settings.js"
import { engineFlag, withDefault } from "./flags.js"
import { untilStopped } from "./stop.js"

const stderrLine = (line: string) => process.stderr.write(line + "\n")

const runnerFlags = {
  cluster: Flag.String("cluster").pipe(Flag.withDescription("The cluster's database: postgres://USER@HOST[:PORT]/DATABASE (the password may come from PGPASSWORD)")),
  workers: withDefault(Flag.Int("workers").pipe(Flag.withAlias("w")), defaultWorkers(), "RDKit workers of this runner (the number of cores)"),
  listen: withDefault(
    Flag.String("listen"),
    defaults.runnerListen,
    "HOST:PORT to serve batches on, which other processes of the cluster connect to; port 0 takes a free one. The protocol has no authentication: keep it on a private network"
  ),
  targetMemory: withDefault(Flag.Finite("target-memory"), defaults.targetMemory, "Percent of system memory to stay under; above it the runner runs fewer batches at once"),
  criticalMemory: Flag.Finite("critical-memory").pipe(
    Flag.withDescription(`Percent at which the runner starts no batch until memory is back under target (default: target + ${defaults.criticalAboveTarget}, at most ${defaults.maxCriticalMemory})`),
    Flag.optional
  ),
  pollMs: withDefault(Flag.Int("poll-ms"), defaults.pollMs, "Milliseconds between memory readings"),
  engine: engineFlag
}

export const runnerCommand = Command.make("runner", runnerFlags, (flags) =>
  Effect.gen(function*() {
    const listen = parseListen(flags.listen)
    const criticalMemory = Option.getOrUndefined(flags.criticalMemory)
    const problems = [
      ...(typeof listen === "string" ? [listen] : []),
      ...runnerProblems({ workers: flags.workers, targetMemory: flags.targetMemory, criticalMemory, pollMs: flags.pollMs })
    ]
    const engine = chooseEngine(flags.engine)
    if (!engine.ok) problems.push(engine.reason)
    if (problems.length > 0 || typeof listen === "string" || !engine.ok) return yield* new SettingsError({ problems })
    const db = yield* parseClusterUrl(flags.cluster).pipe(Effect.mapError((error) => new SettingsError({ problems: [error.message] })))
    yield* untilStopped(runRunner({
      db,
      workers: flags.workers,
      engine: engine.engine,
      listen,
      targetMemory: flags.targetMemory,
      criticalMemory: criticalMemoryOf({ targetMemory: flags.targetMemory, criticalMemory }),
      pollMs: flags.pollMs,
      log: stderrLine
    }), "leaving the cluster")
  })).pipe(Command.withDescription("Serve a cluster's batches on this machine's cores until stopped (SIGINT or SIGTERM)"))

export const clusterDevCommand = Command.make("cluster-dev", {
  runners: withDefault(Flag.Int("runners"), defaults.clusterDevRunners, "Runner processes to start (0: only the database)"),
  workers: withDefault(Flag.Int("workers").pipe(Flag.withAlias("w")), defaults.clusterDevWorkers, "RDKit worker threads of each runner"),
  port: withDefault(Flag.Int("port"), 0, "PostgreSQL's port on 127.0.0.1 (0: a free one)")
}, (flags) =>
  Effect.gen(function*() {
    const problems = [
      ...(Number.isInteger(flags.runners) && flags.runners >= 0 ? [] : [`--runners must be an integer ≥ 0, got ${flags.runners}`]),
      ...runnerProblems({ workers: flags.workers, targetMemory: defaults.targetMemory, criticalMemory: undefined, pollMs: defaults.pollMs })
    ]
    if (problems.length > 0) return yield* new SettingsError({ problems })
    yield* untilStopped(
      runClusterDev({ ...flags, log: (line) => stderrLine(`molexpand cluster-dev: ${line}`) }),
      "stopping the runners and PostgreSQL"
    )
  })).pipe(
    Command.withDescription("A cluster on this machine to try --cluster: an embedded PostgreSQL and local runners, until stopped")
  )
