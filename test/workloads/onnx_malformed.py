#!/usr/bin/python3
"""Malformed and unsupported ONNX files: each gives one clear error and exit 2.

Usage: onnx_malformed.py OUTDIR IMCSIM

Writes every case into OUTDIR (built with python3-onnx, some bytes by hand),
runs `imcsim models FILE` on it and checks: exit status 2, exactly one line
with 'error:' on stderr, and the text naming what is wrong (the node and its
operator, or the byte offset for a damaged protobuf). Needs no PyTorch.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT, IMCSIM = sys.argv[1], sys.argv[2]
os.makedirs(OUT, exist_ok=True)
F = TensorProto.FLOAT


def init(name, shape, dtype=np.float32):
    return numpy_helper.from_array(np.ones(shape, dtype=dtype), name)


def base_nodes():
    return [helper.make_node("Conv", ["x", "W"], ["c"], name="conv", pads=[1, 1, 1, 1]),
            helper.make_node("Relu", ["c"], ["r"], name="relu"),
            helper.make_node("GlobalAveragePool", ["r"], ["g"], name="gap"),
            helper.make_node("Flatten", ["g"], ["f"], name="flat"),
            helper.make_node("Gemm", ["f", "Wf"], ["y"], name="fc", transB=1)]


def model(nodes=None, inits=None, inputs=None, outputs=None, opset=13, meta=None):
    nodes = base_nodes() if nodes is None else nodes
    inits = [init("W", [4, 3, 3, 3]), init("Wf", [10, 4])] if inits is None else inits
    inputs = [helper.make_tensor_value_info("x", F, [1, 3, 8, 8])] if inputs is None else inputs
    outputs = [helper.make_tensor_value_info("y", F, None)] if outputs is None else outputs
    g = helper.make_graph(nodes, "g", inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)] if opset else [])
    for k, v in (meta or {}).items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    return m


def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        out += bytes([b | (0x80 if v else 0)])
        if not v:
            return out


def field(num, wt, payload):
    return varint(num << 3 | wt) + (varint(len(payload)) + payload if wt == 2 else payload)


def replace_node(m, name, node):
    nodes = [node if n.name == name else n for n in m.graph.node]
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    return m


cases = []  # (name, bytes or ModelProto, [expected substrings])


def case(name, data, *want):
    cases.append((name, data, want))


good = model().SerializeToString()
case("truncated", good[: len(good) // 2], "offset", "remain (expected a complete protobuf")
case("empty", b"", "the file is empty")
case("wire_type_7", field(7, 2, field(1, 2, b"")) + bytes([0x0F]),
     "offset 4", "wire type 7")
case("graph_as_varint", field(1, 0, varint(7)) + field(7, 0, varint(3)),
     "offset 2", "field 'graph' (7) of onnx.ModelProto has wire type 0 (varint)",
     "(expected 2, length-delimited)")
case("op_type_as_varint", field(7, 2, field(1, 2, field(4, 0, varint(1)))),
     "field 'op_type' (4) of onnx.NodeProto has wire type 0", "in graph.node[0]")
nest = b""
for _ in range(60):  # GraphProto.node -> NodeProto.attribute -> AttributeProto.g -> ...
    nest = field(1, 2, field(5, 2, field(6, 2, nest)))
case("deep_nesting", field(7, 2, nest), "nested more than 48 deep")
case("packed_varint_cut", field(7, 2, field(5, 2, field(1, 0, varint(4)) + field(2, 0, varint(7))
                                        + field(7, 2, bytes([0x80])))),
     "packed field 'int64_data' (7) ends inside a varint")
case("not_onnx", b"\x08\x07This is a text file, not a model.\n", "offset")
case("no_graph", field(1, 0, varint(8)) + field(8, 2, field(2, 0, varint(13))),
     "no graph (expected an ONNX model)")
case("opset_9", model(opset=9), "opset 9 (expected 11..17")
case("no_opset", model(opset=0), "no opset for the default domain")
m = model()
m.graph.node.insert(2, helper.make_node("Foo", ["r"], ["r2"], name="bad"))
m.graph.node[3].input[0] = "r2"
case("unknown_op", m, "node 'bad' (Foo): operator 'Foo' is not supported")
case("missing_initializer", model(inits=[init("Wf", [10, 4])]),
     "node 'conv' (Conv): input 'W' is not an initializer, a graph input or a node's output")
m = model()
m.graph.node[0].input[0] = "g"  # conv reads what depends on it
m.graph.input[0].name = "x_unused"
case("cycle", m, "is on a cycle")
# constant folding in 64-bit integers: a result that does not fit is an error,
# not a wrapped value (the fuzzer found INT64_MAX - (-128); UBSan: overflow)
for op, a, b in (("Sub", 2**63 - 1, -128), ("Div", -2**63, -1), ("Mul", 2**62, 4)):
    m = model()
    m.graph.initializer.extend([numpy_helper.from_array(np.array([a], dtype=np.int64), "ca"),
                                numpy_helper.from_array(np.array([b], dtype=np.int64), "cb")])
    m.graph.node.insert(0, helper.make_node(op, ["ca", "cb"], ["k"], name="fold"))
    m.graph.node.insert(1, helper.make_node("Reshape", ["x", "k"], ["xr"], name="use"))
    m.graph.node[2].input[0] = "xr"
    case("int64_overflow_" + op.lower(), m, "node 'fold' (%s)" % op,
         "the integer result of %d and %d does not fit in 64 bits" % (a, b))
case("zero_dim", model(inputs=[helper.make_tensor_value_info("x", F, [1, 3, 0, 8])]),
     "graph input 'x' has dimension 2 of size 0")
case("huge_dims", model(inputs=[helper.make_tensor_value_info("x", F, [1, 3, 65536, 65536])]),
     "graph input 'x' is too large")
case("symbolic_dim", model(inputs=[helper.make_tensor_value_info("x", F, [1, 3, "h", 8])]),
     "symbolic dimension 'h' on axis 2", "--input-shape")
case("batch_4", model(inputs=[helper.make_tensor_value_info("x", F, [4, 3, 8, 8])]),
     "has a batch of 4")
case("two_inputs", model(inputs=[helper.make_tensor_value_info("x", F, [1, 3, 8, 8]),
                                 helper.make_tensor_value_info("z", F, [1, 3, 8, 8])]),
     "graph inputs 'x' and 'z' (expected one network input")
case("conv_channels", model(inits=[init("W", [4, 5, 3, 3]), init("Wf", [10, 4])]),
     "node 'conv' (Conv): weights 'W' [4, 5, 3, 3] with group 1 do not fit its 3 input channels")
case("gemm_inputs", model(inits=[init("W", [4, 3, 3, 3]), init("Wf", [10, 6])]),
     "node 'fc' (Gemm): weights 'Wf' [10, 6] (transposed) take 6 inputs but its input 'f' has 4")
m = model()
m.graph.node.append(helper.make_node("Add", ["c", "c8"], ["s"], name="add"))
m.graph.node.insert(0, helper.make_node("Conv", ["x", "W8"], ["c8"], name="conv8"))
m.graph.initializer.append(init("W8", [8, 3, 1, 1]))
case("add_shapes", m, "node 'add' (Add): input 'c' is [1, 4, 8, 8] but input 'c8' is [1, 8, 8, 8]")
case("dilations", replace_node(model(), "conv", helper.make_node(
    "Conv", ["x", "W"], ["c"], name="conv", pads=[2, 2, 2, 2], dilations=[2, 2])),
    "node 'conv' (Conv): dilations [2, 2]")
case("asymmetric_pads", replace_node(model(), "conv", helper.make_node(
    "Conv", ["x", "W"], ["c"], name="conv", pads=[0, 0, 1, 1])),
    "node 'conv' (Conv): pads [0, 0, 1, 1] (expected the same padding on every side")
case("group_float", replace_node(model(), "conv", helper.make_node(
    "Conv", ["x", "W"], ["c"], name="conv", pads=[1, 1, 1, 1], group=1.0)),
    "node 'conv' (Conv): attribute 'group' is FLOAT (expected INT)")
case("unknown_attr", replace_node(model(), "relu", helper.make_node(
    "Relu", ["c"], ["r"], name="relu", alpha=0.1)),
    "node 'relu' (Relu): attribute 'alpha' is not supported (expected none)")
case("transpose", replace_node(model(), "flat", helper.make_node(
    "Transpose", ["g"], ["f"], name="tr", perm=[0, 2, 3, 1])),
    "node 'tr' (Transpose): operator 'Transpose' is not supported")
m = model()
m.graph.node.insert(4, helper.make_node("Softmax", ["f"], ["sm"], name="soft"))
m.graph.node[5].input[0] = "sm"
case("softmax_used", m, "node 'fc' (Gemm): its input 'sm' is the output of a Softmax")
case("clip_range", replace_node(model(), "relu", helper.make_node(
    "Clip", ["c", "lo", "hi"], ["r"], name="clip")),
    "node 'clip' (Clip): Clip(-1, 1) (expected Clip(0, max)")
cases[-1][1].graph.initializer.extend([numpy_helper.from_array(np.array(-1, np.float32), "lo"),
                                       numpy_helper.from_array(np.array(1, np.float32), "hi")])
m = model()
m.graph.node.insert(3, helper.make_node("BatchNormalization", ["g", "s", "b", "mu", "v"], ["bn"],
                                        name="bn"))
m.graph.node[4].input[0] = "bn"
m.graph.initializer.extend([init(n, [4]) for n in ("s", "b", "mu", "v")])
case("bn_after_pool", m, "node 'bn' (BatchNormalization): batchnorm 'bn' cannot be folded: its "
     "input 'gap' is not a conv2d or linear layer")
m = model()
m.graph.node.insert(1, helper.make_node("Reshape", ["c", "shp"], ["c2"], name="reshape"))
m.graph.node[2].input[0] = "c2"
m.graph.initializer.append(numpy_helper.from_array(np.array([1, 8, 4, 8], np.int64), "shp"))
case("reshape_not_flatten", m, "node 'reshape' (Reshape): it turns [1, 4, 8, 8] into [1, 8, 4, 8]")
m = model()
m.graph.initializer[0].raw_data = m.graph.initializer[0].raw_data[:8]
case("raw_data_short", m, "initializer 'W': raw_data of 8 bytes for 108 float values")
m = model()
m.graph.initializer.append(helper.make_tensor("names", TensorProto.STRING, [1], [b"a"]))
case("string_tensor", m, "initializer 'names': data type 8 (string)")
m = model()
m.graph.node.append(helper.make_node("Relu", ["c"], ["r"], name="relu_again"))
case("duplicate_output", m, "output 'r' is already defined by node relu")
m = model()
m.graph.output.append(helper.make_tensor_value_info("nowhere", F, None))
case("output_missing", m, "graph output 'nowhere' is not computed by any node")
m = model()
nodes = [helper.make_node("LSTM", ["s", "LW", "LR"], ["ly", "lh"], name="lstm", hidden_size=4,
                          direction="bidirectional"),
         helper.make_node("Squeeze", ["lh", "ax"], ["lf"], name="sq")]
m = model(nodes=nodes, inits=[init("LW", [2, 16, 3]), init("LR", [2, 16, 4]),
                              numpy_helper.from_array(np.array([0], np.int64), "ax")],
          inputs=[helper.make_tensor_value_info("s", F, [5, 1, 3])],
          outputs=[helper.make_tensor_value_info("lf", F, None)])
case("lstm_bidirectional", m, "node 'lstm' (LSTM): direction 'bidirectional'")
case("meta_unknown_node", model(meta={"imcsim.quant:convv": "{weight_bits: 4}"}),
     "metadata_props key 'imcsim.quant:convv' names no node (did you mean 'conv'?)")
case("meta_bad_quant", model(meta={"imcsim.quant:conv": "{weight_bits: 4, shceme: pow2}"}),
     "metadata_props['imcsim.quant:conv']:1:18: error: unknown key 'shceme' in 'quant' "
     "(did you mean 'scheme'?)")
case("meta_not_weights", model(meta={"imcsim.quant:relu": "{weight_bits: 4}"}),
     "names node 'relu', which is not a Conv, Gemm, MatMul or LSTM")

# External data: a missing file, a short file, a path outside the model's directory.
for name, loc, size, want in (
        ("external_missing", "ext_missing.bin", None, "external data file"),
        ("external_short", "ext_short.bin", 100, "external data of 100 bytes (expected 432"),
        ("external_escape", "../ext.bin", None, "external data location '../ext.bin' leaves the "
                                                "model's directory")):
    m = model()
    t = m.graph.initializer[0]
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    e = t.external_data.add()
    e.key, e.value = "location", loc
    if size is not None:
        with open(os.path.join(OUT, loc), "wb") as f:
            f.write(b"\0" * size)
    case(name, m, want)
cases[-3] = (cases[-3][0], cases[-3][1], ("external data file", "does not exist"))

failed = 0
for name, data, want in cases:
    path = os.path.join(OUT, name + ".onnx")
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.SerializeToString())
    p = subprocess.run([IMCSIM, "models", path], capture_output=True, text=True)
    errors = [l for l in p.stderr.splitlines() if "error:" in l]
    ok = p.returncode == 2 and len(errors) == 1 and all(w in p.stderr for w in want)
    if not ok:
        failed += 1
        print(f"FAIL {name}: exit {p.returncode}, {len(errors)} error lines\n  got:  {p.stderr.strip()}"
              f"\n  want: {want}")
    else:
        print(f"ok   {name}: {errors[0]}")
print(f"onnx_malformed: {len(cases)} files, {failed} failures")
sys.exit(1 if failed or len(cases) < 25 else 0)
