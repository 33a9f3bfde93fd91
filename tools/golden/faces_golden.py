#!/usr/bin/env python3
"""Golden face boxes and identity embeddings from dlib itself (PyPI dlib-bin) for nicer's MMOD
detector and identity ResNet.

Images: the landmark fixtures (scikit-image's astronaut photo, made by landmarks_golden.py) plus
`astronaut-pair.png`, a 560x300 canvas holding the face twice at two scales (one mirrored), so
the pyramid, the box mapping and non-maximum suppression all matter.
Boxes: cnn_face_detection_model_v1(mmod_human_face_detector.dat)(image, 0) -> detections.json.
Chips: dlib.get_face_chip(image, 5-point shape on the HOG box, 150, 0.25) saved as chip-*.png;
embeddings: face_recognition_model_v1.compute_face_descriptor(chip) (the network on the chip)
and compute_face_descriptor(image, shape) (chip extraction included) -> identity.json.

    tools/setup; pip install dlib-bin scikit-image opencv-python-headless
    python3 tools/golden/faces_golden.py Fixtures/faces
"""
import json, os, sys
import cv2
import dlib
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from landmarks_golden import model5_path  # noqa: E402


def models_dir():
    return os.path.dirname(model5_path())


def load(path):
    return np.ascontiguousarray(cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB))


def main(out):
    face = load(os.path.join(out, "astronaut.png"))
    pair = np.full((300, 560, 3), 96, np.uint8)
    pair[40:260, 20:240] = face
    big = cv2.resize(face[:, ::-1], (280, 280), interpolation=cv2.INTER_AREA)
    pair[10:290, 270:550] = big
    cv2.imwrite(os.path.join(out, "astronaut-pair.png"), cv2.cvtColor(pair, cv2.COLOR_RGB2BGR))

    detector = dlib.cnn_face_detection_model_v1(os.path.join(models_dir(), "mmod_human_face_detector.dat"))
    names = ["astronaut", "astronaut-mirrored", "astronaut-rotated", "astronaut-small", "astronaut-pair"]
    detections = []
    for name in names:
        image = load(os.path.join(out, name + ".png"))
        found = detector(image, 0)
        boxes = [[d.rect.left(), d.rect.top(), d.rect.right(), d.rect.bottom(), d.confidence] for d in found]
        detections.append({"image": name + ".png", "boxes": boxes})
        print(name, boxes)
    with open(os.path.join(out, "detections.json"), "w") as f:
        json.dump({"made_by": "tools/golden/faces_golden.py", "dlib": dlib.__version__, "upsample": 0,
                   "cases": detections}, f)

    hog = dlib.get_frontal_face_detector()
    sp5 = dlib.shape_predictor(model5_path())
    net = dlib.face_recognition_model_v1(os.path.join(models_dir(), "dlib_face_recognition_resnet_model_v1.dat"))
    cases = []
    for name in ["astronaut", "astronaut-rotated"]:
        image = load(os.path.join(out, name + ".png"))
        box = hog(image, 1)[0]
        shape = sp5(image, box)
        chip = dlib.get_face_chip(image, shape, 150, 0.25)
        cv2.imwrite(os.path.join(out, "chip-" + name + ".png"), cv2.cvtColor(chip, cv2.COLOR_RGB2BGR))
        cases.append({"image": name + ".png", "chip": "chip-" + name + ".png",
                      "points5": [[shape.part(i).x, shape.part(i).y] for i in range(5)],
                      "chip_embedding": list(net.compute_face_descriptor(chip)),
                      "image_embedding": list(net.compute_face_descriptor(image, shape))})
        print(name, cases[-1]["chip_embedding"][:4])
    with open(os.path.join(out, "identity.json"), "w") as f:
        json.dump({"made_by": "tools/golden/faces_golden.py", "dlib": dlib.__version__, "chip_size": 150,
                   "padding": 0.25, "cases": cases}, f)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Fixtures/faces")
