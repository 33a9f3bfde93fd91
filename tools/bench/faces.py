#!/usr/bin/env python3
"""dlib's timings beside `nicer bench faces`: the MMOD detector on the same stretched frames and
the identity descriptor on a 150x150 chip (dlib-bin from PyPI, CPU; threads as the machine gives).

    pip install dlib-bin opencv-python-headless; tools/setup
    python3 tools/bench/faces.py Fixtures/faces/astronaut-pair.png 640x360,1920x1080 5
"""
import os, sys, time
import cv2
import dlib
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "golden"))
from landmarks_golden import model5_path  # noqa: E402


def stretched(image, w, h):
    return np.ascontiguousarray(cv2.resize(image, (w, h), interpolation=cv2.INTER_NEAREST))


def timed(fn, repeats):
    fn()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) * 1000 / repeats


def main(path, sizes, repeats):
    models = os.path.dirname(model5_path())
    photo = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
    detector = dlib.cnn_face_detection_model_v1(os.path.join(models, "mmod_human_face_detector.dat"))
    for size in sizes.split(","):
        w, h = map(int, size.split("x"))
        frame = stretched(photo, w, h)
        print("dlib detector %dx%d: %.1f ms/frame (%d faces)" % (w, h, timed(lambda: detector(frame, 0), repeats), len(detector(frame, 0))))
    net = dlib.face_recognition_model_v1(os.path.join(models, "dlib_face_recognition_resnet_model_v1.dat"))
    chip = stretched(photo, 150, 150)
    print("dlib identity descriptor: %.2f ms/face" % timed(lambda: net.compute_face_descriptor(chip), repeats))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "640x360,1920x1080", int(sys.argv[3]) if len(sys.argv) > 3 else 5)
