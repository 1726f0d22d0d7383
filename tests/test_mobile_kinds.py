"""The kinds and arguments the mobile networks brought: `split` and `channel_shuffle` (ShuffleNetV2),
`stochastic_depth` (EfficientNet), squeeze-excite's `activation` and `gate` (EfficientNet's SiLU,
MobileNetV3's hard sigmoid). Formulas worked by hand; bad input refused with exact, located messages."""

from __future__ import annotations

import pytest

from archcalc.engine import analyze
from archcalc.errors import ShapeError, SpecError
from archcalc.model import Cost
from archcalc.render.layer_kinds import layer_kinds_json
from archcalc.render.layer_text import label
from tests.conftest import report_from, spec_from


def test_split_runs_each_branch_on_its_share_of_the_channels() -> None:
    (split,) = report_from("input: 8x8x6\nlayers:\n  - split: [[], [conv: {filters: 3, kernel: 1}, relu]]\n").layers
    assert split.output_shape == (8, 8, 6)  # 3 passed on + 3 from the conv
    conv = split.children[0]
    assert (conv.input_shape, conv.output_shape) == ((8, 8, 3), (8, 8, 3))
    assert split.cost == Cost(weights=3 * 3, biases=3, macs=8 * 8 * 3 * 3)  # 1×1 conv 3 -> 3 at 64 positions
    assert conv.layer.position == "1.branch2.1"
    assert label(split) == "split into 2 × 3 channels"


def test_split_into_three_shares_joins_whatever_each_branch_makes() -> None:
    report = report_from(
        """
        input: 4x4x6
        layers:
          - split:
              - [conv: {filters: 4, kernel: 1}]
              - []
              - [conv: {filters: 1, kernel: 3, padding: 1}]
        """
    )
    (split,) = report.layers
    # each branch sees 2 channels: 1×1 conv 2 -> 4 (8 + 4), the identity (2 channels), 3×3 conv 2 -> 1 (18 + 1)
    assert split.output_shape == (4, 4, 4 + 2 + 1)
    assert split.cost == Cost(weights=8 + 18, biases=4 + 1, macs=16 * 4 * 2 + 16 * 1 * 18)


def test_split_of_a_flat_vector_splits_its_features() -> None:
    (split,) = report_from("input: 12\nlayers:\n  - split: [[dense: 2], []]\n").layers
    assert split.output_shape == (2 + 6,)
    assert split.cost == Cost(weights=12, biases=2, macs=12)


def test_a_shufflenet_unit_costs_its_branch_alone() -> None:
    """torchvision's stride-1 ShuffleNetV2 unit at 28×28×116: 1×1, 3×3 depthwise, 1×1 on 58 channels."""
    report = report_from(
        """
        input: 28x28x116
        layers:
          - split: [[], [conv: {filters: 58, kernel: 1, bias: false}, batchnorm, relu, depthwise: {kernel: 3, padding: 1, bias: false}, batchnorm,
                         conv: {filters: 58, kernel: 1, bias: false}, batchnorm, relu]]
          - shuffle: 2
        """
    )
    split, shuffle = report.layers
    weights = 58 * 58 + 9 * 58 + 58 * 58
    assert split.cost == Cost(weights=weights + 3 * 58, biases=3 * 58, non_trainable=6 * 58, macs=28 * 28 * weights)
    assert (shuffle.output_shape, shuffle.cost) == ((28, 28, 116), Cost())


@pytest.mark.parametrize(
    ("input_shape", "layer", "shape"),
    [
        ("8x8x6", "shuffle: 2", (8, 8, 6)),
        ("8x8x6", "channel_shuffle: {groups: 3}", (8, 8, 6)),
        ("5x12", "shuffle: 4", (5, 12)),
        ("12", "shuffle: 12", (12,)),
        ("8x8x6", "stochastic_depth: 0.1", (8, 8, 6)),
        ("10x16", "drop_path: 0.0", (10, 16)),
        ("16", "stochastic_depth: 1", (16,)),
    ],
)
def test_shuffle_and_stochastic_depth_keep_the_shape_and_count_nothing(input_shape: str, layer: str, shape: tuple[int, ...]) -> None:
    (result,) = report_from(f"input: {input_shape}\nlayers:\n  - {layer}\n").layers
    assert (result.output_shape, result.cost) == (shape, Cost())


@pytest.mark.parametrize(
    ("layer", "text"),
    [
        ("se: 24", "squeeze-excite → 24"),
        ("se: {channels: 24, activation: silu}", "squeeze-excite → 24, silu"),
        ("se: {channels: 24, gate: hardsigmoid}", "squeeze-excite → 24, hardsigmoid gate"),
        ("squeeze_excite: {channels: 24, activation: hardswish, gate: HardSigmoid}", "squeeze-excite → 24, hardswish, hardsigmoid gate"),
    ],
)
def test_squeeze_excite_says_its_functions_and_they_change_no_count(layer: str, text: str) -> None:
    (result,) = report_from(f"input: 7x7x96\nlayers:\n  - {layer}\n").layers
    # pool, 1×1 conv 96 -> 24 with bias, activation, 1×1 conv 24 -> 96 with bias, gate: 2·96·24 weights either way
    assert result.cost == Cost(weights=2 * 96 * 24, biases=24 + 96, macs=2 * 96 * 24)
    assert label(result) == text


