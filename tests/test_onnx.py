"""The ONNX reader: one small graph per recognised pattern, hand-worked figures, hostile files, the CLI.

Graphs are built with onnx.helper (tests/onnx_models.py); no framework is needed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from typer.testing import CliRunner

from archcalc import __version__
from archcalc.app import app
from archcalc.engine import Report, analyze
from archcalc.errors import ArchcalcError
from archcalc.formats import load_spec
from archcalc.kinds.composite import Concat, Repeat, Residual
from archcalc.kinds.conv import Conv, Depthwise
from archcalc.kinds.counted import Counted
from archcalc.kinds.dense import Dense
from archcalc.kinds.elementwise import Activation
from archcalc.kinds.norm import BatchNorm
from archcalc.kinds.pool import AdaptivePool, GlobalPool, Pool, PoolMode
from archcalc.kinds.reshape import Flatten
from archcalc.kinds.squeeze_excite import SqueezeExcite
from archcalc.model import Cost, Spec
from tests.onnx_models import Graph

runner = CliRunner()


def read(graph: Graph, output: str, tmp_path: Path, name: str = "model.onnx") -> tuple[Spec, Report]:
    path = graph.save(output, tmp_path / name)
    spec = load_spec(str(path))
    return spec, analyze(spec)


def kinds(spec: Spec) -> list[str]:
    return [type(layer).__name__ for layer in spec.layers]


def test_conv_batchnorm_relu(tmp_path: Path) -> None:
    g = Graph([1, 3, 8, 8])
    y = g.conv("x", "conv1", 3, 8, 3, bias=False, pads=[1, 1, 1, 1], strides=[2, 2])
    y = g.batchnorm(y, "bn1", 8)
    y = g.node("Relu", [y], "relu1")
    spec, report = read(g, y, tmp_path)
    conv, norm, relu = spec.layers
    assert conv == Conv(origin=conv.origin, position="1", name="conv1", filters=8, kernel=(3,), stride=(2,), padding=(1,), bias=False)
    assert isinstance(norm, BatchNorm) and norm.name == "bn1"
    assert isinstance(relu, Activation) and relu.function == "relu"
    assert report.output_shape == (4, 4, 8)
    # 3·3·3·8 weights; the norm's scale and shift; its mean and variance apart; 4·4 positions · 8 · 27 MACs
    assert report.total == Cost(weights=216 + 8, biases=8, non_trainable=16, macs=16 * 8 * 27)
    assert spec.notes == ()


def test_gemm_and_matmul_with_a_bias_add_are_dense(tmp_path: Path) -> None:
    g = Graph([1, 6])
    y = g.node("Gemm", ["x", g.weight("fc1.weight", [4, 6]), g.weight("fc1.bias", [4])], "fc1", transB=1)
    y = g.node("MatMul", [y, g.weight("fc2.weight", [4, 3])], "fc2")
    y = g.node("Add", [y, g.weight("fc2.bias", [3])], "fc2_bias")
    y = g.node("MatMul", [y, g.weight("fc3.weight", [3, 2])], "fc3")
    spec, report = read(g, y, tmp_path)
    assert [(layer.units, layer.bias) for layer in spec.layers if isinstance(layer, Dense)] == [(4, True), (3, True), (2, False)]
    assert report.total == Cost(weights=24 + 12 + 6, biases=4 + 3, macs=24 + 12 + 6)


def test_pools_flatten_and_global_pools(tmp_path: Path) -> None:
    g = Graph([1, 2, 9, 9])
    y = g.node("MaxPool", ["x"], "pool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)
    y = g.node("AveragePool", [y], "avg", kernel_shape=[2, 2])
    a = g.node("GlobalAveragePool", [y], "gap")
    a = g.node("Flatten", [a], "flatten")
    spec, report = read(g, a, tmp_path)
    pool, avg, gap = spec.layers
    assert pool == Pool(origin=pool.origin, position="1", name="pool", mode=PoolMode.MAX, kernel=(3,), stride=(2,), padding=(1,), ceil_mode=True)
    assert isinstance(avg, Pool) and avg.stride == (1,)  # ONNX's default stride is 1, archcalc's (and PyTorch's) the kernel
    assert isinstance(gap, GlobalPool)
    assert report.output_shape == (2,)


def test_a_lone_global_pool_and_a_flatten(tmp_path: Path) -> None:
    g = Graph([1, 2, 4, 4])
    y = g.node("GlobalMaxPool", ["x"], "gmp")
    y = g.node("Relu", [y], "relu")
    y = g.node("Flatten", [y], "flatten")
    spec, report = read(g, y, tmp_path)
    assert kinds(spec) == ["AdaptivePool", "Activation", "Flatten"]
    assert isinstance(spec.layers[0], AdaptivePool) and spec.layers[0].output == (1,)
    assert isinstance(spec.layers[2], Flatten) and report.output_shape == (2,)


def test_reduce_mean_over_the_spatial_axes_is_a_global_pool(tmp_path: Path) -> None:
    g = Graph([1, 5, 4, 4])
    y = g.node("ReduceMean", ["x", g.ints("axes", [2, 3])], "mean", keepdims=0)
    spec, report = read(g, y, tmp_path)
    assert kinds(spec) == ["GlobalPool"] and report.output_shape == (5,)


def test_identity_and_projection_residuals(tmp_path: Path) -> None:
    g = Graph([1, 4, 8, 8])
    y = g.conv("x", "a", 4, 4, 3, pads=[1, 1, 1, 1])
    y = g.node("Add", ["x", y], "add1")
    main = g.conv(y, "b", 4, 8, 3, pads=[1, 1, 1, 1], strides=[2, 2])
    main = g.node("Relu", [main], "b_relu")
    main = g.conv(main, "c", 8, 8, 3, pads=[1, 1, 1, 1])
    shortcut = g.conv(y, "proj", 4, 8, 1, strides=[2, 2])
    y = g.node("Add", [shortcut, main], "add2")
    spec, report = read(g, y, tmp_path)
    first, second = spec.layers
    assert isinstance(first, Residual) and first.shortcut == () and [layer.name for layer in first.layers] == ["a"]
    assert isinstance(second, Residual) and [layer.name for layer in second.layers] == ["b", "b_relu", "c"]
    assert [layer.name for layer in second.shortcut] == ["proj"]
    assert second.layers[0].position == "2.1" and second.shortcut[0].position == "2.shortcut.1"
    assert report.output_shape == (4, 4, 8)
    weights = 4 * 4 * 9 + 4 * 8 * 9 + 8 * 8 * 9 + 4 * 8
    assert report.total == Cost(weights=weights, biases=4 + 8 + 8 + 8, macs=64 * 4 * 36 + 16 * 8 * 36 + 16 * 8 * 72 + 16 * 8 * 4)


def test_concat_on_the_channels_with_an_identity_branch(tmp_path: Path) -> None:
    g = Graph([1, 3, 6, 6])
    a = g.conv("x", "a", 3, 2, 1)
    b = g.conv("x", "b", 3, 5, 3, pads=[1, 1, 1, 1])
    b = g.node("Relu", [b], "b_relu")
    y = g.node("Concat", [a, "x", b], "cat", axis=1)
    spec, report = read(g, y, tmp_path)
    (concat,) = spec.layers
    assert isinstance(concat, Concat) and [len(branch) for branch in concat.branches] == [1, 0, 2]
    assert report.output_shape == (6, 6, 10)


def test_squeeze_excite_silu_and_relu6(tmp_path: Path) -> None:
    g = Graph([1, 8, 4, 4])
    s = g.node("GlobalAveragePool", ["x"], "se_pool")
    s = g.conv(s, "se_reduce", 8, 2, 1)
    s = g.node("Relu", [s], "se_relu")
    s = g.conv(s, "se_expand", 2, 8, 1)
    s = g.node("Sigmoid", [s], "se_gate")
    y = g.node("Mul", ["x", s], "se_scale")
    gate = g.node("Sigmoid", [y], "silu_gate")
    y = g.node("Mul", [y, gate], "silu")
    y = g.node("Clip", [y, g.scalar("zero", 0.0), g.scalar("six", 6.0)], "relu6")
    spec, report = read(g, y, tmp_path)
    se, silu, relu6 = spec.layers
    assert se == SqueezeExcite(origin=se.origin, position="1", name="se_scale", channels=2)
    assert isinstance(silu, Activation) and silu.function == "silu"
    assert isinstance(relu6, Activation) and relu6.function == "relu6"
    assert report.total == Cost(weights=2 * 8 * 2, biases=2 + 8, macs=2 * 8 * 2)  # the literals 0 and 6 are not parameters


def test_depthwise_convolution(tmp_path: Path) -> None:
    g = Graph([1, 6, 8, 8])
    y = g.conv("x", "dw", 6, 12, 3, group=6, pads=[1, 1, 1, 1], bias=False)
    spec, report = read(g, y, tmp_path)
    (layer,) = spec.layers
    assert isinstance(layer, Depthwise) and layer.multiplier == 2
    assert report.total == Cost(weights=12 * 9, macs=64 * 12 * 9)


def test_identical_blocks_become_a_repeat(tmp_path: Path) -> None:
    g = Graph([1, 4, 5, 5])
    y = "x"
    for index in range(3):
        y = g.conv(y, f"block{index}.conv", 4, 4, 3, pads=[1, 1, 1, 1])
        y = g.node("Relu", [y], f"block{index}.relu")
    spec, report = read(g, y, tmp_path)
    (repeat,) = spec.layers
    assert isinstance(repeat, Repeat) and repeat.times == 3
    assert [layer.name for layer in repeat.layers] == ["block0.conv", "block0.relu"]  # the first block's names
    assert report.total == Cost(weights=3 * 144, biases=12, macs=3 * 25 * 4 * 36)


def test_an_unrecognised_stretch_is_counted_with_its_figures(tmp_path: Path) -> None:
    """Self-attention's scores, as a matmul of activations: no kind yet, so counted, MACs included."""
    g = Graph([1, 5, 8])
    y = g.node("MatMul", ["x", g.weight("q.weight", [8, 8])], "q")
    t = g.node("Transpose", [y], "t", perm=[0, 2, 1])
    scores = g.node("MatMul", [y, t], "scores")
    y = g.node("Softmax", [scores], "softmax", axis=-1)
    spec, report = read(g, y, tmp_path)
    dense, counted, softmax = spec.layers
    assert isinstance(dense, Dense) and dense.units == 8
    assert counted == Counted(origin=counted.origin, position="2", name="t", input=(5, 8), output=(5, 5), weights=0, biases=0, non_trainable=0, macs=5 * 5 * 8)
    assert isinstance(softmax, Activation)
    assert report.total == Cost(weights=64, macs=5 * 64 + 5 * 5 * 8)


