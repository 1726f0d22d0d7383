"""Residual, concat, squeeze-excite, repeat and block: shapes, sums, nesting, and joins that fail."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

import pytest

from archcalc.engine import analyze
from archcalc.errors import ShapeError
from archcalc.formats import load_spec
from archcalc.kinds.base import inner_layer_lists, unnamed, unnamed_key
from archcalc.model import Layer
from archcalc.values import replace
from tests.conftest import report_from, spec_from


def test_identity_residual_adds_its_input() -> None:
    report = report_from(
        """
        input: 8x8x16
        layers:
          - residual: [{conv: {filters: 16, kernel: 3, padding: 1}}, relu]
        """
    )
    (block,) = report.layers
    assert block.output_shape == (8, 8, 16)
    assert block.cost.params == 3 * 3 * 16 * 16 + 16
    assert [child.layer.position for child in block.children] == ["1.1", "1.2"]


def test_projection_shortcut_is_counted_too() -> None:
    report = report_from(
        """
        input: 8x8x16
        layers:
          - residual:
              layers: [{conv: {filters: 32, kernel: 3, stride: 2, padding: 1}}]
              shortcut: [{conv: {filters: 32, kernel: 1, stride: 2, bias: false}}, batchnorm]
        """
    )
    (block,) = report.layers
    assert block.output_shape == (4, 4, 32)
    assert block.cost.params == (9 * 16 * 32 + 32) + (16 * 32) + 64
    assert block.cost.non_trainable == 64
    assert block.cost.macs == 16 * 32 * 9 * 16 + 16 * 32 * 16
    assert [child.layer.position for child in block.children][-2:] == ["1.shortcut.1", "1.shortcut.2"]


def test_residual_shapes_that_cannot_be_added_name_both_paths() -> None:
    spec = spec_from(
        """
        input: 8x8x16
        layers:
          - residual:
              layers:
                - conv: {filters: 32, kernel: 3, padding: 1}
        """,
        "block.yaml",
    )
    with pytest.raises(ShapeError) as caught:
        analyze(spec)
    assert caught.value.message == (
        "block.yaml:4:5: layer 1 (residual): cannot add the main path's [8, 8, 32] (layer 1.1 (conv) on line 6) to the shortcut's [8, 8, 16] (the identity)"
    )


def test_concat_joins_channels_and_an_empty_branch_is_the_identity() -> None:
    report = report_from(
        """
        input: 28x28x192
        layers:
          - concat:
              - [{conv: {filters: 64, kernel: 1}}]
              - [{conv: {filters: 96, kernel: 1}}, {conv: {filters: 128, kernel: 3, padding: 1}}]
              - [{maxpool: {kernel: 3, stride: 1, padding: 1}}, {conv: {filters: 32, kernel: 1}}]
              - []
        """
    )
    (block,) = report.layers
    assert block.output_shape == (28, 28, 64 + 128 + 32 + 192)
    assert block.cost.params == (192 * 64 + 64) + (192 * 96 + 96) + (9 * 96 * 128 + 128) + (192 * 32 + 32)
    assert block.children[0].layer.position == "1.branch1.1"


def test_concat_of_different_sizes_is_refused() -> None:
    spec = spec_from(
        """
        input: 8x8x4
        layers:
          - concat:
              - [{conv: {filters: 4, kernel: 3}}]
              - []
        """,
        "join.yaml",
    )
    with pytest.raises(
        ShapeError, match=r"cannot join branch 2's \[8, 8, 4\] \(the identity\) with branch 1's \[6, 6, 4\] \(layer 1.branch1.1 \(conv\) on line 5\)"
    ):
        analyze(spec)


def test_squeeze_excite_formula() -> None:
    (block,) = report_from("input: 7x7x96\nlayers: [{se: 24}]").layers
    assert block.output_shape == (7, 7, 96)
    assert (block.cost.weights, block.cost.biases, block.cost.macs) == (2 * 96 * 24, 24 + 96, 2 * 96 * 24)


def test_repeat_unrolls_until_the_shape_settles() -> None:
    report = report_from(
        """
        input: 32x32x3
        layers:
          - repeat: {times: 3, layers: [{conv: {filters: 8, kernel: 3, padding: 1}}, relu]}
        """
    )
    (block,) = report.layers
    first_conv = 27 * 8 + 8
    later_conv = 72 * 8 + 8
    assert block.cost.params == first_conv + 2 * later_conv
    assert [child.occurrences for child in block.children] == [1, 1, 2, 2]  # iteration 1, then 2-3 counted once


def test_repeat_of_a_shrinking_block_unrolls_every_iteration() -> None:
    (block,) = report_from("input: 64x64x1\nlayers: [{repeat: {times: 3, layers: [{maxpool: 2}]}}]").layers
    assert block.output_shape == (8, 8, 1)
    assert len(block.children) == 3


def test_a_trillion_repeats_of_a_shape_preserving_block_cost_one() -> None:
    start = time.perf_counter()
    (block,) = report_from("input: 64\nlayers: [{repeat: {times: 1000000000000, layers: [{dense: 64}]}}]").layers
    assert time.perf_counter() - start < 1
    assert block.cost.params == 10**12 * (64 * 64 + 64)


def test_repeat_that_never_settles_is_refused() -> None:
    with pytest.raises(ShapeError, match="keeps changing the shape"):
        report_from("input: 4x1\nlayers: [{repeat: {times: 20000, layers: [{conv: {filters: 1, kernel: 1, padding: 1}}]}}]")


def test_composites_nest() -> None:
    report = report_from(
        """
        input: 16x16x8
        layers:
          - repeat:
              times: 2
              layers:
                - residual:
                    - block: [{conv: {filters: 8, kernel: 1}}, {se: 2}]
                    - concat: [[{conv: {filters: 4, kernel: 1}}], [{conv: {filters: 4, kernel: 1}}]]
        """
    )
    per_block = (8 * 8 + 8) + (2 * 8 * 2 + 2 + 8) + 2 * (8 * 4 + 4)
    assert report.total.params == 2 * per_block
    assert report.output_shape == (16, 16, 8)


def test_block_is_its_layers_in_order() -> None:
    grouped = report_from("input: 8x8x3\nlayers: [{block: [{conv: {filters: 4, kernel: 3}}, relu, flatten]}, {dense: 2}]")
    flat = report_from("input: 8x8x3\nlayers: [{conv: {filters: 4, kernel: 3}}, relu, flatten, {dense: 2}]")
    assert grouped.total == flat.total and grouped.output_shape == flat.output_shape


def test_a_layer_s_unnamed_key_is_equal_exactly_when_its_unnamed_copy_is() -> None:
    """Nesting numbers an imported model's repeated blocks by `unnamed_key`, which must compare as the
    unnamed copies it stands for: over every pair of layers of a ResNet and a language model (composites
    and the layers inside them, each also renamed), equal keys, equal copies, and both kinds of pair occur."""

    def every_layer(layers: Sequence[Layer]) -> Iterator[Layer]:
        for layer in layers:
            yield layer
            for inner in inner_layer_lists(layer):
                yield from every_layer(inner)

    layers = [
        layer
        for path in ("archspecs/zoo/torchvision/resnet18.yaml", "archspecs/zoo/language/gpt2.yaml")
        for written in every_layer(load_spec(path).layers)
        for layer in (written, replace(written, name=f"renamed {written.name}"))
    ]
    same_but_names = different = 0
    for index, layer in enumerate(layers):
        for other in layers[index + 1 :]:
            equal = unnamed(layer) == unnamed(other)
            assert (unnamed_key(layer) == unnamed_key(other)) is equal, (layer, other)
            same_but_names += equal and layer != other
            different += not equal
    assert same_but_names > 0 and different > 0
