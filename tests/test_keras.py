"""Keras model configs (the JSON of `model.to_json()`, and `.keras` archives) read without TensorFlow.

The configs in tests/data/keras/ are written in the formats Keras 2 and Keras 3 save; figures are
worked by hand as Keras's `count_params()` gives them (its total is archcalc's params plus the
batch norms' non-trainable state).
"""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine import analyze
from archcalc.formats import load_spec, load_text
from archcalc.kinds.attention import Attention
from archcalc.kinds.composite import Concat, Residual
from archcalc.kinds.embedding import Embedding
from archcalc.kinds.norm import GroupNorm
from archcalc.kinds.recurrent import GRU, LSTM, RNN
from archcalc.kinds.upsampling import ConvTranspose, Upsample
from archcalc.model import Cost
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


def test_a_keras3_unet_of_transposed_convolutions_group_norms_and_upsampling() -> None:
    """A functional U-Net in miniature: its Concatenate of the encoder's map is a concat that names it."""
    spec = load_spec(str(KERAS / "functional_unet.json"))
    assert [layer.kind for layer in spec.layers] == [
        *("conv", "relu", "maxpool", "conv", "conv_transpose", "concat", "groupnorm", "upsample", "conv", "sigmoid"),
    ]
    up, skip, norm, larger = spec.layers[4:8]
    assert up == ConvTranspose(origin=up.origin, position="5", name="up", filters=4, kernel=(2,), stride=(2,))
    assert isinstance(skip, Concat) and skip.with_ == ("enc/relu",) and skip.branches == ()
    assert norm == GroupNorm(origin=norm.origin, position="7", name="norm", groups=2)
    assert larger == Upsample(origin=larger.origin, position="8", name="larger", scale=(2,), mode="bilinear")
    report = analyze(spec)
    assert report.output_shape == (16, 16, 1)
    # Keras's count_params: enc 3·3·3·4 + 4, mid 3·3·4·8 + 8, up 2·2·8·4 + 4, norm 2·8, classes 8 + 1 = 565
    assert report.total == Cost(weights=108 + 288 + 128 + 8 + 8, biases=4 + 8 + 4 + 8 + 1, macs=64 * 4 * 27 + 16 * 8 * 36 + 16 * 128 + 256 * 8)
    assert report.total.params == 565


@pytest.mark.parametrize(
    ("config", "padding", "output_padding", "length"),
    [
        ({"kernel_size": [3, 3], "strides": [2, 2], "padding": "same"}, (1,), (1,), 8),  # n·s
        ({"kernel_size": [3, 3], "strides": [2, 2], "padding": "valid"}, (0,), (0,), 9),  # n·s + k − s
        ({"kernel_size": [1, 1], "strides": [3, 3], "padding": "valid"}, (0,), (2,), 12),  # n·s: k < s
        ({"kernel_size": [4, 4], "strides": [2, 2], "padding": "same", "output_padding": [1, 1]}, (2,), (1,), 7),  # (n − 1)·s + k − 2·⌊k/2⌋ + 1
    ],
    ids=["same", "valid", "valid, kernel under the stride", "output_padding"],
)
def test_keras_transposed_lengths_as_pytorchs_padding(
    config: dict[str, object], padding: tuple[int], output_padding: tuple[int], length: int, tmp_path: Path
) -> None:
    path = tmp_path / "model.json"
    path.write_text(_image_model({"class_name": "Conv2DTranspose", "config": {"name": "up", "filters": 2, **config}}))
    spec = load_spec(str(path))
    (up,) = spec.layers
    assert isinstance(up, ConvTranspose) and (up.padding, up.output_padding) == (padding, output_padding)
    assert analyze(spec).output_shape == (length, length, 2)


def _image_model(layer: dict[str, object]) -> str:
    """A Keras 3 Sequential of one layer on a 4×4×3 image."""
    image = {"class_name": "InputLayer", "config": {"name": "image", "batch_shape": [None, 4, 4, 3]}}
    return json.dumps({"class_name": "Sequential", "config": {"name": "one_layer", "layers": [image, layer]}})


def _with_layer(layer: dict[str, object]) -> str:
    document = json.loads((KERAS / "sequential_keras2.json").read_text())
    document["config"]["layers"].insert(1, layer)
    return json.dumps(document)


