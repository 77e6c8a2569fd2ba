#!/usr/bin/env bash
# Figures for the pipeline's own promises on the polyphenol set (1 generation, polyphenol-phase2):
#   workers 1 and 2 (throughput, peak RSS, product set vs the native reference),
#   the governor with a target just above the machine's memory in use (its cost against the run above),
#   checkpoints every 60 s (default) against checkpoints only at generation ends (their cost).
# Usage: bash bench/figures.sh [SHARED_DIR] [RUN...]   (SHARED_DIR defaults to ../shared; RUNs default to all of
# workers1 workers2 governed no-checkpoints); writes bench/results/figures-DATE-HHMM.md
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${1:-../shared}"
shift || true
runs="${*:-workers1 workers2 governed no-checkpoints}"
input="$shared/data/polyphenols_public.smi"
reference="$shared/data/reference/polyphenols_public.gen1.tsv"
out="$(mktemp -d)"
report="bench/results/figures-$(date +%F-%H%M).md"
npm run build --silent

used_percent() { node -e 'import("systeminformation").then(async ({ default: si }) => { const m = await si.mem(); console.log((100 * (m.total - m.available) / m.total).toFixed(1)) })'; }

run() { # name, extra flags...
  local name="$1"; shift
  case " $runs " in *" $name "*) ;; *) return 0 ;; esac
  echo "load before $name: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/log"
  /usr/bin/time -v -o "$out/$name.time" node dist/main.js --input "$input" --output "$out/$name" --quiet "$@" > "$out/$name.stdout" 2> "$out/$name.stderr"
  node -e '
    const s = require(process.argv[1] + "/summary.json")
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(require("fs").readFileSync(process.argv[2], "utf8"))[1]
    const wall = /Elapsed \(wall clock\) time.*: (.*)/.exec(require("fs").readFileSync(process.argv[2], "utf8"))[1]
    const time = require("fs").readFileSync(process.argv[2], "utf8")
    const cpu = Number(/User time \(seconds\): ([\d.]+)/.exec(time)[1]) + Number(/System time \(seconds\): ([\d.]+)/.exec(time)[1])
    console.log(`| ${process.argv[3]} | ${s.products.total} | ${s.elapsedSeconds.toFixed(1)} | ${wall} | ${cpu.toFixed(1)} | ${s.molPerSecond.toFixed(1)} | ${(rss / 1024).toFixed(0)} | ${s.memory.peak.systemPercent.toFixed(1)} / ${s.memory.low.systemPercent.toFixed(1)} | ${s.governor.decisions.length} | ${s.checkpoints.count} / ${s.checkpoints.maxGapSeconds.toFixed(1)} / ${s.checkpoints.maxDrainSeconds.toFixed(1)} |`)
  ' "$out/$name" "$out/$name.time" "$name" >> "$out/table"
}

# Half a point above what the machine uses before the run: the run's own ~300 MB (about 1% of 24 GiB) crosses it.
target=$(node -e "console.log((Number(process.argv[1]) + 0.5).toFixed(1))" "$(used_percent)")
run workers1 --workers 1
run workers2 --workers 2
run governed --workers 2 --target-memory "$target" --poll-ms 250
run no-checkpoints --workers 2 --checkpoint-seconds 1000000

{
  echo "# Pipeline figures, $(date -u +%FT%TZ)"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), Node $(node --version)."
  echo "Input: polyphenols_public.smi (3,117 molecules), polyphenol-phase2, 1 generation. Governed run: --target-memory $target (memory in use at the start was just below it)."
  echo "Command: bash bench/figures.sh. Other processes on the machine: see the load before each run below."
  echo
  echo "| run | products | run s | wall (time -v) | CPU s | mol/s | peak RSS MiB | system % peak / low | governor decisions | checkpoints / max gap s / max drain s |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  cat "$out/table"
  echo
  sed 's/^/    /' "$out/log"
  echo
  echo "Product set of the workers-2 run against the native reference (re-canonicalized with one RDKit):"
  echo
  if [ -d "$out/workers2" ]; then node bench/lib/compare-reference.mjs "$out/workers2" "$reference" | sed 's/^/    /'; fi
  echo
  echo "Governor decisions in the governed run:"
  echo
  [ -d "$out/governed" ] && node -e 'const s = require(process.argv[1] + "/summary.json"); for (const d of s.governor.decisions) console.log(`    ${d.seconds.toFixed(1)} s  ${d.systemPercent.toFixed(1)}%  ${d.reason}: in flight ${d.from.inFlight}→${d.to.inFlight}, flush ${d.from.flushInterval}→${d.to.flushInterval}${d.to.paused ? ", paused" : ""}`)' "$out/governed"
} > "$report"
echo "wrote $report"
