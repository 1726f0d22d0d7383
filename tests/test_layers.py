"""One formula test per layer kind, with numbers worked by hand (the seed's among them)."""

from __future__ import annotations

import pytest

from archcalc.model import Cost
from tests.conftest import report_from


def only_layer(input_shape: str, layer: str) -> tuple[tuple[int, ...], Cost]:
    report = report_from(f"input: {input_shape}\nlayers:\n  - {layer}\n")
    (result,) = report.layers
    return result.output_shape, result.cost


def test_seed_ann_first_and_second_layer() -> None:
    report = report_from("chain: 16->8->2")
    hidden, output = report.layers
    assert (hidden.cost.weights, hidden.cost.biases, hidden.cost.params) == (128, 8, 136)
    assert (output.cost.weights, output.cost.biases, output.cost.params) == (16, 2, 18)
    assert report.total.params == 154


def test_seed_cnn() -> None:
    report = report_from(
        """
        input: 4x4x1
        layers:
          - conv: {filters: 2, kernel: 3}
          - flatten
          - dense: 2
        """
    )
    conv, flatten, dense = report.layers
    assert conv.output_shape == (2, 2, 2)
    assert (conv.cost.weights, conv.cost.biases) == (18, 2)
    assert conv.cost.macs == 2 * 2 * 2 * 9  # 2×2 positions × 2 filters × 9 weights
    assert flatten.output_shape == (8,)
    assert (dense.cost.weights, dense.cost.biases) == (16, 2)
    assert report.total.params == 38


def test_seed_224_first_layers() -> None:
    _, dense = report_from("input: 224x224x3\nlayers: [flatten, {dense: 100}]").layers
    assert (dense.cost.weights, dense.cost.biases) == (15_052_800, 100)
    shape, conv = only_layer("224x224x3", "conv: {filters: 64, kernel: 3}")
    assert (conv.weights, conv.biases, conv.params) == (1_728, 64, 1_792)
    assert shape == (222, 222, 64)
    assert conv.macs == 222 * 222 * 64 * 27  # exercise 5, valid padding: 85,162,752
    _, same = only_layer("224x224x3", "conv: {filters: 64, kernel: 3, padding: same}")
    assert same.macs == 86_704_128  # exercise 5, same padding


