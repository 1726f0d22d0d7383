"""Fuzzing the model-file readers: the small ONNX graphs of tests/onnx_models.py and the Keras configs
of tests/data/keras/, each mutated a few places at a time (hostile attribute values, missing inputs,
another operator, a list where a mapping belongs), read through the CLI.

The only outcomes allowed: exit 0 with a result, or exit 2 with one line on standard error and nothing
on standard output; never a traceback, never another exit status. tests/test_model_fuzz.py runs a
bounded, seeded batch; for a long run by hand:

    .venv/bin/python -m tests.model_fuzz --seconds 600 --seed 1 [--hostile]

It prints each crashing input and exits 1 if there was one.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from typer.testing import CliRunner

from archcalc.app import app
from tests.onnx_models import Graph

KERAS = Path(__file__).resolve().parent / "data" / "keras"

HOSTILE_VALUES: list[Any] = [
    0,
    -1,
    1,
    2,
    3,
    7,
    2**40,
    10**40,
    1.5,
    4.0,
    float("nan"),
    True,
    False,
    None,
    "",
    "x",
    "same",
    "valid",
    "relu",
    "channels_first",
    "\n::error::x",
    [],
    [0],
    [1, 2],
    [3, 0],
    [2, 2, 2, 2],
    ["a", 0, 0],
    {},
    {"a": 1},
    {"class_name": "__keras_tensor__", "config": {"keras_history": 5}},
]
KERAS_CLASSES = [
    "Dense",
    "Conv2D",
    "Conv1D",
    "DepthwiseConv2D",
    "SeparableConv2D",
    "Conv2DTranspose",
    "UpSampling2D",
    "GroupNormalization",
    "MaxPooling2D",
    "AveragePooling1D",
    "GlobalAveragePooling2D",
    "Flatten",
    "BatchNormalization",
    "LayerNormalization",
    "Embedding",
    "LSTM",
    "GRU",
    "SimpleRNN",
    "Bidirectional",
    "MultiHeadAttention",
    "Dropout",
    "ReLU",
    "Softmax",
    "Activation",
    "Add",
    "Concatenate",
    "Multiply",
    "InputLayer",
    "Lambda",
]

HOSTILE_NAMES = ["", "a\nb", "\n::error::x", "x" * 300, "\u202e", "name: {x: 1}", '"quoted"', "#", "a\x00b"]
HOSTILE_INTS = [0, -1, -3, 1, 2, 3, 5, 2**31, 2**62, -(2**62)]
ONNX_STRINGS = [
    "SAME_UPPER",
    "SAME_LOWER",
    "VALID",
    "NOTSET",
    "CRD",
    "DCR",
    "nearest",
    "linear",
    "cubic",
    "reflect",
    "constant",
    "bidirectional",
    "reverse",
    "",
]
ONNX_OPERATORS = [
    "Conv",
    "ConvTranspose",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "BatchNormalization",
    "InstanceNormalization",
    "Relu",
    "Sigmoid",
    "Clip",
    "Softmax",
    "Flatten",
    "Reshape",
    "Gemm",
    "MatMul",
    "Add",
    "Mul",
    "Concat",
    "Transpose",
    "Identity",
    "Dropout",
    "Gather",
    "Resize",
    "DepthToSpace",
    "Pad",
    "Slice",
    "ReduceMean",
    "LayerNormalization",
]


def keras_seeds() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(KERAS.glob("*.json"))]


def mutate_keras(text: str, rng: random.Random) -> str:
    """One to three changes anywhere in the config: a value replaced or removed, a layer's class
    changed, a layer copied or dropped."""
    document = json.loads(text)
    for _ in range(rng.randint(1, 3)):
        places = list(_places(document))
        container, key = rng.choice(places)
        layers = document.get("config", {}).get("layers") if isinstance(document.get("config"), dict) else None
        match rng.randrange(6):
            case 0 | 1:
                container[key] = copy.deepcopy(rng.choice(HOSTILE_VALUES))
            case 2:
                if isinstance(container, dict):
                    del container[key]
                else:
                    container.pop(key)
            case 3 if isinstance(layers, list) and layers:
                layer = rng.choice(layers)
                if isinstance(layer, dict):
                    layer["class_name"] = rng.choice(KERAS_CLASSES)
            case 4 if isinstance(layers, list) and layers:
                layers.insert(rng.randrange(len(layers) + 1), copy.deepcopy(rng.choice(layers)))
            case 5 if isinstance(layers, list) and len(layers) > 1:
                layers.pop(rng.randrange(len(layers)))
            case _:
                container[key] = copy.deepcopy(rng.choice(HOSTILE_VALUES))
    return json.dumps(document)


def _places(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) in a JSON document."""
    found: list[tuple[Any, Any]] = []
    pending = [value]
    while pending:
        current = pending.pop()
        items = current.items() if isinstance(current, dict) else enumerate(current) if isinstance(current, list) else ()
        for key, item in items:
            found.append((current, key))
            pending.append(item)
    return found


