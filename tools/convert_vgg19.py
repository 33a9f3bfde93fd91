#!/usr/bin/env python3
"""Converts torchvision's VGG19 weights to the safetensors file `nicer refine --features vgg19`
reads (`--vgg-weights FILE` or NICER_VGG19).

nicer downloads nothing: get torchvision's file yourself (it is what
`torchvision.models.vgg19(weights="IMAGENET1K_V1")` fetches, vgg19-dcbb9e9d.pth; its terms are
torchvision's and the VGG authors' — check them for your use), then

    pip install torch safetensors
    python3 tools/convert_vgg19.py vgg19-dcbb9e9d.pth vgg19-features.safetensors

Only `features.*` up to conv5_2 (features.30) are kept, under torchvision's own names, as float32
(about 60 MB); the classifier is dropped. The input may also be a full pickled model or a state
dict saved by torch.save; anything without VGG19's feature shapes is refused.
"""
import sys

import torch
from safetensors.torch import save_file

# torchvision's vgg19 `features` indices of the convolutions up to conv5_2, with their shapes.
LAYOUT = [(0, 3, 64), (2, 64, 64), (5, 64, 128), (7, 128, 128), (10, 128, 256), (12, 256, 256), (14, 256, 256),
          (16, 256, 256), (19, 256, 512), (21, 512, 512), (23, 512, 512), (25, 512, 512), (28, 512, 512), (30, 512, 512)]


def convert(source, target, narrow=1):
    state = torch.load(source, map_location="cpu", weights_only=True) if isinstance(source, str) else source
    if hasattr(state, "state_dict"):
        state = state.state_dict()
    out = {}
    for index, cin, cout in LAYOUT:
        w, b = state.get(f"features.{index}.weight"), state.get(f"features.{index}.bias")
        expected = (max(1, cout // narrow), 3 if index == 0 else max(1, cin // narrow), 3, 3)
        if w is None or b is None or tuple(w.shape) != expected:
            raise SystemExit(f"features.{index}: expected weight {expected}, found {None if w is None else tuple(w.shape)}: not torchvision's vgg19")
        out[f"features.{index}.weight"] = w.float().contiguous()
        out[f"features.{index}.bias"] = b.float().contiguous()
    save_file(out, target, metadata={"source": "torchvision vgg19 features up to conv5_2", "converter": "tools/convert_vgg19.py"})


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    convert(sys.argv[1], sys.argv[2])
