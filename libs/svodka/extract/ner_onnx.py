"""Layers 2 and 3 of the NER network and its projection, as an ONNX graph run
by ONNX Runtime on one thread.

The graph is built in memory from the same float32 arrays (``onnx.helper``),
not loaded from a file: Conv (kernel 3, padding 1) → Relu → the batch norm as
natasha computes it, ``(x − mean) / std · weight + bias`` → times the keep mask
(0 on the rows between sequences), twice, then MatMul + Add to the tag scores.
Measured on this machine: ONNX Runtime's own GEMM ran the conv products at
~34 GFLOP/s where NumPy's OpenBLAS reached ~12 (its Haswell kernel on this
AMD EPYC VM), with identical tags.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["OnnxLayers"]


class OnnxLayers:
    """``(positions × 256 layer-1 output, positions × 1 keep mask) → positions × tags``."""

    def __init__(self, layers: Sequence[tuple], proj_w: np.ndarray, proj_b: np.ndarray) -> None:
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper

        inits = []
        nodes = []

        def const(name: str, array: np.ndarray) -> str:
            inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
            return name

        # positions × channels → 1 × channels × positions (Conv's layout)
        nodes.append(helper.make_node("Transpose", ["x"], ["x_t"], perm=[1, 0]))
        nodes.append(helper.make_node("Unsqueeze", ["x_t", const_axes(inits, numpy_helper)], ["h0"]))
        nodes.append(helper.make_node("Transpose", ["keep"], ["keep_t"], perm=[1, 0]))  # 1 × positions
        cur = "h0"
        for n, (flat_t, bias, mean, std, weight, nbias) in enumerate(layers):
            channels3, filters = flat_t.shape
            kernel = flat_t.T.reshape(filters, channels3 // 3, 3)
            col = lambda v, filters=filters: np.asarray(v, dtype=np.float32).reshape(filters, 1)  # noqa: E731
            nodes += [
                helper.make_node("Conv", [cur, const(f"w{n}", kernel), const(f"b{n}", bias)], [f"c{n}"],
                                 pads=[1, 1], kernel_shape=[3]),
                helper.make_node("Relu", [f"c{n}"], [f"r{n}"]),
                helper.make_node("Sub", [f"r{n}", const(f"mean{n}", col(mean))], [f"s{n}"]),
                helper.make_node("Div", [f"s{n}", const(f"std{n}", col(std))], [f"d{n}"]),
                helper.make_node("Mul", [f"d{n}", const(f"g{n}", col(weight))], [f"m{n}"]),
                helper.make_node("Add", [f"m{n}", const(f"nb{n}", col(nbias))], [f"a{n}"]),
                helper.make_node("Mul", [f"a{n}", "keep_t"], [f"h{n + 1}"]),
            ]
            cur = f"h{n + 1}"
        nodes += [
            helper.make_node("Squeeze", [cur, "axes0"], ["sq"]),
            helper.make_node("Transpose", ["sq"], ["feat"], perm=[1, 0]),
            helper.make_node("MatMul", ["feat", const("proj_w", proj_w)], ["pm"]),
            helper.make_node("Add", ["pm", const("proj_b", proj_b)], ["scores"]),
        ]
        graph = helper.make_graph(
            nodes, "svodka_ner_layers",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, layers[0][0].shape[0] // 3]),
             helper.make_tensor_value_info("keep", TensorProto.FLOAT, [None, 1])],
            [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [None, proj_w.shape[1]])],
            inits,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # one core per worker: scale by processes
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.session = ort.InferenceSession(model.SerializeToString(), options,
                                            providers=["CPUExecutionProvider"])

    def __call__(self, x: np.ndarray, keep: np.ndarray) -> np.ndarray:
        return self.session.run(None, {"x": np.ascontiguousarray(x, dtype=np.float32),
                                       "keep": np.ascontiguousarray(keep, dtype=np.float32)})[0]


def const_axes(inits: list, numpy_helper) -> str:
    inits.append(numpy_helper.from_array(np.array([0], dtype=np.int64), "axes0"))
    return "axes0"