def test_a_keras3_bidirectional_lstm_on_imdb() -> None:
    """The Keras example, saved by Keras 3.15: two Bidirectional LSTMs of 64 are one stacked `lstm`, as
    PyTorch writes it, with the one bias vector per gate set the file holds: Keras's count_params()."""
    spec = load_spec(str(KERAS / "imdb_bilstm.json"))
    embedding, lstm, _, _ = spec.layers
    assert isinstance(embedding, Embedding) and (embedding.vocab, embedding.dim) == (20_000, 128)
    assert lstm == LSTM(origin=lstm.origin, position="2", name="bidirectional", hidden=64, layers=2, bidirectional=True, bias="keras", sequences=False)
    report = analyze(spec)
    assert report.total.params == 2_757_761
    # per layer and direction 200 steps · 4·64·(128 + 64); the dense 128
    assert report.total.macs == 4 * 200 * 4 * 64 * (128 + 64) + 128
    assert spec.notes == ()


def test_the_zoos_pytorch_lstm_is_held_off_the_keras_file_by_its_second_biases() -> None:
    """archspecs/zoo/language/lstm_imdb.yaml counts nn.LSTM's two bias vectors: against the Keras file,
    its biases differ by 2 layers · 2 directions · 4·64 = 1,024, and nothing else does."""
    zoo = ROOT / "archspecs/zoo/language/lstm_imdb.yaml"
    held = runner.invoke(app, ["check", str(zoo), "--against", str(KERAS / "imdb_bilstm.json")])
    assert held.exit_code == 1
    assert "biases 2,049 against 1,025" in held.output
    keras = zoo.read_text().replace("sequences: false}", "sequences: false, bias: keras}")
    assert "bias: keras" in keras
    spec = load_text(keras, "<lstm_imdb, Keras's biases>", "lstm_imdb")
    assert analyze(spec).total.params == 2_757_761


def test_a_keras3_encoder_block_a_gru_and_a_simple_rnn() -> None:
    """Saved by Keras 3.15, whose count_params() gives 13,203: ln 64, attention 4,224, ln 64, dense 2,112
    and 2,080, GRU 4,176 (reset_after: two biases, as PyTorch's), SimpleRNN 444 (one bias), dense 39."""
    spec = load_spec(str(KERAS / "encoder_recurrent.json"))
    attention_block, mlp_block, gru, rnn, _ = spec.layers
    assert isinstance(attention_block, Residual) and [layer.kind for layer in attention_block.layers] == ["layernorm", "attention"]
    attention = attention_block.layers[1]
    assert isinstance(attention, Attention) and (attention.heads, attention.head_dim) == (4, None)
    assert isinstance(mlp_block, Residual) and isinstance(gru, GRU) and gru.sequences and isinstance(rnn, RNN) and not rnn.sequences
    assert (gru.bias, rnn.bias) == ("pytorch", "keras")
    report = analyze(spec)
    assert report.total.params == 13_203
    # attention 4·16·32² + 2·16·16·32; dense 16·32·64 twice; GRU 16·3·24·(32 + 24); RNN 16·12·(24 + 12); dense 12·3
    assert report.total.macs == 4 * 16 * 32 * 32 + 2 * 16 * 16 * 32 + 2 * 16 * 32 * 64 + 16 * 3 * 24 * 56 + 16 * 12 * 36 + 36


def test_a_keras2_attention_whose_value_is_a_keyword_and_a_bidirectional_gru() -> None:
    spec = load_spec(str(KERAS / "functional_keras2_attention.json"))
    attention, gru = spec.layers
    assert isinstance(attention, Attention) and (attention.heads, attention.head_dim) == (2, 4)
    assert gru == GRU(origin=gru.origin, position="2", name="bi_gru", hidden=8, bidirectional=True, bias="keras", sequences=False)
    report = analyze(spec)
    # Keras: attention 3·(16·2·4 + 8) + 2·4·16 + 16 = 552; GRU (reset_after=False) 2·(3·8·(16 + 8) + 3·8) = 1,200
    assert report.total.params == 552 + 1_200
    assert report.total.macs == 4 * 10 * 16 * 8 + 2 * 10 * 10 * 8 + 10 * 2 * 3 * 8 * 24


def _with_functional_layer(layer: dict[str, object]) -> str:
    document = json.loads((KERAS / "functional_keras2_attention.json").read_text())
    document["config"]["layers"][2] = {**layer, "name": "bi_gru", "inbound_nodes": [[["mha", 0, 0, {}]]]}
    return json.dumps(document)


