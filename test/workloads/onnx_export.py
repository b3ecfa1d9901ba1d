#!/usr/bin/python3
"""Export the networks the ONNX tests read, with what PyTorch itself counts.

Usage: onnx_export.py OUTDIR NAME...

For each NAME this writes OUTDIR/NAME.onnx and OUTDIR/NAME.hooks.json: the
MACs and weights of every Conv2d, Linear and LSTM as forward hooks count them
on the same model in the same process (an independent count: PyTorch's own
module shapes, not imcsim's). Small models also get NAME.expect (text) and
NAME.expect.bin (float32): every weight layer's weights in imcsim's layout
(HWC inputs, batchnorm folded, LSTM gates i, f, g, o), computed here from the
PyTorch parameters. Files newer than this script are kept: a test run exports
each network once. torchvision models use weights=None; nothing is downloaded.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

torch.set_num_threads(1)


# ---------------------------------------------------------------- counting

def hook_counts(model, x):
    """MACs and weights per Conv2d/Linear/LSTM, in execution order."""
    rows = []

    def conv_hook(m, inp, out):
        k = (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        rows.append({"kind": "conv", "macs": out[0].numel() * k,
                     "weights": m.weight.numel()})

    def linear_hook(m, inp, out):
        rows.append({"kind": "linear", "macs": out.numel() // out.shape[-1] * m.in_features
                     * m.out_features, "weights": m.weight.numel()})

    def lstm_hook(m, inp, out):
        steps = inp[0].shape[0]
        for layer in range(m.num_layers):
            w = (getattr(m, f"weight_ih_l{layer}").numel() +
                 getattr(m, f"weight_hh_l{layer}").numel())
            rows.append({"kind": "lstm", "macs": steps * w, "weights": w})

    handles = []
    for m in model.modules():
        hook = {nn.Conv2d: conv_hook, nn.Linear: linear_hook, nn.LSTM: lstm_hook}.get(type(m))
        if hook:
            handles.append(m.register_forward_hook(hook))
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return {"macs": sum(r["macs"] for r in rows), "weights": sum(r["weights"] for r in rows),
            "layers": rows}


# ---------------------------------------------------------------- expected weights

def hwc_conv(w):
    """[O, Cg, KY, KX] -> [O, (ky*KX + kx)*Cg + c]."""
    return w.permute(0, 2, 3, 1).reshape(w.shape[0], -1)


def fold_bn(w, b, bn):
    k = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    b = torch.zeros(w.shape[0]) if b is None else b
    return w * k.reshape(-1, *([1] * (w.dim() - 1))), (b - bn.running_mean) * k + bn.bias


def write_expect(path, layers):
    """layers: [(weights [n_out, n_in], bias [n_out] or None)] in imcsim's order."""
    with open(path + ".expect", "w") as f, open(path + ".expect.bin", "wb") as b:
        for w, bias in layers:
            w = w.detach().to(torch.float32).contiguous()
            f.write(f"{w.shape[0]} {w.shape[1]} {0 if bias is None else 1}\n")
            b.write(w.numpy().tobytes())
            if bias is not None:
                b.write(bias.detach().to(torch.float32).contiguous().numpy().tobytes())


# ---------------------------------------------------------------- networks

