"""Keras model configs (the JSON of `model.to_json()`, and `.keras` archives) read without TensorFlow.

The configs in tests/data/keras/ are written in the formats Keras 2 and Keras 3 save; figures are
worked by hand as Keras's `count_params()` gives them (its total is archcalc's params plus the
batch norms' non-trainable state).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine import analyze
from archcalc.kinds.composite import Concat, Residual
from archcalc.model import Cost
from archcalc.spec import load_spec
from tests.conftest import ROOT

KERAS = ROOT / "tests" / "data" / "keras"
runner = CliRunner()


def test_a_keras3_sequential_cnn() -> None:
    spec = load_spec(str(KERAS / "sequential_cnn.json"))
    report = analyze(spec)
    assert spec.name == "mnist_cnn" and spec.input_shape == (28, 28, 1)
    assert [layer.kind for layer in spec.layers] == ["conv", "relu", "maxpool", "batchnorm", "flatten", "dropout", "dense", "softmax"]
    # conv 3·3·1·32 + 32; batch norm 2·32 (+ 2·32 state); dense 13·13·32·10 + 10. Keras: 54,538 in all.
    assert report.total == Cost(weights=288 + 32 + 54_080, biases=32 + 32 + 10, non_trainable=64, macs=26 * 26 * 32 * 9 + 54_080)
    assert report.total.params + report.total.non_trainable == 54_538


def test_a_keras2_sequential_with_its_input_on_the_first_layer() -> None:
    report = analyze(load_spec(str(KERAS / "sequential_keras2.json")))
    assert report.input_shape == (20,) and report.output_shape == (1,)
    assert report.total.params == 20 * 64 + 64 + 64 + 1


def test_a_keras3_functional_add_is_a_residual() -> None:
    spec = load_spec(str(KERAS / "functional_residual.json"))
    residual, _, _ = spec.layers
    assert isinstance(residual, Residual) and residual.name == "add" and residual.shortcut == ()
    assert analyze(spec).total == Cost(weights=144 + 12, biases=4 + 3, macs=64 * 4 * 36 + 12)


def test_a_keras2_functional_concatenate_and_a_separable_conv() -> None:
    spec = load_spec(str(KERAS / "functional_keras2_concat.json"))
    (concat,) = spec.layers
    assert isinstance(concat, Concat) and [len(branch) for branch in concat.branches] == [1, 2, 0]
    report = analyze(spec)
    assert report.output_shape == (16, 16, 4 + 6 + 8)
    # 1×1 conv 8·4; separable: depthwise 3·3·8, pointwise 8·6 + 6 (Keras's SeparableConv2D count)
    assert report.total.params == 32 + 72 + 48 + 6


def test_a_keras_archive_is_read_from_its_config(tmp_path: Path) -> None:
    archive = tmp_path / "model.keras"
    with zipfile.ZipFile(archive, "w") as written:
        written.writestr("config.json", (KERAS / "functional_residual.json").read_text())
        written.writestr("metadata.json", "{}")
        written.writestr("model.weights.h5", b"\0" * 1000)
    assert analyze(load_spec(str(archive))).total.params == 163
    imported = runner.invoke(app, ["import", str(archive)])
    assert imported.exit_code == 0 and '- conv: {name: "conv_a", filters: 4, kernel: 3, padding: same}' in imported.stdout


def _with_layer(layer: dict[str, object]) -> str:
    document = json.loads((KERAS / "sequential_keras2.json").read_text())
    document["config"]["layers"].insert(1, layer)
    return json.dumps(document)


BAD = {
    "an LSTM": (
        _with_layer({"class_name": "LSTM", "config": {"name": "rnn", "units": 4}}),
        "Keras layer 'rnn' is a LSTM, which archcalc reads once it has the sequence kinds",
    ),
    "an unknown layer": (_with_layer({"class_name": "Lambda", "config": {"name": "fn"}}), "Keras layer 'fn' is a Lambda, which archcalc has no kind for"),
    "an unknown activation": (_with_layer({"class_name": "Activation", "config": {"name": "act", "activation": "selu"}}), "uses the activation 'selu'"),
    "channels first": (
        _with_layer({"class_name": "Conv1D", "config": {"name": "c", "filters": 2, "kernel_size": [1], "data_format": "channels_first"}}),
        "Keras layer 'c' is channels first",
    ),
    "an open input shape": (
        '{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"name": "d", "units": 2, "batch_input_shape": [null, null]}}]}}',
        "input shape must be fixed",
    ),
    "not a model": ('{"class_name": "Dense", "config": {"layers": [1]}}', "archcalc reads Keras Sequential and Functional models, not 'Dense'"),
    "broken JSON": ('{"class_name": "Sequential", "config": ', "not readable JSON"),
}


@pytest.mark.parametrize(("text", "expected"), BAD.values(), ids=BAD.keys())
def test_bad_keras_configs_exit_2_with_one_line(text: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(text)
    result = runner.invoke(app, ["show", str(path)])
    assert result.exit_code == 2, result.output
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_a_zip_without_a_config_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "model.keras"
    with zipfile.ZipFile(archive, "w") as written:
        written.writestr("other.txt", "x")
    result = runner.invoke(app, ["show", str(archive)])
    assert result.exit_code == 2 and "holds no config.json" in result.stderr
