"""The recurrent kinds' `bias`: pytorch (two bias vectors per gate set, b_ih and b_hh), keras (one,
as Keras's LSTM, SimpleRNN and GRU with reset_after=False keep), false (none); `true`, the flag it
was before, is read as pytorch. Parameters, the training rules that count parameters, and PyTorch
itself (`pytest -m parity`): nn.LSTM with its bias_hh held at zero as a buffer is Keras's layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.backward import Optimizer
from archcalc.engine import analyze
from archcalc.engine.training import TrainingRequest, training_of
from archcalc.formats import load_text
from archcalc.formats.yaml.writer import spec_yaml
from archcalc.kinds.recurrent import GRU, LSTM, RNN
from archcalc.model import Cost
from tests.conftest import report_from, spec_from

runner = CliRunner()


@pytest.mark.parametrize(
    ("written", "bias", "biases"),
    [
        ("", "pytorch", 2 * 4 * 8),
        (", bias: pytorch", "pytorch", 2 * 4 * 8),
        (", bias: true", "pytorch", 2 * 4 * 8),  # the flag's true: specs written before keep their count
        (", bias: keras", "keras", 4 * 8),
        (", bias: Keras", "keras", 4 * 8),
        (", bias: false", "false", 0),
        (', bias: "false"', "false", 0),
    ],
)
def test_bias_is_read_as_one_of_three(written: str, bias: str, biases: int) -> None:
    report = report_from(f"input: 10x16\nlayers: [{{lstm: {{hidden: 8{written}}}}}]")
    (lstm,) = report.layers
    assert isinstance(lstm.layer, LSTM) and lstm.layer.bias == bias
    assert lstm.cost == Cost(4 * 8 * (16 + 8), biases, 0, 10 * 4 * 8 * 24)


@pytest.mark.parametrize(
    ("kind", "gates"),
    [("lstm", 4), ("gru", 3), ("rnn", 1)],
)
@pytest.mark.parametrize(("bias", "vectors"), [("pytorch", 2), ("keras", 1), ("false", 0)])
def test_biases_per_layer_and_direction(kind: str, gates: int, bias: str, vectors: int) -> None:
    """3 layers, both directions: 6 × vectors × gates × H biases; the weights and MACs as before."""
    (result,) = report_from(f"input: 10x16\nlayers: [{{{kind}: {{hidden: 8, layers: 3, bidirectional: true, bias: {bias}}}}}]").layers
    weights = 2 * gates * 8 * (16 + 8) + 2 * 2 * gates * 8 * (16 + 8)  # the first layer reads 16, the others 2·8
    assert result.cost == Cost(weights, 3 * 2 * vectors * gates * 8, 0, 10 * weights)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tensorflow", "bad.yaml:3:28: layer 1 (gru): 'bias' must be one of pytorch, keras, false, got 'tensorflow'"),
        ("kera", "'bias' must be one of pytorch, keras, false, got 'kera'; did you mean 'keras'?"),
        ("1", "bad.yaml:3:28: layer 1 (gru): 'bias' must be one of pytorch, keras, false, got 1"),
        ("null", "'bias' must be one of pytorch, keras, false, got nothing"),
        ("[keras]", "'bias' must be one of pytorch, keras, false, got a list"),
    ],
)
def test_a_bad_bias_is_a_located_error_listing_the_three(value: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f"input: 10x16\nlayers:\n  - gru: {{hidden: 4, bias: {value}}}\n")
    result = runner.invoke(app, ["show", str(path)])
    assert result.exit_code == 2
    assert message in result.output.replace(str(tmp_path) + "/", "")
    assert "Traceback" not in result.output


def test_defaults_give_every_layer_of_a_kind_keras_biases() -> None:
    report = report_from("input: 10x16\ndefaults: {rnn: {bias: keras}}\nlayers: [{rnn: 8}, {rnn: {hidden: 8, bias: true}}]")
    assert [result.cost.biases for result in report.layers] == [8, 2 * 8]


@pytest.mark.parametrize("bias", ["keras", "false"])
def test_the_written_spec_reads_back_to_the_same_layer(bias: str) -> None:
    spec = spec_from(f"input: 10x16\nlayers: [{{gru: {{hidden: 8, bias: {bias}}}}}]")
    text = spec_yaml(spec)
    assert f"bias: {bias}" in text
    (layer,) = load_text(text, "<written>", "written").layers
    assert isinstance(layer, GRU) and layer.bias == bias


def test_layers_lists_the_choices_and_the_synonym() -> None:
    result = runner.invoke(app, ["layers", "-f", "json"])
    assert result.exit_code == 0, result.output
    (lstm,) = [kind for kind in json.loads(result.stdout)["layers"] if kind["kind"] == "lstm"]
    (bias,) = [argument for argument in lstm["arguments"] if argument["name"] == "bias"]
    assert (bias["reads"], bias["choices"], bias["synonyms"]) == ("choice", ["pytorch", "keras", "false"], [["true", "pytorch"]])


def test_the_schema_takes_the_three_and_true() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    properties = json.loads(result.stdout)["$defs"]["LSTM"]["properties"]["lstm"]
    text = json.dumps(properties)
    assert '"enum": ["pytorch", "keras", "false", "true", false, true]' in text


def test_explain_says_one_bias_vector() -> None:
    (result,) = report_from("input: 10x16\nlayers: [{lstm: {hidden: 8, bidirectional: true, bias: keras}}]").layers
    assert result.layer.label(result) == "lstm 8, bidirectional, Keras's biases"
    assert "8,192 weights" not in result.layer.explain(result)[-2]
    assert result.layer.explain(result)[-2] == "1,536 weights + 2 × 1 × 4 × 8 = 64 biases = 1,600"


@pytest.mark.parametrize("bias", ["pytorch", "keras", "false"])
def test_gradients_and_optimizer_state_count_the_biases_held(bias: str) -> None:
    """Adam keeps two moments per parameter (and a step per tensor); Adafactor keeps a bias vector's
    moment whole: both follow the bias vectors, and the kept activations do not."""
    text = f"input: 10x16\nlayers: [{{rnn: {{hidden: 8, layers: 2, bias: {bias}}}}}]"
    report = analyze(load_text(text, "<rnn>", "rnn"))
    pytorch = analyze(load_text(text.replace(f"bias: {bias}", "bias: pytorch"), "<rnn>", "rnn"))
    fewer = pytorch.total.params - report.total.params
    assert fewer == {"pytorch": 0, "keras": 2 * 8, "false": 2 * 2 * 8}[bias]
    for optimizer in (Optimizer.ADAM, Optimizer.ADAFACTOR):
        training = training_of(report, TrainingRequest(batch=2, optimizer=optimizer)).memory
        reference = training_of(pytorch, TrainingRequest(batch=2, optimizer=optimizer)).memory
        assert reference.gradient_bytes - training.gradient_bytes == 4 * fewer
        assert reference.activation_bytes == training.activation_bytes
    adam = training_of(report, TrainingRequest(batch=2, optimizer=Optimizer.ADAM)).memory
    tensors = 4 + 2 * {"pytorch": 2, "keras": 1, "false": 0}[bias]  # weight_ih and weight_hh of 2 layers, and their bias vectors
    assert adam.optimizer_state_bytes == 4 * 2 * report.total.params + 4 * tensors  # two moments a parameter, a step a tensor


@pytest.mark.parametrize(("bias", "params"), [("pytorch", 5_568), ("keras", 5_472), ("false", 5_376)])
def test_serving_reads_the_weights_held(bias: str, params: int, tmp_path: Path) -> None:
    """`serve` reads the weights at their stored format (fp16 by default): 2 bytes a parameter."""
    path = tmp_path / "lstm.yaml"
    path.write_text(f"input: 20x32\nlayers:\n  - lstm: {{hidden: 24, bias: {bias}}}\n")
    result = runner.invoke(app, ["serve", str(path), "-d", "a100-40gb", "-f", "json"])
    assert result.exit_code == 0, result.output
    served = json.loads(result.stdout)
    assert served["precision"]["weights"] == "fp16"
    assert served["forward"]["layers"][0]["weight_bytes"] == 2 * params


TORCH_SPECS = [
    f"input: 10x16\nlayers:\n  - {{{kind}: {{hidden: 8, layers: {layers}, bidirectional: {both}, bias: {bias}, sequences: {sequences}}}}}\n  - dense: 3\n"
    for kind, layers, both, sequences in [("lstm", 1, "false", "true"), ("gru", 2, "true", "false"), ("rnn", 3, "true", "true")]
    for bias in ("pytorch", "keras", "false")
]


@pytest.mark.parity
@pytest.mark.parametrize("text", TORCH_SPECS)
def test_pytorch_counts_each_bias_layout(text: str) -> None:
    """nn.LSTM, nn.GRU, nn.RNN with bias=True, with bias=False, and with Keras's one bias vector (bias_hh
    held at zero as a buffer, tests/torch_reference/sequences.py): params, output and MACs."""
    pytest.importorskip("torch")
    from tests.torch_reference import TorchFigures, measure

    report = analyze(load_text(text, "<recurrent>", "recurrent"))
    total = report.total
    assert TorchFigures(report.output_shape, total.params, total.non_trainable, total.macs) == measure(report.spec)


@pytest.mark.parity
@pytest.mark.parametrize("text", TORCH_SPECS)
@pytest.mark.parametrize("optimizer", [Optimizer.ADAMW, Optimizer.ADAFACTOR])
def test_pytorch_trains_each_bias_layout(text: str, optimizer: Optimizer) -> None:
    """One real training step: forward and backward MACs and the optimizer's state (not the bytes a
    recurrent layer keeps, which archcalc estimates: docs/training.md)."""
    pytest.importorskip("torch")
    from tests.torch_reference.training import measure_training

    report = analyze(load_text(text, "<recurrent>", "recurrent"))
    training = training_of(report, TrainingRequest(batch=2, optimizer=optimizer))
    measured = measure_training(report.spec, 2, optimizer=optimizer.value)
    assert (training.macs, training.backward_macs, training.memory.optimizer_state_bytes) == (
        measured.macs,
        measured.backward_macs,
        measured.optimizer_state_bytes,
    )


def test_the_kinds_all_take_it() -> None:
    for kind in (LSTM, GRU, RNN):
        (argument,) = [argument for argument in kind.ARGUMENTS if argument.name == "bias"]
        assert argument.choices == ("pytorch", "keras", "false")
