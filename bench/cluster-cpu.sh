#!/usr/bin/env bash
# CPU seconds of one cluster run against one local run, back to back: the polyphenols, 1 generation, cluster-dev with
# 2 runners of 1 worker against 2 local workers. Counts the runners and PostgreSQL (every thread) from
# /proc/PID/stat before and after the cluster run, the coordinator and the local run with GNU time.
#   npm run build && bash bench/cluster-cpu.sh [INPUT]
set -euo pipefail
cd "$(dirname "$0")/.."
INPUT=${1:-../shared/data/polyphenols_public.smi}
OUT=$(mktemp -d)
node dist/main.js cluster-dev --runners 2 --workers 1 2> "$OUT/cluster-dev.log" &
DEV=$!
until grep -q -- "--cluster postgres" "$OUT/cluster-dev.log" && [ "$(grep -c ': serving with' "$OUT/cluster-dev.log")" -eq 2 ]; do sleep 1; done
URL=$(grep -o 'postgres://[^ ]*' "$OUT/cluster-dev.log" | head -1)
ticks() { for p in $(pgrep -P "$DEV") $(pgrep -f "postgres: molexpand"); do cat /proc/"$p"/stat 2>/dev/null; done | awk '{s += $14 + $15} END {print s}'; }
before=$(ticks)
/usr/bin/time -f "coordinator: %e s wall, %U s user, %S s system" node dist/main.js --cluster "$URL" --input "$INPUT" --output "$OUT/cluster" --quiet 2>&1 | grep -E "coordinator:| s, "
after=$(ticks)
echo "runners and PostgreSQL: $(( (after - before) / $(getconf CLK_TCK) )) CPU s"
kill -INT "$DEV"; wait "$DEV" || true
/usr/bin/time -f "local: %e s wall, %U s user, %S s system" node dist/main.js --input "$INPUT" --workers 2 --output "$OUT/local" --quiet 2>&1 | grep -E "local:| s, "
rm -rf "$OUT"
