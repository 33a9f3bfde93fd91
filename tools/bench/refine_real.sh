#!/usr/bin/env bash
# End-to-end time of `nicer refine` on a real pair, optionally scaled (e.g. to 1080p) and cut to N
# frames, with where the time goes (report.json's timings) and the e_stab before/after.
#
#   tools/bench/refine_real.sh TARGET PROXY [FRAMES] [WxH|native] [-- refine arguments]
#   tools/bench/refine_real.sh ../shared/data/ffpp/004_original.mp4 ../shared/data/ffpp/004_982_neuraltextures.mp4 250 1920x1080
set -euo pipefail
cd "$(dirname "$0")/../.."
target=$1; proxy=$2; frames=${3:-250}; size=${4:-native}
shift $(( $# >= 4 ? 4 : $# )); [ "${1:-}" = "--" ] && shift
nicer=${NICER_BIN:-.build/release/nicer}
[ -x "$nicer" ] || swift build -c release >/dev/null
work=${BENCH_DIR:-$(mktemp -d)}; mkdir -p "$work"
scale=(); [ "$size" != native ] && scale=(-vf "scale=${size/x/:}:flags=bicubic")
for name in target proxy; do
  src=$target; [ $name = proxy ] && src=$proxy
  ffmpeg -loglevel error -y -i "$src" "${scale[@]}" -frames:v "$frames" -c:v libx264 -crf 12 -pix_fmt yuv444p -an "$work/$name.mp4"
done
start=$(date +%s)
/usr/bin/time -v "$nicer" refine --target "$work/target.mp4" --proxy "$work/proxy.mp4" -o "$work/out" "$@" 2>"$work/time.log" >"$work/refine.log" || { tail -5 "$work/time.log"; exit 1; }
echo "wall: $(( $(date +%s) - start )) s, peak RSS: $(grep 'Maximum resident' "$work/time.log" | awk '{print $6/1024 " MB"}')"
python3 - "$work/out/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("frames %d at %s, region: %s" % (r["frames"], r["size"], r["region"]))
print("e_stab proxy %.6g -> refined %.6g; fidelity %.2f dB" % (r["eStabProxy"], r["eStabRefined"], r["fidelity"]))
for s in r["segments"]:
    print("segment %s: %d epochs, best %s, %s" % (s["frames"], len(s["curve"]), s["bestEpoch"], s["stopReason"]))
    parts = s.get("trainingSeconds") or {}
    print("  training: " + ", ".join("%s %.1f s" % kv for kv in sorted(parts.items(), key=lambda kv: -kv[1])))
total = sum(r["timings"].values())
for k, v in sorted(r["timings"].items(), key=lambda kv: -kv[1]):
    print("  %-10s %7.1f s  %4.1f %%" % (k, v, 100 * v / total))
PY
