#!/usr/bin/env python3
"""PyTorch CPU twin of `nicer bench train`: the identical UNet (tools/golden/unet_golden.py's
functional definition, which the golden test ties to nicer's), the same aleatoric-uncertainty L1
loss, Adam, batch 1, random input; median ms per training step after 2 warm-up steps.

    python3 tools/bench/torch_unet.py --threads 2 --size 256 512 --steps 10 [--json]
Needs `pip install torch safetensors`. tools/bench/train.sh runs this beside nicer.
"""
import argparse, json, os, statistics, sys, time
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "golden"))
from unet_golden import build, forward, uncertainty_l1  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--size", type=int, nargs="+", default=[256, 512])
ap.add_argument("--steps", type=int, default=10)
ap.add_argument("--levels", type=int, default=5)
ap.add_argument("--base", type=int, default=32)
ap.add_argument("--json", action="store_true")
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
for size in a.size:
    p = build(levels=a.levels, base=a.base)
    opt = torch.optim.Adam(p.values(), lr=1e-4)
    x, y = torch.rand(1, 3, size, size), torch.rand(1, 3, size, size)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = uncertainty_l1(forward(p, x, levels=a.levels), y)
        loss.backward()
        opt.step()

    for _ in range(2):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    report = {"size": size, "threads": a.threads, "medianStepMilliseconds": statistics.median(times),
              "stepMilliseconds": times, "torch": torch.__version__}
    if a.json:
        print(json.dumps(report))
    else:
        print(f"torch {torch.__version__} {size}²: {report['medianStepMilliseconds']:.0f} ms/step median of {a.steps} "
              f"[{min(times):.0f}–{max(times):.0f}], {a.threads} thread(s)")
