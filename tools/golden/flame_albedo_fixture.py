"""Writes Fixtures/flame/synthetic_uv.obj, synthetic_albedo.npz, compressed.npz and albedo_golden.json.

A texture layout for the synthetic 62-vertex FLAME-structured head of flame_fixture.py (same
triangles, a frontal UV projection; OBJ `vt` with v up, faces `v/vt`) and a small albedo space in
the structure of FLAME_albedo_from_BFM.npz: MU (S*S*3,) and PC (S*S*3, K), BGR channel order,
values in 0..1, written by np.savez (uncompressed; numpy forces zip64 headers). The golden file
holds the space resampled onto a T x T grid by plain numpy: texel (x, y) at uv ((x+.5)/T, (y+.5)/T)
-> texture pixel (u*S - .5, v*S - .5), bilinear with the border clamped, BGR -> RGB.
compressed.npz is the same arrays through np.savez_compressed (nicer must reject it clearly).

    python3 tools/golden/flame_albedo_fixture.py [OUT_DIR]    (numpy only)
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flame_fixture import head  # noqa: E402

S, K, T = 16, 6, 8


def bilinear(img, px, py):
    px, py = min(max(px, 0), S - 1), min(max(py, 0), S - 1)
    x0, y0 = int(px), int(py)
    x1, y1 = min(x0 + 1, S - 1), min(y0 + 1, S - 1)
    fx, fy = px - x0, py - y0
    top = img[y0, x0] + (img[y0, x1] - img[y0, x0]) * fx
    bottom = img[y1, x0] + (img[y1, x1] - img[y1, x0]) * fx
    return top + (bottom - top) * fy


def main(out):
    rng = np.random.default_rng(11)
    v, f = head(rng)
    uv = np.stack([0.5 + 0.45 * v[:, 0] / 0.8, 0.5 + 0.45 * v[:, 1] / 1.2], axis=1)
    with open(os.path.join(out, "synthetic_uv.obj"), "w") as obj:
        obj.write("# synthetic FLAME-structured head: texture layout (tools/golden/flame_albedo_fixture.py)\n")
        for p in v:
            obj.write("v %.6f %.6f %.6f\n" % tuple(p))
        for t in uv:
            obj.write("vt %.6f %.6f\n" % tuple(t))
        for tri in f:
            obj.write("f %d/%d %d/%d %d/%d\n" % (tri[0] + 1, tri[0] + 1, tri[1] + 1, tri[1] + 1, tri[2] + 1, tri[2] + 1))

    yy, xx = np.mgrid[0:S, 0:S] / (S - 1)
    mean_rgb = np.stack([0.55 + 0.2 * xx, 0.4 + 0.1 * yy, 0.35 + 0.05 * xx * yy], axis=-1)
    comps_rgb = rng.normal(scale=0.05, size=(S, S, 3, K))
    mu = mean_rgb[..., ::-1].reshape(-1)
    pc = comps_rgb[:, :, ::-1, :].reshape(-1, K)
    np.savez(os.path.join(out, "synthetic_albedo.npz"), MU=mu, PC=pc)
    np.savez_compressed(os.path.join(out, "compressed.npz"), MU=mu.astype(np.float32)[:48], PC=pc.astype(np.float32)[:48])

    back = np.load(os.path.join(out, "synthetic_albedo.npz"))
    mu_img = back["MU"].reshape(S, S, 3)[..., ::-1]
    pc_img = back["PC"].reshape(S, S, 3, K)[:, :, ::-1, :]
    mean, basis = [], [[] for _ in range(K)]
    for i in range(T * T):
        px = (i % T + 0.5) / T * S - 0.5
        py = (i // T + 0.5) / T * S - 0.5
        mean.append(bilinear(mu_img, px, py).tolist())
        for k in range(K):
            basis[k].append(bilinear(pc_img[..., k], px, py).tolist())
    with open(os.path.join(out, "albedo_golden.json"), "w") as g:
        json.dump({"made_by": "tools/golden/flame_albedo_fixture.py (numpy bilinear)", "textureSize": T, "components": K,
                   "mean": mean, "basis": basis, "vertexUV": [[float(a), float(1 - b)] for a, b in uv]}, g)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Fixtures/flame")
