/** A cluster's database from its URL, shown without its password; a runner's listen address. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { displayClusterUrl, parseClusterUrl, withoutPassword } from "../../../src/engine/cluster/connection.js"
import { parseListen } from "../../../src/engine/cluster/listenAddress.js"

describe("parseClusterUrl", () => {
  it.effect("reads user, password, host, port and database, and shows the URL without the password", () =>
    Effect.gen(function*() {
      const db = yield* parseClusterUrl("postgres://molexpand:pa%3Ass@db.lab:6543/runs", {})
      assert.strictEqual(db.host, "db.lab")
      assert.strictEqual(db.port, 6543)
      assert.strictEqual(db.database, "runs")
      assert.strictEqual(db.username, "molexpand")
      assert.strictEqual(db.password === undefined ? undefined : Redacted.value(db.password), "pa:ss")
      assert.strictEqual(db.displayUrl, "postgres://molexpand@db.lab:6543/runs")
      assert.notInclude(String(db.password), "pa:ss")
    }))

  it.effect("takes the password from PGPASSWORD and the port from PostgreSQL's default", () =>
    Effect.gen(function*() {
      const db = yield* parseClusterUrl("postgresql://molexpand@db/molexpand", { PGPASSWORD: "from-env" })
      assert.strictEqual(db.port, 5432)
      assert.strictEqual(db.password === undefined ? undefined : Redacted.value(db.password), "from-env")
      assert.strictEqual(db.displayUrl, "postgres://molexpand@db:5432/molexpand")
    }))

  it.each([
    ["not a url", "must be a URL"],
    ["mysql://u@h/d", "must be a postgres:// URL"],
    ["postgres://db/molexpand", "must name a user, a host and a database"],
    ["postgres://u@db", "must name a user, a host and a database"]
  ])("refuses %s", (url, reason) => {
    const error = Effect.runSync(Effect.flip(parseClusterUrl(url, {})))
    assert.include(error.message, "--cluster")
    assert.include(error.message, reason)
  })
})

describe("the password stays out of text", () => {
  it("displayClusterUrl drops it", () => {
    assert.strictEqual(displayClusterUrl("postgres://u:secret@h:1/d"), "postgres://u@h:1/d")
    assert.strictEqual(displayClusterUrl("garbage"), "(not a URL)")
  })

  it.effect("withoutPassword cuts it out of a driver's message", () =>
    Effect.gen(function*() {
      const db = yield* parseClusterUrl("postgres://u:hunter2@h/d", {})
      assert.strictEqual(withoutPassword(db, "auth failed for u with hunter2 at h"), "auth failed for u with *** at h")
    }))
})

describe("parseListen", () => {
  it.each([
    ["node-3:34431", { host: "node-3", port: 34431 }],
    ["127.0.0.1:0", { host: "127.0.0.1", port: 0 }],
    ["[::1]:34431", { host: "::1", port: 34431 }]
  ])("reads %s", (text, address) => {
    assert.deepStrictEqual(parseListen(text), address)
  })

  it.each([["node-3", "must be HOST:PORT"], ["node-3:99999", "at most 65535"], [":80", "must be HOST:PORT"]])("refuses %s", (text, reason) => {
    const result = parseListen(text)
    assert.isString(result)
    assert.include(result as string, reason)
  })
})
