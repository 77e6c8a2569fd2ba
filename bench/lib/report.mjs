/** The short Markdown report written beside each results JSON. */
import * as fs from "node:fs"
import { fmt, median, mib } from "./stats.mjs"

const machineLines = (m) => [
  `- ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${m.cpuModel}`,
  `- ${m.os}, Linux ${m.kernel}; Node ${m.node}; ${m.python}`,
  `- RDKit WASM ${m.rdkitWasm} (molexpand), native RDKit ${m.rdkitNative} (peer, Debian python3-rdkit)`
]

const caseSection = (c) => {
  const lines = [`### ${c.name}: ${c.title}`, ""]
  if (c.status === "skipped") return [...lines, `Skipped: ${c.reason}.`, ""]
  lines.push(
    `Input \`${c.input}\`, rules \`${c.rules}\`${c.flags.length ? ` (${c.flags.join(" ")})` : ""}, ${c.generations} generation(s); ` +
      `${c.reps} repetition(s); status **${c.status}**.`,
    ...(c.molexpand ? [`molexpand measured: commit ${c.molexpand.commit}.`] : []),
    `Load before: \`${c.uptimeBefore}\`; after: \`${c.uptimeAfter}\`.`,
    "",
    "| program | workers | runs | wall s | CPU s | peak RSS MiB | peak PSS MiB | mol/s | products/s |",
    "|---|---|---|---|---|---|---|---|---|"
  )
  const medians = Object.values(c.medians ?? {}).sort((a, b) => a.workers - b.workers || a.program.localeCompare(b.program))
  for (const m of medians) {
    lines.push(
      `| ${m.program} | ${m.workers} | ${m.runs} | ${fmt(m.wallSeconds)} | ${fmt(m.cpuSeconds)} | ${mib(m.peakRssBytes)} | ${mib(m.peakPssBytes)} | ${fmt(m.molPerSecond)} | ${fmt(m.productsPerSecond, 0)} |`
    )
  }
  const per = (program) => medians.find((m) => m.program === program)
  for (const program of ["molexpand", "peer"]) {
    const m = per(program)
    if (m) lines.push("", `${program}: ${m.expanded} molecules expanded, ${m.products} products per run.`)
  }
  const r = c.molexpandOverPeer ?? {}
  if (Object.keys(r).length > 0) {
    lines.push("", "| workers | mol/s molexpand/peer | products/s molexpand/peer | CPU s molexpand/peer | peak RSS molexpand/peer |", "|---|---|---|---|---|")
    for (const [w, v] of Object.entries(r)) {
      lines.push(`| ${w} | ${fmt(v.molPerSecond, 2)} | ${fmt(v.productsPerSecond, 2)} | ${fmt(v.cpuSeconds, 2)} | ${fmt(v.peakRss, 2)} |`)
    }
  }
  const s = c.scaling ?? {}
  if (Object.keys(s).length > 0) {
    lines.push("", `Scaling (mol/s at ${Object.values(s)[0].to} workers ÷ at ${Object.values(s)[0].from}): ` +
      Object.entries(s).map(([p, v]) => `${p} ${fmt(v.molPerSecond, 2)}×`).join(", ") + ".")
  }
  const cmp = c.comparison
  if (cmp) {
    lines.push(
      "",
      cmp.equal
        ? `Products: equal sets of (smiles, generation) after re-canonicalizing both sides with RDKit WASM (${cmp.molexpand.distinct} products; re-canonicalization rewrote ${cmp.molexpand.changedByRecanonicalization} molexpand and ${cmp.peer.changedByRecanonicalization} peer keys).`
        : `Products: **differ** after re-canonicalization: ${cmp.onlyMolexpandCount} only in molexpand, ${cmp.onlyPeerCount} only in the peer (listed in the JSON).`
    )
  }
  for (const p of c.problems ?? []) lines.push(`- problem: ${p}`)
  if (c.note) lines.push("", `Note: ${c.note}`)
  lines.push("")
  return lines
}

