#!/usr/bin/python3
"""Export torchvision's resnet18 (random weights, seed 0: nothing is downloaded)
and one random 224x224x3 image, for scripts/bench func.

usage: export_resnet18.py OUTDIR   -> OUTDIR/resnet18.onnx, OUTDIR/resnet18_img.imcd
Files newer than this script are kept.
"""
import os
import subprocess
import sys

import numpy as np
import torch
import torchvision

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
onnx_path = os.path.join(out, "resnet18.onnx")
img = os.path.join(out, "resnet18_img.imcd")
if all(os.path.exists(p) and os.path.getmtime(p) > os.path.getmtime(__file__)
       for p in (onnx_path, img)):
    sys.exit(0)
torch.manual_seed(0)
torch.set_num_threads(1)
m = torchvision.models.resnet18(weights=None).eval()
torch.onnx.export(m, torch.zeros(1, 3, 224, 224), onnx_path, opset_version=13,
                  input_names=["input"], output_names=["logits"])
npz = os.path.join(out, "resnet18_img.npz")
np.savez(npz, x=np.random.RandomState(0).rand(1, 224, 224, 3).astype(np.float32), y=np.array([0]))
here = os.path.dirname(os.path.abspath(__file__))
subprocess.run([sys.executable, os.path.join(here, "..", "..", "scripts", "make-dataset"), npz,
                "-o", img, "--classes", "1000"], check=True)
