#!/usr/bin/env bash
# Regenerates Fixtures/estab_reference.json: the Python/OpenCV reference e_stab of target, gt and
# proxy for lossless synthetic clips at three seeds (the Swift test renders the same clips).
# Needs: pip install opencv-contrib-python-headless numpy
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release >/dev/null
tmp=$(mktemp -d)
echo "[" > Fixtures/estab_reference.json
for seed in 1 2 3; do
  .build/release/nicer synth "$tmp/clip$seed" --seed "$seed" --frames 16 --size 128x128 --lossless --quiet >/dev/null
  line=$(python3 tools/reference/estab.py "$tmp/clip$seed")
  [ "$seed" = 3 ] && echo " $line" >> Fixtures/estab_reference.json || echo " $line," >> Fixtures/estab_reference.json
done
echo "]" >> Fixtures/estab_reference.json
rm -rf "$tmp"
cat Fixtures/estab_reference.json
