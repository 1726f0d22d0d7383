"""The model files of issue 27's second hostile audit, written by its generator (onnx, numpy): each
is made where a test asks for it, so tests/data holds none of their megabytes."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from onnx import ModelProto, NodeProto, TensorProto
from onnx import helper as h
from onnx import numpy_helper as nh

KERAS_CONFIG = Path(__file__).resolve().parent / "data" / "keras" / "sequential_cnn.json"


def model(
    nodes: Sequence[NodeProto], initializers: Sequence[TensorProto], output: str, shape: Sequence[int] = (1, 4), output_shape: Sequence[int] | None = None
) -> ModelProto:
    graph = h.make_graph(
        nodes,
        "g",
        [h.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
        [h.make_tensor_value_info(output, TensorProto.FLOAT, list(output_shape or shape))],
        initializer=initializers,
    )
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 20)])


def int64(name: str, values: Any) -> TensorProto:
    return nh.from_array(np.array(values, np.int64), name)


def conv_model() -> ModelProto:
    weight = nh.from_array(np.ones((4, 3, 3, 3), np.float32), "w")
    return model([h.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3])], [weight], "y", (1, 3, 8, 8), (1, 4, 6, 6))


def saved(path: Path, written: ModelProto) -> Path:
    """`written` serialised at `path`: each generator's last step."""
    path.write_bytes(written.SerializeToString())
    return path


def zip_with(path: Path, data: bytes, declared: int, compressed: int, crc: int, method: int, flags: int = 0) -> None:
    """A zip of one entry, config.json, whose headers say what the arguments say, true or not."""
    name = b"config.json"
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, flags, method, 0, 0, crc, compressed, declared, len(name), 0) + name + data
    central = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, flags, method, 0, 0, crc, compressed, declared, len(name), 0, 0, 0, 0, 0, 0) + name
    path.write_bytes(local + central + struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local), 0))


def write_small(folder: Path) -> None:
    """The files that are small and quick to make (not B, C and E, the long graphs, nor A, which hangs)."""
    conv = conv_model()
    tensor = conv.graph.initializer[0]
    tensor.ClearField("raw_data")
    tensor.dims[:] = [2**62] * 400
    (folder / "D_400dims.onnx").write_bytes(conv.SerializeToString())
    conv = conv_model()
    tensor = conv.graph.initializer[0]
    tensor.ClearField("raw_data")
    tensor.data_location = 1
    tensor.external_data.add(key="location", value="a\x00b")
    (folder / "F_ext_nul.onnx").write_bytes(conv.SerializeToString())
    conv = conv_model()
    conv.producer_name = "PPPP"
    (folder / "G_bad_utf8_producer.onnx").write_bytes(conv.SerializeToString().replace(b"PPPP", b"P\xff\xfeP"))
    nodes = [
        h.make_node("Shape", ["x"], ["s"]),
        h.make_node("Gather", ["s", "i1"], ["a"], axis=0),
        h.make_node("Gather", ["s", "i2"], ["b"], axis=0),
        h.make_node("Mul", ["a", "b"], ["p"]),
        h.make_node("Unsqueeze", ["p", "ax"], ["u"]),
        h.make_node("Concat", ["one", "u"], ["t"], axis=0),
        h.make_node("Reshape", ["x", "t"], ["y"]),
    ]
    wrapped = model(nodes, [int64("i1", 1), int64("i2", 2), int64("ax", [0]), int64("one", [1])], "y", (1, 2**32 + 1, 2**32), (1, 1))
    wrapped.graph.output[0].type.tensor_type.shape.dim[1].dim_param = "n"
    (folder / "H_fold_wrap.onnx").write_bytes(wrapped.SerializeToString())
    width = 512
    value = h.make_tensor_value_info
    body = h.make_graph(
        [h.make_node("Identity", ["c"], ["co"]), h.make_node("MatMul", ["v", "W"], ["vo"])],
        "b",
        [value("i", TensorProto.INT64, []), value("c", TensorProto.BOOL, []), value("v", TensorProto.FLOAT, [1, width])],
        [value("co", TensorProto.BOOL, []), value("vo", TensorProto.FLOAT, [1, width])],
    )
    weights = [nh.from_array(np.ones((width, width), np.float32), "W"), int64("trip", 1000), nh.from_array(np.array(True), "cond")]
    looped = model([h.make_node("Loop", ["trip", "cond", "x"], ["y"], name="loop", body=body)], weights, "y", (1, width))
    (folder / "I_loop_weight.onnx").write_bytes(looped.SerializeToString())
    named = model([h.make_node("Relu", ["x"], ["y"], name="r\x9b31m\u202eevil")], [], "y")
    named.producer_name = "p\x9b2J\u202e"
    (folder / "J_c1_names.onnx").write_bytes(named.SerializeToString())
    (folder / "K_named.yaml").write_text('name: "::stop-commands::tok"\ninput: 4\nlayers:\n  - dense: 2\n')
    (folder / "L_identity.onnx").write_bytes(model([h.make_node("Identity", ["x"], ["y"])], [], "y").SerializeToString())
    config = KERAS_CONFIG.read_bytes()
    zip_with(folder / "M_encrypted.keras", config, len(config), len(config), zlib.crc32(config), 0, flags=1)
    zip_with(folder / "M_deflate64.keras", config, len(config), len(config), zlib.crc32(config), 9)
    zip_with(folder / "M_lzma_garbage.keras", b"\x09\x00\x05\x00garbage", len(config), 11, 0, 14)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = b"".join(compressor.compress(b" " * (1 << 20)) for _ in range(1024)) + compressor.flush()  # 1 GB of spaces in 1 MB
    zip_with(folder / "M_lying_bomb.keras", bomb, 1000, len(bomb), 0, 8)
    document = json.loads(config)
    document["config"]["layers"][1]["config"]["name"] = "conv\ud800"
    (folder / "M_surrogate.json").write_text(json.dumps(document))
    document = json.loads(config)
    document["config"]["layers"] = [
        {"class_name": "InputLayer", "config": {"batch_shape": [None] + [10**36] * 130, "name": "in"}},
        {"class_name": "Flatten", "config": {"name": "f"}},
    ]
    (folder / "M_many_axes.json").write_text(json.dumps(document))
    (folder / "N_doubling.yaml").write_text("input: 1x1x1\nlayers:\n" + "  - repeat: {times: 10000, layers: [{concat: [[], []]}]}\n" * 2)


