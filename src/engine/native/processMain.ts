/**
 * Entry point of one native RDKit worker: a child process, not a thread, because native code can crash (a segmentation
 * fault or an abort in RDKit's C++ ends its whole process) and cannot be interrupted inside a call, while a process
 * can be killed at any instruction. The pool sends the settings first; the process loads the addon, compiles the rule
 * set and serves (`workerLoop.ts`) over its IPC channel. With no shared memory between processes, each molecule it
 * starts is a `Progress` message, sent before RDKit runs so that it has left if RDKit never returns; and each process
 * keeps its own key cache.
 */
import { defaults } from "../../config.js"
import { makeKeyHasher } from "../../dedup/keyHash.js"
import { KeyCache } from "../keyCache.js"
import type { FromWorker, ToWorker, WorkerSettings } from "../protocol.js"
import { serve, type WorkerChannel } from "../workerLoop.js"
import { loadNativeAddon } from "./addon.js"
import { judgeOf } from "../filters.js"
import { canonicalize, compileRules, drawMolecule, expandMolecule } from "./chemistry.js"

/** The pool's first message to a native worker. */
export interface ProcessStart {
  readonly _tag: "Start"
  readonly settings: WorkerSettings
}

const send = process.send?.bind(process)
if (send === undefined) throw new Error("processMain.js must run as a child process with an IPC channel")

let inFlight = 0
let exitCode: number | undefined
const exitWhenSent = () => {
  if (exitCode !== undefined && inFlight === 0) process.exit(exitCode)
}

const channel: WorkerChannel = {
  send: (message: FromWorker) => {
    inFlight++
    send(message, undefined, {}, () => {
      inFlight--
      exitWhenSent()
    })
  },
  listen: (handler) => process.on("message", (message: ToWorker) => handler(message)),
  busy: (index) => channel.send({ _tag: "Progress", busy: true, index }),
  idle: () => channel.send({ _tag: "Progress", busy: false, index: 0 }),
  exit: (code) => {
    exitCode = code
    process.removeAllListeners("message")
    exitWhenSent()
  }
}

/** A failure here (the addon does not load) ends the process before it is ready: the pool reports it as a crash. */
const start = async (settings: WorkerSettings) => {
  const loaded = loadNativeAddon()
  if (!loaded.ok) throw new Error(`the native RDKit engine cannot be used: ${loaded.reason}`)
  const addon = loaded.addon
  const compiled = compileRules(addon, settings.ruleSet, settings.maxProductSets, settings.edges)
  if (!compiled.ok) return channel.send({ _tag: "RuleRejected", file: compiled.file, line: compiled.line, reason: compiled.reason })
  const rules = compiled.rules
  const keyCache = KeyCache.create(defaults.keyCacheSlots)
  serve(channel, settings, {
    canonicalize: (text) => canonicalize(addon, text),
    expand: (key) => expandMolecule(addon, rules, keyCache, key),
    judge: judgeOf(settings.filters, (key) => addon.compose(key) ?? undefined, defaults.filterMemoryKeys),
    draw: (smiles, size) => drawMolecule(addon, smiles, size)
  }, await makeKeyHasher())
}

process.once("message", (message: ProcessStart) => void start(message.settings))
// The pool is gone (its process ended, even by kill -9): a worker must not outlive it.
process.once("disconnect", () => process.exit(0))
// Ctrl-C signals the terminal's whole process group: the run stops at a checkpoint, finishing what its workers hold,
// so a worker leaves stopping to the pool (which kills it when done) rather than dying on its molecule.
process.on("SIGINT", () => {})
process.on("SIGTERM", () => {})
