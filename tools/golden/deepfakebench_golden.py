#!/usr/bin/env python3
"""Golden face crops and frame choices as DeepfakeBench's preprocessing makes them, for
`nicer batch run --export deepfakebench`.

Crop (DeepfakeBench preprocessing/preprocess.py, img_align_crop): five of dlib's 68 landmarks
(37, 44, 30, 49, 55) mapped by a least-squares similarity (scikit-image's SimilarityTransform)
onto the ArcFace 112-px template shifted 8 px right, scaled to the output size, with a margin of
(scale - 1) / 2 of the size on each side (scale 1.3), then cv2.warpAffine (bilinear, black
border). Frames (fixed_num_frames): np.linspace(0, count - 1, n, dtype=int).

Inputs: the landmark fixtures (astronaut photos and dlib's 68 points, landmarks_golden.py).
Writes dfb-crop-<image>.png (128 x 128, to keep the fixture small; the formula takes the size)
and deepfakebench.json (the similarity per image and frame lists for a few clip lengths).

    pip install opencv-python-headless scikit-image numpy
    python3 tools/golden/deepfakebench_golden.py Fixtures/faces
"""
import json, os, sys
import cv2
import numpy as np
from skimage import transform

POINTS = [37, 44, 30, 49, 55]
SIZE = 128
SCALE = 1.3


def template(size, scale):
    dst = np.array([[30.2946, 51.6963], [65.5318, 51.5014], [48.0252, 71.7366],
                    [33.5493, 92.3655], [62.7299, 92.2041]], dtype=np.float64)
    dst[:, 0] += 8.0
    dst *= size / 112.0
    margin = size * (scale - 1) / 2.0
    dst += margin
    dst *= size / (size + 2 * margin)
    return dst


def main(out):
    cases = json.load(open(os.path.join(out, "landmarks.json")))["cases"]
    golden = {"made_by": "tools/golden/deepfakebench_golden.py", "size": SIZE, "scale": SCALE,
              "points": POINTS, "crops": [], "frames": []}
    for case in cases:
        image = cv2.imread(os.path.join(out, case["image"]))
        src = np.array([case["points"][i] for i in POINTS], dtype=np.float64)
        tform = transform.SimilarityTransform()
        assert tform.estimate(src, template(SIZE, SCALE))
        matrix = tform.params[0:2, :]
        crop = cv2.warpAffine(image, matrix, (SIZE, SIZE))
        name = "dfb-crop-" + case["image"]
        cv2.imwrite(os.path.join(out, name), crop)
        golden["crops"].append({"image": case["image"], "crop": name, "matrix": matrix.tolist()})
    for count in [1, 5, 32, 33, 100, 397]:
        golden["frames"].append({"count": count, "n": 32,
                                 "indices": sorted(set(np.linspace(0, count - 1, 32, endpoint=True, dtype=int).tolist()))})
    with open(os.path.join(out, "deepfakebench.json"), "w") as f:
        json.dump(golden, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
