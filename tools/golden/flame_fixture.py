#!/usr/bin/env python3
"""A small synthetic head model in FLAME's exact pickle structure, its landmark embedding, and
golden posed vertices from this script's own numpy linear blend skinning.

FLAME's generic_model.pkl is a Python 2 protocol-2 pickle of a dict: numpy arrays pickled through
numpy.core.multiarray._reconstruct, chumpy `Ch` objects (class chumpy.ch.Ch, NEWOBJ + a state
dict holding the array under 'x') for v_template/shapedirs/weights, and a scipy.sparse
csc_matrix (NEWOBJ + state dict) for J_regressor. This script writes those opcodes itself — the
same ones a Python 2 pickler emits, memo puts/gets included — because neither chumpy nor
Python 2 runs here; it then loads the file back with Python's own unpickler (stub chumpy class)
to prove it is a valid pickle of the intended objects.

Model: an ellipsoid head of 62 vertices / 120 triangles, 5 joints (global, neck, jaw, eyeL, eyeR;
FLAME's kintree), 10 shape + 100 expression blendshapes (FLAME keeps the last 100 of shapedirs
for expression), 36 pose correctives. Embedding: TF_FLAME's 68-landmark layout (lmk_face_idx,
lmk_b_coords) plus dynamic contour tables (79 yaw bins, indexed as DECA indexes them, x 17
contour points, as DECA's dynamic_lmk_faces_idx / dynamic_lmk_bary_coords) chosen on the silhouette.

    python3 tools/golden/flame_fixture.py Fixtures/flame
writes synthetic_flame.pkl, synthetic_embedding.pkl and flame_golden.json (3 parameter sets ->
posed vertices, joints and the 68 landmarks in 3D).
"""
import json, os, struct, sys, types
import numpy as np


# ---------------------------------------------------------------- a Python 2 style pickler
class Py2Pickle:
    def __init__(self):
        self.out = bytearray(b"\x80\x02")
        self.memo = {}
        self.puts = 0

    def put(self):
        self.puts += 1  # like Python 2: 1-byte puts first, 4-byte ones past 255
        n = self.puts
        self.out += b"r" + struct.pack("<I", n) if n > 255 else b"q" + bytes([n])
        return n

    def glob(self, module, name):
        key = ("g", module, name)
        if key in self.memo:
            n = self.memo[key]
            self.out += b"h" + bytes([n]) if n < 256 else b"j" + struct.pack("<I", n)
            return
        self.out += b"c" + module.encode() + b"\n" + name.encode() + b"\n"
        self.memo[key] = self.put()

    def string(self, s):
        b = s if isinstance(s, bytes) else s.encode("latin1")
        if len(b) < 256:
            self.out += b"U" + bytes([len(b)]) + b
        else:
            self.out += b"T" + struct.pack("<i", len(b)) + b

    def int(self, v):
        if 0 <= v < 256:
            self.out += b"K" + bytes([v])
        elif 0 <= v < 65536:
            self.out += b"M" + struct.pack("<H", v)
        elif -2**31 <= v < 2**31:
            self.out += b"J" + struct.pack("<i", v)
        else:
            raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
            self.out += b"\x8a" + bytes([len(raw)]) + raw

    def tuple(self, items):
        if len(items) == 0:
            self.out += b")"
            return
        if len(items) <= 3:
            for i in items: self.value(i)
            self.out += [b"\x85", b"\x86", b"\x87"][len(items) - 1]
        else:
            self.out += b"("
            for i in items: self.value(i)
            self.out += b"t"
        self.put()

    def dtype(self, dt):
        self.glob("numpy", "dtype")
        self.tuple([dt.str[1:], 0, 1])
        self.out += b"R"
        self.put()
        order = "|" if dt.itemsize == 1 else "<"
        self.tuple([3, order, None, None, None, -1, -1, 0])
        self.out += b"b"

    def array(self, a):
        a = np.ascontiguousarray(a)
        self.glob("numpy.core.multiarray", "_reconstruct")
        self.glob("numpy", "ndarray")
        self.tuple([0])
        self.string(b"b")
        self.out += b"\x87"
        self.put()
        self.out += b"R"
        self.put()
        self.out += b"("
        self.int(1)
        self.tuple(list(a.shape))
        self.dtype(a.dtype)
        self.out += b"\x89"
        self.string(a.astype(a.dtype.newbyteorder("<")).tobytes())
        self.out += b"t"
        self.put()
        self.out += b"b"

    def newobj(self, module, name, state):
        self.glob(module, name)
        self.out += b")\x81"
        self.put()
        self.dict(state)
        self.out += b"b"

    def dict(self, d):
        self.out += b"}"
        self.put()
        self.out += b"("
        for k, v in d.items():
            self.string(k)
            self.value(v)
        self.out += b"u"

    def value(self, v):
        if v is None: self.out += b"N"
        elif v is True: self.out += b"\x88"
        elif v is False: self.out += b"\x89"
        elif isinstance(v, int): self.int(v)
        elif isinstance(v, float): self.out += b"G" + struct.pack(">d", v)
        elif isinstance(v, (str, bytes)): self.string(v)
        elif isinstance(v, (tuple, list)): self.tuple(list(v))
        elif isinstance(v, np.ndarray): self.array(v)
        elif isinstance(v, dict): self.dict(v)
        elif isinstance(v, Ch): self.newobj("chumpy.ch", "Ch", {"x": v.x, "_dirty_vars": None})
        elif isinstance(v, Csc): self.newobj("scipy.sparse.csc", "csc_matrix", {
            "_shape": v.shape, "format": "csc", "maxprint": 50,
            "indices": v.indices, "indptr": v.indptr, "data": v.data})
        else: raise TypeError(type(v))

    def finish(self):
        return bytes(self.out + b".")


