#!/usr/bin/env bash
# The real-footage bar: every original/swap pair of a folder through `nicer refine` at the default
# options, each scored on one flow and one mask for target, swap and refined.
#
#   tools/bench/real.sh DIR [FRAMES] [ORIGINAL_SUFFIX SWAP_SUFFIX] [-- refine arguments]   (any prefix of the positionals)
#   tools/bench/real.sh ../shared/data/dfl 100                       # <name>_original.mp4 + <name>_deepfacelive.mp4
#   tools/bench/real.sh ../shared/data/ffpp 100 _original.mp4 _      # 519_original.mp4 + 519_515_deepfakes.mp4
#
# Per pair: the first FRAMES frames of both (x264 CRF 12 yuv444p), `nicer refine` on them, then
# `nicer compare --mask-from swap` (the swap's footprint: where it differs from the original by
# more than 12 grey levels, dilated by 4 px and united over t−1…t+1, so its outline is in) on
# DIS-medium flow of the original, for target, swap and refined together. Printed: e_stab mean and
# median over frame pairs of each, the share of the swap's extra flicker removed (medians; '-' where
# the swap's median is under 1.1× the target's, as steady as the original), the
# share of pairs where refined > 1.5× both swap and target, the dlib identity distances
# refined~swap, refined~target and swap~target (tools/bench/identity.py; skipped without dlib-bin),
# and refine's seconds. NICER_BIN picks the binary (default .build/release/nicer); PAIRS="a b"
# limits the pairs by name; BENCH_DIR keeps the work (default: a temporary folder).
set -euo pipefail
cd "$(dirname "$0")/../.."
# Positional arguments up to "--"; everything after it goes to refine.
positional=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do positional+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
dir=${positional[0]}; frames=${positional[1]:-100}; orig=${positional[2]:-_original.mp4}; swap=${positional[3]:-_deepfacelive.mp4}
nicer=${NICER_BIN:-.build/release/nicer}
[ -x "$nicer" ] || swift build -c release >/dev/null
work=${BENCH_DIR:-$(mktemp -d)}; mkdir -p "$work"
have_dlib=0; python3 -c "import dlib, cv2" 2>/dev/null && have_dlib=1
printf "%-22s %9s %9s %9s %9s %9s %9s %8s %7s %6s %6s %6s %5s\n" pair "t mean" "t median" "s mean" "s median" "r mean" "r median" removed ">1.5x" "id r~s" "id r~t" "id s~t" sec
for target in "$dir"/*"$orig"; do
  name=$(basename "$target" "$orig")
  if [ -n "${PAIRS:-}" ] && ! [[ " $PAIRS " == *" $name "* ]]; then continue; fi
  if [ "$swap" = _ ]; then proxy=$(ls "$dir/${name}"_*.mp4 | grep -v -- "$orig" | head -1); else proxy="$dir/$name$swap"; fi
  [ -f "$proxy" ] || continue
  w="$work/$name"; mkdir -p "$w"
  for pair in "target:$target" "swap:$proxy"; do
    ffmpeg -loglevel error -y -i "${pair#*:}" -frames:v "$frames" -c:v libx264 -crf 12 -pix_fmt yuv444p -an "$w/${pair%%:*}.mp4"
  done
  start=$(date +%s.%N)
  if ! "$nicer" refine --target "$w/target.mp4" --proxy "$w/swap.mp4" --proxy-name swap -o "$w/out" "$@" >"$w/refine.log" 2>"$w/refine.err"; then
    echo "$name: refine failed: $(tail -1 "$w/refine.err")"; continue
  fi
  seconds=$(python3 -c "import sys; print('%.0f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$start" "$(date +%s.%N)")
  "$nicer" compare --target "$w/target.mp4" --mask-from swap --proxy "target=$w/target.mp4" --proxy "swap=$w/swap.mp4" \
    --proxy "refined=$(ls "$w"/out/refined.m*)" --flow medium --out "$w/compare" >/dev/null 2>"$w/compare.err"
  ids="- - -"
  [ $have_dlib = 1 ] && ids=$(python3 tools/bench/identity.py "$w/target.mp4" "$w/swap.mp4" "$(ls "$w"/out/refined.m*)" 2>"$w/identity.err" || echo "- - -")
  python3 - "$w/compare/compare.json" "$name" "$seconds" $ids <<'PY'
import json, sys, statistics
c = json.load(open(sys.argv[1]))
by = {p["name"]: p["frames"] for p in c["proxies"]}
pairs = [(t, s, r) for t, s, r in zip(by["target"], by["swap"], by["refined"]) if None not in (t, s, r)]
t, s, r = ([p[i] for p in pairs] for i in range(3))
med = statistics.median
# Only where the swap flickers (median >= 1.1x the target's): below that the share is noise over noise.
removed = "%.0f%%" % (100 * (med(s) - med(r)) / (med(s) - med(t))) if med(s) >= 1.1 * med(t) else "-"
worse = sum(1 for a, b, x in pairs if x > 1.5 * max(a, b)) / len(pairs)
ids = sys.argv[4:7]
print("%-22s %9.3g %9.3g %9.3g %9.3g %9.3g %9.3g %8s %6.1f%% %6s %6s %6s %5s" % (
    sys.argv[2], sum(t) / len(t), med(t), sum(s) / len(s), med(s), sum(r) / len(r), med(r), removed, 100 * worse,
    ids[0], ids[1], ids[2], sys.argv[3]))
PY
done
echo "work: $work"
