import { assert, describe, it } from "@effect/vitest"
import { cgroupPaths, parseLimit } from "../../src/governor/cgroup.js"

describe("cgroup memory", () => {
  it("finds the v2 group and the v1 memory group in /proc/self/cgroup", () => {
    assert.deepStrictEqual(cgroupPaths("0::/user.slice/job-7\n"), { v2: "/user.slice/job-7", v1: undefined })
    assert.deepStrictEqual(cgroupPaths("5:cpu,cpuacct:/\n4:memory:/batch/42\n0::/\n"), { v2: "/", v1: "/batch/42" })
  })

  it.each([
    ["max\n", undefined],
    ["", undefined],
    ["9223372036854771712\n", undefined],
    ["4294967296\n", 4_294_967_296],
    ["garbage", undefined]
  ])("reads the limit %j as %s", (text, bytes) => {
    assert.strictEqual(parseLimit(text), bytes)
  })
})