class Ch:
    def __init__(self, x=None): self.x = x
    def __setstate__(self, state): self.__dict__.update(state)


class Csc:
    def __init__(self, dense):
        self.shape = dense.shape
        cols = [np.nonzero(dense[:, j])[0] for j in range(dense.shape[1])]
        self.indices = np.concatenate(cols).astype(np.int32)
        self.indptr = np.cumsum([0] + [len(c) for c in cols]).astype(np.int32)
        self.data = np.concatenate([dense[c, j] for j, c in enumerate(cols)]).astype(np.float64)
    def __setstate__(self, state): self.__dict__.update(state); self.shape = state["_shape"]


def dump(obj, path):
    p = Py2Pickle()
    p.value(obj)
    with open(path, "wb") as f:
        f.write(p.finish())


def load_back(path):
    """Python's own unpickler, chumpy and scipy's old csc module stubbed."""
    ch = types.ModuleType("chumpy.ch"); ch.Ch = Ch
    csc = types.ModuleType("scipy.sparse.csc"); csc.csc_matrix = Csc
    sys.modules.update({"chumpy": types.ModuleType("chumpy"), "chumpy.ch": ch, "scipy.sparse.csc": csc})
    import pickle
    with open(path, "rb") as f:
        return pickle.load(f, encoding="latin1")


# ---------------------------------------------------------------- the synthetic head
def head(rng, rings=6, lon=10):
    verts = [(0.0, 1.2, 0.0)]
    for i in range(1, rings + 1):
        theta = np.pi * i / (rings + 1)
        for j in range(lon):
            phi = 2 * np.pi * j / lon
            verts.append((0.8 * np.sin(theta) * np.sin(phi), 1.2 * np.cos(theta), 0.9 * np.sin(theta) * np.cos(phi)))
    verts.append((0.0, -1.2, 0.0))
    v = np.array(verts)
    ring = lambda i, j: 1 + (i - 1) * lon + (j % lon)
    faces = [(0, ring(1, j), ring(1, j + 1)) for j in range(lon)]
    for i in range(1, rings):
        for j in range(lon):
            a, b, c, d = ring(i, j), ring(i, j + 1), ring(i + 1, j), ring(i + 1, j + 1)
            faces += [(a, c, b), (b, c, d)]
    bottom = len(v) - 1
    faces += [(bottom, ring(rings, j + 1), ring(rings, j)) for j in range(lon)]
    return v, np.array(faces, dtype=np.uint32)