class SmallCNN(nn.Module):
    """Every layer kind the converter maps: BN to fold, depthwise and grouped
    convolutions, ReLU6, a residual add, a concat, pools, a flatten before a
    linear layer (HWC permutation), sigmoid, softmax at the end."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.dw = nn.Conv2d(16, 16, 3, padding=1, groups=16)
        self.gc = nn.Conv2d(16, 16, 3, padding=1, groups=4)
        self.pw = nn.Conv2d(16, 8, 1)
        self.c3 = nn.Conv2d(16, 8, 3, padding=1)
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.c1(x)))
        y = nn.functional.relu6(self.dw(x))
        x = x + self.gc(y)
        x = nn.functional.max_pool2d(x, 2)
        x = torch.cat([self.pw(x), torch.relu(self.c3(x))], 1)
        x = nn.functional.avg_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = torch.sigmoid(self.fc1(x))
        return torch.softmax(self.fc2(x), 1)


def small_cnn_expect(m):
    w1, b1 = fold_bn(m.c1.weight, None, m.bn1)
    fc1 = m.fc1.weight.reshape(32, 16, 4, 4).permute(0, 2, 3, 1).reshape(32, -1)
    return [(hwc_conv(w1), b1), (hwc_conv(m.dw.weight), m.dw.bias),
            (hwc_conv(m.gc.weight), m.gc.bias), (hwc_conv(m.pw.weight), m.pw.bias),
            (hwc_conv(m.c3.weight), m.c3.bias), (fc1, m.fc1.bias), (m.fc2.weight, m.fc2.bias)]


class LSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(16, 32, num_layers=2)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.fc(y[-1])


def lstm_expect(m):
    out = []
    for k in range(2):
        w = torch.cat([getattr(m.lstm, f"weight_ih_l{k}"), getattr(m.lstm, f"weight_hh_l{k}")], 1)
        out.append((w, getattr(m.lstm, f"bias_ih_l{k}") + getattr(m.lstm, f"bias_hh_l{k}")))
    return out + [(m.fc.weight, m.fc.bias)]


class MLP3D(nn.Module):
    """Linear layers on a [1, 1, K] input: exported as MatMul + Add."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(64, 32)
        self.b = nn.Linear(32, 10)

    def forward(self, x):
        return self.b(torch.tanh(self.a(x)))


class QNet(nn.Module):
    """Statically quantized (fbgemm: per-channel int8 weights, uint8 activations)."""

    def __init__(self):
        super().__init__()
        self.q = torch.ao.quantization.QuantStub()
        self.dq = torch.ao.quantization.DeQuantStub()
        self.c1 = nn.Conv2d(3, 16, 3, padding=1)
        self.r1 = nn.ReLU()
        self.c2 = nn.Conv2d(16, 32, 3, padding=1)
        self.r2 = nn.ReLU()
        self.fc = nn.Linear(32 * 8 * 8, 10)

    def forward(self, x):
        x = self.r1(self.c1(self.q(x)))
        x = self.r2(self.c2(x))
        return self.dq(self.fc(torch.flatten(x, 1)))


def quantized(seed):
    torch.manual_seed(seed)
    m = QNet().eval()
    m.qconfig = torch.ao.quantization.get_default_qconfig("fbgemm")
    torch.ao.quantization.prepare(m, inplace=True)
    with torch.no_grad():
        m(torch.randn(8, 3, 8, 8))
    torch.ao.quantization.convert(m, inplace=True)
    return m


def qnet_expect(m, onnx_path):
    """Weights: PyTorch's int8 weights dequantized. Biases: what the exported graph
    computes, DequantizeLinear(int32, scale) evaluated here with numpy (PyTorch's
    exporter rounds the int32 bias its own way, so its float bias is not it)."""
    import onnx
    from onnx import numpy_helper
    g = onnx.load(onnx_path)
    const = {n.output[0]: numpy_helper.to_array(n.attribute[0].t)
             for n in g.graph.node if n.op_type == "Constant"}

    def graph_bias(layer):
        node = next(n for n in g.graph.node if n.name == f"/{layer}/DequantizeLinear_2")
        b, s = const[node.input[0]].astype(np.float64), const[node.input[1]].astype(np.float64)
        return torch.from_numpy((b * s).astype(np.float32))
    fc = m.fc.weight().dequantize().reshape(10, 32, 8, 8).permute(0, 2, 3, 1).reshape(10, -1)
    return [(hwc_conv(m.c1.weight().dequantize()), graph_bias("c1")),
            (hwc_conv(m.c2.weight().dequantize()), graph_bias("c2")), (fc, graph_bias("fc"))]


