#!/usr/bin/env python3
"""dlib identity distances between a refined video, its swap and the original, for tools/bench/real.sh.

    pip install dlib-bin opencv-python-headless; tools/setup   (the face-recognition-models files)
    python3 tools/bench/identity.py TARGET SWAP REFINED [FRAMES]

On FRAMES frames spread over the clip (default 10): the largest face dlib's HOG detector finds in
the target's frame, 5 landmarks on each video's own frame inside that box, the 128-d descriptor of
each (compute_face_descriptor), and the Euclidean distances refined~swap, refined~target and
swap~target averaged over the frames (dlib's same-person threshold is 0.6). Prints the three.
"""
import glob, os, sys
import cv2
import dlib
import numpy as np


def model(name):
    """A face-recognition-models file where tools/setup or pip put it."""
    data = os.environ.get("XDG_DATA_HOME", os.path.expanduser("~/.local/share"))
    found = glob.glob(os.path.join(data, "nicer/face_recognition_models/models", name))
    found += glob.glob(os.path.join(sys.prefix, "lib/python3*/site-packages/face_recognition_models/models", name))
    if not found:
        sys.exit("%s not found: run tools/setup (or pip install face-recognition-models)" % name)
    return found[0]


def picked(path, indices):
    """The frames at `indices` (sorted) of a video as RGB, read in one pass, keeping only those."""
    cap, wanted, out, t = cv2.VideoCapture(path), set(indices), {}, 0
    while len(out) < len(wanted) and cap.grab():
        if t in wanted:
            out[t] = np.ascontiguousarray(cv2.cvtColor(cap.retrieve()[1], cv2.COLOR_BGR2RGB))
        t += 1
    return out


def frame_count(path):
    return int(cv2.VideoCapture(path).get(cv2.CAP_PROP_FRAME_COUNT))


def main(target, swap, refined, count=10):
    detector = dlib.get_frontal_face_detector()
    shape5 = dlib.shape_predictor(model("shape_predictor_5_face_landmarks.dat"))
    net = dlib.face_recognition_model_v1(model("dlib_face_recognition_resnet_model_v1.dat"))
    n = min(frame_count(p) for p in (target, swap, refined))
    indices = sorted(set(np.linspace(0, n - 1, min(count, n)).astype(int).tolist()))
    videos = [picked(p, indices) for p in (target, swap, refined)]
    distances = []
    for t in indices:
        if any(t not in v for v in videos):
            continue
        boxes = detector(videos[0][t], 1)
        if not boxes:
            continue
        box = max(boxes, key=lambda b: b.width() * b.height())
        d = [np.array(net.compute_face_descriptor(v[t], shape5(v[t], box))) for v in videos]
        distances.append((np.linalg.norm(d[2] - d[1]), np.linalg.norm(d[2] - d[0]), np.linalg.norm(d[1] - d[0])))
    if not distances:
        sys.exit("no face found in the target's frames")
    print(" ".join("%.3f" % x for x in np.mean(distances, axis=0)))


if __name__ == "__main__":
    main(*sys.argv[1:4], *(int(a) for a in sys.argv[4:5]))