def onnx_seeds() -> list[onnx.ModelProto]:
    """Small graphs of the patterns the ONNX reader recognises."""
    seeds = []
    g = Graph([1, 3, 8, 8])
    y = g.conv("x", "conv1", 3, 8, 3, bias=False, pads=[1, 1, 1, 1], strides=[2, 2])
    y = g.batchnorm(y, "bn1", 8)
    y = g.node("Relu", [y], "relu1")
    y = g.node("MaxPool", [y], "pool", kernel_shape=[2, 2], strides=[2, 2])
    y = g.node("GlobalAveragePool", [y], "gap")
    y = g.node("Flatten", [y], "flatten")
    seeds.append(g.model(g.node("Gemm", [y, g.weight("fc.weight", [10, 8]), g.weight("fc.bias", [10])], "fc", transB=1)))

    g = Graph([1, 4, 6, 6])
    a = g.conv("x", "main", 4, 4, 3, pads=[1, 1, 1, 1])
    a = g.node("Relu", [a], "main_relu")
    y = g.node("Add", [a, "x"], "residual")
    d = g.conv(y, "depthwise", 4, 8, 3, group=4, pads=[1, 1, 1, 1])
    e = g.conv(y, "pointwise", 4, 4, 1)
    seeds.append(g.model(g.node("Concat", [d, e], "concat", axis=1)))

    g = Graph([1, 4, 4, 4])
    y = g.conv_transpose("x", "up", 4, 4, 2, strides=[2, 2])
    y = g.node("DepthToSpace", [y], "shuffle", blocksize=2, mode="CRD")
    y = g.node("InstanceNormalization", [y, g.weight("in.scale", [1]), g.weight("in.shift", [1])], "in")
    y = g.node("Pad", [y, g.ints("pads", [0, 0, 1, 1, 0, 0, 1, 1])], "pad")
    y = g.conv(y, "after_pad", 1, 2, 3)
    y = g.node("Resize", [y, "", g.floats("scales", [1, 1, 2, 2])], "resize", mode="nearest")
    seeds.append(g.model(g.node("Slice", [y, g.ints("starts", [1, 1]), g.ints("ends", [-1, -1]), g.ints("axes", [2, 3])], "crop")))

    g = Graph([1, 5, 3])
    y = g.node("Transpose", ["x"], "time_major", perm=[1, 0, 2])
    weights = [g.weight("lstm.W", [1, 16, 3]), g.weight("lstm.R", [1, 16, 4]), g.weight("lstm.B", [1, 32])]
    y, _, _ = g.outputs("LSTM", [y, *weights], "lstm", 3, hidden_size=4)
    y = g.node("Reshape", [y, g.ints("joined", [0, 0, -1])], "joined")
    y = g.node("Transpose", [y], "batch_major", perm=[1, 0, 2])
    y = g.dense(y, "proj", 4, 6)
    y = g.node("LayerNormalization", [y, g.weight("ln.scale", [6]), g.weight("ln.bias", [6])], "ln", axis=-1)
    seeds.append(g.model(g.node("Softmax", [y], "softmax", axis=-1)))

    # the patterns the sequence and decoder tests build: attention, tied heads, norms written out, a U-Net
    from tests.test_onnx_decoders import small_unet, torch_group_norm
    from tests.test_onnx_sequences import causal_attention, language_model, small_vit, written_out_gelu, written_out_layer_norm

    g = Graph([1, 3, 8, 8])
    seeds.append(g.model(small_vit(g)))
    g = Graph([1, 6], input_type=TensorProto.INT64)
    seeds.append(g.model(language_model(g, stored_copy=True)))
    g = Graph([1, 6, 8])
    seeds.append(g.model(causal_attention(g, "x", 6, 8, stored_mask=True)))
    g = Graph([1, 4, 8], opset=14)
    y = written_out_layer_norm(g, "x", "ln", 8)
    y = written_out_gelu(g, g.dense(y, "fc1", 8, 16), "gelu", tanh=False)
    seeds.append(g.model(written_out_layer_norm(g, g.dense(y, "fc2", 16, 8), "rms", 8, rms=True)))
    g = Graph([1, 8, 4, 4])
    seeds.append(g.model(torch_group_norm(g, "x", "/gn", 8, 2)))
    g = Graph([1, 1, 12, 12])
    seeds.append(g.model(small_unet(g)))
    return seeds


