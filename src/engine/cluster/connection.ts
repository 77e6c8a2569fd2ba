/**
 * Where a cluster lives: its PostgreSQL database, named by a `postgres://` URL (`--cluster`). Runners and
 * coordinators that share the database form one cluster; it holds the runners' registrations and shard locks, never
 * molecules.
 *
 * The password never leaves this module in the clear: it is taken from the URL or from `PGPASSWORD`, kept
 * `Redacted`, and every text shown to people (logs, errors, summary, report) names the database by its
 * `displayUrl`, which has none.
 */
import * as NodeCrypto from "@effect/platform-node/NodeCrypto"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import { PgClient } from "@effect/sql-pg"
import { Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import {
  type RunnerAddress,
  RunnerHealth,
  Runners,
  ShardingConfig,
  SocketRunner,
  SqlMessageStorage,
  SqlRunnerStorage
} from "effect/cluster"
import { RpcClient, RpcSerialization } from "effect/rpc"
import { Socket } from "effect/socket"
import { SqlClient } from "effect/sql"
import { defaults } from "../../config.js"

export interface ClusterDatabase {
  readonly host: string
  readonly port: number
  readonly database: string
  readonly username: string
  readonly password: Redacted.Redacted | undefined
  /** The URL without its password: what logs and the summary show. */
  readonly displayUrl: string
}

/** Causes of a connection error worth showing: the driver's, the socket's, and one more at most. */
const maxCauses = 3

/** The PostgreSQL port when the URL names none. */
const defaultPostgresPort = 5432

/** `--cluster` is not a usable `postgres://` URL. */
export class ClusterUrlError extends Schema.TaggedError<ClusterUrlError>()("ClusterUrlError", {
  reason: Schema.String
}) {
  override get message(): string {
    return `--cluster ${this.reason}`
  }
}

/** The cluster's database did not answer, or refused us, before any work was done. */
export class ClusterUnreachable extends Schema.TaggedError<ClusterUnreachable>()("ClusterUnreachable", {
  url: Schema.String,
  host: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot reach the cluster's database on ${this.host} (${this.url}): ${this.reason}`
  }
}

/** Reads a `postgres://user[:password]@host[:port]/database` URL; the password may also come from `PGPASSWORD`. */
export const parseClusterUrl = (url: string, env: Record<string, string | undefined> = process.env): Effect.Effect<ClusterDatabase, ClusterUrlError> =>
  Effect.suspend(() => {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return Effect.fail(new ClusterUrlError({ reason: "must be a URL such as postgres://molexpand@db-host/molexpand" }))
    }
    if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
      return Effect.fail(new ClusterUrlError({ reason: `must be a postgres:// URL, got ${parsed.protocol}//...` }))
    }
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""))
    if (parsed.hostname === "" || database === "" || parsed.username === "") {
      return Effect.fail(new ClusterUrlError({ reason: "must name a user, a host and a database: postgres://USER@HOST[:PORT]/DATABASE" }))
    }
    const port = parsed.port === "" ? defaultPostgresPort : Number(parsed.port)
    const username = decodeURIComponent(parsed.username)
    const password = parsed.password !== "" ? decodeURIComponent(parsed.password) : env["PGPASSWORD"]
    const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1")
    return Effect.succeed({
      host,
      port,
      database,
      username,
      password: password === undefined ? undefined : Redacted.make(password),
      displayUrl: `postgres://${encodeURIComponent(username)}@${parsed.host}${parsed.port === "" ? `:${port}` : ""}/${encodeURIComponent(database)}`
    })
  })

/** A `--cluster` URL as logs and the summary may show it: without its password. */
export const displayClusterUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    parsed.password = ""
    return parsed.toString()
  } catch {
    return "(not a URL)"
  }
}

/** `text` with the password cut out, for a driver's error message that might quote it. */
export const withoutPassword = (db: ClusterDatabase, text: string): string =>
  db.password === undefined || Redacted.value(db.password) === ""
    ? text
    : text.split(Redacted.value(db.password)).join("***")

/** What went wrong with the cluster, in words, without the password. */
export const reasonOf = (db: ClusterDatabase, error: unknown): string => withoutPassword(db, describeError(error))

/** The cluster's database could not be joined, for `error` (an error, or already its reason). */
export const unreachable = (db: ClusterDatabase, error: unknown): ClusterUnreachable =>
  new ClusterUnreachable({ url: db.displayUrl, host: `${db.host}:${db.port}`, reason: reasonOf(db, error) })

export const pgLayer = (db: ClusterDatabase) =>
  PgClient.layer({
    host: db.host,
    port: db.port,
    database: db.database,
    username: db.username,
    password: db.password,
    applicationName: "molexpand",
    connectTimeout: Duration.millis(defaults.clusterConnectTimeoutMs),
    maxConnections: defaults.clusterDatabaseConnections
  })

