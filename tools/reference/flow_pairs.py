#!/usr/bin/env python3
"""Synthetic optical-flow pairs with known flow, and OpenCV DIS's accuracy on them.

Makes Fixtures/flow/: for two scikit-image sample photos (astronaut, coffee; gray, 192x192
crops) and two known flows (smooth: rotation + translation + sinusoid; bump: smooth plus a
local Gaussian displacement of 12 px), frame 0 is frame 1 sampled at x + flow(x) (so
frame0(x) = frame1(x + flow(x))), clean or with frame 1 given a 4 % gain, +3 offset and noise
sigma 2. pairs.json lists the flow parameters (nicer's tests rebuild the true flow from them)
and OpenCV DIS's mean end-point error per preset (16 px border excluded) and CPU time.

    pip install opencv-contrib-python-headless scikit-image numpy
    python3 tools/reference/flow_pairs.py Fixtures/flow
"""
import json, math, os, sys, time
import numpy as np
import cv2
from skimage import data

SIZE, BORDER = 192, 16


def true_flow(p, h, w):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    c, s = math.cos(p["angle"]), math.sin(p["angle"])
    cx, cy = p["cx"], p["cy"]
    u = c * (x - cx) - s * (y - cy) + cx - x + p["tx"] + p["amp"] * np.sin(2 * math.pi * y / p["period"])
    v = s * (x - cx) + c * (y - cy) + cy - y + p["ty"] + p["amp"] * np.sin(2 * math.pi * x / p["period"])
    g = p["bump"] * np.exp(-((x - p["bx"]) ** 2 + (y - p["by"]) ** 2) / (2 * p["sigma"] ** 2))
    return (u + g).astype(np.float32), (v + 0.5 * g).astype(np.float32)


def epe(fu, fv, gu, gv):
    b = BORDER
    return float(np.mean(np.hypot(fu - gu, fv - gv)[b:-b, b:-b]))


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    photos = {"astronaut": cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2GRAY)[40:232, 160:352],
              "coffee": cv2.cvtColor(data.coffee(), cv2.COLOR_RGB2GRAY)[100:292, 200:392]}
    smooth = dict(angle=math.radians(1.5), cx=SIZE / 2, cy=SIZE / 2, tx=3.2, ty=-2.1, amp=1.5, period=64.0,
                  bump=0.0, bx=96.0, by=96.0, sigma=20.0)
    flows = {"smooth": smooth, "bump": dict(smooth, bump=12.0, bx=100.0, by=90.0, sigma=18.0)}
    cases = []
    cv2.setNumThreads(1)
    for pname, photo in photos.items():
        frame1 = photo.astype(np.float32)
        for fname, params in flows.items():
            gu, gv = true_flow(params, SIZE, SIZE)
            y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
            frame0 = cv2.remap(frame1, x + gu, y + gv, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
            for noisy in (False, True):
                f1 = frame1 * 1.04 + 3 + rng.normal(0, 2, frame1.shape) if noisy else frame1
                a = np.clip(np.rint(frame0), 0, 255).astype(np.uint8)
                b = np.clip(np.rint(f1), 0, 255).astype(np.uint8)
                name = f"{pname}-{fname}-{'noisy' if noisy else 'clean'}"
                cv2.imwrite(os.path.join(out, name + "-0.png"), a)
                cv2.imwrite(os.path.join(out, name + "-1.png"), b)
                result = {}
                for preset, pid in (("ultrafast", 0), ("fast", 1), ("medium", 2)):
                    dis = cv2.DISOpticalFlow_create(pid)
                    times = []
                    for _ in range(3):
                        t0 = time.perf_counter()
                        f = dis.calc(a, b, None)
                        times.append(time.perf_counter() - t0)
                    result[preset] = {"epe": epe(f[..., 0], f[..., 1], gu, gv), "ms": 1e3 * sorted(times)[1]}
                cases.append({"name": name, "flow": params, "opencv": result})
                print(name, {k: round(v["epe"], 3) for k, v in result.items()})
    meta = {"made_by": "tools/reference/flow_pairs.py", "opencv": cv2.__version__, "size": SIZE, "border": BORDER,
            "convention": "frame0(x) = frame1(x + flow(x)); flow = u, v in pixels", "cases": cases}
    with open(os.path.join(out, "pairs.json"), "w") as f:
        json.dump(meta, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Fixtures/flow")