def model(rng, rings=6, lon=10, shape_components=10):
    v, f = head(rng, rings, lon)
    n = len(v)
    x, y, z = v[:, 0], v[:, 1], v[:, 2]
    # Skinning: jaw = lower front, eyes = upper front left/right, neck = lower back, global = rest.
    jaw = np.clip((-y - 0.2) * 2, 0, 1) * np.clip(z * 2, 0, 1)
    eye_l = np.exp(-((x - 0.3) ** 2 + (y - 0.35) ** 2) / 0.05) * (z > 0)
    eye_r = np.exp(-((x + 0.3) ** 2 + (y - 0.35) ** 2) / 0.05) * (z > 0)
    neck = np.clip(-y, 0, 1) * (1 - jaw)
    glob = np.full(n, 0.3)
    w = np.stack([glob, neck, jaw, eye_l, eye_r], 1)
    w /= w.sum(1, keepdims=True)
    # Joint regressor: averages of vertex groups.
    groups = [np.argsort(-y)[-11:], np.argsort(np.abs(y + 0.6))[:10], np.argsort(np.abs(y + 0.5) + np.abs(z - 0.7))[:4],
              np.argsort((x - 0.3) ** 2 + (y - 0.35) ** 2 + (z - 0.8) ** 2)[:3],
              np.argsort((x + 0.3) ** 2 + (y - 0.35) ** 2 + (z - 0.8) ** 2)[:3]]
    jreg = np.zeros((5, n))
    for k, g in enumerate(groups): jreg[k, g] = 1.0 / len(g)
    # Blendshapes: smooth fields (quadratic and cubic in the rest position, so no blendshape is a
    # translation, scaling or rotation the camera and pose would absorb) with decaying scale.
    def smooth_dirs(count, scale, decay):
        basis = np.stack([x * y, y * z, z * x, x * x, y * y, z * z, x ** 3, y ** 3, x * y * z, x * x * y], 1)
        d = np.einsum("nb,bck->nck", basis, rng.normal(size=(basis.shape[1], 3, count)))
        return d * (scale * np.exp(-np.arange(count) / decay))
    # Expressions move the lower front of the face (mouth, jaw, cheeks) only, as FLAME's do mostly.
    lower_front = (np.clip(0.4 - y, 0, 1) * np.clip(z, 0, 1))[:, None, None]
    shapedirs = np.concatenate([smooth_dirs(shape_components, 0.03, 10.0), smooth_dirs(100, 0.04, 3.0) * lower_front], 2)
    posedirs = rng.normal(scale=0.003, size=(n, 3, 36))
    kintree = np.array([[4294967295, 0, 1, 1, 1], [0, 1, 2, 3, 4]], dtype=np.int64)
    return {
        "f": f, "v_template": Ch(v), "shapedirs": Ch(shapedirs), "posedirs": posedirs,
        "J_regressor": Csc(jreg), "weights": Ch(w), "kintree_table": kintree,
        "J": jreg @ v, "bs_style": "lbs", "bs_type": "lrotmin",
    }


def embedding(v, f, rng):
    """68 landmarks on front faces; contour tables per yaw bin on the silhouette."""
    centroid = v[f].mean(1)
    front = np.nonzero(centroid[:, 2] > 0.25)[0]
    idx = rng.choice(front, 68, replace=len(front) < 68)
    bary = rng.dirichlet([4, 4, 4], 68)
    dyn_idx = np.zeros((79, 17), np.int64)
    dyn_bary = np.zeros((79, 17, 3))
    for b in range(79):
        # DECA's bins: index a for y_rot_angle = -yaw(deg) = a in 0..39, index 39 - a for a in -39..-1.
        angle = b if b <= 39 else 39 - b
        yaw = np.radians(-angle)
        # Silhouette of the head turned by yaw, seen along z: faces whose normal is most sideways.
        rot = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
        c = centroid @ rot.T
        for k in range(17):
            side = -1 if k < 8 else (1 if k > 8 else 0)
            height = -0.2 - 0.9 * (1 - abs(k - 8) / 8)
            target = np.array([side * 0.7 * abs(k - 8) / 8 + (0 if side else 0), height, 0.5])
            score = np.linalg.norm(c[:, :2] - target[:2], axis=1) - 0.1 * c[:, 2]
            dyn_idx[b, k] = int(np.argmin(score))
            dyn_bary[b, k] = [1 / 3, 1 / 3, 1 / 3]
    return {"lmk_face_idx": idx.astype(np.int64), "lmk_b_coords": bary,
            "dynamic_lmk_faces_idx": dyn_idx, "dynamic_lmk_bary_coords": dyn_bary}