/** Connects once and asks the server something, so that a wrong URL stops the run before any work. */
export const checkReachable = (db: ClusterDatabase): Effect.Effect<void, ClusterUnreachable> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`SELECT 1`
  }).pipe(
    Effect.provide(pgLayer(db)),
    Effect.timeoutOrElse({
      duration: Duration.millis(defaults.clusterConnectTimeoutMs),
      orElse: () => Effect.fail(new Error(`no answer in ${defaults.clusterConnectTimeoutMs} ms`))
    }),
    Effect.mapError((error) => unreachable(db, error)),
    Effect.asVoid
  )

/** An error and its causes (a driver wraps the socket's error in its own), as one line. */
export const describeError = (error: unknown): string => {
  const parts: Array<string> = []
  for (let current = error; current !== undefined && current !== null; current = (current as { cause?: unknown }).cause) {
    const text = current instanceof Error ? current.message : String(current)
    if (text !== "" && !parts.some((part) => part.includes(text))) parts.push(text)
    if (parts.length === maxCauses) break
  }
  return parts.join(": ").replace(/\s+/g, " ").trim()
}

/**
 * The cluster's settings, the same in every process that shares the database (the shard count above all: processes
 * that disagree on it cannot share shards). Every key is given, so no environment variable (`HOST`, `PORT`,
 * `SHARDS_PER_GROUP`, ...) that Effect's cluster would otherwise read can change them.
 */
export const shardingConfig = (runner: { readonly address: RunnerAddress.RunnerAddress; readonly workers: number } | undefined) => ({
  ...ShardingConfig.defaults,
  runnerAddress: runner === undefined ? Option.none() : Option.some(runner.address),
  runnerListenAddress: Option.none(),
  // A runner's share of the shards, and so of the batches, follows its workers.
  runnerShardWeight: runner?.workers ?? 1,
  shardsPerGroup: defaults.clusterShards,
  shardLockRefreshInterval: Duration.millis(defaults.clusterLockRefreshMs),
  shardLockExpiration: Duration.millis(defaults.clusterLockExpirationMs),
  refreshAssignmentsInterval: Duration.millis(defaults.clusterRefreshMs),
  runnerHealthCheckInterval: Duration.millis(defaults.clusterHealthCheckMs)
})

/**
 * The socket transport between processes of a cluster: Effect's own (`NodeClusterSocket`), with Nagle's algorithm
 * off. A batch's answer is a stream of a few small messages, each acknowledged before the next, and with Nagle's
 * algorithm waiting on delayed ACKs every message took 88 ms: the NCI phenols' second generation ran at 0.64 of a
 * local run's speed; with `noDelay` each message takes a few milliseconds and the two runs take the same time.
 */
const clientProtocol = Layer.effect(Runners.RpcClientProtocol)(
  Effect.gen(function*() {
    const serialization = yield* RpcSerialization.RpcSerialization
    return {
      codecFor: serialization.codecFor,
      make: Effect.fnUntraced(function*(address) {
        const socket = yield* NodeSocket.makeNet({
          host: address.host,
          port: address.port,
          noDelay: true,
          openTimeout: Duration.millis(defaults.clusterSocketOpenTimeoutMs)
        })
        return yield* RpcClient.makeProtocolSocket().pipe(
          Effect.provideService(Socket.Socket, socket),
          Effect.provideService(RpcSerialization.RpcSerialization, serialization)
        )
      }, Effect.orDie)
    }
  })
)

const socketServer = (address: RunnerAddress.RunnerAddress) =>
  NodeSocketServer.layer({ host: address.host, port: address.port, noDelay: true })

/** What every process of a cluster needs under its transport: storage in the database, settings, serialization. */
const clusterBase = <A, E, R>(transport: Layer.Layer<A, E, R>, config: ReturnType<typeof shardingConfig>) =>
  transport.pipe(
    Layer.provideMerge(SqlMessageStorage.layer.pipe(Layer.provide(NodeCrypto.layerDigest))),
    Layer.provideMerge(Layer.orDie(SqlRunnerStorage.layer)),
    Layer.provide(ShardingConfig.layer(config)),
    Layer.provide(RpcSerialization.layerSchemaBinary())
  )

/**
 * A process that sends batches and hosts none (the coordinator), with the cluster's registry of runners (address,
 * workers as shard weight, health) to read.
 */
export const coordinatorLayer = (db: ClusterDatabase) =>
  clusterBase(Layer.provide(SocketRunner.layerClientOnly, clientProtocol), shardingConfig(undefined)).pipe(Layer.provide(pgLayer(db)))

/** A process that hosts batches on `address`: a runner. Runners ping each other; one that does not answer has left. */
export const runnerLayer = (db: ClusterDatabase, runner: { readonly address: RunnerAddress.RunnerAddress; readonly workers: number }) =>
  clusterBase(
    SocketRunner.layer.pipe(
      Layer.provide([socketServer(runner.address), clientProtocol]),
      Layer.provide(RunnerHealth.layerPing.pipe(Layer.provide(Runners.layerRpc), Layer.provide(clientProtocol)))
    ),
    shardingConfig(runner)
  ).pipe(Layer.provide(pgLayer(db)))