def mutate_onnx(model: onnx.ModelProto, rng: random.Random) -> bytes:
    """One to three changes to a copy: an attribute set to a hostile value, added or removed, an
    operator replaced, an input dropped or swapped, a weight's or the input's dimensions changed."""
    mutant = onnx.ModelProto()
    mutant.CopyFrom(model)
    graph = mutant.graph
    for _ in range(rng.randint(1, 3)):
        node = rng.choice(graph.node)
        match rng.randrange(10):
            case 0 | 1 | 2:
                _hostile_attribute(node, mutant.opset_import[0].version, rng)
            case 3 if node.attribute:
                del node.attribute[rng.randrange(len(node.attribute))]
            case 4:
                node.op_type = rng.choice(ONNX_OPERATORS)
            case 5 if len(node.input) > 1:
                if rng.random() < 0.5:
                    del node.input[rng.randrange(1, len(node.input))]
                else:
                    node.input[0], node.input[-1] = node.input[-1], node.input[0]
            case 6 if graph.initializer:
                index = rng.randrange(len(graph.initializer))
                old = graph.initializer[index]
                dims = [max(1, size + rng.choice([-1, 1, 2])) for size in old.dims] if rng.random() < 0.7 else [rng.randint(1, 4)]
                values = np.arange(int(np.prod(dims)), dtype=np.float32 if old.data_type == TensorProto.FLOAT else np.int64).reshape(dims)
                graph.initializer[index].CopyFrom(numpy_helper.from_array(values, old.name))
            case 7:
                dims = graph.input[0].type.tensor_type.shape.dim
                dims[rng.randrange(1, len(dims))].dim_value = rng.choice([1, 2, 3, 5, 17, 2**40])
            case 8 if graph.initializer:
                index = rng.randrange(len(graph.initializer))
                old = graph.initializer[index]
                size = int(np.prod(old.dims))
                kind = rng.choice([np.int64, np.int32, np.float16, np.float64, np.complex64, np.bool_, object])
                values = np.array(["x"] * size, dtype=object) if kind is object else np.arange(size).astype(kind)
                graph.initializer[index].CopyFrom(numpy_helper.from_array(values.reshape(tuple(old.dims)), old.name))
            case 9:
                text = rng.choice(HOSTILE_NAMES)
                if rng.random() < 0.7:
                    node.name = text
                else:
                    mutant.producer_name, mutant.producer_version = text, rng.choice(HOSTILE_NAMES)
            case _:
                _hostile_attribute(node, mutant.opset_import[0].version, rng)
    return bytes(mutant.SerializeToString())


def _hostile_attribute(node: onnx.NodeProto, opset: int, rng: random.Random) -> None:
    """One of the attributes the node's operator declares, set to a hostile value of its type."""
    try:
        declared = onnx.defs.get_schema(node.op_type, opset).attributes
    except onnx.defs.SchemaError:
        return
    kinds = onnx.defs.OpSchema.AttrType
    choices = [(name, attribute.type) for name, attribute in declared.items() if attribute.type in (kinds.INT, kinds.INTS, kinds.STRING, kinds.FLOAT)]
    if not choices:
        return
    name, kind = rng.choice(sorted(choices))
    if kind == kinds.INT:
        _set_attribute(node, name, rng.choice(HOSTILE_INTS))
    elif kind == kinds.INTS:
        _set_attribute(node, name, [rng.choice(HOSTILE_INTS[:6]) for _ in range(rng.choice([0, 1, 2, 2, 3, 4, 4]))])
    elif kind == kinds.FLOAT:
        _set_attribute(node, name, rng.choice([0.0, -1.0, 1.0, 6.0, 1e30, float("nan"), float("inf")]))
    else:
        _set_attribute(node, name, rng.choice(ONNX_STRINGS))


