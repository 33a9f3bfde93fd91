#!/usr/bin/env python3
"""Independent reference for nicer's e_stab: the same formula on OpenCV DIS-medium flow.

    e(t) = sum M (1-occ) sum_c (W(O_t) - O_{t-1})^2 / (3 sum M (1-occ)),  e_stab = mean over t
with fw/bw flow computed on the target (cv2.DISOpticalFlow medium on BT.601 gray), occ by Lai et
al.'s rule (forward-backward check or motion boundary of fw), W = bilinear remap with the border
replicated, M the clip's masks/*.png / 255, RGB / 255.

    pip install opencv-contrib-python-headless numpy
    nicer synth /tmp/clip --seed 1 --frames 16 --size 128x128 --lossless
    python3 tools/reference/estab.py /tmp/clip            # prints JSON: e_stab of target, gt, proxy

tools/reference/estab_fixture.sh regenerates Fixtures/estab_reference.json with it.
"""
import glob, json, os, sys
import numpy as np
import cv2


def frames(path):
    cap = cv2.VideoCapture(path)
    out = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            return out
        out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float64) / 255)


def occlusion(fw, bw):
    h, w = fw.shape[:2]
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    bw_at = cv2.remap(bw, x + fw[..., 0], y + fw[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    s = fw + bw_at
    inconsistent = (s ** 2).sum(-1) > 0.01 * ((fw ** 2).sum(-1) + (bw_at ** 2).sum(-1)) + 0.5
    dx = np.zeros_like(fw); dy = np.zeros_like(fw)
    dx[:, :-1] = fw[:, 1:] - fw[:, :-1]
    dy[:-1, :] = fw[1:, :] - fw[:-1, :]
    boundary = (dx ** 2).sum(-1) + (dy ** 2).sum(-1) > 0.01 * (fw ** 2).sum(-1) + 0.002
    return (inconsistent | boundary).astype(np.float64)


def estab(video, target, masks):
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    gray = [cv2.cvtColor(np.rint(t * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY) for t in target]
    h, w = gray[0].shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    errors = []
    for t in range(1, len(video)):
        fw = dis.calc(gray[t - 1], gray[t], None)
        bw = dis.calc(gray[t], gray[t - 1], None)
        weight = masks[t - 1] * (1 - occlusion(fw, bw))
        warped = cv2.remap(video[t].astype(np.float32), x + fw[..., 0], y + fw[..., 1], cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE).astype(np.float64)
        n = weight.sum()
        if n > 0:
            errors.append(float((weight[..., None] * (warped - video[t - 1]) ** 2).sum() / (3 * n)))
    return float(np.mean(errors))


def main(clip):
    manifest = json.load(open(os.path.join(clip, "manifest.json")))
    files = manifest["files"]
    masks = [cv2.imread(p, cv2.IMREAD_GRAYSCALE).astype(np.float64) / 255
             for p in sorted(glob.glob(os.path.join(clip, "masks", "*.png")))]
    target = frames(os.path.join(clip, files["target"]))
    result = {name: estab(frames(os.path.join(clip, files[name])), target, masks) for name in ("target", "gt", "proxy")}
    result["config"] = manifest["config"]
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
