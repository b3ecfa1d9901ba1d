#!/usr/bin/python3
"""Train the digits networks the functional tests run, deterministically, on the CPU.

usage: train_digits.py OUTDIR

scikit-learn's digits (1,797 images of 8x8, python3-sklearn, offline) split
80/20 with a fixed seed: 1,437 training and 360 test images. Written to OUTDIR:

  digits_train.npz / .imcd   training split, HWC (8x8x1), values in [0, 1]
  digits_test.npz  / .imcd   test split (scripts/make-dataset writes the .imcd)
  mlp.onnx        64-64-10 MLP, float
  cnn.onnx        conv3x3(16)-pool-conv3x3(32)-pool-fc(10), float
  cnn_qat.onnx    the CNN trained with 8-bit fake quantization (weights int8
                  symmetric per tensor, activations uint8), exported with
                  QuantizeLinear/DequantizeLinear pairs
  mlp_bin.onnx    64-256-256-10: an 8-bit first layer, then two binary layers
                  (weights alpha*sign(w) per channel, inputs sign(x), straight-
                  through estimator), batchnorm folded; marked binary through
                  metadata_props imcsim.quant:NODE
  mlp_ter.onnx    64-128-10 with ternary weights (threshold 0.7 mean|w| per
                  channel, Li and Liu 2016), 8-bit activations
  reference.json  each model's top-1 on the test split as PyTorch computes it,
                  and each test image's predicted class (an independent
                  reference for imcsim's float pass)

Everything is seeded (torch.manual_seed, one thread, deterministic algorithms):
the same script gives the same files. Files newer than this script are kept,
so a test run trains once.
"""
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))


# ---------------------------------------------------------------- data

def digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = (d.data / 16.0).astype(np.float32).reshape(-1, 8, 8, 1)  # HWC
    y = d.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.2, random_state=0, stratify=y)


# ---------------------------------------------------------------- quantizers

