#!/usr/bin/env bash
# Decode speed: nicer's VideoReader (→ RGB24) beside `ffmpeg -f null` (decode only, no RGB
# conversion) and `ffmpeg -pix_fmt rgb24 -f rawvideo` (decode + the same conversion), same file.
# Usage: tools/bench/decode.sh VIDEO [REPEATS]   (builds release first)
# Without VIDEO it makes a 1080p H.264 test clip (10 s, ffmpeg testsrc2, CRF 18) under /tmp.
set -euo pipefail
cd "$(dirname "$0")/../.."
video="${1:-}"
repeats="${2:-3}"
if [ -z "$video" ]; then
  video=/tmp/nicer-bench-1080p.mp4
  [ -f "$video" ] || ffmpeg -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=25 -t 10 \
    -c:v libx264 -crf 18 -pix_fmt yuv420p "$video"
fi
swift build -c release >/dev/null
frames=$(.build/release/nicer probe "$video" --format json --count-frames | python3 -c 'import json,sys; print(json.load(sys.stdin)["frameCount"])')
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_cmd() {
  for _ in $(seq "$repeats"); do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    awk -v f="$frames" -v s="$s" -v e="$e" 'BEGIN { print f / (e - s) }'
  done | median
}
printf 'file %s, %s frames\n' "$video" "$frames"
.build/release/nicer bench decode "$video" --repeats "$repeats"
printf 'ffmpeg -f null (decode only):        %.1f frames/s\n' "$(time_cmd ffmpeg -v error -threads 0 -i "$video" -f null -)"
printf 'ffmpeg -pix_fmt rgb24 (decode + RGB):  %.1f frames/s\n' "$(time_cmd ffmpeg -v error -threads 0 -i "$video" -pix_fmt rgb24 -sws_flags bicubic -f rawvideo -)"