def _set_attribute(node: onnx.NodeProto, name: str, value: Any) -> None:
    for index, attribute in enumerate(node.attribute):
        if attribute.name == name:
            del node.attribute[index]
            break
    kind = onnx.AttributeProto.INTS if isinstance(value, list) else None  # an empty list says nothing of its type
    node.attribute.append(helper.make_attribute(name, value, attr_type=kind))


def hostile_shape(rng: random.Random, folder: Path) -> tuple[bytes, str]:
    """Issue 27's shapes, at random sizes: a long Shape->Reshape chain, a chain of residual Relu+Add
    blocks, a fan of Relus summed, a folding bomb (a value squared again and again), a shape folded
    past int64, and a .keras whose config.json lies about its size or method; then more_hostile_shape's.
    The file, and its suffix."""
    from tests.hostile_models import KERAS_CONFIG, fan, int64, model, zip_with

    shape = rng.randrange(11)
    if shape >= 6:
        return more_hostile_shape(shape - 6, rng)
    nodes: list[onnx.NodeProto] = []
    if shape == 0:
        tensor = "x"
        for index in range(rng.randint(1, 300)):
            nodes += [helper.make_node("Shape", [tensor], [f"s{index}"]), helper.make_node("Reshape", [tensor, f"s{index}"], [f"r{index}"])]
            tensor = f"r{index}"
        return model(nodes, [], tensor).SerializeToString(), "onnx"
    if shape == 1:
        tensor = "x"
        for index in range(rng.randint(1, 2000)):
            nodes += [helper.make_node("Relu", [tensor], [f"r{index}"]), helper.make_node("Add", [tensor, f"r{index}"], [f"a{index}"])]
            tensor = f"a{index}"
        return model(nodes, [], tensor).SerializeToString(), "onnx"
    if shape == 2:
        return fan(folder, rng.randint(2, 600)).read_bytes(), "onnx"
    if shape == 3:
        squarings = rng.randint(1, 13)
        nodes = [helper.make_node("Relu", ["x"], ["y"]), helper.make_node("Cast", ["three"], ["v0"], to=rng.choice([TensorProto.STRING, TensorProto.INT64]))]
        nodes += [helper.make_node("Mul", [f"v{index}", f"v{index}"], [f"v{index + 1}"]) for index in range(squarings)]
        return model(nodes, [int64("three", [3])], "y").SerializeToString(), "onnx"
    if shape == 4:
        big = rng.choice([2**31, 2**32 + 1, 2**40, 2**62])
        nodes = [
            helper.make_node("Shape", ["x"], ["s"]),
            helper.make_node("Gather", ["s", "i1"], ["a"], axis=0),
            helper.make_node("Gather", ["s", "i2"], ["b"], axis=0),
            helper.make_node("Mul", ["a", "b"], ["p"]),
            helper.make_node("Unsqueeze", ["p", "ax"], ["u"]),
            helper.make_node("Concat", ["one", "u"], ["t"], axis=0),
            helper.make_node("Reshape", ["x", "t"], ["y"]),
        ]
        wrapped = model(nodes, [int64("i1", 1), int64("i2", 2), int64("ax", [0]), int64("one", [1])], "y", (1, big, rng.choice([2, big])), (1, 1))
        wrapped.graph.output[0].type.tensor_type.shape.dim[1].dim_param = "n"
        return wrapped.SerializeToString(), "onnx"
    config = KERAS_CONFIG.read_bytes()
    data = rng.choice([config, zlib.compress(config)[2:-4], b"\x09\x00garbage", b" " * rng.randint(0, 5000)])
    path = folder / "lying.keras"
    declared = rng.choice([0, 1, 1000, len(config), len(data), 2**31])
    zip_with(path, data, declared, len(data), rng.choice([0, zlib.crc32(config)]), rng.choice([0, 8, 9, 12, 14, 99]), flags=rng.choice([0, 0, 1, 8]))
    return path.read_bytes(), "keras"


