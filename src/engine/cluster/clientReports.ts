/**
 * One report from a coordinator's client threads (`clientThread.ts`). Each sent part of the run's batches to the same
 * runners and keeps its own count of them; the first (the lead) also kept the runners' timeline, which all of them
 * read alike.
 */
import type { EngineReport, RunnerReport } from "../Engine.js"

export type ClusterReport = Extract<EngineReport, { readonly kind: "cluster" }>

/** A runner's molecules a second over its busy span; 0 before its first batch ended. */
export const molPerSecond = (molecules: number, busySeconds: number): number => busySeconds > 0 ? molecules / busySeconds : 0

const mergeRunner = (a: RunnerReport, b: RunnerReport): RunnerReport => {
  const molecules = a.molecules + b.molecules
  // Batches go to the threads in turn, so each thread's span of a runner's batches is nearly the runner's whole span.
  const busySeconds = Math.max(a.busySeconds, b.busySeconds)
  return {
    address: a.address,
    workers: a.workers,
    batches: a.batches + b.batches,
    molecules,
    busySeconds,
    molPerSecond: molPerSecond(molecules, busySeconds),
    resent: a.resent + b.resent,
    refused: a.refused ?? b.refused
  }
}

export const mergeReports = (lead: ClusterReport, others: ReadonlyArray<ClusterReport>): ClusterReport => {
  const runners = new Map<string, RunnerReport>()
  for (const report of [lead, ...others]) {
    for (const runner of report.runners) {
      const seen = runners.get(runner.address)
      runners.set(runner.address, seen === undefined ? runner : mergeRunner(seen, runner))
    }
  }
  return {
    ...lead,
    workers: Math.max(lead.workers, ...others.map((report) => report.workers)),
    runners: [...runners.values()],
    resentBatches: others.reduce((total, report) => total + report.resentBatches, lead.resentBatches)
  }
}
