/**
 * The run the crash and interrupt tests stop and resume: NCI phenols, 2 generations, small batches and frequent
 * checkpoints, so that a few seconds hold many batches, parts and checkpoints. As library options, and as the same
 * run's CLI flags.
 */
import { fixture } from "./cli.js"

export const smallRunOptions = (input: string, output: string) => ({
  input,
  rules: fixture("rules", "polyphenol-phase2.tsv"),
  generations: 2,
  workers: 2,
  batchSize: 10,
  checkpointSeconds: 0.5,
  output
})

/** `batchSize` → `--batch-size`. */
const flagOf = (option: string) => `--${option.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`

export const smallRunArgs = (input: string, output: string): Array<string> => [
  ...Object.entries(smallRunOptions(input, output)).flatMap(([option, value]) => [flagOf(option), String(value)]),
  "--quiet"
]
