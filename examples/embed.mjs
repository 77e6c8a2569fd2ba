// Embedding molexpand in a program: runs under Node (`node examples/embed.mjs`) and Deno
// (`deno run -A --node-modules-dir=manual examples/embed.mjs`). Usage: embed.mjs [OUTPUT_DIR] [INPUT.smi]
import { expand } from "../dist/index.js"

const output = process.argv[2] ?? "embed-out"
const input = process.argv[3]
const progress = []

const summary = await expand({
  ...(input === undefined ? { molecules: ["Oc1ccccc1", "Oc1ccc(O)cc1", "COc1cc(C=O)ccc1O"] } : { input }),
  rules: "polyphenol-phase2",
  generations: 1,
  workers: 2,
  output,
  progressSeconds: 0.5,
  onEvent: (event) => {
    if (event.type === "progress") progress.push(`${event.done}/${event.total ?? "?"}`)
  }
})

console.log(JSON.stringify({
  inputs: summary.inputs,
  products: summary.products,
  parts: summary.files.parts.length,
  progressEvents: progress.length
}))