def test_a_shared_weight_is_counted_once(tmp_path: Path) -> None:
    g = Graph([1, 4, 6, 6])
    weight = g.weight("shared.weight", [4, 4, 3, 3])
    y = g.node("Conv", ["x", weight], "first", kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    y = g.node("Conv", [y, weight], "second", kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    spec, report = read(g, y, tmp_path)
    first, second = spec.layers
    assert isinstance(first, Conv) and isinstance(second, Counted) and second.weights == 0
    assert report.total == Cost(weights=144, macs=2 * 36 * 4 * 36)


def test_a_constant_node_that_feeds_a_weight_is_a_parameter(tmp_path: Path) -> None:
    g = Graph([1, 3])
    values = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(3, 2) + 0.5, "w")
    g.nodes.append(helper.make_node("Constant", [], ["w"], name="w_const", value=values))
    y = g.node("MatMul", ["x", "w"], "fc")
    spec, report = read(g, y, tmp_path)
    assert kinds(spec) == ["Dense"] and report.total == Cost(weights=6, macs=6)


def test_folded_batch_norms_are_reported(tmp_path: Path) -> None:
    """torch.onnx's TorchScript exporter names a weight it computed (a norm folded in) `onnx::Conv_…`."""
    g = Graph([1, 3, 4, 4])
    y = g.node("Conv", ["x", g.weight("onnx::Conv_7", [8, 3, 1, 1]), g.weight("onnx::Conv_8", [8])], "conv", kernel_shape=[1, 1])
    spec, report = read(g, y, tmp_path)
    assert report.total.params == 32
    (note,) = spec.notes
    assert "merged 1 batch norm" in note and "has 40 params (8 more)" in note and "16 running statistics" in note


def test_a_symbolic_batch_axis_is_one_and_conv1d_inputs_keep_channels_last(tmp_path: Path) -> None:
    g = Graph(["batch", 3, 16])
    y = g.node("Conv", ["x", g.weight("w", [4, 3, 5])], "conv1d", kernel_shape=[5])
    spec, report = read(g, y, tmp_path)
    assert spec.input_shape == (16, 3) and report.output_shape == (12, 4)


def test_show_import_and_the_drift_gate(tmp_path: Path) -> None:
    g = Graph([1, 3, 8, 8])
    y = g.conv("x", "conv1", 3, 8, 3, bias=False, pads=[1, 1, 1, 1])
    y = g.batchnorm(y, "bn1", 8)
    y = g.node("Relu", [y], "relu1")
    y = g.node("GlobalAveragePool", [y], "gap")
    y = g.node("Flatten", [y], "flatten")
    y = g.node("Gemm", [y, g.weight("fc.weight", [10, 8]), g.weight("fc.bias", [10])], "fc", transB=1)
    model = g.save(y, tmp_path / "net.onnx")
    shown = runner.invoke(app, ["show", str(model), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    spec_path = tmp_path / "net.yaml"
    imported = runner.invoke(app, ["import", str(model), "-o", str(spec_path)])
    assert imported.exit_code == 0, imported.output
    text = spec_path.read_text()
    assert text.startswith("# Imported by archcalc") and f"--against {model}" in text
    assert '- conv: {name: "conv1", filters: 8, kernel: 3, padding: 1, bias: false}' in text
    assert runner.invoke(app, ["show", str(spec_path), "--format", "json"]).stdout.split('"totals"')[1] == shown.stdout.split('"totals"')[1]
    held = runner.invoke(app, ["check", str(spec_path), "--against", str(model)])
    assert held.exit_code == 0, held.output
    assert f"matches {model}" in held.stdout
    spec_path.write_text(text.replace("filters: 8, kernel: 3, padding: 1", "filters: 8, kernel: 5, padding: 2"))
    drifted = runner.invoke(app, ["check", str(spec_path), "--against", str(model)])
    assert drifted.exit_code == 1
    line = next(number for number, written in enumerate(text.splitlines(), start=1) if '"conv1"' in written)
    assert drifted.stderr.startswith(f"{spec_path}:{line}:5: layer 1 (conv 'conv1'): weights 600 here, 216 in {model}; MACs 38,400 here, 13,824 in {model}")
    assert f"│ net  │ against {model} │       │        │          │ FAIL      │" in drifted.stdout


def test_import_overwrites_a_file_only_with_force(tmp_path: Path) -> None:
    model = _valid(tmp_path).save("conv_out", tmp_path / "net.onnx")
    target = tmp_path / "net.yaml"
    target.write_text("# the spec written by hand\n")
    refused = runner.invoke(app, ["import", str(model), "-o", str(target)])
    assert refused.exit_code == 2 and refused.stdout == ""
    assert refused.stderr == f"archcalc: error: {target} exists already; give --force to overwrite it\n"
    assert target.read_text() == "# the spec written by hand\n"
    forced = runner.invoke(app, ["import", str(model), "-o", str(target), "--force"])
    assert forced.exit_code == 0 and forced.stderr == f"archcalc: wrote {target}\n"
    assert target.read_text().startswith("# Imported by archcalc")


def test_import_into_a_directory_says_so_and_not_to_force_it(tmp_path: Path) -> None:
    """--force cannot write a spec over a folder: the error says what is wrong, not to give --force."""
    model = _valid(tmp_path).save("conv_out", tmp_path / "net.onnx")
    for flags in ([], ["--force"]):
        refused = runner.invoke(app, ["import", str(model), "-o", str(tmp_path), *flags])
        assert refused.exit_code == 2 and refused.stdout == ""
        assert refused.stderr == f"archcalc: error: {tmp_path} is a directory; give -o a file's name, such as model.yaml\n"


def test_a_model_imported_from_standard_input_gets_words_to_fill_in(tmp_path: Path) -> None:
    """No `-.yaml`, no `--against -`: a command a user can complete."""
    data = _valid(tmp_path).model("conv_out").SerializeToString()
    piped = runner.invoke(app, ["import", "-"], input=data)
    assert piped.exit_code == 0, piped.output
    header = [line for line in piped.stdout.splitlines() if line.startswith("#")]
    assert header[0].startswith("# Imported by archcalc") and " from standard input; exported by archcalc-tests" in header[0]
    assert header[3:5] == [
        "# Hold the spec to the model in CI: archcalc check SPEC.yaml --against MODEL",
        "# (SPEC.yaml and MODEL stand for the spec's and the model's files: the model was read from standard input)",
    ]
    target = tmp_path / "conv.yaml"
    assert runner.invoke(app, ["import", "-", "-o", str(target)], input=data).exit_code == 0
    assert f"# Hold the spec to the model in CI: archcalc check {target} --against MODEL\n# (MODEL stands for the model's file:" in target.read_text()


def test_every_name_in_the_imported_header_stays_in_its_comment(tmp_path: Path) -> None:
    """A file name, an exporter's name and version may hold a newline: each is written out (\\n), and
    the spec reads back, where a raw newline ended the comment and started YAML."""
    model = _valid(tmp_path).model("conv_out")
    model.producer_name, model.producer_version = "exporter\n::error::forged", "1.0\r\x00"
    path = tmp_path / "my\nmodel.onnx"
    path.write_bytes(model.SerializeToString())
    imported = runner.invoke(app, ["import", str(path)])
    assert imported.exit_code == 0, imported.output
    lines = imported.stdout.splitlines()
    comments = lines[: next(number for number, line in enumerate(lines) if line.startswith("name: "))]
    assert all(line.startswith("# ") for line in comments), comments
    assert comments[0] == f"# Imported by archcalc {__version__} from {tmp_path}/my\\nmodel.onnx; exported by exporter\\n::error::forged 1.0\\r\\x00, opset 20"
    assert f"archcalc check 'my\\nmodel.yaml' --against '{tmp_path}/my\\nmodel.onnx'" in comments[3]


def test_a_spec_that_does_not_read_back_is_said_of_its_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """archcalc's own fault, should the spec it writes ever not read back: located in that spec, named by the model file."""
    path = _valid(tmp_path).save("conv_out", tmp_path / "net.onnx")
    monkeypatch.setattr("archcalc.formats.imported.spec_yaml", lambda spec, header: "input: 8x8x3\nlayers:\n  - conv: {filters: 0, kernel: 3}\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        f"archcalc: error: {path}: the spec imported from it does not read back (line 3, column 21: layer 1 (conv): 'filters' must be at least 1, got 0); "
        "please report it with the model\n"
    )


def test_the_drift_gate_takes_one_spec(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "4->2", "4->3", "--against", "4->2"])
    assert result.exit_code == 2 and "--against checks one spec" in result.output


def test_import_refuses_a_spec() -> None:
    result = runner.invoke(app, ["import", "4->2"])
    assert result.exit_code == 2 and "is a spec already" in result.stderr


def test_standard_input_may_hold_an_onnx_model(tmp_path: Path) -> None:
    g = Graph([1, 4])
    y = g.node("Gemm", ["x", g.weight("w", [2, 4])], "fc", transB=1)
    data = g.model(y).SerializeToString()
    result = runner.invoke(app, ["show", "-", "--format", "csv"], input=data)
    assert result.exit_code == 0, result.output
    assert "fc: dense 2" in result.stdout


def _valid(tmp_path: Path) -> Graph:
    g = Graph([1, 3, 8, 8])
    g.conv("x", "conv", 3, 4, 3)
    return g


def _forge(model: onnx.ModelProto, change: str) -> bytes:
    match change:
        case "truncated":
            return bytes(model.SerializeToString())[:200]
        case "huge declared dims":
            model.graph.initializer[0].dims[:] = [2**40, 2**40, 3, 3]
        case "opset 99":
            model.opset_import[0].version = 99
        case "opset 3":
            model.opset_import[0].version = 3
        case "a cycle":
            node = model.graph.node[0]
            node.input[0] = "loop_out"
            model.graph.node.append(helper.make_node("Relu", [node.output[0]], ["loop_out"], name="loop"))
        case "external data outside the folder":
            tensor = model.graph.initializer[0]
            tensor.ClearField("raw_data")
            tensor.data_location = TensorProto.EXTERNAL
            tensor.external_data.add(key="location", value="../../etc/passwd")
        case "two inputs":
            model.graph.input.append(helper.make_tensor_value_info("mask", TensorProto.FLOAT, [1, 8]))
        case "a batch of 2":
            model.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 2
        case "a symbolic height":
            model.graph.input[0].type.tensor_type.shape.dim[2].dim_param = "height"
        case "no graph":
            model.ClearField("graph")
        case "garbage":
            return b"\x08\x07" + bytes(range(256)) * 4
    return bytes(model.SerializeToString())


HOSTILE_FILES = {
    "truncated": "not a readable ONNX file",
    "huge declared dims": "values [1099511627776, 1099511627776, 3, 3] but holds 108 (a truncated or forged file)",
    "opset 99": "opset 99 is not one archcalc reads; archcalc reads ai.onnx opsets 7 to",
    "opset 3": "opset 3 is not one archcalc reads",
    "a cycle": "the graph has a cycle through node 'conv' (Conv)",
    "external data outside the folder": "points at external data outside the model's folder ('../../etc/passwd'); archcalc refuses it",
    "two inputs": "archcalc reads models with one input; this one has 2 (x, mask)",
    "a batch of 2": "has a batch of 2; archcalc reads models exported with batch 1",
    "a symbolic height": "axis 2 of the input 'x' has no fixed size (height); export with a fixed input shape",
    "no graph": "the ONNX file holds no graph",
    "garbage": "not",
}


@pytest.mark.parametrize(("change", "expected"), HOSTILE_FILES.items(), ids=HOSTILE_FILES.keys())
def test_hostile_files_exit_2_with_one_clear_line(change: str, expected: str, tmp_path: Path) -> None:
    g = _valid(tmp_path)
    path = tmp_path / "bad.onnx"
    path.write_bytes(_forge(g.model("conv_out"), change))
    result = runner.invoke(app, ["show", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"archcalc: error: {path}") or "onnx" in result.stderr


def test_huge_input_dims_are_computed_exactly(tmp_path: Path) -> None:
    g = Graph([1, 3, 2**40, 2**40])
    y = g.conv("x", "conv", 3, 4, 3)
    _, report = read(g, y, tmp_path)
    assert report.total.macs == (2**40 - 2) ** 2 * 4 * 27


def test_an_onnx_file_is_known_by_its_content_not_its_name(tmp_path: Path) -> None:
    g = _valid(tmp_path)
    path = g.save("conv_out", tmp_path / "model.bin")
    assert analyze(load_spec(str(path))).total.params == 4 * 27 + 4


def test_without_the_onnx_package_the_error_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _valid(tmp_path).save("conv_out", tmp_path / "model.onnx")
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now raises ImportError
    with pytest.raises(ArchcalcError) as refused:
        load_spec(str(path))
    assert "reading one needs the onnx package; pip install 'onnx>=1.16' (in archcalc's checkout, pip install '.[onnx]' installs it)" in refused.value.message


def _conv_model(tmp_path: Path, output_shape: list[int], **attributes: object) -> Path:
    """One Conv of a 3×3 window, 4 channels to 4, its output's shape written as an exporter would."""
    g = Graph([1, 4, 6, 6])
    y = g.node("Conv", ["x", g.weight("conv.weight", [4, 4, 3, 3])], "conv", kernel_shape=[3, 3], **attributes)
    path = tmp_path / "conv.onnx"
    path.write_bytes(g.model(y, output_shape=output_shape).SerializeToString())
    return path


def _clip_of_text(tmp_path: Path) -> Path:
    g = Graph([1, 4])
    g.initializers.append(numpy_helper.from_array(np.array(b"zero", dtype=object), "low"))
    y = g.node("Clip", ["x", "low", g.scalar("high", 6.0)], "clip")
    return g.save(y, tmp_path / "clip.onnx")


def _external_offset(tmp_path: Path, offset: str) -> Path:
    g = _valid(tmp_path)
    model = g.model("conv_out")
    tensor = model.graph.initializer[0]
    (tmp_path / "weights.bin").write_bytes(tensor.raw_data)
    tensor.ClearField("raw_data")
    tensor.data_location = TensorProto.EXTERNAL
    tensor.external_data.add(key="location", value="weights.bin")
    tensor.external_data.add(key="offset", value=offset)
    path = tmp_path / "external.onnx"
    path.write_bytes(model.SerializeToString())
    return path


def _output_of_constants(tmp_path: Path) -> Path:
    """A Concat that lost the input's branch (a fuzzed mutant): the output is computed from weights alone."""
    g = Graph([1, 4])
    y = g.node("Concat", [g.weight("table", [1, 4])], "concat", axis=1)
    return g.save(y, tmp_path / "constant.onnx")


MALFORMED = {
    "an output not computed from the input": (
        _output_of_constants,
        "the model's output 'concat_out' is not computed from its input 'x': no path of operations joins them",
    ),
    "a convolution of 0 groups": (
        lambda tmp_path: _conv_model(tmp_path, [1, 4, 4, 4], group=0),
        "node 'conv' (Conv): 'group' must be a positive whole number, got 0",
    ),
    "a convolution of negative padding": (
        lambda tmp_path: _conv_model(tmp_path, [1, 4, 4, 2], pads=[0, -1, 0, -1]),
        "node 'conv' (Conv): 'pads' must be non-negative whole numbers, got [0, -1, 0, -1]",
    ),
    "a Clip whose bound is text": (_clip_of_text, None),
    "external data at an offset of words": (
        lambda tmp_path: _external_offset(tmp_path, "ten"),
        "tensor 'conv.weight': the offset of its external data: 'ten' is not a whole number",
    ),
    "external data before the file's start": (
        lambda tmp_path: _external_offset(tmp_path, "-8"),
        "keeps its data at offset -8 of weights.bin, before the file's start",
    ),
}


@pytest.mark.parametrize(("made", "expected"), MALFORMED.values(), ids=MALFORMED.keys())
def test_values_the_checker_lets_through_are_read_by_archcalcs_rules(made: Any, expected: str | None, tmp_path: Path) -> None:
    """A value ONNX's checker leaves to the runtime is one located line and exit 2 (None: read as it is,
    a Clip whose bound is no number being no relu6), never an error archcalc did not expect."""
    path = made(tmp_path)
    result = runner.invoke(app, ["show", str(path), "--format", "csv"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if expected is None:
        assert result.exit_code == 0 and "clip: counted" in result.stdout, result.output
        return
    assert result.exit_code == 2 and result.stdout == "" and len(result.stderr.splitlines()) == 1, result.output
    assert result.stderr.startswith(f"archcalc: error: {path}: ") and expected in result.stderr


def test_a_tied_table_held_by_constant_nodes_is_counted_once(tmp_path: Path) -> None:
    """An embedding's table and its transposed copy as Constant nodes, whose tensors carry names of
    their own: read by the names the nodes give them."""
    g = Graph([1, 6], input_type=TensorProto.INT64)
    table = (np.arange(40, dtype=np.float32) + 1).reshape(5, 8)
    constants = [
        helper.make_node("Constant", [], [name], name=f"{name}_node", value=numpy_helper.from_array(values, "held"))
        for name, values in (("table", table), ("copy", table.T.copy()))
    ]
    g.nodes.extend(constants)
    y = g.node("Gather", ["table", "x"], "embed")
    y = g.node("MatMul", [y, "copy"], "head")
    spec, report = read(g, y, tmp_path)
    assert isinstance(spec.layers[-1], Dense) and spec.layers[-1].tie == "embed"
    assert report.total == Cost(weights=40, macs=6 * 8 * 5)
    (note,) = spec.notes
    assert "stores the embedding table 'table' (5×8) a second time, transposed, as 'copy'" in note


def test_onnx_inference_that_aborts_its_process_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """A 3×3 convolution of a 1×1 input makes a size of −1, and ONNX's inference of the Slice after it
    kills the process (SIGABRT: onnx/onnx#8481); run apart, it is an error like any other. A process of
    its own here, as it would take pytest down with it."""
    g = Graph([1, 1, 1, 1])
    y = g.conv("x", "conv", 1, 1, 3)
    y = g.node("Slice", [y, g.ints("starts", [0]), g.ints("ends", [1]), g.ints("axes", [2])], "crop")
    path = tmp_path / "aborts.onnx"
    path.write_bytes(g.model(y, output_shape=[1, 1, 1, 1]).SerializeToString())
    result = subprocess.run([sys.executable, "-m", "archcalc", "show", str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and result.stdout == "", result.stderr
    assert result.stderr == f"archcalc: error: {path}: ONNX shape inference aborts on this model (it died of SIGABRT); {ABORT_HINT}\n"


ABORT_HINT = "it does so where a size comes out negative, as for a window larger than its input (onnx/onnx#8481)"


def test_drift_lines_write_a_model_nodes_name_printable(tmp_path: Path) -> None:
    """A node's name is the exporter's text: a bell or a newline in it is written out (\\x07, \\n) on the
    drift line, as everywhere else, not rung or started as a new line of standard error; both sides
    may be model files."""
    paths = []
    for kernel in (3, 5):
        g = Graph([1, 3, 8, 8])
        y = g.conv("x", "conv\x07\n::error::forged", 3, 4, kernel)
        paths.append(g.save(y, tmp_path / f"net{kernel}.onnx"))
    result = runner.invoke(app, ["check", str(paths[0]), "--against", str(paths[1])])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert "conv\\x07\\n::error::forged" in line and result.stderr == line + "\n"
    assert "\x07" not in result.stdout and not any(row.startswith("::") for row in result.stdout.splitlines())
