#!/usr/bin/env bash
# A before/after picture of one refine run: target | swap | refined around the face at one frame,
# over the per-pixel warping error of each at the pair ending there (nicer stab --error-video on
# the run's paste masks: bright = flicker the original's motion does not explain).
#
#   tools/before_after.sh TARGET PROXY OUT FRAME PICTURE.png
#   tools/before_after.sh /tmp/r/hd/target.mp4 /tmp/r/hd/proxy.mp4 /tmp/r/hd/out 98 /tmp/004.png
#
# OUT is `nicer refine -o OUT`'s folder; FRAME counts from 0. Needs ffmpeg and python3 with
# opencv-python-headless. Pictures of footage you did not make keep its terms: do not commit them.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 5 ] || { sed -n 2,10p "$0"; exit 2; }
target=$1; proxy=$2; out=$3; frame=$4; picture=$5
nicer=${NICER_BIN:-.build/release/nicer}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# 1.5x the crop box, square, no larger than the frame (a face filling a short frame's height).
size=$("$nicer" probe "$target" --format json | python3 -c 'import json,sys; i=json.load(sys.stdin); print(i["width"], i["height"])')
box=$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["boxes"][int(sys.argv[2])]; s=min(int(b["side"]*1.5), int(sys.argv[3]), int(sys.argv[4]))//2*2; print(s, int(b["x"]-s/2), int(b["y"]-s/2))' "$out/crops.json" "$frame" $size)
read -r side left top <<<"$box"
crop="crop=$side:$side:max(0\,min($left\,iw-$side)):max(0\,min($top\,ih-$side))"
for name in target proxy refined; do
  video=$target; [ $name = proxy ] && video=$proxy; [ $name = refined ] && video=$(ls "$out"/refined.m*)
  "$nicer" stab "$video" --reference "$target" --mask "$out/masks" --flow fast --error-video "$work/error-$name.mp4" >/dev/null
  ffmpeg -loglevel error -y -i "$video" -vf "select=eq(n\,$frame),$crop" -frames:v 1 "$work/frame-$name.png"
  # The error video's picture k is the pair (k, k + 1).
  ffmpeg -loglevel error -y -i "$work/error-$name.mp4" -vf "select=eq(n\,$((frame - 1))),$crop" -frames:v 1 "$work/error-$name.png"
done
python3 - "$work" "$picture" <<'PY'
import sys, cv2, numpy as np
work, picture = sys.argv[1:]
pad = lambda im: cv2.copyMakeBorder(cv2.resize(im, (352, 352), interpolation=cv2.INTER_AREA), 4, 4, 4, 4, cv2.BORDER_CONSTANT, value=(255, 255, 255))
rows = [np.hstack([pad(cv2.imread(f"{work}/{kind}-{n}.png")) for n in ("target", "proxy", "refined")]) for kind in ("frame", "error")]
cv2.imwrite(picture, np.vstack(rows))
print(picture)
PY
