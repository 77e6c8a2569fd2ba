/** The short Markdown report written beside each results JSON. */
import * as fs from "node:fs"
import { fmt, median, mib } from "./stats.mjs"

/** The native engine's targets, checked case by case: its mol/s over the peer's, and its scaling over two workers. */
const TARGET_MOL_RATIO = 1.2
const TARGET_SCALING = 1.85
const TARGET_SCALING_FROM = 1
const TARGET_SCALING_TO = 2

const program = (engine) => `molexpand-${engine}`

const machineLines = (m) => [
  `- ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${m.cpuModel}`,
  `- ${m.os}, Linux ${m.kernel}; Node ${m.node}; ${m.python}`,
  `- RDKit WASM ${m.rdkitWasm} (molexpand's wasm engine)${nativeEngineText(m.rdkitNativeEngine)}, native RDKit ${m.rdkitNative} (peer, Debian python3-rdkit)`
]

/** Results from before the native engine do not name its RDKit (undefined); null means its addon was not built. */
const nativeEngineText = (version) =>
  version === undefined ? "" : version === null ? ", molexpand's native engine not built" : `, native RDKit ${version} (molexpand's native engine, Debian librdkit)`

/**
 * A case as this report reads it. Cases measured before molexpand had engines ran its WebAssembly one as `molexpand`,
 * with one `comparison` and flat `molexpandOverPeer`: they read as `molexpand-wasm`.
 */
const withEngines = (c) => {
  if (c.engines !== undefined || c.status === "skipped") return c
  const rename = (name) => (name === "molexpand" ? program("wasm") : name)
  return {
    ...c,
    engines: ["wasm"],
    medians: Object.fromEntries(Object.values(c.medians ?? {}).map((m) => [`${rename(m.program)}/${m.workers}`, { ...m, program: rename(m.program) }])),
    molexpandOverPeer: { wasm: c.molexpandOverPeer ?? {} },
    scaling: Object.fromEntries(Object.entries(c.scaling ?? {}).map(([p, v]) => [rename(p), v])),
    comparisons: c.comparison ? { wasm: c.comparison } : {}
  }
}

const equalText = (cmp) =>
  cmp === undefined ? "–" : cmp.equal ? "yes" : `no (${cmp.onlyMolexpandCount} / ${cmp.onlyPeerCount} only in molexpand / peer)`

const ratioTable = (c) => {
  const rows = c.engines.flatMap((e) => Object.entries(c.molexpandOverPeer?.[e] ?? {}).map(([w, v]) => [e, w, v]))
  if (rows.length === 0) return []
  return [
    "",
    "| engine | workers | mol/s molexpand/peer | products/s molexpand/peer | CPU s molexpand/peer | peak RSS molexpand/peer |",
    "|---|---|---|---|---|---|",
    ...rows.map(([e, w, v]) => `| ${e} | ${w} | ${fmt(v.molPerSecond, 2)} | ${fmt(v.productsPerSecond, 2)} | ${fmt(v.cpuSeconds, 2)} | ${fmt(v.peakRss, 2)} |`)
  ]
}

const nativeOverWasmLine = (c) => {
  const r = Object.entries(c.nativeOverWasm ?? {})
  if (r.length === 0) return []
  return ["", "Native engine ÷ wasm engine: " + r.map(([w, v]) => `at ${w} worker(s) mol/s ${fmt(v.molPerSecond, 2)}×, CPU s ${fmt(v.cpuSeconds, 2)}×`).join("; ") + "."]
}

const scalingLine = (c) => {
  const s = Object.entries(c.scaling ?? {})
  if (s.length === 0) return []
  return ["", `Scaling (mol/s at ${s[0][1].to} workers ÷ at ${s[0][1].from}): ` + s.map(([p, v]) => `${p} ${fmt(v.molPerSecond, 2)}×`).join(", ") + "."]
}

/** Peak RSS ÷ workers per program and worker count, and what one more worker added. */
const memoryTable = (c) => {
  const perWorker = Object.entries(c.peakRssPerWorker ?? {})
  if (perWorker.length === 0) return []
  const lines = [
    "",
    `| program | ${c.workers.map((w) => `peak RSS ÷ workers MiB at ${w}`).join(" | ")} | one more worker MiB |`,
    `|---|${c.workers.map(() => "---|").join("")}---|`
  ]
  for (const [p, byWorkers] of perWorker) {
    const marginal = c.marginalWorkerRss?.[p]
    lines.push(`| ${p} | ${c.workers.map((w) => mib(byWorkers[w])).join(" | ")} | ${marginal ? `${mib(marginal.bytes)} (${marginal.from} → ${marginal.to})` : "–"} |`)
  }
  return lines
}

