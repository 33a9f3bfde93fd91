#!/usr/bin/env python3
"""Golden data for nicer's training engine, computed independently with PyTorch (CPU, float32).

A tiny DVP-style UNet (3 levels, 8 base channels, bilinear up, one extra log-variance output
channel) on a 32x32 input: the initial weights, the first forward output, the aleatoric
uncertainty L1 loss, every parameter gradient, and the weights after 3 Adam steps (lr 1e-3).
nicer's NeuralNetTests load the file, run the same steps and must agree to 1e-4 (relative to each
tensor's largest magnitude).

Regenerate (needs `pip install torch safetensors`):
    python3 tools/golden/unet_golden.py Fixtures/unet_golden.safetensors
The network is written out functionally with nicer's parameter names so the mapping is explicit.
"""
import sys
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

LEVELS, BASE, IN_CH, OUT_CH, SIZE, STEPS, LR = 3, 8, 3, 3, 32, 3, 1e-3
torch.manual_seed(1234)


def xavier(shape):
    w = torch.empty(*shape)
    torch.nn.init.xavier_uniform_(w)
    return w


def build(levels=LEVELS, base=BASE, in_ch=IN_CH, out_ch=OUT_CH):
    """nicer's UNet (NeuralNet/UNet.swift) as a dict of named tensors, bilinear upsampling."""
    p = {}
    def conv(name, cin, cout, k):
        p[name + ".weight"] = xavier((cout, cin, k, k))
        # non-zero biases so their gradients and updates are exercised
        p[name + ".bias"] = 0.05 * torch.randn(cout)
    ch = [base * 2 ** i for i in range(levels)]
    for i in range(levels):
        conv(f"enc{i}.conv1", in_ch if i == 0 else ch[i - 1], ch[i], 1 if i == 0 else 3)
        conv(f"enc{i}.conv2", ch[i], ch[i], 3)
    for i in reversed(range(levels - 1)):
        conv(f"dec{i}.up", ch[i + 1], ch[i], 3)
        conv(f"dec{i}.conv1", 2 * ch[i], ch[i], 3)
        conv(f"dec{i}.conv2", ch[i], ch[i], 3)
    conv("out", base, out_ch + 1, 3)
    return {k: v.requires_grad_(True) for k, v in p.items()}


def forward(p, x, levels=LEVELS):
    def conv(name, x):
        w = p[name + ".weight"]
        return F.conv2d(x, w, p[name + ".bias"], padding=w.shape[-1] // 2)
    lrelu = lambda t: F.leaky_relu(t, 0.2)
    skips = []
    for i in range(levels):
        if i > 0:
            x = F.max_pool2d(x, 2)
        x = lrelu(conv(f"enc{i}.conv1", x))
        x = lrelu(conv(f"enc{i}.conv2", x))
        skips.append(x)
    for i in reversed(range(levels - 1)):
        up = conv(f"dec{i}.up", F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False))
        x = torch.cat([up, skips[i]], 1)
        x = lrelu(conv(f"dec{i}.conv1", x))
        x = lrelu(conv(f"dec{i}.conv2", x))
    return conv("out", x)


def uncertainty_l1(o, y):
    s = o[:, OUT_CH:OUT_CH + 1]
    return ((o[:, :OUT_CH] - y).abs() * torch.exp(-s) + s).mean()


def main(path):
    p = build()
    x = torch.rand(1, IN_CH, SIZE, SIZE)
    y = torch.rand(1, OUT_CH, SIZE, SIZE)
    out = {"input": x, "target": y}
    out.update({"init." + k: v.detach().clone() for k, v in p.items()})
    opt = torch.optim.Adam(p.values(), lr=LR)
    losses = []
    for step in range(STEPS):
        opt.zero_grad()
        o = forward(p, x)
        loss = uncertainty_l1(o, y)
        loss.backward()
        if step == 0:
            out["output"] = o.detach().clone()
            out.update({"grad." + k: v.grad.detach().clone() for k, v in p.items()})
        losses.append(loss.item())
        opt.step()
    out.update({"after.%s" % k: v.detach().clone() for k, v in p.items()})
    meta = {"levels": str(LEVELS), "base": str(BASE), "size": str(SIZE), "steps": str(STEPS), "lr": repr(LR),
            "losses": " ".join(repr(l) for l in losses), "torch": torch.__version__,
            "made_by": "tools/golden/unet_golden.py"}
    save_file({k: v.contiguous() for k, v in out.items()}, path, metadata=meta)
    print(f"wrote {path}: {len(out)} tensors, losses {losses}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Fixtures/unet_golden.safetensors")