@pytest.mark.parametrize(
    ("input_shape", "layer", "shape", "cost"),
    [
        # dense acts on the last axis; leading axes reuse the weights (MACs scale, params do not)
        ("10", "dense: 3", (3,), Cost(30, 3, 0, 30)),
        ("5x10", "dense: 3", (5, 3), Cost(30, 3, 0, 150)),
        ("10", "dense: {units: 3, bias: false}", (3,), Cost(30, 0, 0, 30)),
        ("10", "fc: 3", (3,), Cost(30, 3, 0, 30)),
        ("10", "linear: 3", (3,), Cost(30, 3, 0, 30)),
        # conv 1-D: 100 steps × 4 channels, kernel 5 -> 96 positions; 5·4·8 + 8
        ("100x4", "conv: {filters: 8, kernel: 5}", (96, 8), Cost(160, 8, 0, 96 * 8 * 20)),
        ("100x4", "conv1d: {filters: 8, kernel: 5, stride: 2, padding: 2}", (50, 8), Cost(160, 8, 0, 50 * 8 * 20)),
        # conv 2-D with stride, padding, dilation, groups
        ("32x32x3", "conv: {filters: 16, kernel: 3, stride: 2, padding: 1}", (16, 16, 16), Cost(432, 16, 0, 256 * 16 * 27)),
        ("32x32x3", "conv: {filters: 16, kernel: [3, 1], padding: [1, 0]}", (32, 32, 16), Cost(144, 16, 0, 1024 * 16 * 9)),
        ("10x10x4", "conv: {filters: 8, kernel: 3, dilation: 2}", (6, 6, 8), Cost(288, 8, 0, 36 * 8 * 36)),
        ("10x10x4", "conv: {filters: 8, kernel: 3, groups: 2, bias: false}", (8, 8, 8), Cost(144, 0, 0, 64 * 8 * 18)),
        ("7x7x3", "conv: {filters: 4, kernel: 3, stride: 2, padding: same}", (4, 4, 4), Cost(108, 4, 0, 16 * 4 * 27)),
        ("7x7x3", "conv: {filters: 4, kernel: 3, padding: valid}", (5, 5, 4), Cost(108, 4, 0, 25 * 4 * 27)),
        # conv 3-D: 8×8×8×2 input, 3×3×3 kernel -> 6×6×6
        ("8x8x8x2", "conv3d: {filters: 4, kernel: 3}", (6, 6, 6, 4), Cost(216, 4, 0, 216 * 4 * 54)),
        # depthwise: groups = C, filters = C·multiplier
        ("16x16x32", "depthwise: {kernel: 3, padding: 1}", (16, 16, 32), Cost(288, 32, 0, 256 * 32 * 9)),
        ("16x16x8", "depthwise: {kernel: 3, multiplier: 2, bias: false}", (14, 14, 16), Cost(144, 0, 0, 196 * 16 * 9)),
        # pooling: no parameters, no MACs; stride defaults to the kernel
        ("4x4x2", "maxpool: 2", (2, 2, 2), Cost()),
        ("112x112x64", "maxpool: {kernel: 3, stride: 2, padding: 1}", (56, 56, 64), Cost()),
        ("5x5x1", "avgpool: {kernel: 2, ceil_mode: true}", (3, 3, 1), Cost()),
        ("5x5x1", "avgpool: 2", (2, 2, 1), Cost()),
        ("100x4", "maxpool: 4", (25, 4), Cost()),
        ("7x7x512", "global_avgpool", (512,), Cost()),
        ("7x7x512", "global_maxpool", (512,), Cost()),
        ("13x13x256", "adaptive_avgpool: 6", (6, 6, 256), Cost()),
        ("13x13x256", "adaptive_maxpool: [1, 2]", (1, 2, 256), Cost()),
        ("2x2x2", "flatten", (8,), Cost()),
        # normalisation: batch norm has 2C parameters and 2C running statistics
        ("8x8x64", "batchnorm", (8, 8, 64), Cost(64, 64, 128, 0)),
        ("10x512", "layernorm", (10, 512), Cost(512, 512, 0, 0)),
        ("16", "dropout: 0.5", (16,), Cost()),
        ("16", "relu", (16,), Cost()),
        ("16", "softmax", (16,), Cost()),
        # PReLU: PyTorch's default learns one slope; per channel, one for each of the last axis
        ("8x8x16", "prelu", (8, 8, 16), Cost(1, 0, 0, 0)),
        ("8x8x16", "prelu: {per_channel: true}", (8, 8, 16), Cost(16, 0, 0, 0)),
        ("10", "prelu: {per_channel: true}", (10,), Cost(10, 0, 0, 0)),
    ],
)
def test_layer_formula(input_shape: str, layer: str, shape: tuple[int, ...], cost: Cost) -> None:
    assert only_layer(input_shape, layer) == (shape, cost)


@pytest.mark.parametrize(
    "function",
    ["relu", "relu6", "leaky_relu", "sigmoid", "tanh", "gelu", "silu", "hardswish", "hardsigmoid", "softmax", "identity"],
)
def test_activations_keep_shape_and_cost_nothing(function: str) -> None:
    assert only_layer("3x3x2", function) == ((3, 3, 2), Cost())


def test_totals_are_the_sum_of_the_layers() -> None:
    report = report_from(
        """
        input: 32x32x3
        layers:
          - conv: {filters: 8, kernel: 3, padding: 1}
          - batchnorm
          - relu
          - maxpool: 2
          - flatten
          - dense: 10
        """
    )
    assert report.total.params == sum(layer.cost.params for layer in report.layers)
    assert report.total.macs == sum(layer.cost.macs for layer in report.layers)
    assert report.total.non_trainable == 16
    assert report.output_shape == (10,)
