#!/usr/bin/env bash
# One command for the engine benchmark: nicer's UNet training step beside PyTorch CPU's on the
# identical network, same threads, and their ratio. Usage: tools/bench/train.sh [THREADS] [STEPS] [BASE]
# (defaults 2 threads, 10 steps, base 16: refine's default width; 256² and 512² crops).
# Needs `pip install torch safetensors` for the PyTorch half.
set -euo pipefail
cd "$(dirname "$0")/../.."
threads="${1:-2}"; steps="${2:-10}"; base="${3:-16}"
swift build -c release >/dev/null
.build/release/nicer bench train --threads "$threads" --steps "$steps" --base "$base" --size 256 512
nicer_json=$(.build/release/nicer bench train --threads "$threads" --steps "$steps" --base "$base" --size 256 512 --format json)
torch_json=$(python3 tools/bench/torch_unet.py --threads "$threads" --steps "$steps" --base "$base" --size 256 512 --json)
BASE=$base python3 - "$nicer_json" "$torch_json" <<'PY'
import json, os, sys
nicer = {r["size"]: r for r in map(json.loads, sys.argv[1].splitlines())}
torch = {r["size"]: r for r in map(json.loads, sys.argv[2].splitlines())}
for size in sorted(nicer):
    n, t = nicer[size]["medianStepMilliseconds"], torch[size]["medianStepMilliseconds"]
    print(f"{size}², base {os.environ['BASE']}: nicer {n:.0f} ms/step, torch {torch[size]['torch']} {t:.0f} ms/step -> nicer is {t / n:.2f}x PyTorch's speed")
PY
