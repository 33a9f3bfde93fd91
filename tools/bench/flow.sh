#!/usr/bin/env bash
# DIS flow time: nicer beside OpenCV (1 thread) on the same synthetic frame pair, per preset.
# Usage: tools/bench/flow.sh [SIZE]   Needs: pip install opencv-contrib-python-headless numpy
set -euo pipefail
cd "$(dirname "$0")/../.."
size="${1:-512}"
swift build -c release >/dev/null
tmp=$(mktemp -d)
for preset in ultrafast fast medium; do
  .build/release/nicer bench flow --size "$size" --preset "$preset" --export "$tmp" | head -1
done
python3 - "$tmp" <<'PY'
import sys, time, cv2
cv2.setNumThreads(1)
a = cv2.imread(sys.argv[1] + "/flow-0.png", cv2.IMREAD_GRAYSCALE); b = cv2.imread(sys.argv[1] + "/flow-1.png", cv2.IMREAD_GRAYSCALE)
for name, preset in (("ultrafast", 0), ("fast", 1), ("medium", 2)):
    dis = cv2.DISOpticalFlow_create(preset); times = []
    for _ in range(7):
        t0 = time.perf_counter(); dis.calc(a, b, None); times.append(1e3 * (time.perf_counter() - t0))
    print(f"OpenCV {cv2.__version__} DIS {name} {a.shape[1]}x{a.shape[0]}: {sorted(times)[3]:.1f} ms median of 7, 1 thread")
PY
rm -rf "$tmp"
