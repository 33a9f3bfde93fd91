#!/usr/bin/env bash
# Regenerates Fixtures/rotation/: a 48×32 test pattern (lossless H.264, 4:4:4) tagged with each
# display rotation, and the first frame as the ffmpeg command-line tool shows it (it turns frames
# upright by default), as PNG. VideoReader must hand out the same upright frames.
# Needs: the ffmpeg command-line tool.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=Fixtures/rotation
mkdir -p "$out"
tmp=$(mktemp -d)
ffmpeg -loglevel error -y -f lavfi -i testsrc=size=48x32:rate=25 -frames:v 2 -c:v libx264 -qp 0 -pix_fmt yuv444p "$tmp/base.mp4"
for rotate in 90 180 270; do
  ffmpeg -loglevel error -y -i "$tmp/base.mp4" -c copy -metadata:s:v rotate=$rotate "$out/rotate$rotate.mp4"
  ffmpeg -loglevel error -y -i "$out/rotate$rotate.mp4" -frames:v 1 -pix_fmt rgb24 "$out/rotate$rotate-upright.png"
done
ffmpeg -loglevel error -y -i "$tmp/base.mp4" -frames:v 1 -pix_fmt rgb24 "$out/stored.png"
rm -rf "$tmp"
ls -l "$out"
