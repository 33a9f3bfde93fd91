#!/usr/bin/env python3
"""StillBlend's rule applied after the fact to a finished real.sh pair, to choose its constants
without fitting again (docs/real-footage.md, "Still frames, blended").

    python3 tools/bench/still_blend.py WORK STRENGTH LEVEL RADIUS OUT.mp4 [--mask-only] [--no-hysteresis]

WORK is one pair's folder of `BENCH_DIR=… tools/bench/real.sh` (target.mp4, out/refined.mp4,
out/masks/, out/report.json). Each delivered frame is blended towards the last written one by
STRENGTH · max(0, 1 − c/LEVEL), c the original's largest change t−1 → t in any channel within
RADIUS px, where the paste mask of t or t−1 grown by RADIUS is non-zero (--mask-only: weighted by
the mask of t instead); a blended pixel is rewritten only once it moves a whole level. Written at
the run's own CRF in 4:4:4 to WORK/OUT.mp4; score it like real.sh (`nicer compare … --proxy
refined=WORK/OUT.mp4`). Not the tool's output: the input is the delivered video, already coded
once, and is coded again, so figures differ from refine's own (which blends before coding).
"""
import json, os, subprocess, sys
import cv2
import numpy as np


def frames(path):
    cap, out = cv2.VideoCapture(path), []
    while True:
        ok, frame = cap.read()
        if not ok:
            return out
        out.append(frame)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 5:
        sys.exit(__doc__)
    work, strength, level, radius, out = args[0], float(args[1]), float(args[2]), int(args[3]), args[4]
    mask_only, hysteresis = "--mask-only" in sys.argv, "--no-hysteresis" not in sys.argv
    target, refined = frames(work + "/target.mp4"), frames(work + "/out/refined.mp4")
    masks = sorted(os.listdir(work + "/out/masks"))
    h, w = refined[0].shape[:2]
    crf = json.load(open(work + "/out/report.json"))["encoding"]["crf"]
    enc = subprocess.Popen(["ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w}x{h}",
                            "-r", "25", "-i", "-", "-c:v", "libx264", "-crf", str(crf), "-pix_fmt", "yuv444p",
                            os.path.join(work, out)], stdin=subprocess.PIPE)
    window = np.ones((2 * radius + 1, 2 * radius + 1), np.uint8)
    blend = written = last_mask = None
    for t, frame in enumerate(refined):
        mask = cv2.imread(os.path.join(work, "out/masks", masks[t]), cv2.IMREAD_UNCHANGED)
        current = frame.astype(np.float32)
        out_frame = np.round(current)
        if blend is not None and strength > 0:
            if mask_only:
                support = mask.astype(np.float32) / 255
            else:
                support = (cv2.dilate(np.maximum(mask, last_mask), window) > 0).astype(np.float32)
            change = np.abs(target[t].astype(np.int16) - target[t - 1].astype(np.int16)).max(axis=2).astype(np.uint8)
            change = cv2.dilate(change, window).astype(np.float32)
            gate = (strength * np.clip(1 - change / level, 0, 1) * support)[..., None]
            current = current + gate * (blend - current)
            out_frame = np.clip(np.round(current), 0, 255)
            if hysteresis:
                out_frame = np.where((np.abs(current - written) < 1) & (gate > 0), written, out_frame)
        blend, written, last_mask = current, out_frame, mask
        enc.stdin.write(out_frame.astype(np.uint8).tobytes())
    enc.stdin.close()
    enc.wait()


if __name__ == "__main__":
    main()