def test_squeeze_excite_functions_come_from_defaults() -> None:
    report = report_from("input: 7x7x16\ndefaults: {se: {gate: hardsigmoid}}\nlayers:\n  - se: 8\n  - se: {channels: 8, gate: sigmoid}\n")
    first, second = (result.layer for result in report.layers)
    assert (first.gate, second.gate) == ("hardsigmoid", "sigmoid")  # type: ignore[attr-defined]


def test_archcalc_layers_lists_the_words_an_argument_takes() -> None:
    (squeeze,) = [kind for kind in layer_kinds_json()["layers"] if kind["kind"] == "squeeze_excite"]  # type: ignore[attr-defined]
    gate = next(argument for argument in squeeze["arguments"] if argument["name"] == "gate")
    assert (gate["reads"], gate["choices"], gate["required"]) == ("choice", ["sigmoid", "hardsigmoid"], False)


# Arguments that cannot be read: the whole message, pointing at the value written.
BAD_ARGUMENTS = [
    ("se: {channels: 2, gate: relu}", "bad.yaml:3:29: layer 1 (squeeze_excite): 'gate' must be one of sigmoid, hardsigmoid, got 'relu'"),
    ("se: {channels: 2, gate: 3}", "bad.yaml:3:29: layer 1 (squeeze_excite): 'gate' must be one of sigmoid, hardsigmoid, got 3"),
    ("se: {channels: 2, gate: [sigmoid]}", "bad.yaml:3:29: layer 1 (squeeze_excite): 'gate' must be one of sigmoid, hardsigmoid, got a list"),
    (
        "se: {channels: 2, activation: sillu}",
        "bad.yaml:3:35: layer 1 (squeeze_excite): 'activation' must be one of relu, relu6, leaky_relu, sigmoid, tanh, gelu, silu, hardswish, "
        "hardsigmoid, identity, got 'sillu'; did you mean 'silu'?",
    ),
    (
        "se: {channels: 2, activation: softmax}",  # a softmax over the squeezed channels is no activation of SE's
        "bad.yaml:3:35: layer 1 (squeeze_excite): 'activation' must be one of relu, relu6, leaky_relu, sigmoid, tanh, gelu, silu, hardswish, "
        "hardsigmoid, identity, got 'softmax'",
    ),
    ("stochastic_depth: 1.5", "bad.yaml:3:23: layer 1 (stochastic_depth): 'rate' must be a number from 0 to 1, got 1.5"),
    ("stochastic_depth", "bad.yaml:3:5: layer 1 (stochastic_depth): missing required argument 'rate'"),
    ("shuffle: 0", "bad.yaml:3:14: layer 1 (channel_shuffle): 'groups' must be at least 1, got 0"),
    ("shuffle: {groups: 2, groupz: 3}", "bad.yaml:3:26: layer 1 (channel_shuffle): unknown argument 'groupz'; did you mean 'groups'?"),
    ("split: []", "bad.yaml:3:12: layer 1 (split): 'branches' takes a non-empty list of branches, each a list of layers"),
    ("split: [relu]", "bad.yaml:3:13: layer 1.branch1: expected a list of layers, got 'relu'"),
]


@pytest.mark.parametrize(("layer", "message"), BAD_ARGUMENTS)
def test_bad_arguments_are_refused_where_written(layer: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        spec_from(f"input: 8x8x6\nlayers:\n  - {layer}\n", "bad.yaml")
    assert caught.value.message == message


# Specs that read but whose shapes do not work: the whole message, naming the layer.
BAD_SHAPES = [
    ("input: 8x8x7\nlayers:\n  - split: [[], [relu]]\n", "bad.yaml:3:5: layer 1 (split): cannot split 7 channels into 2 equal shares, one per branch"),
    (
        "input: 8x8x6\nlayers:\n  - split: [[], [], [], [], [], [], []]\n",
        "bad.yaml:3:5: layer 1 (split): cannot split 6 channels into 7 equal shares, one per branch",
    ),
    (
        "input: 8x8x6\nlayers:\n  - split: [[], [maxpool: 2]]\n",
        "bad.yaml:3:5: layer 1 (split): cannot join branch 2's [4, 4, 3] (layer 1.branch2.1 (maxpool) on line 3) with branch 1's [8, 8, 3] (the identity): "
        "all axes but the channels must be equal",
    ),
    ("input: 8x8x6\nlayers:\n  - relu\n  - shuffle: 4\n", "bad.yaml:4:5: layer 2 (channel_shuffle): groups=4 does not divide the 6 channels"),
]


@pytest.mark.parametrize(("text", "message"), BAD_SHAPES)
def test_bad_shapes_are_refused_at_the_layer(text: str, message: str) -> None:
    with pytest.raises(ShapeError) as caught:
        analyze(spec_from(text, "bad.yaml"))
    assert caught.value.message == message