def quantized_ops(name, path):
    """QLinearConv + QLinearMatMul ("qlinear"), or DynamicQuantizeLinear +
    ConvInteger + MatMulInteger ("integer"), built with onnx.helper from seeded
    integers; returns the expected weights, dequantized here with numpy."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(1)
    F = TensorProto.FLOAT
    w = rng.integers(-100, 100, (4, 3, 3, 3)).astype(np.int8)
    b = (rng.integers(-100, 100, (144, 10)).astype(np.int8) if name == "qlinear"
         else rng.integers(0, 256, (144, 10)).astype(np.uint8))  # MatMul's [K, N]
    t = numpy_helper.from_array
    flat = [helper.make_node("Flatten", ["c"], ["f"], name="flat")]
    if name == "qlinear":
        ws = rng.uniform(0.001, 0.01, 4).astype(np.float32)
        bs = rng.uniform(0.001, 0.01, 10).astype(np.float32)
        xs, cs = np.float32(0.05), np.float32(0.1)
        bias = rng.integers(-500, 500, 4).astype(np.int32)
        nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="q"),
                 helper.make_node("QLinearConv", ["xq", "xs", "xz", "W", "ws", "wz", "cs", "cz",
                                                  "B"], ["c"], name="qconv", pads=[1, 1, 1, 1]),
                 *flat,
                 helper.make_node("QLinearMatMul", ["f", "cs", "cz", "M", "bs", "bz", "ys",
                                                    "yz"], ["m"], name="qmm"),
                 helper.make_node("DequantizeLinear", ["m", "ys", "yz"], ["y"], name="dq")]
        inits = [t(xs, "xs"), t(np.uint8(128), "xz"), t(w, "W"), t(ws, "ws"),
                 t(np.zeros(4, np.int8), "wz"), t(cs, "cs"), t(np.uint8(0), "cz"), t(bias, "B"),
                 t(b, "M"), t(bs, "bs"), t(np.zeros(10, np.int8), "bz"), t(np.float32(0.2), "ys"),
                 t(np.uint8(128), "yz")]
        conv_w = w.astype(np.float64) * ws[:, None, None, None]
        conv_b = bias.astype(np.float64) * float(xs) * ws.astype(np.float64)
        mm = b.astype(np.float64) * bs[None, :]
    else:
        wz = rng.integers(-3, 3, 4).astype(np.int8)
        bz = np.uint8(7)
        nodes = [helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"], name="dq1"),
                 helper.make_node("ConvInteger", ["xq", "W", "xz", "wz"], ["ci"], name="iconv",
                                  pads=[1, 1, 1, 1]),
                 helper.make_node("Cast", ["ci"], ["cf"], name="cast1", to=F),
                 helper.make_node("Mul", ["cf", "k"], ["c"], name="scale1"),
                 *flat,
                 helper.make_node("DynamicQuantizeLinear", ["f"], ["fq", "fs", "fz"], name="dq2"),
                 helper.make_node("MatMulInteger", ["fq", "M", "fz", "bz"], ["mi"], name="imm"),
                 helper.make_node("Cast", ["mi"], ["mf"], name="cast2", to=F),
                 helper.make_node("Mul", ["fs", "k2"], ["s2"], name="s2"),
                 helper.make_node("Mul", ["mf", "s2"], ["y"], name="scale2")]
        inits = [t(w, "W"), t(wz, "wz"), t(np.float32(0.02), "k"), t(b, "M"), t(bz, "bz"),
                 t(np.float32(0.5), "k2")]
        conv_w = (w.astype(np.float64) - wz[:, None, None, None]) * np.float32(0.02)
        conv_b = None
        mm = b.astype(np.float64) - float(bz)  # the run-time scale is not part of them
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", F, [1, 3, 6, 6])],
                          [helper.make_tensor_value_info("y", F, [1, 10])], inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    tt = lambda a: torch.from_numpy(np.ascontiguousarray(a).astype(np.float32))
    fc = tt(mm.T.reshape(10, 4, 6, 6).transpose(0, 2, 3, 1).reshape(10, -1))
    return [(hwc_conv(tt(conv_w)), None if conv_b is None else tt(conv_b)), (fc, None)]


# ---------------------------------------------------------------- exports

def export(model, x, path, opset=13, **kw):
    torch.onnx.export(model, x, path, opset_version=opset, **kw)


def make(name, out):
    import onnx
    path = os.path.join(out, name)
    torch.manual_seed(0)
    expect = None
    if name in ("resnet18", "resnet50", "vgg16", "alexnet", "mobilenet_v2"):
        import torchvision
        m = getattr(torchvision.models, name)(weights=None).eval()
        x = torch.zeros(1, 3, 224, 224)
        counts = hook_counts(m, x)
        export(m, x, path + ".onnx")
    elif name in ("small_cnn", "small_cnn17", "small_cnn_ext"):
        m = SmallCNN().eval()
        with torch.no_grad():  # batchnorm statistics that are not an identity
            for v in (m.bn1.weight, m.bn1.bias, m.bn1.running_mean, m.bn1.running_var):
                v.uniform_(0.5, 1.5)
        x = torch.randn(1, 3, 16, 16)
        counts = hook_counts(m, x)
        # PRESERVE keeps the BatchNormalization node, so imcsim folds it
        export(m, x, path + ".onnx", opset=17 if name == "small_cnn17" else 11,
               training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
        if name == "small_cnn_ext":  # the weights in an external data file
            g = onnx.load(path + ".onnx")
            onnx.save_model(g, path + ".onnx", save_as_external_data=True,
                            all_tensors_to_one_file=True, location=name + ".data",
                            size_threshold=256)
        expect = small_cnn_expect(m)
    elif name == "lstm2":
        m = LSTMNet().eval()
        x = torch.randn(12, 1, 16)
        counts = hook_counts(m, x)
        export(m, x, path + ".onnx")
        expect = lstm_expect(m)
    elif name == "mlp3d":
        m = MLP3D().eval()
        x = torch.randn(1, 1, 64)
        counts = hook_counts(m, x)
        export(m, x, path + ".onnx", opset=17)
        expect = [(m.a.weight, m.a.bias), (m.b.weight, m.b.bias)]
    elif name == "dynamic":
        m = SmallCNN().eval()
        x = torch.randn(1, 3, 16, 16)
        counts = hook_counts(m, x)
        export(m, x, path + ".onnx", input_names=["image"],
               dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"}})
    elif name in ("qdq8", "mixed48"):
        x = torch.randn(1, 3, 8, 8)
        counts = hook_counts(QNet().eval(), x)  # the float twin: same shapes
        m = quantized(0)
        export(m, x, path + ".onnx")
        expect = qnet_expect(m, path + ".onnx")
        if name == "mixed48":  # 4-bit weights and activations for c2, through metadata_props
            g = onnx.load(path + ".onnx")
            p = g.metadata_props.add()
            p.key, p.value = "imcsim.quant:/c2/Conv", "{weight_bits: 4, act_bits: 4}"
            onnx.save(g, path + ".onnx")
    elif name in ("qlinear", "integer"):
        expect = quantized_ops(name, path + ".onnx")
        counts = {"macs": 36 * 4 * 27 + 144 * 10, "weights": 4 * 27 + 1440,
                  "layers": [{"kind": "conv", "macs": 36 * 4 * 27, "weights": 108},
                             {"kind": "linear", "macs": 1440, "weights": 1440}]}
    else:
        raise SystemExit(f"onnx_export.py: unknown network '{name}'")
    if expect is not None:  # the small ones; PyTorch checks its own exports
        onnx.checker.check_model(path + ".onnx")
        write_expect(path, expect)
    with open(path + ".hooks.json", "w") as f:
        json.dump(counts, f)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    me = os.path.getmtime(__file__)
    for name in sys.argv[2:]:
        done = os.path.join(out, name + ".hooks.json")
        if os.path.exists(done) and os.path.getmtime(done) > me:
            continue  # exported earlier in this build
        make(name, out)
        print(f"onnx_export: {name}")


if __name__ == "__main__":
    main()