const scaleSection = (s) => {
  const lines = [
    "## Scale: molexpand's memory against input size",
    "",
    `Input: \`${s.input}\` (${s.inputMolecules} molecules available); rules: ${s.rulesDescription}; ${s.generations} generation(s), ${s.workers} workers.`,
    `Load before: \`${s.uptimeBefore}\`${s.uptimeAfter ? `; after: \`${s.uptimeAfter}\`` : ""}.`,
    "",
    "| inputs | dedup | run | wall s | CPU s | peak RSS MiB | settled RSS MiB | products | seen keys | dedup MiB | dedup B/key | est. dropped | mol/s |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  ]
  for (const p of s.points) {
    if (p.exitCode !== 0) {
      lines.push(`| ${p.size} | ${p.mode} | ${p.rep ?? 1} | failed (exit ${p.exitCode}) | | | | | | | | | |`)
      continue
    }
    lines.push(
      `| ${p.size} | ${p.mode} | ${p.rep ?? 1} | ${fmt(p.wallSeconds)} | ${fmt(p.cpuSeconds)} | ${mib(p.peakRssBytes)} | ${mib(p.settledRssBytes)} | ${p.products} | ${p.dedupKeys} | ${fmt(p.dedupBytes / 2 ** 20, 1)} | ${fmt(p.dedupBytesPerKey, 1)} | ${fmt(p.estimatedFalsePositives, 2)} | ${fmt(p.molPerSecond)} |`
    )
  }
  lines.push("", ...peakRssSummary(s.points))
  for (const note of s.notes ?? []) lines.push("", note)
  lines.push("")
  return lines
}

/**
 * Median and highest peak RSS per point over its runs, and the median settled RSS (see bench/lib/measure.mjs), each
 * against the smallest input size of the same dedup mode.
 */
const peakRssSummary = (points) => {
  const ok = points.filter((p) => p.exitCode === 0)
  const lines = [
    "| inputs | dedup | runs | median peak RSS MiB | highest MiB | median ÷ smallest size's | highest ÷ smallest size's | median settled RSS MiB | settled ÷ smallest size's |",
    "|---|---|---|---|---|---|---|---|---|"
  ]
  for (const mode of [...new Set(ok.map((p) => p.mode))]) {
    const sizes = [...new Set(ok.filter((p) => p.mode === mode).map((p) => p.size))].sort((a, b) => a - b)
    const stats = sizes.map((size) => {
      const runs = ok.filter((p) => p.mode === mode && p.size === size)
      const peaks = runs.map((p) => p.peakRssBytes)
      return { size, runs: peaks.length, median: median(peaks), highest: Math.max(...peaks), settled: median(runs.map((p) => p.settledRssBytes)) }
    })
    for (const st of stats) {
      lines.push(
        `| ${st.size} | ${mode} | ${st.runs} | ${mib(st.median)} | ${mib(st.highest)} | ${fmt(st.median / stats[0].median, 2)} | ${fmt(st.highest / stats[0].highest, 2)} | ${mib(st.settled)} | ${fmt(st.settled / stats[0].settled, 2)} |`
      )
    }
  }
  return lines
}

export const writeBenchReport = (file, results) => {
  const cases = Object.values(results.cases ?? {})
  const lines = [
    `# molexpand benchmark, ${results.date}`,
    "",
    "## Machine",
    "",
    ...machineLines(results.machine),
    `- molexpand measured: \`${results.molexpand?.main}\`, commit ${results.molexpand?.commit}` +
      (results.molexpand?.workingTreeChanges ? ` plus ${results.molexpand.workingTreeChanges} changed files under src/` : "") +
      (cases.length > 0 ? " (the latest run; each case names the commit it measured)" : ""),
    "",
    "Other sessions share this 2-core machine: each case gives the load (`uptime`) before and after it, and the JSON each run's load average. " +
      "Compare CPU seconds where wall seconds look disturbed. Figures are medians over the runs; definitions in bench/README.md.",
    ""
  ]
  if (cases.length > 0) {
    lines.push(
      "## Overview",
      "",
      "| case | workers | molexpand mol/s | peer mol/s | mol/s ratio | CPU s ratio | peak RSS MiB molexpand / peer | runs | products equal |",
      "|---|---|---|---|---|---|---|---|---|"
    )
    for (const c of cases) {
      if (c.status === "skipped") {
        lines.push(`| ${c.name} | – | skipped | | | | | | |`)
        continue
      }
      for (const w of c.workers ?? []) {
        const a = c.medians?.[`molexpand/${w}`]
        const b = c.medians?.[`peer/${w}`]
        const r = c.molexpandOverPeer?.[w]
        if (!a || !b) continue
        const equal = c.comparison ? (c.comparison.equal ? "yes" : `no (${c.comparison.onlyMolexpandCount} / ${c.comparison.onlyPeerCount} only in molexpand / peer)`) : "–"
        lines.push(
          `| ${c.name} | ${w} | ${fmt(a.molPerSecond)} | ${fmt(b.molPerSecond)} | ${fmt(r?.molPerSecond, 2)} | ${fmt(r?.cpuSeconds, 2)} | ${mib(a.peakRssBytes)} / ${mib(b.peakRssBytes)} | ${Math.min(a.runs, b.runs)} | ${equal} |`
        )
      }
    }
    for (const note of results.notes ?? []) lines.push("", note)
    lines.push(
      "",
      "## molexpand against the peer (bench/peer/peer_expand.py)",
      "",
      "mol/s = frontier molecules expanded (all generations) per wall second of the whole process, start-up included. " +
        "Peak RSS = sum over the process tree of each process's peak RSS (for the peer's pool an upper bound); peak PSS = highest sampled sum of the tree's PSS.",
      ""
    )
    for (const c of cases) lines.push(...caseSection(c))
  }
  if (results.scale) lines.push(...scaleSection(results.scale))
  fs.writeFileSync(file, lines.join("\n"))
}