def more_hostile_shape(shape: int, rng: random.Random) -> tuple[bytes, str]:
    """The long chains and fans as issue 27's fixes made them matter: a chain of shape arithmetic
    ONNX's own inference does not follow (so each Reshape's shape is folded in turn), a fan written
    with every Relu before the first Add (many paths open at once), a fan of Concats (nesting past
    its depth), tensors of too many axes (stored, declared or inferred: R4), a folding bomb on int64
    shapes (a shape squared past int64, then a tensor of that shape), and the Keras fan of T2."""
    from tests.hostile_models import int64, model

    nodes: list[onnx.NodeProto] = []
    if shape == 0:  # Shape -> Div by one -> Reshape, chained
        tensor = "x"
        for index in range(rng.randint(1, 400)):
            nodes += [
                helper.make_node("Shape", [tensor], [f"s{index}"]),
                helper.make_node(rng.choice(["Div", "Mul", "Max"]), [f"s{index}", "one"], [f"d{index}"]),
                helper.make_node("Reshape", [tensor, f"d{index}"], [f"r{index}"]),
            ]
            tensor = f"r{index}"
        return model(nodes, [int64("one", 1)], tensor).SerializeToString(), "onnx"
    if shape == 1:  # a fan, every Relu first, or a fan of Concats on the channel axis
        count = rng.randint(2, 600)
        join = rng.choice(["Add", "Concat"])
        nodes = [helper.make_node("Relu", ["x"], [f"r{index}"]) for index in range(count)]
        total = "r0"
        for index in range(1, count):
            node = helper.make_node(join, [total, f"r{index}"], [f"s{index}"])
            if join == "Concat":
                node.attribute.append(helper.make_attribute("axis", 1))
            nodes.append(node)
            total = f"s{index}"
        return model(nodes, [], total, (1, 4), (1, 4 * count) if join == "Concat" else (1, 4)).SerializeToString(), "onnx"
    if shape == 2:  # too many axes: an initializer, a declared output, or a Reshape's target
        axes = rng.choice([65, 400, 5_000, 50_000])
        where = rng.randrange(3)
        bias = numpy_helper.from_array(np.ones(4, np.float32), "b")
        if where == 0:
            bias.dims[:] = [1] * (axes - 1) + [4]
        output = [1] * (axes - 1) + [4] if where == 1 else (1, 4)
        if where == 2:
            nodes = [helper.make_node("Reshape", ["x", "target"], ["t"]), helper.make_node("Add", ["t", "b"], ["y"])]
            return model(nodes, [bias, int64("target", [1] * (min(axes, 400) - 1) + [4])], "y", (1, 4), None).SerializeToString(), "onnx"
        return model([helper.make_node("Add", ["x", "b"], ["y"])], [bias], "y", (1, 4), output).SerializeToString(), "onnx"
    if shape == 3:  # a shape squared until past int64, then a tensor of that shape
        nodes = [helper.make_node("Shape", ["x"], ["v0"])]
        squarings = rng.randint(1, 8)
        nodes += [helper.make_node("Mul", [f"v{index}", f"v{index}"], [f"v{index + 1}"]) for index in range(squarings)]
        last, operator = f"v{squarings}", rng.choice(["ConstantOfShape", "Reshape", "Expand"])
        nodes.append(helper.make_node(operator, [last] if operator == "ConstantOfShape" else ["x", last], ["y"]))
        squared = model(nodes, [], "y", (1, rng.choice([3, 2**16, 2**31])))
        for dim in squared.graph.output[0].type.tensor_type.shape.dim:
            dim.dim_param = "n"  # a size the file does not give: archcalc must fold the target to find it
        return squared.SerializeToString(), "onnx"
    return keras_fan(rng.randint(2, 600)).encode(), "json"