def fan(folder: Path, count: int = 500) -> Path:
    """E: `count` Relus of the input summed one after another (T2: a RecursionError at 500)."""
    nodes = [h.make_node("Relu", ["x"], ["r0"])]
    total = "r0"
    for index in range(1, count):
        nodes += [h.make_node("Relu", ["x"], [f"r{index}"]), h.make_node("Add", [total, f"r{index}"], [f"s{index}"])]
        total = f"s{index}"
    return saved(folder / "E_fan.onnx", model(nodes, [], total))


def shape_chain(folder: Path, count: int = 1600) -> Path:
    """B: `count` Shape→Reshape pairs, each reshaping the tensor to its own shape (R2: 90 s at 1,600)."""
    nodes: list[NodeProto] = []
    tensor = "x"
    for index in range(count):
        nodes += [h.make_node("Shape", [tensor], [f"s{index}"]), h.make_node("Reshape", [tensor, f"s{index}"], [f"r{index}"])]
        tensor = f"r{index}"
    return saved(folder / "B_shape_chain.onnx", model(nodes, [], tensor))


def residual_chain(folder: Path, count: int = 16000) -> Path:
    """C: `count` residual blocks, x + Relu(x), one after another (R3: 33–51 s at 16,000)."""
    nodes: list[NodeProto] = []
    tensor = "x"
    for index in range(count):
        nodes += [h.make_node("Relu", [tensor], [f"r{index}"]), h.make_node("Add", [tensor, f"r{index}"], [f"a{index}"])]
        tensor = f"a{index}"
    return saved(folder / "C_residual_chain.onnx", model(nodes, [], tensor))


def many_axes(count: int) -> ModelProto:
    """R4: x + b, b an initializer of `count` axes (all 1 but the last, 4), and so the output."""
    bias = nh.from_array(np.ones(4, np.float32), "b")
    bias.dims[:] = [1] * (count - 1) + [4]
    return model([h.make_node("Add", ["x", "b"], ["y"])], [bias], "y", (1, 4), [1] * (count - 1) + [4])


def square_bomb(folder: Path, squarings: int = 40) -> Path:
    """A (R1): 3 cast to text, then squared `squarings` times; folded as Python integers, it ran past 60 s
    and grew (3**(2**40) has 5e11 digits)."""
    nodes = [
        h.make_node("Shape", ["x"], ["s"]),
        h.make_node("Reshape", ["x", "s"], ["r"]),
        h.make_node("Relu", ["r"], ["y"]),
        h.make_node("Cast", ["three"], ["v0"], to=TensorProto.STRING),
    ]
    nodes += [h.make_node("Mul", [f"v{index}", f"v{index}"], [f"v{index + 1}"]) for index in range(squarings)]
    return saved(folder / "A_square_bomb.onnx", model(nodes, [int64("three", [3])], "y"))


def cast_bombs(folder: Path) -> list[Path]:
    """T8: a Reshape's target cast to int64 from a NaN, from infinity, and from a complex number; numpy
    warned on standard error ("invalid value encountered in cast", ComplexWarning) as it folded them."""
    made = []
    for name, tensor in (
        ("O_nan_cast", nh.from_array(np.array(np.nan, np.float32), "value")),
        ("O_inf_cast", nh.from_array(np.array(np.inf, np.float32), "value")),
        ("O_complex_cast", nh.from_array(np.array(4 + 1j, np.complex64), "value")),
    ):
        nodes = [h.make_node("Constant", [], ["c"], value=tensor)]
        if tensor.data_type == TensorProto.COMPLEX64:
            nodes += [h.make_node("Cast", ["c"], ["real"], to=TensorProto.FLOAT)]
        nodes += [
            h.make_node("Cast", ["real" if len(nodes) > 1 else "c"], ["size"], to=TensorProto.INT64),
            h.make_node("Unsqueeze", ["size", "axes"], ["sizes"]),
            h.make_node("Concat", ["one", "sizes"], ["target"], axis=0),
            h.make_node("Reshape", ["x", "target"], ["r"], name="reshape"),
            h.make_node("Relu", ["r"], ["y"]),
        ]
        made.append(saved(folder / f"{name}.onnx", model(nodes, [int64("axes", [0]), int64("one", [1])], "y", (1, 4), (1, 4))))
    return made
