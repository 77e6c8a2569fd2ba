/**
 * The engines this machine can run, for tests that hold each to the same promises: WebAssembly always, native where
 * its addon was built (`npm ci` with RDKit's C++ headers installed). Without the addon the native tests are skipped,
 * and say how to get them.
 */
import { spawnSync } from "node:child_process"
import { loadNativeAddon } from "../../src/engine/native/addon.js"

const addon = loadNativeAddon()

export const nativeAvailable = addon.ok

if (!addon.ok) {
  console.warn(`native engine tests skipped: the addon is not available (${addon.reason}); apt-get install librdkit-dev libboost-dev, then npm ci`)
}

export const engines: ReadonlyArray<"wasm" | "native"> = addon.ok ? ["wasm", "native"] : ["wasm"]

/**
 * The native crashes the tests use are stack overflows in RDKit's C++, which need the usual 8 MiB stack limit: with
 * none (`ulimit -s unlimited`) they do not happen, and those tests are skipped.
 */
export const stackLimited = spawnSync("sh", ["-c", "ulimit -s"], { encoding: "utf8" }).stdout.trim() !== "unlimited"

/** The engines whose crash tests can run here. */
export const crashableEngines: ReadonlyArray<"wasm" | "native"> = engines.filter((engine) => engine === "wasm" || stackLimited)
