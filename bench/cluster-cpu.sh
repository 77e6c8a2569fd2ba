#!/usr/bin/env bash
# CPU seconds of one cluster run against one local run, back to back: the polyphenols, 1 generation, cluster-dev with
# 2 runners of 1 worker against 2 local workers. For the cluster run, each process under cluster-dev (read from
# /proc/PID/stat before and after, every thread) by what it is: RDKit workers (a native worker is a child process of
# its runner), runners' main processes, PostgreSQL, cluster-dev itself; the coordinator and the local run with GNU time.
#   npm run build && bash bench/cluster-cpu.sh [INPUT]
set -euo pipefail
cd "$(dirname "$0")/.."
INPUT=${1:-../shared/data/polyphenols_public.smi}
OUT=$(mktemp -d)
node dist/main.js cluster-dev --runners 2 --workers 1 2> "$OUT/cluster-dev.log" &
DEV=$!
until grep -q -- "--cluster postgres" "$OUT/cluster-dev.log" && [ "$(grep -c ': serving with' "$OUT/cluster-dev.log")" -eq 2 ]; do sleep 1; done
URL=$(grep -o 'postgres://[^ ]*' "$OUT/cluster-dev.log" | head -1)
tree() { echo "$1"; for child in $(pgrep -P "$1"); do tree "$child"; done; }
kind() {
  case "$(tr '\0' ' ' < /proc/"$1"/cmdline)" in
    *processMain.js*) echo "RDKit workers" ;;
    *" runner "*) echo "runners (main processes)" ;;
    *postgres*) echo "PostgreSQL" ;;
    *) echo "cluster-dev" ;;
  esac
}
snapshot() { for p in $(tree "$DEV"); do echo "$p $(awk '{print $14 + $15}' /proc/"$p"/stat 2>/dev/null || echo 0) $(kind "$p" 2>/dev/null || echo gone)"; done; }
snapshot > "$OUT/before"
/usr/bin/time -f "coordinator: %e s wall, %U s user, %S s system" node dist/main.js --cluster "$URL" --input "$INPUT" --output "$OUT/cluster" --quiet 2>&1 | grep -E "coordinator:| s, "
snapshot > "$OUT/after"
# Processes started during the run (a runner's first worker) count from 0.
awk -v hz="$(getconf CLK_TCK)" 'NR == FNR { before[$1] = $2; next } { kind = $3; for (i = 4; i <= NF; i++) kind = kind " " $i; cpu[kind] += $2 - before[$1] } END { for (k in cpu) printf "%s: %.1f CPU s\n", k, cpu[k] / hz }' "$OUT/before" "$OUT/after"
kill -INT "$DEV"; wait "$DEV" || true
/usr/bin/time -f "local: %e s wall, %U s user, %S s system" node dist/main.js --input "$INPUT" --workers 2 --output "$OUT/local" --quiet 2>&1 | grep -E "local:| s, "
rm -rf "$OUT"
