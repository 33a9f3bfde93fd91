#!/usr/bin/env python3
"""How well each pair's two files agree in layout, as `nicer refine`'s pair check sees it.

    python3 tools/bench/pair_correlation.py DIR [FRAMES] [ORIGINAL_SUFFIX SWAP_SUFFIX]
    python3 tools/bench/pair_correlation.py ../shared/data/dfl 100
    python3 tools/bench/pair_correlation.py ../shared/data/ffpp 100 _original.mp4 _

Per pair: the correlation of the two videos' 32x32 grey thumbnails (every (width/32)-th pixel,
the mean of R, G and B: PairCheck's sampling) over the first FRAMES frames, its minimum and
median. A swap keeps the frame but the face (real pairs: 0.79 and up); a file of another picture
does not. Needs opencv-python-headless.
"""
import glob, os, sys
import cv2
import numpy as np


def thumbnails(path, count):
    capture, out = cv2.VideoCapture(path), []
    while len(out) < count:
        ok, frame = capture.read()
        if not ok:
            break
        h, w = frame.shape[:2]
        ys, xs = (np.arange(32) * h) // 32, (np.arange(32) * w) // 32
        out.append(frame[ys][:, xs].astype(np.float64).mean(axis=2))
    return out


def correlation(a, b):
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum() + 1e-12))


def main(folder, frames=100, original="_original.mp4", swap="_deepfacelive.mp4"):
    print("%-22s %6s %6s" % ("pair", "min", "median"))
    for target in sorted(glob.glob(os.path.join(folder, "*" + original))):
        name = os.path.basename(target)[: -len(original)]
        candidates = [p for p in sorted(glob.glob(os.path.join(folder, name + "_*.mp4"))) if p != target] if swap == "_" \
            else [os.path.join(folder, name + swap)]
        if not candidates or not os.path.exists(candidates[0]):
            continue
        r = [correlation(a, b) for a, b in zip(thumbnails(target, frames), thumbnails(candidates[0], frames))]
        print("%-22s %6.2f %6.2f" % (name, min(r), float(np.median(r))))


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0], *(int(a) for a in args[1:2]), *args[2:4])
