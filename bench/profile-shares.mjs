#!/usr/bin/env node
/**
 * Where a molexpand process spent its CPU, from a V8 CPU profile (`node --cpu-prof`): each sample filed under the
 * first part of molexpand it was working for (writer, deduper, reader, cluster transport, ...), walking up the stack.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/run.mjs --coordinator --copies 20
 *   node bench/profile-shares.mjs /tmp/prof/CPU.*.cpuprofile [--after SECONDS]
 *
 * The first file of a `--cpu-prof` run is the main thread's. `--after` leaves out the first seconds (start-up, or a
 * recording phase before the part of interest).
 */
import * as fs from "node:fs"
import { parseArgs } from "node:util"

const { values, positionals } = parseArgs({ options: { after: { type: "string", default: "0" } }, allowPositionals: true })
const file = positionals[0]
if (file === undefined) throw new Error("usage: node bench/profile-shares.mjs FILE.cpuprofile [--after SECONDS]")
const profile = JSON.parse(fs.readFileSync(file, "utf8"))
const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
const parent = new Map()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

/** Categories in order: the first whose test matches a frame's URL (walking up from the sampled frame) wins. */
const categories = [
  ["the benchmark's replaying engine (not molexpand)", (url) => /bench\/lib\/coordinator/.test(url)],
  ["writer (rows, Parquet encoding, compression)", (url) => /hyparquet|hyparquetSink|parquetjs|rowBuffer|actors\/writer/.test(url)],
  ["deduper (seen set, rows)", (url) => /actors\/deduper|HashTable|SeenSet|bloom/.test(url)],
  ["reader, frontier, quarantine", (url) => /actors\/reader|moleculeSource|frontier|textSink|cursor|sdf|parquetSource/.test(url)],
  ["cluster transport (RPC, schema decoding, sockets)", (url) => /\/rpc\/|SchemaParser|SchemaBinary|NodeSocket|node:net|stream_base/.test(url)],
  ["molexpand cluster engine", (url) => /engine\/cluster\//.test(url)]
]
const after = Number(values.after) * 1e6
const shares = new Map()
let time = profile.startTime
profile.samples.forEach((sample, i) => {
  time += profile.timeDeltas[i]
  if (time - profile.startTime < after) return
  const top = nodes.get(sample).callFrame
  let name = top.functionName === "(garbage collector)" ? "garbage collection" : top.functionName === "(idle)" ? "idle" : undefined
  for (let id = sample; name === undefined && id !== undefined; id = parent.get(id)) {
    const url = nodes.get(id).callFrame.url
    name = categories.find(([, test]) => test(url))?.[0]
  }
  name ??= /effect/.test(top.url) ? "Effect's runtime" : "other"
  shares.set(name, (shares.get(name) ?? 0) + profile.timeDeltas[i])
})
const busy = [...shares].filter(([name]) => name !== "idle").reduce((total, [, us]) => total + us, 0)
console.log(`busy ${(busy / 1e6).toFixed(2)} s`)
for (const [name, us] of [...shares].filter(([n]) => n !== "idle").sort((a, b) => b[1] - a[1])) {
  console.log(`${(100 * us / busy).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2).padStart(6)} s  ${name}`)
}