def rodrigues(r):
    angle = np.linalg.norm(r + 1e-8)
    k = r / angle
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(angle) * K + (1 - np.cos(angle)) * K @ K


def lbs(m, beta, psi, pose):
    """FLAME's forward pass (as DECA's lbs): blendshapes, joints, pose correctives, skinning."""
    v_t, sd, pd = m["v_template"].x, m["shapedirs"].x, m["posedirs"]
    coeffs = np.concatenate([beta, psi])
    v_shaped = v_t + np.einsum("nck,k->nc", sd, coeffs)
    jreg = np.zeros(m["J_regressor"].shape)
    c = m["J_regressor"]
    for j in range(jreg.shape[1]):
        for p in range(c.indptr[j], c.indptr[j + 1]): jreg[c.indices[p], j] = c.data[p]
    J = jreg @ v_shaped
    R = np.stack([rodrigues(p) for p in pose])
    feature = (R[1:] - np.eye(3)).reshape(-1)
    v_posed = v_shaped + np.einsum("nck,k->nc", pd, feature)
    parents = m["kintree_table"][0]
    G = np.zeros((5, 4, 4))
    for j in range(5):
        T = np.eye(4); T[:3, :3] = R[j]
        T[:3, 3] = J[j] - (J[parents[j]] if j > 0 else 0)
        G[j] = T if j == 0 else G[parents[j]] @ T
    joints = G[:, :3, 3].copy()
    A = G.copy()
    for j in range(5): A[j, :3, 3] -= G[j, :3, :3] @ J[j]
    T = np.einsum("nj,jab->nab", m["weights"].x, A)
    out = np.einsum("nab,nb->na", T[:, :3, :3], v_posed) + T[:, :3, 3]
    return out, joints


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    m = model(rng)
    e = embedding(m["v_template"].x, m["f"], rng)
    dump(m, os.path.join(out, "synthetic_flame.pkl"))
    dump(e, os.path.join(out, "synthetic_embedding.pkl"))
    m = load_back(os.path.join(out, "synthetic_flame.pkl"))
    e = load_back(os.path.join(out, "synthetic_embedding.pkl"))
    assert m["shapedirs"].x.shape == (62, 3, 110) and m["J_regressor"].shape == (5, 62)

    cases = []
    for k in range(3):
        beta = rng.normal(size=10) * (0 if k == 0 else 1)
        psi = np.zeros(100); psi[:8] = rng.normal(size=8) * (0 if k == 0 else 1.5)
        pose = rng.normal(scale=0.25, size=(5, 3)) * (0 if k == 0 else 1)
        verts, joints = lbs(m, beta, psi, pose)
        tri = m["f"][e["lmk_face_idx"]]
        lmk = np.einsum("lk,lkc->lc", e["lmk_b_coords"], verts[tri])
        cases.append({"beta": beta.tolist(), "psi": psi.tolist(), "pose": pose.tolist(),
                      "vertices": verts.tolist(), "joints": joints.tolist(), "landmarks": lmk.tolist()})
    with open(os.path.join(out, "flame_golden.json"), "w") as f:
        json.dump({"made_by": "tools/golden/flame_fixture.py (numpy LBS, as DECA's lbs)", "cases": cases}, f)


def full_size(out):
    """A model at FLAME's own scale (5 042 vertices, 10 080 triangles, 300 shape + 100 expression
    components) for timing the fitter, not for Fixtures/ (~50 MB)."""
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    m = model(rng, rings=72, lon=70, shape_components=300)
    dump(m, os.path.join(out, "full_size_flame.pkl"))
    dump(embedding(m["v_template"].x, m["f"], rng), os.path.join(out, "full_size_embedding.pkl"))
    print("wrote", out, "with", len(m["v_template"].x), "vertices and", len(m["f"]), "triangles")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--full-size":
        full_size(sys.argv[2])  # python3 tools/golden/flame_fixture.py --full-size /tmp/flame
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "Fixtures/flame")
