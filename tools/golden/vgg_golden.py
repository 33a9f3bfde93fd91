#!/usr/bin/env python3
"""Golden values for nicer's VGG19 feature network: a VGG19-shaped `features` stack with every
channel count divided by 32 (same layer indices and names as torchvision's, random weights), its
state dict converted by tools/convert_vgg19.py, and PyTorch's stage activations (ReLU after
conv1_2 … conv5_2) on a 32×32 input in [0, 1] plus the input gradient of a weighted sum of them.

    pip install torch safetensors
    python3 tools/golden/vgg_golden.py Fixtures/vgg
"""
import os, sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from convert_vgg19 import LAYOUT, convert  # noqa: E402

NARROW = 32
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
STAGES = {2: "conv1_2", 7: "conv2_2", 12: "conv3_2", 21: "conv4_2", 30: "conv5_2"}  # conv index -> name


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    layers, last = [], 0
    for index, cin, cout in LAYOUT:
        while last < index:  # ReLUs and pools between the convolutions, as torchvision's list
            layers.append(torch.nn.MaxPool2d(2, 2) if last in (4, 9, 18, 27) else torch.nn.ReLU())
            last += 1
        conv = torch.nn.Conv2d(3 if index == 0 else cin // NARROW, cout // NARROW, 3, padding=1)
        layers.append(conv)
        last += 1
    layers.append(torch.nn.ReLU())
    features = torch.nn.Sequential(*layers)
    state = {f"features.{k}": v for k, v in features.state_dict().items()}
    convert(state, os.path.join(out, "vgg19_narrow.safetensors"), narrow=NARROW)

    x = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(1), requires_grad=True)
    h = (x - MEAN) / STD
    golden, loss = {}, 0
    for k, layer in enumerate(features):
        h = layer(h)
        if k - 1 in STAGES:  # the ReLU right after a stage's conv
            name = STAGES[k - 1]
            golden[name] = h.detach().clone()
            seed = torch.randn(h.shape, generator=torch.Generator().manual_seed(k))
            golden[name + ".seed"] = seed
            loss = loss + (h * seed).sum()
    loss.backward()
    golden["input"] = x.detach()
    golden["input.gradient"] = x.grad
    save_file({k: v.contiguous() for k, v in golden.items()}, os.path.join(out, "vgg_golden.safetensors"),
              metadata={"made_by": "tools/golden/vgg_golden.py", "torch": torch.__version__})


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Fixtures/vgg")
