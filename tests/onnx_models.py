"""Small ONNX graphs built with onnx.helper, for the ONNX reader's tests (no framework needed).

Every weight gets distinct values (a running count), as an exporter's would be: nothing here may
lean on two tensors being equal.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from math import prod
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

_counter = itertools.count(1)


class Graph:
    """A graph under construction: `x` is its input; each method adds a node and returns its output."""

    def __init__(self, input_shape: Sequence[int | str], opset: int = 20, input_type: int = TensorProto.FLOAT) -> None:
        self.input_shape = list(input_shape)
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[TensorProto] = []
        self.opset = opset
        self.input_type = input_type  # INT64 for token ids

    def weight(self, name: str, shape: Sequence[int]) -> str:
        start = next(_counter) * 1000
        values = (np.arange(prod(shape), dtype=np.float32) + start).reshape(shape)
        self.initializers.append(numpy_helper.from_array(values, name))
        return name

    def ints(self, name: str, values: Sequence[int]) -> str:
        self.initializers.append(numpy_helper.from_array(np.array(values, dtype=np.int64), name))
        return name

    def index(self, name: str, value: int) -> str:
        """A single int64 value, as a Gather's index that drops the axis."""
        self.initializers.append(numpy_helper.from_array(np.array(value, dtype=np.int64), name))
        return name

    def scalar(self, name: str, value: float) -> str:
        self.initializers.append(numpy_helper.from_array(np.array(value, dtype=np.float32), name))
        return name

    def node(self, op: str, inputs: Sequence[str], name: str, **attributes: Any) -> str:
        output = f"{name}_out"
        self.nodes.append(helper.make_node(op, list(inputs), [output], name=name, **attributes))
        return output

    def conv(self, x: str, name: str, channels: int, filters: int, kernel: int, bias: bool = True, group: int = 1, **attributes: Any) -> str:
        inputs = [x, self.weight(f"{name}.weight", [filters, channels // group, kernel, kernel])]
        if bias:
            inputs.append(self.weight(f"{name}.bias", [filters]))
        return self.node("Conv", inputs, name, kernel_shape=[kernel, kernel], group=group, **attributes)

    def conv_transpose(self, x: str, name: str, channels: int, filters: int, kernel: int, bias: bool = True, group: int = 1, **attributes: Any) -> str:
        """A ConvTranspose: its weight is [C_in, filters / group, k, k], as ONNX and PyTorch keep it."""
        inputs = [x, self.weight(f"{name}.weight", [channels, filters // group, kernel, kernel])]
        if bias:
            inputs.append(self.weight(f"{name}.bias", [filters]))
        return self.node("ConvTranspose", inputs, name, kernel_shape=[kernel, kernel], group=group, **attributes)

    def floats(self, name: str, values: Sequence[float]) -> str:
        self.initializers.append(numpy_helper.from_array(np.array(values, dtype=np.float32), name))
        return name

    def outputs(self, op: str, inputs: Sequence[str], name: str, count: int, **attributes: Any) -> list[str]:
        """A node of several outputs (LSTM's Y, Y_h, Y_c)."""
        outputs = [f"{name}_out{index}" for index in range(count)]
        self.nodes.append(helper.make_node(op, list(inputs), outputs, name=name, **attributes))
        return outputs

    def dense(self, x: str, name: str, inputs: int, units: int, bias: bool = True) -> str:
        """A Linear as torch.onnx writes it on a sequence: MatMul by the weight, then Add of the bias."""
        y = self.node("MatMul", [x, self.weight(f"{name}.weight", [inputs, units])], name)
        return self.node("Add", [y, self.weight(f"{name}.bias", [units])], f"{name}.add") if bias else y

    def batchnorm(self, x: str, name: str, channels: int) -> str:
        names = [self.weight(f"{name}.{part}", [channels]) for part in ("weight", "bias", "running_mean", "running_var")]
        return self.node("BatchNormalization", [x, *names], name)

    def model(self, output: str, ir_version: int | None = None, output_shape: Sequence[int] | None = None) -> onnx.ModelProto:
        """The model; its output's shape as given, else as ONNX's inference gives it (which a hostile
        graph may make abort the process: give the shape for those)."""
        inputs = [helper.make_tensor_value_info("x", self.input_type, self.input_shape)]
        outputs = [helper.make_tensor_value_info(output, TensorProto.FLOAT, output_shape)]
        graph = helper.make_graph(self.nodes, "test", inputs, outputs, initializer=self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)], producer_name="archcalc-tests")
        try:  # an exporter writes the output's shape, which the checker requires: ONNX's inference gives it
            inferred = onnx.shape_inference.infer_shapes(model) if output_shape is None else model
            if inferred.graph.output[0].type.tensor_type.HasField("shape"):
                model.graph.output[0].CopyFrom(inferred.graph.output[0])
        except onnx.shape_inference.InferenceError:
            pass  # a hostile graph: left as it is
        if ir_version is not None:
            model.ir_version = ir_version
        return model

    def save(self, output: str, path: Path) -> Path:
        onnx.save(self.model(output), str(path))
        return path
