/**
 * Turning events into text: the live progress line for terminals, plain lines for logs, JSON lines for machines.
 * Pure functions; the CLI decides where each goes.
 */
import type { ProgressSnapshot, RunEvent } from "./events.js"

const count = (n: number): string => Math.round(n).toLocaleString("en-US")

/** `h:mm:ss`, or `mm:ss` under an hour. */
export const formatDuration = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const rest = String(s % 60).padStart(2, "0")
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`
}

/** Seconds left at the current rate, or undefined while the rate or the total is unknown. */
export const etaSeconds = (done: number, total: number | undefined, perSecond: number): number | undefined =>
  total === undefined || perSecond <= 0 ? undefined : Math.max(0, total - done) / perSecond

export const formatProgress = (p: ProgressSnapshot): string =>
  [
    `generation ${p.generation}/${p.generations}`,
    `${count(p.done)}/${p.total === undefined ? "?" : count(p.total)} mol`,
    `${p.molPerSecond.toFixed(1)} mol/s`,
    `${count(p.products)} products`,
    `memory ${p.systemPercent === undefined ? "?" : p.systemPercent.toFixed(1)}%/${p.targetPercent}%`,
    p.waiting ?? (p.paused ? "reader paused" : `${p.inFlight} in flight`),
    `ETA ${p.etaSeconds === undefined ? "?" : formatDuration(p.etaSeconds)}`
  ].join("  ")

/** One line for a log, or undefined for events a human log leaves out (each flush). */
export const formatEventLine = (event: RunEvent): string | undefined => {
  switch (event.type) {
    case "start":
      return `molexpand: ${event.resumed ? "resuming" : "starting"}: ${event.input}, rules ${event.rules}, ${event.generations} generation(s), ${event.workers} worker(s)${event.engine === "cluster" ? " on the cluster's runners" : ""}, RDKit ${event.rdkit}`
    case "progress":
      return `molexpand: ${formatProgress(event)}`
    case "decision":
      return event.message
    case "warning":
      return `molexpand: warning: ${event.message}`
    case "engine":
      return `molexpand: ${event.message}`
    case "checkpoint":
      return undefined
    case "flush":
      return undefined
    case "end":
      return undefined
  }
}

export const formatJsonLine = (event: RunEvent): string => JSON.stringify(event)
