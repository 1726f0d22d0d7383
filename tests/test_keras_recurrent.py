"""Keras's recurrent layers counted as the file holds them (issue 27, D1).

Keras keeps one bias vector per gate set for LSTM and SimpleRNN, and for GRU with reset_after=False;
GRU with reset_after=True (its default) keeps two, a [2, 3H] bias, as PyTorch's b_ih and b_hh. The
reader writes that as the recurrent kinds' `bias: keras` or `bias: pytorch` (`false` without use_bias).

The fast tests read small configs that Keras 3.15.1 wrote (`model.to_json()` of
`Sequential([Input((20, 32)), X, Dense(3)])`, tests/data/keras/recurrent_*.json). The parity tests
(`pytest -m parity`, the parity extra's keras on the torch backend) build each model in Keras, save it
as a .keras archive and hold archcalc's count of the file to Keras's own `count_params()`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.formats import load_spec
from archcalc.kinds.recurrent import Recurrent
from tests.conftest import ROOT

KERAS = ROOT / "tests" / "data" / "keras"
runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras.*")  # Keras 3.15.1's torch backend calls np.array(copy=False)

ISSUE_FIGURES = {  # file: (Keras's count_params(), the bias the reader writes), as issue 27 gives them
    # LSTM(24) on 32: 4·24·(32 + 24) = 5,376 weights + 4·24 = 96 biases; Dense(3) 24·3 + 3 = 75
    "recurrent_lstm": (5_547, "keras"),
    # both directions: 2·(5,376 + 96) = 10,944; Dense(3) on 48: 147
    "recurrent_bidirectional_lstm": (11_091, "keras"),
    # GRU(16, reset_after=False): 3·16·(32 + 16) = 2,304 + 3·16 = 48 biases; Dense(3) 51
    "recurrent_gru_reset_before": (2_403, "keras"),
    # SimpleRNN(8): 8·(32 + 8) = 320 + 8 biases; Dense(3) 27
    "recurrent_simple_rnn": (355, "keras"),
    # GRU(16), reset_after=True: its [2, 48] bias, PyTorch's b_ih and b_hh: 2,304 + 96 + 51
    "recurrent_gru_reset_after": (2_451, "pytorch"),
}


def shown_params(path: Path) -> int:
    """`archcalc show FILE -f json`: the file's params and non-trainable state, as count_params() adds them."""
    result = runner.invoke(app, ["show", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    totals = json.loads(result.stdout)["totals"]
    return int(totals["params"]) + int(totals["non_trainable"])


def imported_params(path: Path, folder: Path) -> tuple[int, str]:
    """`archcalc import FILE -o spec.yaml`, then the spec's count and text."""
    spec = folder / f"{path.stem}.yaml"
    result = runner.invoke(app, ["import", str(path), "-o", str(spec)])
    assert result.exit_code == 0, result.output
    return shown_params(spec), spec.read_text()


@pytest.mark.parametrize("name", sorted(ISSUE_FIGURES))
def test_the_issues_figures_from_configs_keras_wrote(name: str, tmp_path: Path) -> None:
    count, bias = ISSUE_FIGURES[name]
    path = KERAS / f"{name}.json"
    recurrent = load_spec(str(path)).layers[0]
    assert isinstance(recurrent, Recurrent) and recurrent.bias == bias
    assert shown_params(path) == count
    imported, text = imported_params(path, tmp_path)
    assert imported == count
    assert ("bias: keras" in text) == (bias == "keras") and "bias: pytorch" not in text  # pytorch is the default, not written


def _bidirectional_with_backward(change: Callable[[dict[str, Any]], None]) -> str:
    document = json.loads((KERAS / "recurrent_bidirectional_lstm.json").read_text())
    change(document["config"]["layers"][1]["config"]["backward_layer"])
    return json.dumps(document)


@pytest.mark.parametrize(
    "change",
    [
        lambda backward: backward["config"].update(units=12),
        lambda backward: backward["config"].update(use_bias=False),
        lambda backward: backward.update(class_name="GRU"),
    ],
    ids=["narrower", "without-bias", "another-class"],
)
def test_a_backward_layer_unlike_the_forward_one_is_refused(change: Callable[[dict[str, Any]], None], tmp_path: Path) -> None:
    """Keras lets Bidirectional take a backward layer of its own: one of another width, bias or class
    would be miscounted as the forward one's mirror, so it is refused by name."""
    path = tmp_path / "model.json"
    path.write_text(_bidirectional_with_backward(change))
    result = runner.invoke(app, ["show", str(path)])
    assert result.exit_code == 2
    assert "Keras layer 'bidirectional' has a backward layer unlike its forward one" in result.output
    assert "Traceback" not in result.output


def test_a_backward_layer_like_the_forward_one_is_read(tmp_path: Path) -> None:
    """Its own name and go_backwards are what a backward layer always differs by."""
    path = tmp_path / "model.json"
    path.write_text(_bidirectional_with_backward(lambda backward: backward["config"].update(name="other", go_backwards=True)))
    assert shown_params(path) == 11_091


# Parity: Keras builds and counts each model; archcalc counts the .keras file it saves.

Build = Callable[[Any], list[Any]]
"""The layers between Input((20, 32)) and Dense(3), given keras.layers."""

PARITY_MODELS: dict[str, tuple[Build, list[str]]] = {  # name: (the layers, the bias of each recurrent row archcalc reads)
    "lstm": (lambda k: [k.LSTM(24)], ["keras"]),
    "bidirectional_lstm": (lambda k: [k.Bidirectional(k.LSTM(24))], ["keras"]),
    "gru_reset_before": (lambda k: [k.GRU(16, reset_after=False)], ["keras"]),
    "simple_rnn": (lambda k: [k.SimpleRNN(8)], ["keras"]),
    "gru_reset_after": (lambda k: [k.GRU(16)], ["pytorch"]),
    "bidirectional_gru_reset_after": (lambda k: [k.Bidirectional(k.GRU(16))], ["pytorch"]),
    "bidirectional_gru_reset_before": (lambda k: [k.Bidirectional(k.GRU(16, reset_after=False))], ["keras"]),
    "bidirectional_simple_rnn": (lambda k: [k.Bidirectional(k.SimpleRNN(8))], ["keras"]),
    "lstm_without_bias": (lambda k: [k.LSTM(24, use_bias=False)], ["false"]),
    "gru_reset_after_without_bias": (lambda k: [k.GRU(16, use_bias=False)], ["false"]),
    "gru_reset_before_without_bias": (lambda k: [k.GRU(16, reset_after=False, use_bias=False)], ["false"]),
    "simple_rnn_without_bias": (lambda k: [k.SimpleRNN(8, use_bias=False)], ["false"]),
    "bidirectional_lstm_without_bias": (lambda k: [k.Bidirectional(k.LSTM(24, use_bias=False))], ["false"]),
    "lstm_sequences": (lambda k: [k.LSTM(24, return_sequences=True)], ["keras"]),
    "gru_reset_after_sequences": (lambda k: [k.GRU(16, return_sequences=True)], ["pytorch"]),
    "stacked_lstm": (lambda k: [k.LSTM(24, return_sequences=True), k.LSTM(24)], ["keras"]),  # one lstm of 2 layers
    "stacked_bidirectional_gru_reset_before": (
        lambda k: [k.Bidirectional(k.GRU(16, reset_after=False, return_sequences=True)), k.Bidirectional(k.GRU(16, reset_after=False))],
        ["keras"],
    ),
    "stacked_simple_rnn_sequences": (lambda k: [k.SimpleRNN(8, return_sequences=True), k.SimpleRNN(8, return_sequences=True)], ["keras"]),
    "stacked_lstm_of_unlike_biases": (lambda k: [k.LSTM(24, return_sequences=True), k.LSTM(24, use_bias=False)], ["keras", "false"]),
    "stacked_gru_of_unlike_resets": (lambda k: [k.GRU(16, return_sequences=True), k.GRU(16, reset_after=False)], ["pytorch", "keras"]),
}


@pytest.fixture(scope="module")
def keras(tmp_path_factory: pytest.TempPathFactory) -> Any:
    os.environ.setdefault("KERAS_BACKEND", "torch")  # torch is the parity extra's; TensorFlow is not installed
    os.environ.setdefault("KERAS_HOME", str(tmp_path_factory.mktemp("keras_home")))  # not ~/.keras: Keras writes its keras.json there
    return pytest.importorskip("keras")


@pytest.mark.parity
@pytest.mark.parametrize("name", sorted(PARITY_MODELS))
def test_keras_counts_what_archcalc_reads_from_the_file(name: str, keras: Any, tmp_path: Path) -> None:
    build, biases = PARITY_MODELS[name]
    model = keras.Sequential([keras.Input((20, 32)), *build(keras.layers), keras.layers.Dense(3)], name=name)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    assert shown_params(path) == model.count_params()
    recurrent = [layer for layer in load_spec(str(path)).layers if isinstance(layer, Recurrent)]
    assert [layer.bias for layer in recurrent] == biases
    assert imported_params(path, tmp_path)[0] == model.count_params()


@pytest.mark.parity
def test_a_functional_bidirectional_lstm_between_dense_layers(keras: Any, tmp_path: Path) -> None:
    inputs = keras.Input((20, 32))
    x = keras.layers.Dense(16)(inputs)
    x = keras.layers.Bidirectional(keras.layers.LSTM(24, return_sequences=True))(x)
    model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.GlobalAveragePooling1D()(x)))
    path = tmp_path / "functional.keras"
    model.save(path)
    assert shown_params(path) == model.count_params()


@pytest.mark.parity
def test_a_bidirectional_layer_whose_backward_layer_is_narrower_is_refused(keras: Any, tmp_path: Path) -> None:
    """Keras builds it, though not as it runs: its directions give 24 + 12 = 36 values, but Keras 3.15.1
    sizes the Dense after it for twice the forward width, 48 (and the model fails when called). archcalc's
    directions are alike, so it refuses the layer rather than count either."""
    layers = keras.layers
    model = keras.Sequential([keras.Input((20, 32)), layers.Bidirectional(layers.LSTM(24), backward_layer=layers.LSTM(12, go_backwards=True)), layers.Dense(3)])
    path = tmp_path / "unlike.keras"
    model.save(path)
    directions = 4 * 24 * (32 + 24) + 4 * 24 + 4 * 12 * (32 + 12) + 4 * 12
    assert model.count_params() == directions + 48 * 3 + 3
    result = runner.invoke(app, ["show", str(path)])
    assert result.exit_code == 2 and "has a backward layer unlike its forward one" in result.output
