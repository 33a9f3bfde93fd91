#!/usr/bin/env bash
# Throughput of `nicer batch run` at 1 and 2 jobs on the same items (refine's defaults unless
# given after --): wall seconds and items an hour for each, from fresh batch folders.
#   tools/bench/batch_throughput.sh PAIRS.csv [WORKDIR] [-- refine options]
# Needs the machine to itself: the jobs split its cores.
set -euo pipefail
pairs="$1"; shift
work="${1:-/tmp/nicer-batch-throughput}"; [ $# -gt 0 ] && shift
mkdir -p "$work"
nicer="$(cd "$(dirname "$0")/../.." && pwd)/.build/release/nicer"
printf 'jobs  items  wall_s  items_per_hour  done  failed\n'
for jobs in 1 2; do
  out="$work/jobs$jobs"
  rm -rf "$out"
  start=$(date +%s.%N)
  "$nicer" batch run --pairs "$pairs" -o "$out" --jobs "$jobs" "$@" > "$work/jobs$jobs.log" 2>&1 || true
  end=$(date +%s.%N)
  python3 - "$out/summary.json" "$jobs" "$start" "$end" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); wall = float(sys.argv[4]) - float(sys.argv[3]); n = len(s["items"])
print(f'{sys.argv[2]:>4}  {n:>5}  {wall:>6.0f}  {n * 3600 / wall:>14.1f}  {s["done"]:>4}  {s["failed"]:>6}')
PY
done
