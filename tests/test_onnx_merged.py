"""Tensors an exporter stores once for several layers, and models of several inputs (issue 26, items 1-2).

PyTorch's exporters merge initializers of equal values: an untrained norm's ones and zeros, zero
biases, and the identical copies of a layer that nn.TransformerEncoder makes. A file cannot tell such
a copy from a tied weight. Constant tensors read by norms or as biases count at each reader (no model
ties those); anything else read by several layers counts once, a note names it with its untied count,
and --untie counts every copy. Small graphs built with onnx.helper, figures worked by hand; the same
cases exported by PyTorch are in tests/test_onnx_torch.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine import analyze
from archcalc.formats import ReadOptions, load_spec
from archcalc.kinds.composite import Repeat
from archcalc.kinds.conv import Conv
from archcalc.kinds.dense import Dense
from archcalc.kinds.norm import BatchNorm
from archcalc.model import Cost
from tests.onnx_models import Graph

runner = CliRunner()


def constant(g: Graph, name: str, channels: int, value: float) -> str:
    g.initializers.append(numpy_helper.from_array(np.full([channels], value, dtype=np.float32), name))
    return name


def merged_batch_norms(g: Graph, x: str) -> str:
    """conv -> bn -> conv -> bn, both norms fresh (scale 1, shift 0, mean 0, variance 1) and stored once:
    each reads the ones and zeros twice, as torch.onnx writes running_mean as an Identity of the shift."""
    ones, zeros = constant(g, "bn.weight", 4, 1.0), constant(g, "bn.bias", 4, 0.0)
    for index in (1, 2):
        x = g.conv(x, f"conv{index}", 4 if index == 2 else 3, 4, 3, bias=False, pads=[1, 1, 1, 1])
        mean, variance = g.node("Identity", [zeros], f"mean{index}"), g.node("Identity", [ones], f"var{index}")
        x = g.node("BatchNormalization", [x, ones, zeros, mean, variance], f"bn{index}")
    return x


def test_fresh_batch_norms_stored_once_count_at_each_norm(tmp_path: Path) -> None:
    g = Graph([1, 3, 6, 6])
    y = merged_batch_norms(g, "x")
    spec = load_spec(str(g.save(y, tmp_path / "model.onnx")))
    report = analyze(spec)
    (repeat,) = spec.layers  # conv, norm, twice: the second norm's figures are the first's
    assert isinstance(repeat, Repeat) and repeat.times == 2 and [type(layer) for layer in repeat.layers] == [Conv, BatchNorm]
    # convs 3·4·9 and 4·4·9; each norm a scale and a shift of 4, and 4 means and 4 variances
    assert report.total == Cost(weights=108 + 144 + 8, biases=8, non_trainable=16, macs=36 * (108 + 144))
    assert spec.notes == ()


def shared_dense(g: Graph) -> str:
    """Two dense layers on a sequence reading one stored [8, 8] weight, each with a zero bias of its own, stored once."""
    weight, bias = g.weight("layer.weight", [8, 8]), constant(g, "layer.bias", 8, 0.0)
    y = g.node("Add", [g.node("MatMul", ["x", weight], "dense1"), bias], "dense1.add")
    y = g.node("Relu", [y], "relu")
    return g.node("Add", [g.node("MatMul", [y, g.node("Identity", [weight], "copy")], "dense2"), bias], "dense2.add")


def test_a_weight_read_by_two_layers_is_counted_once_and_said(tmp_path: Path) -> None:
    g = Graph([1, 5, 8])
    path = g.save(shared_dense(g), tmp_path / "model.onnx")
    spec = load_spec(str(path))
    assert analyze(spec).total.params == 64 + 8 + 8  # the zero biases are each layer's own
    (note,) = spec.notes
    assert "'layer.weight' read by 2 layers: 64 counted, 128 untied" in note
    assert "the model has 144 params (64 more), which --untie counts" in note
    untied = load_spec(str(path), ReadOptions(untie=True))
    assert analyze(untied).total.params == 144 and untied.notes == ()
    assert [layer for layer in untied.layers if isinstance(layer, Dense)] == [
        Dense(origin=layer.origin, position=layer.position, name=layer.name, units=8) for layer in untied.layers if isinstance(layer, Dense)
    ]


@pytest.mark.parametrize("command", [["show"], ["compare"], ["import"], ["check", "SPEC", "--against"]])
def test_untie_reaches_the_reader_from_every_command(command: list[str], tmp_path: Path) -> None:
    g = Graph([1, 5, 8])
    path = g.save(shared_dense(g), tmp_path / "model.onnx")
    spec = tmp_path / "spec.yaml"
    spec.write_text("input: 5x8\nlayers:\n  - dense: 8\n  - relu\n  - dense: 8\n")  # 144 params, as the model untied
    arguments = [str(spec) if word == "SPEC" else word for word in command]
    json_format = [] if command[0] == "import" else ["--format", "json"]
    tied, untied = (runner.invoke(app, [*arguments, str(path), *json_format, *flags]) for flags in ([], ["--untie"]))
    if command[0] == "check":
        assert (tied.exit_code, untied.exit_code) == (1, 0), untied.output
    elif command[0] == "import":
        assert tied.exit_code == untied.exit_code == 0
        assert f"--against {path} --untie" in untied.stdout  # the drift gate reads the model as import did
        assert "weights read by more than one layer" in tied.stdout and "weights read by more than one layer" not in untied.stdout
    else:
        assert tied.exit_code == untied.exit_code == 0
        totals = [json.loads(result.stdout) for result in (tied, untied)]
        if command[0] == "compare":
            totals = [document["specs"][0] for document in totals]
        assert [document["totals"]["params"] for document in totals] == [80, 144]


def two_inputs(tmp_path: Path, first: str, second: str) -> Path:
    """Token ids and a mask, as a HuggingFace export has them: the mask only gates the embeddings."""
    table = numpy_helper.from_array(np.arange(80, dtype=np.float32).reshape(10, 8), "embeddings.weight")
    axes = numpy_helper.from_array(np.array([-1], dtype=np.int64), "axes")
    nodes = [
        helper.make_node("Gather", ["embeddings.weight", first], ["embedded"], name="embed"),
        helper.make_node("Cast", [second], ["mask_float"], name="cast", to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_float", "axes"], ["mask_column"], name="unsqueeze"),
        helper.make_node("Mul", ["embedded", "mask_column"], ["masked"], name="masked"),
    ]
    inputs = [helper.make_tensor_value_info(name, TensorProto.INT64, [1, 4]) for name in (first, second)]
    output = helper.make_tensor_value_info("masked", TensorProto.FLOAT, [1, 4, 8])
    graph = helper.make_graph(nodes, "two inputs", inputs, [output], initializer=[table, axes])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)], producer_name="archcalc-tests")
    path = tmp_path / "two.onnx"
    path.write_bytes(model.SerializeToString())
    return path


def test_of_several_inputs_the_token_ids_are_read(tmp_path: Path) -> None:
    spec = load_spec(str(two_inputs(tmp_path, "input_ids", "attention_mask")))
    assert analyze(spec).total.params == 80 and spec.input_shape == (4,)
    (note,) = spec.notes
    assert "the model reads 2 ('input_ids', 'attention_mask'); the spec starts from 'input_ids'" in note


def test_of_several_inputs_none_known_asks_for_one(tmp_path: Path) -> None:
    path = two_inputs(tmp_path, "tokens", "mask")
    result = runner.invoke(app, ["show", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert "archcalc reads models with one input; this one has 2 (tokens, mask)" in result.stderr and "--input NAME" in result.stderr
    chosen = runner.invoke(app, ["show", str(path), "--input", "tokens", "--format", "json"])
    assert chosen.exit_code == 0 and "the spec starts from 'tokens' (as --input asks)" in chosen.stdout
    wrong = runner.invoke(app, ["show", str(path), "--input", "ids"])
    assert wrong.exit_code == 2 and "--input 'ids' is not one of the model's inputs ('tokens', 'mask')" in wrong.stderr
