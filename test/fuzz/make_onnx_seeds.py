#!/usr/bin/python3
"""Writes the seed corpus of the ONNX fuzz target (test/fuzz/corpus/onnx):
small valid models that reach every part of the reader. Run again after
changing it; the seeds are kept in the repository."""
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "onnx")
F = TensorProto.FLOAT
rng = np.random.default_rng(0)


def arr(name, shape, dtype=np.float32):
    return numpy_helper.from_array((rng.standard_normal(shape)).astype(dtype), name)


def save(name, nodes, inits, inp, out="y", opset=13, meta=None):
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", F, inp)],
                          [helper.make_tensor_value_info(out, F, None)], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    for k, v in (meta or {}).items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(m.SerializeToString())


os.makedirs(OUT, exist_ok=True)
save("cnn", [helper.make_node("Conv", ["x", "W", "B"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "s", "b", "mu", "v"], ["n"], name="bn"),
             helper.make_node("Relu", ["n"], ["r"], name="relu"),
             helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2],
                              strides=[2, 2]),
             helper.make_node("Conv", ["p", "Wd"], ["d"], name="dw", group=4, pads=[1, 1, 1, 1]),
             helper.make_node("Concat", ["p", "d"], ["cat"], name="cat", axis=1),
             helper.make_node("Pad", ["cat", "pads"], ["pd"], name="pad"),
             helper.make_node("AveragePool", ["pd"], ["a"], name="avg", kernel_shape=[3, 3],
                              strides=[3, 3]),
             helper.make_node("Flatten", ["a"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "Wf", "Bf"], ["g"], name="fc", transB=1),
             helper.make_node("Softmax", ["g"], ["y"], name="soft")],
     [arr("W", [4, 2, 3, 3]), arr("B", [4]), arr("s", [4]), arr("b", [4]), arr("mu", [4]),
      numpy_helper.from_array(np.ones(4, np.float32), "v"), arr("Wd", [4, 1, 3, 3]),
      numpy_helper.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), "pads"),
      arr("Wf", [5, 8]), arr("Bf", [5])], [1, 2, 4, 4], opset=11,
     meta={"imcsim.quant:fc": "{weight_bits: 4}"})
q = numpy_helper.from_array(rng.integers(-8, 8, [3, 2, 1, 1]).astype(np.int8), "Wq")
save("qdq", [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="q"),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"], name="dq"),
             helper.make_node("DequantizeLinear", ["Wq", "ws"], ["w"], name="wdq", axis=0),
             helper.make_node("Conv", ["xd", "w"], ["c"], name="conv"),
             helper.make_node("Clip", ["c", "lo", "hi"], ["y"], name="relu6")],
     [numpy_helper.from_array(np.array(0.05, np.float32), "xs"),
      numpy_helper.from_array(np.array(128, np.uint8), "xz"), q,
      numpy_helper.from_array(np.array([0.1, 0.2, 0.3], np.float32), "ws"),
      numpy_helper.from_array(np.array(0, np.float32), "lo"),
      numpy_helper.from_array(np.array(6, np.float32), "hi")], [1, 2, 3, 3])
save("lstm", [helper.make_node("LSTM", ["x", "W", "R", "B"], ["ys", "yh"], name="lstm",
                               hidden_size=3),
              helper.make_node("Squeeze", ["yh", "ax"], ["h"], name="sq"),
              helper.make_node("MatMul", ["h", "Wm"], ["mm"], name="mm"),
              helper.make_node("Add", ["mm", "Bm"], ["y"], name="bias")],
     [arr("W", [1, 12, 2]), arr("R", [1, 12, 3]), arr("B", [1, 24]),
      numpy_helper.from_array(np.array([0], np.int64), "ax"), arr("Wm", [3, 2]), arr("Bm", [2])],
     [4, 1, 2])
save("reshape", [helper.make_node("Shape", ["x"], ["s"], name="shape"),
                 helper.make_node("Gather", ["s", "i0"], ["n"], name="gather", axis=0),
                 helper.make_node("Unsqueeze", ["n", "ax"], ["nu"], name="unsq"),
                 helper.make_node("Concat", ["nu", "m1"], ["shp"], name="cat", axis=0),
                 helper.make_node("Reshape", ["x", "shp"], ["r"], name="reshape"),
                 helper.make_node("Gemm", ["r", "W"], ["y"], name="fc")],
     [numpy_helper.from_array(np.array(0, np.int64), "i0"),
      numpy_helper.from_array(np.array([0], np.int64), "ax"),
      numpy_helper.from_array(np.array([-1], np.int64), "m1"), arr("W", [12, 3])], [1, 3, 2, 2])
