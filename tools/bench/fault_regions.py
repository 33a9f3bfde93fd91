#!/usr/bin/env python3
"""Face-region PSNR to the truth of a synth clip's videos, split by the manifest's fault boxes.

The proxy of a `nicer synth` clip differs from its truth where faults were drawn (manifest.json
lists each frame's fault boxes) and, with the default faults, everywhere through pump and jitter.
This splits the masked PSNR (the same mask weighting as `nicer compare --truth`) into pixels inside
a frame's fault boxes (all, then by fault kind) and the rest, so a method's gain can be placed: suppressing the faults, or
fitting the swap where the proxy was right. Needs numpy and ffmpeg.

    python3 tools/bench/fault_regions.py CLIP NAME=VIDEO [NAME=VIDEO ...]
    python3 tools/bench/fault_regions.py /tmp/b/seed1 proxy=/tmp/b/seed1/proxy.mkv refined=/tmp/b/seed1-refined/refined.mp4
"""
import json
import math
import subprocess
import sys

import numpy as np


def decode(path, pix_fmt, channels, frames):
    raw = subprocess.run(["ffmpeg", "-loglevel", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"],
                         check=True, capture_output=True).stdout
    values = np.frombuffer(raw, np.uint8).astype(np.float64)
    return values.reshape(frames, -1, channels)


def psnr(squared, weight):
    if weight <= 0:
        return None
    mse = squared / weight
    return math.inf if mse == 0 else 10 * math.log10(255 ** 2 / mse)


def main():
    if len(sys.argv) < 3 or any("=" not in a for a in sys.argv[2:]):
        sys.exit(__doc__)
    clip = sys.argv[1]
    manifest = json.load(open(clip + "/manifest.json"))
    frames = manifest["frames"]
    width, height = manifest["config"]["width"], manifest["config"]["height"]
    truth = decode(clip + "/gt.mkv", "rgb24", 3, len(frames))
    masks = decode(clip + "/masks/%06d.png", "gray", 1, len(frames))[..., 0] / 255
    kinds = sorted({region["fault"] for frame in frames for region in frame["regions"]})
    boxes = {kind: np.zeros((len(frames), height, width), bool) for kind in kinds}
    for k, frame in enumerate(frames):
        for region in frame["regions"]:
            left, top, right, bottom = region["box"]
            boxes[region["fault"]][k, top:bottom, left:right] = True
    boxes = {kind: b.reshape(len(frames), -1) for kind, b in boxes.items()}
    inside = np.zeros((len(frames), height * width), bool)
    for b in boxes.values():
        inside |= b
    selections = [inside] + [boxes[kind] for kind in kinds] + [~inside, np.ones_like(inside)]
    titles = ["fault boxes"] + kinds + ["elsewhere", "whole face"]
    print("%-12s" % "video" + "".join("%12s" % t for t in titles))
    for name, path in (a.split("=", 1) for a in sys.argv[2:]):
        video = decode(path, "rgb24", 3, len(frames))
        squared = ((video - truth) ** 2).sum(axis=2)
        cells = []
        for select in selections:
            value = psnr((squared * masks * select).sum(), 3 * (masks * select).sum())
            cells.append("-" if value is None else "%.2f" % value)
        print("%-12s" % name + "".join("%12s" % c for c in cells))


if __name__ == "__main__":
    main()
