/**
 * The library as an Effect user sees it: the engine and the memory probe are replaceable layers, and a run stopped
 * by an AbortSignal or by interrupting its fiber leaves an output that resumes to the uninterrupted product set.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Fiber, Layer } from "effect"
import { assert, beforeAll, describe, it } from "vitest"
import { Engine } from "../../src/engine/Engine.js"
import { expandEffect, nodeEngineFor } from "../../src/expand.js"
import { layerScripted } from "../../src/governor/MemoryProbe.js"
import { expand, settingsOf } from "../../src/index.js"
import { fixture, sleep, tempFolder } from "../support/cli.js"
import { datasetProducts } from "../support/duckdb.js"
import { smallRunOptions } from "../support/smallRun.js"

const folder = tempFolder("interrupt")
const input = path.join(folder, "in.smi")
fs.writeFileSync(input, fs.readFileSync(fixture("nci_phenols.smi"), "utf8").split("\n").slice(0, 150).join("\n") + "\n")
const options = (output: string) => smallRunOptions(input, output)

describe("the Effect API", () => {
  let reference = new Set<string>()

  beforeAll(async () => {
    await expand(options(path.join(folder, "reference")))
    reference = (await datasetProducts(path.join(folder, "reference"))).set
  })

  it("takes the engine and the memory probe as layers", async () => {
    let expandCalls = 0
    const counting = (...[ruleSet, settings, chosen]: Parameters<typeof nodeEngineFor>) =>
      Layer.effect(Engine, Effect.map(Effect.service(Engine), (engine) =>
        Engine.of({
          ...engine,
          expand: (keys, onChunk) => Effect.suspend(() => {
            expandCalls++
            return engine.expand(keys, onChunk)
          })
        }))).pipe(Layer.provide(nodeEngineFor(ruleSet, settings, chosen)))
    const outcome = await Effect.runPromise(
      expandEffect({
        settings: settingsOf(options(path.join(folder, "layers"))),
        layers: { engine: counting, probe: layerScripted([{ systemPercent: 99 }]) }
      })
    )
    assert.strictEqual(outcome._tag, "Complete")
    assert.isAbove(expandCalls, 0)
    if (outcome._tag === "Complete") {
      assert.strictEqual(outcome.summary.memory.source, "script")
      assert.strictEqual(outcome.summary.governor.finalLimits.inFlight, 1)
    }
    assert.deepStrictEqual([...(await datasetProducts(path.join(folder, "layers"))).set].sort(), [...reference].sort())
  })

  it("an AbortSignal stops the run at a checkpoint (RunStopped), and resume: true completes it", async () => {
    const output = path.join(folder, "aborted")
    const controller = new AbortController()
    const stopped = await expand({
      ...options(output),
      progressSeconds: 0.2,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "checkpoint") controller.abort()
      }
    }).then(() => undefined, (error: unknown) => error)
    assert.strictEqual((stopped as { _tag?: string } | undefined)?._tag, "RunStopped")
    assert.isFalse(JSON.parse(fs.readFileSync(path.join(output, "manifest.json"), "utf8")).complete)
    const summary = await expand({ ...options(output), resume: true })
    assert.isTrue(summary.resumed)
    assert.deepStrictEqual([...(await datasetProducts(output)).set].sort(), [...reference].sort())
  })

  it("interrupting the run's fiber leaves a resumable output", async () => {
    const output = path.join(folder, "interrupted")
    const fiber = Effect.runFork(expandEffect({ settings: settingsOf(options(output)) }))
    // Wait for a checkpoint past generation 0, then interrupt mid-generation.
    const manifest = path.join(output, "manifest.json")
    while (!fs.existsSync(manifest) || JSON.parse(fs.readFileSync(manifest, "utf8")).generation < 1) await sleep(100)
    await Effect.runPromise(Fiber.interrupt(fiber))
    assert.isFalse(JSON.parse(fs.readFileSync(manifest, "utf8")).complete)
    const leftovers = fs.readdirSync(path.join(output, "products")).filter((name) => !name.endsWith(".parquet"))
    assert.deepStrictEqual(leftovers, [], "an interrupted part is removed, not left half-written")
    // The output folder alone: its checkpoint gives the input, rules and settings.
    const summary = await expand({ output, resume: true, workers: 1 })
    assert.strictEqual(summary.settings.generations, 2)
    assert.strictEqual(summary.settings.workers, 1)
    assert.deepStrictEqual([...(await datasetProducts(output)).set].sort(), [...reference].sort())
  })
})