def keras_fan(count: int) -> str:
    """A Keras 3 functional config: `count` ReLU layers of the input summed by Add layers, one after
    another (the Keras form of T2's fan)."""

    def tensor(name: str) -> dict[str, Any]:
        return {"class_name": "__keras_tensor__", "config": {"shape": [None, 4], "keras_history": [name, 0, 0]}}

    layers: list[dict[str, Any]] = [{"class_name": "InputLayer", "config": {"batch_shape": [None, 4], "name": "x"}, "name": "x", "inbound_nodes": []}]
    for index in range(count):
        layers.append({"class_name": "ReLU", "config": {"name": f"r{index}"}, "name": f"r{index}", "inbound_nodes": [{"args": [tensor("x")], "kwargs": {}}]})
    total = "r0"
    for index in range(1, count):
        inbound = [{"args": [[tensor(total), tensor(f"r{index}")]], "kwargs": {}}]
        layers.append({"class_name": "Add", "config": {"name": f"s{index}"}, "name": f"s{index}", "inbound_nodes": inbound})
        total = f"s{index}"
    config = {"name": "fan", "layers": layers, "input_layers": [["x", 0, 0]], "output_layers": [[total, 0, 0]]}
    return json.dumps({"module": "keras.src.models.functional", "class_name": "Functional", "config": config})


def exercise(path: Path, command: str) -> tuple[int, str | None]:
    """`archcalc show` or `import` of one file: its exit status, and what went wrong (None: nothing)."""
    arguments = ["show", str(path), "--explain", "-r"] if command == "show" else ["import", str(path)]
    result = CliRunner().invoke(app, arguments)
    if result.exit_code not in (0, 2) or (result.exception is not None and not isinstance(result.exception, SystemExit)):
        return result.exit_code, f"exit {result.exit_code}: {type(result.exception).__name__}: {result.exception}\n{result.stderr}"
    if "Traceback" in result.stderr:
        return result.exit_code, result.stderr
    if result.exit_code == 2 and (result.stdout or not result.stderr.startswith("archcalc: error: ") or len(result.stderr.splitlines()) != 1):
        return result.exit_code, f"exit 2 without one error line alone:\n{result.stdout}\n{result.stderr}"
    return result.exit_code, None


def run(
    seed: int, count: int | None = None, seconds: float | None = None, keep: Path | None = None, hostile: bool = False
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Mutants of both formats in turn, until `count` have run or `seconds` have passed: the outcomes
    counted, and each crash with its input (kept in the folder `keep`, if given, else its first bytes).
    With `hostile`, every third file has one of issue 27's shapes instead (hostile_shape)."""
    rng = random.Random(seed)
    keras, graphs = keras_seeds(), onnx_seeds()
    outcomes = {"ok": 0, "refused": 0}
    crashes: list[tuple[str, str]] = []
    started = time.monotonic()
    number = 0
    with tempfile.TemporaryDirectory() as temporary:
        while (count is None or number < count) and (seconds is None or time.monotonic() - started < seconds):
            keras_turn = number % (3 if hostile else 2) == 1
            if hostile and number % 3 == 2:  # issue 27's shapes: long chains, fans, folding bombs, lying zip entries
                data, suffix = hostile_shape(rng, Path(temporary))
            else:
                data = mutate_keras(rng.choice(keras), rng).encode() if keras_turn else mutate_onnx(rng.choice(graphs), rng)
                suffix = "json" if keras_turn else "onnx"
            path = Path(temporary) / f"mutant{number}.{suffix}"
            path.write_bytes(data)
            status, problem = exercise(path, "import" if number % 5 == 4 else "show")
            if problem is not None:
                if keep is not None:
                    keep.mkdir(parents=True, exist_ok=True)
                    (keep / path.name).write_bytes(data)
                crashes.append((str(keep / path.name) if keep is not None else repr(data[:2000]), problem))
            else:
                outcomes["ok" if status == 0 else "refused"] += 1
            number += 1
    return outcomes, crashes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--keep", type=Path, default=Path("fuzz-crashes"), help="where to keep each crashing input")
    parser.add_argument("--hostile", action="store_true", help="every third file one of issue 27's shapes: long chains, fans, folding bombs, lying zips")
    options = parser.parse_args()
    outcomes, crashes = run(options.seed, seconds=options.seconds, keep=options.keep, hostile=options.hostile)
    for source, problem in crashes:
        print(f"--- {source}\n{problem}")
    print(f"{outcomes} {len(crashes)} crashes")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