def _bidirectional(merge_mode: str = "concat", **inner: object) -> str:
    config = {"name": "gru", "units": 8, "reset_after": True, **inner}
    return _with_functional_layer(
        {"class_name": "Bidirectional", "config": {"name": "bi_gru", "merge_mode": merge_mode, "layer": {"class_name": "GRU", "config": config}}}
    )


def _cross_attention() -> str:
    document = json.loads((KERAS / "functional_keras2_attention.json").read_text())
    document["config"]["layers"][1]["inbound_nodes"] = [[["tokens", 0, 0, {"value": ["other", 0, 0]}]]]
    document["config"]["layers"].insert(
        1, {"class_name": "Dense", "config": {"name": "other", "units": 16}, "name": "other", "inbound_nodes": [[["tokens", 0, 0, {}]]]}
    )
    return json.dumps(document)


def _residual_with(change: str) -> str:
    """tests/data/keras/functional_residual.json, malformed in one place."""
    document = json.loads((KERAS / "functional_residual.json").read_text())
    layers = document["config"]["layers"]
    match change:
        case "an Add of nothing":
            layers[2]["inbound_nodes"] = [{"args": [[]], "kwargs": {}}]
        case "a config that is a list":
            layers[1]["config"] = [4, 3]
        case "inbound nodes that are a number":
            layers[3]["inbound_nodes"] = 7
        case "an inbound node that is a text":
            layers[3]["inbound_nodes"] = ["gap"]
        case "a history that is a mapping":
            layers[3]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = {"layer": "add"}
        case "two layers of one name":
            layers[3]["name"] = layers[3]["config"]["name"] = "conv_a"
        case "a cycle":
            layers[1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["add", 0, 0]
    return json.dumps(document)


BAD = {
    "a convolution of 0 groups": (
        _image_model({"class_name": "Conv2D", "config": {"name": "c", "filters": 4, "kernel_size": 1, "groups": 0}}),
        "Keras layer 'c': 'groups' must be a positive whole number, got 0",
    ),
    "a depthwise convolution of no filters per channel": (
        _image_model({"class_name": "DepthwiseConv2D", "config": {"name": "d", "kernel_size": 1, "depth_multiplier": 0}}),
        "Keras layer 'd': 'depth_multiplier' must be a positive whole number, got 0",
    ),
    "a separable convolution of a multiplier of true": (
        _image_model({"class_name": "SeparableConv2D", "config": {"name": "s", "filters": 2, "kernel_size": 1, "depth_multiplier": True}}),
        "Keras layer 's': 'depth_multiplier' must be a positive whole number, got True",
    ),
    "a config that is a list, in a Sequential": (
        _image_model({"class_name": "Dense", "config": [1, 2]}),
        "a Keras Dense layer whose 'config' is a list, not a mapping",
    ),
    "a config that is a list, in a Functional": (_residual_with("a config that is a list"), "Keras layer 'conv_a': its 'config' must be a mapping, got a list"),
    "an Add of nothing": (_residual_with("an Add of nothing"), "Keras layer 'add' (Add) joins no inputs"),
    "inbound nodes that are a number": (_residual_with("inbound nodes that are a number"), "Keras layer 'gap': 'inbound_nodes' must be a list, got 7"),
    "an inbound node that is a text": (
        _residual_with("an inbound node that is a text"),
        "Keras layer 'gap': an inbound node must be a list (Keras 2) or a mapping (Keras 3), got 'gap'",
    ),
    "a history that is a mapping": (_residual_with("a history that is a mapping"), "Keras layer 'gap' (GlobalAveragePooling2D) reads 0 inputs"),
    "two layers of one name": (_residual_with("two layers of one name"), "two Keras layers are named 'conv_a'; a model's layer names are unique"),
    "a cycle": (_residual_with("a cycle"), "the Keras layers 'conv_a', 'add', 'gap', ... read each other in a cycle"),
    "upsampling by a list": (
        _image_model({"class_name": "UpSampling2D", "config": {"name": "up", "size": 2, "interpolation": ["nearest"]}}),
        "Keras layer 'up' interpolates by a list, which archcalc's upsample does not",
    ),
    "a bias of the text false": (
        _image_model({"class_name": "Conv2D", "config": {"name": "c", "filters": 4, "kernel_size": 1, "use_bias": "false"}}),
        "Keras layer 'c': 'use_bias' must be true or false, got 'false'",
    ),
    "sequences returned by the number 0": (
        _with_functional_layer({"class_name": "LSTM", "config": {"name": "bi_gru", "units": 4, "return_sequences": 0}}),
        "Keras layer 'bi_gru': 'return_sequences' must be true or false, got 0",
    ),
    "an activation that is a list": (
        _image_model({"class_name": "Activation", "config": {"name": "act", "activation": ["relu"]}}),
        "Keras layer 'act' has an activation archcalc cannot read (a list)",
    ),
    "an input of true pixels": (
        json.dumps(
            {
                "class_name": "Sequential",
                "config": {"layers": [{"class_name": "Dense", "config": {"name": "d", "units": 2, "batch_input_shape": [None, True]}}]},
            }
        ),
        "input shape must be fixed, got [null, true]",
    ),
    "a Bidirectional that sums": (
        _bidirectional("sum"),
        "Keras layer 'bi_gru' joins its directions by 'sum'; archcalc's bidirectional layers concatenate them",
    ),
    "a recurrent layer that returns its states": (_bidirectional(return_state=True), "Keras layer 'bi_gru' returns its states as well"),
    "a SimpleRNN of ReLUs": (
        _with_functional_layer({"class_name": "SimpleRNN", "config": {"name": "bi_gru", "units": 4, "activation": "relu"}}),
        "Keras layer 'bi_gru' is a SimpleRNN of 'relu'; archcalc's rnn is tanh's",
    ),
    "cross-attention": (_cross_attention(), "Keras layer 'mha' attends to another sequence than its queries; archcalc reads self-attention"),
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
    "a same transposed convolution of an even kernel and stride 1": (
        _image_model({"class_name": "Conv2DTranspose", "config": {"name": "up", "filters": 2, "kernel_size": 2, "strides": 1, "padding": "same"}}),
        "Keras layer 'up' gives an output length that PyTorch's transposed convolution cannot (it would need an output padding of 1 with stride 1",
    ),
    "lanczos upsampling": (
        _image_model({"class_name": "UpSampling2D", "config": {"name": "up", "size": 2, "interpolation": "lanczos3"}}),
        "Keras layer 'up' interpolates by 'lanczos3', which archcalc's upsample does not",
    ),
    "a group norm with a scale and no shift": (
        _image_model({"class_name": "GroupNormalization", "config": {"name": "gn", "groups": 2, "center": False, "scale": True}}),
        "Keras layer 'gn' normalises other than the last axis, or learns a scale without a shift",
    ),
    "not a model": ('{"class_name": "Dense", "config": {"layers": [1]}}', "archcalc reads Keras Sequential and Functional models, not 'Dense'"),
    "broken JSON": ('{"class_name": "Sequential", "config": ', "not readable JSON"),
}


@pytest.mark.parametrize(("text", "expected"), BAD.values(), ids=BAD.keys())
def test_bad_keras_configs_exit_2_with_one_line(text: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(text)
    result = runner.invoke(app, ["show", str(path)])
    assert isinstance(result.exception, SystemExit), result.exception  # not an error archcalc did not expect
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"archcalc: error: {path}: ") and len(result.stderr.splitlines()) == 1
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_a_functional_model_listed_backwards_is_read_in_one_pass(tmp_path: Path) -> None:
    """Each layer waits for its own sources: 10,000 layers in reverse order read in a blink (they took
    minutes when every pass over the waiting layers readied one)."""
    count = 10_000
    image = {"class_name": "InputLayer", "name": "image", "config": {"name": "image", "batch_shape": [None, 4]}, "inbound_nodes": []}
    chain = [
        {
            "class_name": "ReLU",
            "name": f"relu{index}",
            "config": {"name": f"relu{index}"},
            "inbound_nodes": [[[f"relu{index - 1}" if index else "image", 0, 0, {}]]],
        }
        for index in range(count)
    ]
    document = {"class_name": "Functional", "config": {"name": "long", "layers": [image, *reversed(chain)], "output_layers": [[f"relu{count - 1}", 0, 0]]}}
    path = tmp_path / "long.json"
    path.write_text(json.dumps(document))
    started = time.process_time()
    spec = load_spec(str(path))
    assert time.process_time() - started < 20  # CPU seconds: it took minutes when every pass readied one layer
    assert analyze(spec).output_shape == (4,) and spec.layers[0].kind == "repeat"


def test_a_zip_without_a_config_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "model.keras"
    with zipfile.ZipFile(archive, "w") as written:
        written.writestr("other.txt", "x")
    result = runner.invoke(app, ["show", str(archive)])
    assert result.exit_code == 2 and "holds no config.json" in result.stderr
