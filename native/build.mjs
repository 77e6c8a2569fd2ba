// npm's install hook: builds the native RDKit engine (rdkit_native.node) when RDKit's C++ headers are here, and
// otherwise says in one line why not. It never fails the install: without the addon, molexpand runs on RDKit's
// WebAssembly build.
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const say = (line) => console.log(`molexpand: ${line}`)
const howToGetIt = "apt-get install librdkit-dev libboost-dev, then npm ci"

/** npm hands its own node-gyp to install scripts; run by hand, the one npm ships next to this Node. */
const nodeGyp = () =>
  process.env.npm_config_node_gyp ??
    path.join(path.dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js")

/**
 * Node's own headers when its installation has them (Debian's and NodeSource's packages do): otherwise node-gyp
 * downloads them, which a machine without internet cannot. `npm_config_nodedir` still wins.
 */
const nodeHeaders = () => {
  const prefix = path.join(path.dirname(process.execPath), "..")
  const local = fs.existsSync(path.join(prefix, "include", "node", "node_api.h"))
  return process.env.npm_config_nodedir === undefined && local ? [`--nodedir=${prefix}`] : []
}

const build = () => {
  if (process.env.RDKIT_NATIVE === "0") return say("RDKIT_NATIVE=0: the native RDKit engine is not built; runs use WebAssembly")
  const include = process.env.RDKIT_INCLUDE ?? "/usr/include/rdkit"
  if (!fs.existsSync(path.join(include, "GraphMol", "ChemReactions", "Reaction.h"))) {
    return say(`RDKit's C++ headers are not in ${include}: the native engine is not built and runs use WebAssembly (${howToGetIt})`)
  }
  const result = spawnSync(process.execPath, [nodeGyp(), "rebuild", ...nodeHeaders()], { cwd: here, encoding: "utf8" })
  if (result.status === 0) return say("built the native RDKit engine (native/build/Release/rdkit_native.node)")
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error?.message ?? ""}`
  // The compiler's errors, or node-gyp's own reason, say why; the rest is node-gyp describing itself.
  const reasons = output.split("\n").filter((line) => /error|ERR! stack Error/.test(line)).slice(0, 5)
  const lastLines = (reasons.length > 0 ? reasons : output.trim().split("\n").slice(-5)).join("\n  ")
  say(`the native RDKit engine did not build, so runs use WebAssembly (${howToGetIt}):\n  ${lastLines}`)
}

build()
