import * as fs from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { layerScripted, MemoryProbe, readScript } from "../../src/governor/MemoryProbe.js"
import { tempFolder } from "../support/cli.js"

const writeScript = (content: string) => {
  const file = path.join(tempFolder("probe"), "script.json")
  fs.writeFileSync(file, content)
  return file
}

describe("MemoryProbe", () => {
  it.effect("a scripted probe replays its readings, one per sample, then repeats the last", () =>
    Effect.gen(function*() {
      const probe = yield* MemoryProbe
      const readings = []
      for (let i = 0; i < 5; i++) readings.push((yield* probe.sample).systemPercent)
      assert.deepStrictEqual(readings, [40, 70, 90, 90, 90])
    }).pipe(Effect.provide(layerScripted([{ systemPercent: 40 }, { systemPercent: 70 }, { systemPercent: 90 }]))))

  it.effect("reads a script of numbers or of objects", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* readScript(writeScript("[40, 72.5]")), [{ systemPercent: 40 }, { systemPercent: 72.5 }])
      const objects = yield* readScript(writeScript('[{ "systemPercent": 72, "rssBytes": 1200000000 }]'))
      assert.deepStrictEqual(objects, [{ systemPercent: 72, rssBytes: 1_200_000_000 }])
    }))

  it.effect.each(["[]", "{}", "[\"high\"]", "not json"])("rejects the script %s with a message naming the file", (content) =>
    Effect.gen(function*() {
      const file = writeScript(content)
      const error = yield* Effect.flip(readScript(file))
      assert.strictEqual(error._tag, "MemoryScriptError")
      assert.include(error.message, file)
    }))
})
