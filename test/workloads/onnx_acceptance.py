#!/usr/bin/python3
"""ONNX acceptance (issue 13) on the networks onnx_export.py wrote.

Usage: onnx_acceptance.py ONNX_DIR IMCSIM

- Every exported network: imcsim's MACs and weights, in total and per weight
  layer in order, equal what PyTorch's forward hooks counted on the same
  model (NAME.hooks.json), grouped and depthwise convolutions included.
- resnet18, resnet50, vgg16: the zoo's layer list and `compile` mapping
  (names aside), and the published MAC counts.
- qdq8 (PyTorch's static int8 quantization) and mixed48 (the same with one
  layer 4-bit through metadata_props): bits per layer in `compile --json`,
  the 4-bit layer's slices halved, and its energy in `run` lower.
- `imcsim import` then `compile` gives the same mapping as the ONNX file;
  --input-shape on a symbolic input.
Only /usr/bin/python3's standard library: no torch in this process.
"""
import json
import os
import subprocess
import sys

ONNX, IMCSIM = sys.argv[1], sys.argv[2]
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def imcsim(*args, rc=0):
    p = subprocess.run([IMCSIM, *args], capture_output=True, text=True)
    if p.returncode != rc:
        raise SystemExit(f"imcsim {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p.stdout


def path(name):
    return os.path.join(ONNX, name + ".onnx")


def model_json(spec, *opts):
    return json.loads(imcsim("models", spec, "--json", *opts))


def weight_layers(m):
    return [l for l in m["layer_list"] if l["weights"] > 0]


# ---------------------------------------------------------------- hooks
for name in ["resnet18", "resnet50", "vgg16", "alexnet", "mobilenet_v2", "small_cnn",
             "small_cnn17", "lstm2", "mlp3d", "qdq8"]:
    hooks = json.load(open(os.path.join(ONNX, name + ".hooks.json")))
    m = model_json(path(name))
    check(m["macs"] == hooks["macs"], f"{name}: {m['macs']} MACs, PyTorch hooks {hooks['macs']}")
    check(m["weights"] == hooks["weights"],
          f"{name}: {m['weights']} weights, PyTorch hooks {hooks['weights']}")
    mine = [(l["macs"], l["weights"]) for l in weight_layers(m)]
    theirs = [(r["macs"], r["weights"]) for r in hooks["layers"]]
    check(mine == theirs, f"{name}: per-layer (MACs, weights) differ from the hooks:\n"
          f"  imcsim  {mine[:8]}...\n  PyTorch {theirs[:8]}...")
    print(f"{name}: {m['macs']} MACs, {m['weights']} weights, {len(mine)} weight layers "
          f"(PyTorch hooks: {hooks['macs']}, {hooks['weights']}, {len(theirs)})")

# Depthwise convolutions (mobilenet_v2) map and pack groups on crossbars.
mp = json.loads(imcsim("compile", "--arch", "isaac", "--model", path("mobilenet_v2"), "--json"))
dw = [l for l in mp["layers"] if l.get("groups_per_crossbar", 1) > 1]
check(len(dw) == 17, f"mobilenet_v2: {len(dw)} depthwise layers pack groups (expected 17)")

# ---------------------------------------------------------------- the zoo
PUBLISHED = {"resnet18": 1814073344, "vgg16": 15470264320}  # docs/model-format.md, the issue


def by_index(layers, keys):
    names = {l["name"]: i for i, l in enumerate(layers)}
    out = []
    for l in layers:
        l = {k: v for k, v in l.items() if k in keys}
        for k in ("inputs", "consumers"):
            if k in l:
                l[k] = [names.get(x, x) for x in l[k]]
        out.append(l)
    return out


for name in ["resnet18", "resnet50", "vgg16"]:
    zoo, onnx = model_json(name), model_json(path(name))
    keys = {"type", "activation", "inputs", "out_shape_hwc", "weights", "macs", "weight_bits",
            "act_bits"}
    check(by_index(zoo["layer_list"], keys) == by_index(onnx["layer_list"], keys),
          f"{name}: the ONNX layer list differs from the zoo's")
    check((zoo["macs"], zoo["weights"]) == (onnx["macs"], onnx["weights"]),
          f"{name}: {onnx['macs']} MACs {onnx['weights']} weights, zoo {zoo['macs']} {zoo['weights']}")
    if name in PUBLISHED:
        check(onnx["macs"] == PUBLISHED[name], f"{name}: {onnx['macs']} MACs, published "
              f"{PUBLISHED[name]}")
    sets = ["--set", "chip.chips=5"] if name == "vgg16" else []
    cz = json.loads(imcsim("compile", "--arch", "isaac", "--model", name, "--json", *sets))
    co = json.loads(imcsim("compile", "--arch", "isaac", "--model", path(name), "--json", *sets))
    for c in (cz, co):
        for k in ("model", "model_hash"):
            c.pop(k)
        c["layers"] = by_index(c["layers"], set(c["layers"][0]) - {"name"})
    check(cz == co, f"{name}: compile --json of the ONNX file differs from the zoo's")
    print(f"{name}: zoo layer list and mapping identical ({len(co['layers'])} layers, "
          f"{co['crossbars_used']} crossbars)")

# ---------------------------------------------------------------- quantization
q8 = json.loads(imcsim("compile", "--arch", "isaac", "--model", path("qdq8"), "--json",
                       "--replicate", "none"))
mx = json.loads(imcsim("compile", "--arch", "isaac", "--model", path("mixed48"), "--json",
                       "--replicate", "none"))
for c, four in ((q8, set()), (mx, {"/c2/Conv"})):
    for l in c["layers"]:
        if "weight_bits" in l:
            want = 4 if l["name"] in four else 8
            check((l["weight_bits"], l["act_bits"]) == (want, want),
                  f"{c['model']} {l['name']}: bits {l['weight_bits']}/{l['act_bits']}, "
                  f"expected {want}/{want}")
c2 = {c["model"]: next(l for l in c["layers"] if l["name"] == "/c2/Conv") for c in (q8, mx)}
# 2-bit cells (isaac): ceil(8/2) columns per weight against ceil(4/2), either signed scheme
check(c2["qdq8"]["slices"] == 2 * c2["mixed48"]["slices"],
      f"/c2/Conv slices: 8-bit {c2['qdq8']['slices']}, 4-bit {c2['mixed48']['slices']}")
runs = {}
for name in ("qdq8", "mixed48"):
    out = os.path.join(ONNX, name + ".run.json")
    imcsim("run", "--arch", "isaac", "--model", path(name), "--replicate", "none", "--quiet",
           "--json", out)
    runs[name] = json.load(open(out))
e = {n: next(l["energy_j"] for l in r["layers"] if l["name"] == "/c2/Conv")
     for n, r in runs.items()}
check(e["mixed48"] < e["qdq8"], f"/c2/Conv energy: 4-bit {e['mixed48']} J, 8-bit {e['qdq8']} J")
check(runs["mixed48"]["adc_conversions"] < runs["qdq8"]["adc_conversions"],
      "ADC conversions do not drop with the 4-bit layer")
print(f"qdq8/mixed48: /c2/Conv slices {c2['qdq8']['slices']} -> {c2['mixed48']['slices']}, "
      f"energy {e['qdq8']:.4g} -> {e['mixed48']:.4g} J")

# ---------------------------------------------------------------- import, options
for name in ("resnet18", "mixed48"):
    yaml = os.path.join(ONNX, name + ".imported.yaml")
    imcsim("import", path(name), "-o", yaml)
    a = imcsim("compile", "--arch", "isaac", "--model", path(name), "--json")
    b = imcsim("compile", "--arch", "isaac", "--model", yaml, "--json")
    check(a == b, f"{name}: compile of the imported YAML differs from the ONNX file's")
err = subprocess.run([IMCSIM, "models", path("dynamic")], capture_output=True, text=True)
check(err.returncode == 2 and "--input-shape" in err.stderr, "dynamic: no --input-shape error")
dyn = model_json(path("dynamic"), "--input-shape", "1x3x16x16")
check(dyn["macs"] == model_json(path("small_cnn"))["macs"], "dynamic: --input-shape MACs")

if failures:
    raise SystemExit(f"onnx_acceptance: {len(failures)} failures")
print("onnx_acceptance: all checks hold")
