/**
 * Where the benchmarks find things, and how they log.
 * Environment: MOLEXPAND_SHARED (default: ../shared beside the repository), MOLEXPAND_MAIN (the molexpand entry to
 * run, default dist/main.js of this repository).
 */
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
export const sharedDir = process.env.MOLEXPAND_SHARED ?? path.resolve(repoRoot, "../shared")
export const molexpandMain = process.env.MOLEXPAND_MAIN ?? path.join(repoRoot, "dist/main.js")
export const shared = (p) => path.join(sharedDir, p)
/** The native engine's addon of the molexpand being measured: a snapshot of dist/ loads its own snapshot's. */
export const nativeAddon = path.resolve(path.dirname(molexpandMain), "../native/build/Release/rdkit_native.node")

/** A progress line stamped with the time of day. */
export const log = (message) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`)
