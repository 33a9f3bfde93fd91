#!/usr/bin/env python3
"""Golden 68-point landmarks from dlib itself (PyPI dlib-bin) for nicer's shape predictor.

Images: scikit-image's astronaut photo (public domain, shipped by the scikit-image wheel), cropped
around the face and varied (as is, mirrored, rotated 12 degrees, scaled 0.7), saved as small PNGs.
Boxes come from dlib's HOG frontal face detector on each image; points from
shape_predictor_68_face_landmarks.dat (Debian libdlib-data) and shape_predictor_5_face_landmarks.dat
(PyPI face-recognition-models). Writes Fixtures/faces/*.png and Fixtures/faces/landmarks.json.

    apt-get install libdlib-data; pip install dlib-bin scikit-image opencv-python-headless
    python3 tools/golden/landmarks_golden.py Fixtures/faces
"""
import json, os, sys
import cv2
import dlib
import numpy as np
from skimage import data

MODEL = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"


def main(out):
    os.makedirs(out, exist_ok=True)
    photo = data.astronaut()  # RGB uint8, 512x512
    crop = photo[10:230, 110:330]
    h, w = crop.shape[:2]
    rot = cv2.warpAffine(crop, cv2.getRotationMatrix2D((w / 2, h / 2), 12, 1.0), (w, h), borderMode=cv2.BORDER_REFLECT)
    variants = {"astronaut": crop, "astronaut-mirrored": crop[:, ::-1].copy(), "astronaut-rotated": rot,
                "astronaut-small": cv2.resize(crop, (int(w * 0.7), int(h * 0.7)), interpolation=cv2.INTER_AREA)}
    detector, predictor = dlib.get_frontal_face_detector(), dlib.shape_predictor(MODEL)
    predictor5 = dlib.shape_predictor(model5_path())
    cases = []
    for name, image in variants.items():
        image = np.ascontiguousarray(image)
        cv2.imwrite(os.path.join(out, name + ".png"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        boxes = detector(image, 1)
        assert len(boxes) == 1, (name, len(boxes))
        b = boxes[0]
        shape, shape5 = predictor(image, b), predictor5(image, b)
        cases.append({"image": name + ".png", "box": [b.left(), b.top(), b.right(), b.bottom()],
                      "points": [[shape.part(i).x, shape.part(i).y] for i in range(shape.num_parts)],
                      "points5": [[shape5.part(i).x, shape5.part(i).y] for i in range(shape5.num_parts)]})
        print(name, cases[-1]["box"], cases[-1]["points"][:3])
    with open(os.path.join(out, "landmarks.json"), "w") as f:
        json.dump({"made_by": "tools/golden/landmarks_golden.py", "dlib": dlib.__version__, "model": MODEL,
                   "model5": "face-recognition-models 0.3.0 " + os.path.basename(model5_path()), "cases": cases}, f)


def model5_path():
    """The 5-point model where pip or tools/setup put it."""
    import glob
    data = os.environ.get("XDG_DATA_HOME", os.path.expanduser("~/.local/share"))
    found = glob.glob(os.path.join(data, "nicer/face_recognition_models/models/shape_predictor_5_face_landmarks.dat"))
    found += glob.glob(os.path.join(sys.prefix, "lib/python3*/site-packages/face_recognition_models/models/"
                                    "shape_predictor_5_face_landmarks.dat"))
    assert found, "install face-recognition-models (pip) or run tools/setup"
    return found[0]


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Fixtures/faces")