class SignSTE(torch.autograd.Function):
    """+1 for x >= 0, else -1 (imcsim's binarization); gradient passed where |x| <= 1."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype)


def binary_weight(w):
    """alpha_o sign(w) per output channel, straight-through."""
    alpha = w.abs().mean(dim=1, keepdim=True)
    wb = alpha * torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w))
    return w + (wb - w).detach()


def ternary_weight(w):
    """alpha_o t(w), t = sign above 0.7 mean|w| per channel, straight-through."""
    thr = 0.7 * w.abs().mean(dim=1, keepdim=True)
    mask = (w.abs() > thr).to(w.dtype)
    alpha = (w.abs() * mask).sum(dim=1, keepdim=True) / mask.sum(dim=1, keepdim=True).clamp(min=1)
    wt = alpha * torch.sign(w) * mask
    return w + (wt - w).detach()


class ActFQ(nn.Module):
    """uint8 fake quantization of a non-negative activation; the scale follows
    the running maximum while training and is frozen for export."""

    def __init__(self):
        super().__init__()
        self.register_buffer("amax", torch.tensor(0.0))

    def forward(self, x):
        if self.training:
            m = x.detach().max()
            self.amax.copy_(m if self.amax == 0 else 0.9 * self.amax + 0.1 * m)
        s = float(self.amax) / 255.0 if float(self.amax) > 0 else 1.0
        return torch.fake_quantize_per_tensor_affine(x, s, 0, 0, 255)


def weight_fq(w):
    s = float(w.detach().abs().max()) / 127.0
    return torch.fake_quantize_per_tensor_affine(w, s if s > 0 else 1.0, 0, -128, 127)


# ---------------------------------------------------------------- networks

class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.reshape(x.shape[0], -1))))


class CNN(nn.Module):
    def __init__(self, qat=False):
        super().__init__()
        self.qat = qat
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(128, 10)
        if qat:
            self.q0, self.q1, self.q2 = ActFQ(), ActFQ(), ActFQ()

    def forward(self, x):  # x: N x 1 x 8 x 8
        if self.qat:
            x = self.q0(x)
            x = F.max_pool2d(F.relu(F.conv2d(x, weight_fq(self.conv1.weight), self.conv1.bias,
                                             padding=1)), 2)
            x = self.q1(x)
            x = F.max_pool2d(F.relu(F.conv2d(x, weight_fq(self.conv2.weight), self.conv2.bias,
                                             padding=1)), 2)
            x = self.q2(torch.flatten(x, 1))
            return F.linear(x, weight_fq(self.fc.weight), self.fc.bias)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


class BinMLP(nn.Module):
    """fc1 (8-bit) + bn1 -> sign -> fc2 (binary) + bn2 -> sign -> fc3 (binary)."""

    def __init__(self, deploy=False):
        super().__init__()
        self.deploy = deploy
        self.fc1, self.bn1 = nn.Linear(64, 256), nn.BatchNorm1d(256)
        self.fc2, self.bn2 = nn.Linear(256, 256, bias=False), nn.BatchNorm1d(256)
        self.fc3 = nn.Linear(256, 10)

    def forward(self, x):
        x = x.reshape(x.shape[0], -1)
        if self.deploy:  # the graph imcsim reads: binarization is the layers' quant
            return self.fc3(self.bn2(self.fc2(self.bn1(self.fc1(x)))))
        h = SignSTE.apply(self.bn1(self.fc1(x)))
        h = SignSTE.apply(self.bn2(F.linear(h, binary_weight(self.fc2.weight))))
        return F.linear(h, binary_weight(self.fc3.weight), self.fc3.bias)


class TerMLP(nn.Module):
    def __init__(self, deploy=False):
        super().__init__()
        self.deploy = deploy
        self.fc1, self.fc2 = nn.Linear(64, 128), nn.Linear(128, 10)

    def forward(self, x):
        x = x.reshape(x.shape[0], -1)
        if self.deploy:
            return self.fc2(F.relu(self.fc1(x)))
        h = F.relu(F.linear(x, ternary_weight(self.fc1.weight), self.fc1.bias))
        return F.linear(h, ternary_weight(self.fc2.weight), self.fc2.bias)


# ---------------------------------------------------------------- training

def train(model, xtr, ytr, epochs, lr):
    g = torch.Generator().manual_seed(1)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n = xtr.shape[0]
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=g)
        for i in range(0, n, 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            F.cross_entropy(model(xtr[idx]), ytr[idx]).backward()
            opt.step()
    model.eval()
    return model


def predict(model, x):
    with torch.no_grad():
        return model(x).argmax(1)


def export(model, name, outdir, shape, quant=None):
    path = os.path.join(outdir, name + ".onnx")
    torch.onnx.export(model, torch.zeros(shape), path, opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      do_constant_folding=True)
    if quant:
        import onnx
        m = onnx.load(path)
        gemms = [n.name for n in m.graph.node if n.op_type in ("Gemm", "MatMul")]
        for i, q in quant.items():
            p = m.metadata_props.add()
            p.key, p.value = "imcsim.quant:" + gemms[i], q
        onnx.save(m, path)
    return path


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    names = ["mlp", "cnn", "cnn_qat", "mlp_bin", "mlp_ter"]
    stamp = os.path.join(out, "reference.json")
    if os.path.exists(stamp) and os.path.getmtime(stamp) > os.path.getmtime(__file__):
        print(f"train_digits: {out} is up to date")
        return
    torch.manual_seed(0)
    xtr, xte, ytr, yte = digits()
    make = os.path.join(SRC, "scripts", "make-dataset")
    for split, x, y in (("train", xtr, ytr), ("test", xte, yte)):
        npz = os.path.join(out, f"digits_{split}.npz")
        np.savez(npz, x=x, y=y)
        subprocess.run([sys.executable, make, npz, "-o", os.path.join(out, f"digits_{split}.imcd"),
                        "--classes", "10"], check=True)
    # torch takes NCHW
    ttr = torch.from_numpy(xtr.transpose(0, 3, 1, 2).copy())
    tte = torch.from_numpy(xte.transpose(0, 3, 1, 2).copy())
    ytr_t = torch.from_numpy(ytr)
    ref = {"test_images": int(len(yte))}

    def record(name, model):
        p = predict(model, tte).numpy()
        ref[name] = {"top1": float((p == yte).mean()), "pred": [int(v) for v in p]}
        print(f"train_digits: {name}: top-1 {100 * ref[name]['top1']:.2f} % on {len(yte)} images")

    torch.manual_seed(0)
    mlp = train(MLP(), ttr, ytr_t, 30, 3e-3)
    record("mlp", mlp)
    export(mlp, "mlp", out, (1, 1, 8, 8))

    torch.manual_seed(0)
    cnn = train(CNN(), ttr, ytr_t, 30, 3e-3)
    record("cnn", cnn)
    export(cnn, "cnn", out, (1, 1, 8, 8))

    torch.manual_seed(0)
    qat = CNN(qat=True)
    qat.load_state_dict(cnn.state_dict(), strict=False)
    qat = train(qat, ttr, ytr_t, 10, 1e-3)
    record("cnn_qat", qat)
    export(qat, "cnn_qat", out, (1, 1, 8, 8))

    torch.manual_seed(0)
    bnn = train(BinMLP(), ttr, ytr_t, 40, 3e-3)
    record("mlp_bin", bnn)
    dep = BinMLP(deploy=True)
    dep.load_state_dict(bnn.state_dict())
    dep.eval()
    export(dep, "mlp_bin", out, (1, 1, 8, 8),
           {1: "{scheme: binary, per_channel: true}", 2: "{scheme: binary, per_channel: true}"})

    torch.manual_seed(0)
    ter = train(TerMLP(), ttr, ytr_t, 40, 3e-3)
    record("mlp_ter", ter)
    dep = TerMLP(deploy=True)
    dep.load_state_dict(ter.state_dict())
    export(dep, "mlp_ter", out, (1, 1, 8, 8),
           {0: "{scheme: ternary, per_channel: true, act_bits: 8}",
            1: "{scheme: ternary, per_channel: true, act_bits: 8}"})

    with open(stamp, "w") as f:
        json.dump(ref, f, indent=1)


if __name__ == "__main__":
    main()
