#!/usr/bin/env bash
# How much flicker a second generation of H.264 coding adds by itself: a video re-encoded at
# several CRFs as refine's writer codes (x264 medium, no macroblock tree, yuv420p), each scored
# as tools/bench/real.sh scores (nicer compare --mask-from swap, DIS medium on the target).
#
#   tools/bench/encoder_share.sh TARGET SWAP [VIDEO] [CRFS]    (VIDEO defaults to SWAP; CRFS "6 10 12 16")
#   tools/bench/encoder_share.sh w/target.mp4 w/swap.mp4                  # the swap alone, re-encoded
#   tools/bench/encoder_share.sh w/target.mp4 w/swap.mp4 OUT/refined.mp4  # a refine run's output (e.g. --crf 0)
#
# Prints e_stab mean and median over frame pairs and the share of pairs above 1.5x both target
# and swap, for target, swap, VIDEO as given and VIDEO at each CRF, and each file's size.
# NICER_BIN picks the binary (default .build/release/nicer).
set -euo pipefail
cd "$(dirname "$0")/../.."
target=$1; swap=$2; video=${3:-$2}; crfs=${4:-6 10 12 16}
nicer=${NICER_BIN:-.build/release/nicer}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
args=(--proxy "target=$target" --proxy "swap=$swap" --proxy "given=$video")
for c in $crfs; do
  ffmpeg -loglevel error -y -i "$video" -c:v libx264 -crf "$c" -preset medium -x264-params mbtree=0 -pix_fmt yuv420p -an "$work/crf$c.mp4"
  args+=(--proxy "crf$c=$work/crf$c.mp4")
done
"$nicer" compare --target "$target" --mask-from swap "${args[@]}" --flow medium --out "$work/compare" >/dev/null
python3 - "$work/compare/compare.json" "$target" "$swap" "$video" "$work" <<'PY'
import json, os, statistics, sys
c = json.load(open(sys.argv[1]))
by = {p["name"]: p["frames"] for p in c["proxies"]}
files = {"target": sys.argv[2], "swap": sys.argv[3], "given": sys.argv[4]}
t, s = by["target"], by["swap"]
print("%-8s %10s %10s %7s %9s" % ("video", "mean", "median", ">1.5x", "kB"))
for name, f in by.items():
    idx = [i for i in range(len(f)) if None not in (f[i], t[i], s[i])]
    g = [f[i] for i in idx]
    worse = sum(1 for i in idx if f[i] > 1.5 * max(t[i], s[i])) / len(idx)
    path = files.get(name, os.path.join(sys.argv[5], name + ".mp4"))
    print("%-8s %10.3g %10.3g %6.1f%% %9d" % (name, sum(g) / len(g), statistics.median(g), 100 * worse, os.path.getsize(path) // 1024))
PY