const comparisonLines = (c) =>
  c.engines.filter((e) => c.comparisons?.[e]).map((e) => {
    const cmp = c.comparisons[e]
    return cmp.equal
      ? `Products, ${program(e)} against the peer: equal sets of (smiles, generation) after re-canonicalizing both sides with RDKit WASM (${cmp.molexpand.distinct} products; re-canonicalization rewrote ${cmp.molexpand.changedByRecanonicalization} molexpand and ${cmp.peer.changedByRecanonicalization} peer keys).`
      : `Products, ${program(e)} against the peer: **differ** after re-canonicalization: ${cmp.onlyMolexpandCount} only in molexpand, ${cmp.onlyPeerCount} only in the peer (listed in the JSON).`
  })

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
  for (const p of [...new Set(medians.map((m) => m.program))]) {
    const m = medians.find((n) => n.program === p)
    lines.push("", `${p}${m.engine ? ` (RDKit ${m.engine})` : ""}: ${m.expanded} molecules expanded, ${m.products} products per run.`)
  }
  const withEdges = medians.filter((m) => m.edgesPerSecond !== undefined)
  if (withEdges.length > 0) {
    lines.push("", `Reaction network: ${withEdges.map((m) => `${m.program} w${m.workers} ${m.edges} edges, ${fmt(m.edgesPerSecond, 0)} edges/s`).join("; ")}.`)
  }
  lines.push(...ratioTable(c), ...nativeOverWasmLine(c), ...scalingLine(c), ...memoryTable(c))
  for (const line of comparisonLines(c)) lines.push("", line)
  for (const p of c.problems ?? []) lines.push(`- problem: ${p}`)
  if (c.note) lines.push("", `Note: ${c.note}`)
  lines.push("")
  return lines
}

const overviewRow = (c, w) => {
  const at = (p) => c.medians?.[`${p}/${w}`]
  const [native, wasm, peer] = [at(program("native")), at(program("wasm")), at("peer")]
  if (!peer || !(native || wasm)) return []
  const over = (e) => c.molexpandOverPeer?.[e]?.[w]
  const runs = Math.min(...[native, wasm, peer].filter(Boolean).map((m) => m.runs))
  const equal = c.engines.map((e) => `${e}: ${equalText(c.comparisons?.[e])}`).join("; ")
  return [
    `| ${c.name} | ${w} | ${fmt(native?.molPerSecond)} | ${fmt(wasm?.molPerSecond)} | ${fmt(peer.molPerSecond)} | ${fmt(over("native")?.molPerSecond, 2)} | ` +
      `${fmt(over("wasm")?.molPerSecond, 2)} | ${fmt(over("native")?.cpuSeconds, 2)} | ${mib(native?.peakRssBytes)} / ${mib(wasm?.peakRssBytes)} / ${mib(peer.peakRssBytes)} | ${runs} | ${equal} |`
  ]
}

const overview = (cases) => {
  const lines = [
    "## Overview",
    "",
    "| case | workers | native mol/s | wasm mol/s | peer mol/s | native/peer mol/s | wasm/peer mol/s | native/peer CPU s | peak RSS MiB native / wasm / peer | runs | products equal to the peer's |",
    "|---|---|---|---|---|---|---|---|---|---|---|"
  ]
  for (const c of cases) {
    if (c.status === "skipped") lines.push(`| ${c.name} | – | skipped | | | | | | | | |`)
    else for (const w of c.workers ?? []) lines.push(...overviewRow(c, w))
  }
  return lines
}

/** Whether the native engine met its targets, case by case. */
const targetLine = (c) => {
  if (c.status === "skipped") return `- ${c.name}: skipped.`
  const ratios = Object.entries(c.molexpandOverPeer?.native ?? {})
  if (ratios.length === 0) return `- ${c.name}: the native engine was not measured.`
  const fast = ratios.every(([, v]) => v.molPerSecond >= TARGET_MOL_RATIO)
  const s = c.scaling?.[program("native")]
  const scales = s?.from === TARGET_SCALING_FROM && s?.to === TARGET_SCALING_TO
    ? `${s.molPerSecond >= TARGET_SCALING ? "**yes**" : "**no**"} (${fmt(s.molPerSecond, 2)}×)`
    : `not measured (needs runs at ${TARGET_SCALING_FROM} and ${TARGET_SCALING_TO} workers)`
  return `- ${c.name}: native ≥ ${TARGET_MOL_RATIO}× the peer's mol/s at every worker count: ${fast ? "**yes**" : "**no**"} ` +
    `(${ratios.map(([w, v]) => `${fmt(v.molPerSecond, 2)}× at ${w}`).join(", ")}); ` +
    `native scaling from ${TARGET_SCALING_FROM} to ${TARGET_SCALING_TO} workers ≥ ${TARGET_SCALING}×: ${scales}.`
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
  const cases = Object.values(results.cases ?? {}).map(withEngines)
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
    lines.push(...overview(cases))
    for (const note of results.notes ?? []) lines.push("", note)
    lines.push(
      "",
      "## Targets",
      "",
      ...cases.map(targetLine),
      "",
      "## molexpand's engines against the peer (bench/peer/peer_expand.py)",
      "",
      "mol/s = frontier molecules expanded (all generations) per wall second of the whole process, start-up included. " +
        "Peak RSS = sum over the process tree of each process's peak RSS (for the native engine's worker processes and the peer's pool an upper bound); peak PSS = highest sampled sum of the tree's PSS.",
      ""
    )
    for (const c of cases) lines.push(...caseSection(c))
  }
  if (results.scale) lines.push(...scaleSection(results.scale))
  fs.writeFileSync(file, lines.join("\n"))
}
