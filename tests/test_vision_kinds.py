"""The kinds and arguments the vision transformers brought: attention within windows (Swin's shifted
windows, MaxViT's block and grid attention) with a relative position bias table or Swin V2's bias MLP
and cosine attention, Swin's patch merging, and ConvNeXt's layer scale. Formulas worked by hand; bad
input refused with exact, located messages."""

from __future__ import annotations

import pytest

from archcalc.engine import analyze
from archcalc.engine.fields import receptive_fields
from archcalc.errors import ShapeError, SpecError
from archcalc.model import Cost
from archcalc.render.layer_text import explain, label
from tests.conftest import report_from, spec_from


def only_layer(input_shape: str, layer: str) -> tuple[tuple[int, ...], Cost]:
    (result,) = report_from(f"input: {input_shape}\nlayers:\n  - {layer}\n").layers
    return result.output_shape, result.cost


# On 8×8×16 with 2 heads of 8: the four projections 4·16·16 = 1,024 weights and 4·16 = 64 biases;
# at the 64 positions they cost 64·1,024 = 65,536 MACs.
@pytest.mark.parametrize(
    ("input_shape", "layer", "shape", "cost"),
    [
        # 4×4 windows: 4 windows of 16 tokens; scores and weighted sum 64 queries × 16 keys × 16 each
        ("8x8x16", "attention: {heads: 2, window: 4}", (8, 8, 16), Cost(1_024, 64, 0, 65_536 + 2 * 64 * 16 * 16)),
        # the same with a table of 7×7 offsets for each of the 2 heads
        ("8x8x16", "attention: {heads: 2, window: 4, position_bias: table}", (8, 8, 16), Cost(1_024 + 49 * 2, 64, 0, 98_304)),
        # shifted windows move the windows, not the count
        ("8x8x16", "attention: {heads: 2, window: 4, shifted: true, position_bias: table}", (8, 8, 16), Cost(1_122, 64, 0, 98_304)),
        # 3×3 windows on 8×8: padded to 9×9 = 81 positions in 9 windows of 9 tokens
        ("8x8x16", "attention: {heads: 2, window: 3}", (8, 8, 16), Cost(1_024, 64, 0, 81 * 1_024 + 2 * 81 * 9 * 16)),
        # Swin V2: the bias MLP 2→512→2 (2·512 + 512·2 weights, 512 biases) over 7×7 offsets, and a logit scale per head
        (
            "8x8x16",
            "attention: {heads: 2, window: 4, position_bias: mlp, cosine: true}",
            (8, 8, 16),
            Cost(1_024 + 2_048 + 2, 64 + 512, 0, 98_304 + 49 * 2_048),
        ),
        # a grid of 2×2 cells: 16 groups of 4 tokens, one from each cell; a table of 3×3 offsets per head
        ("8x8x16", "attention: {heads: 2, grid: 2, position_bias: table}", (8, 8, 16), Cost(1_024 + 18, 64, 0, 65_536 + 2 * 64 * 4 * 16)),
        # a window of 2×4 on 4×8×8, one head of 8: 4·64 weights, 32 positions × 256, scores 32 × 8 × 8; a table of 3×7 offsets
        ("4x8x8", "attention: {heads: 1, window: [2, 4], position_bias: table}", (4, 8, 8), Cost(256 + 21, 32, 0, 32 * 256 + 2 * 32 * 8 * 8)),
        # grouped-query attention in 2×2 windows on 4×4×8: 4 heads of 2, 2 kv heads; q and out 8·8, k and v 8·4
        ("4x4x8", "attention: {heads: 4, kv_heads: 2, window: 2}", (4, 4, 8), Cost(192, 24, 0, 16 * 192 + 2 * 16 * 4 * 8)),
        # patch merging: 2×2 neighbours joined to 4·16 = 64 channels, a linear layer 64→32 without bias at 4×4 positions
        ("8x8x16", "patch_merging", (4, 4, 32), Cost(64 * 32 + 64, 64, 0, 16 * 64 * 32)),
        ("8x8x16", "patch_merging: {norm: after}", (4, 4, 32), Cost(64 * 32 + 32, 32, 0, 16 * 64 * 32)),
        # odd sides are padded: 7×5 → 4×3 positions of 16 channels, projected to 8
        ("7x5x4", "patch_merging", (4, 3, 8), Cost(16 * 8 + 16, 16, 0, 12 * 16 * 8)),
        # layer scale: a scale per channel (the last axis), no MACs
        ("8x8x16", "layer_scale", (8, 8, 16), Cost(16)),
        ("10x16", "layer_scale", (10, 16), Cost(16)),
        ("12", "layer_scale", (12,), Cost(12)),
    ],
)
def test_vision_layer_formula(input_shape: str, layer: str, shape: tuple[int, ...], cost: Cost) -> None:
    assert only_layer(input_shape, layer) == (shape, cost)


def test_swin_t_first_attention_is_torchvisions() -> None:
    """torchvision's ShiftedWindowAttention(96, [7, 7], [0, 0], 3): qkv 96→288 and proj 96→96 with
    biases, a 13×13 × 3 table; at 56×56, 64 windows of 49 tokens."""
    _, cost = only_layer("56x56x96", "attention: {heads: 3, window: 7, position_bias: table}")
    assert cost.params == 96 * 288 + 288 + 96 * 96 + 96 + 169 * 3 == 37_755
    assert cost.macs == 3_136 * 4 * 96 * 96 + 2 * 64 * 49 * 49 * 96 == 145_108_992


@pytest.mark.parametrize(
    ("layer", "text"),
    [
        ("attention: {heads: 2, window: 4}", "attention 2 heads × 8, 4×4 windows"),
        ("attention: {heads: 2, window: 4, shifted: true, position_bias: table}", "attention 2 heads × 8, 4×4 windows, shifted, position bias table"),
        ("attention: {heads: 2, window: 4, position_bias: mlp, cosine: true}", "attention 2 heads × 8, 4×4 windows, cosine, position bias mlp"),
        ("attention: {heads: 2, grid: 2, position_bias: table}", "attention 2 heads × 8, 2×2 grid, position bias table"),
        ("patch_merging", "patch merging"),
        ("patch_merging: {norm: after}", "patch merging, norm after"),
        ("layer_scale", "layer scale"),
    ],
)
def test_labels_say_the_paper_block(layer: str, text: str) -> None:
    (result,) = report_from(f"input: 8x8x16\nlayers:\n  - {layer}\n").layers
    assert label(result) == text


def test_swin_v2_attention_written_out() -> None:
    (result,) = report_from("input: 64x64x96\nlayers:\n  - attention: {heads: 3, window: 8, shifted: true, position_bias: mlp, cosine: true}\n").layers
    assert explain(result).splitlines() == [
        "q 96×3×32 + k, v 2×96×3×32 + out 3×32×96 = 36,864 weights + 384 biases",
        "position bias: an MLP 2→512→3 heads = 2,560 weights + 512 biases",
        "cosine attention: a logit scale for each of the 3 heads = 3 weights",
        "40,323 params",
        "64×64 positions in 64 windows of 8×8 = 64 tokens",
        "shifted by half a window: windows of the same size, the same MACs",
        "projections: 4,096 tokens × (3 q + 2×3 k, v + 3 out) heads × 32 × 96 = 150,994,944",
        "scores: 64 groups × 64 × 64 × 3 heads × 32 = 25,165,824",
        "weighted sum: 64 groups × 64 × 64 × 3 heads × 32 = 25,165,824",
        "position bias MLP over the 15×15 offsets: 225 × (2×512 + 512×3) = 576,000",
        "150,994,944 + 2 × 25,165,824 + 576,000 = 201,902,592 MACs",
    ]


def test_a_window_that_covers_the_map_is_not_shifted() -> None:
    (result,) = report_from("input: 7x7x32\nlayers:\n  - attention: {heads: 1, window: 7, shifted: true}\n").layers
    assert "one window covers the map: nothing to shift" in explain(result).splitlines()


def test_padded_windows_and_grids_say_their_groups() -> None:
    (padded, grid) = report_from("input: 8x8x16\nlayers:\n  - attention: {heads: 2, window: 3}\n  - attention: {heads: 2, grid: 4}\n").layers
    assert "8×8 positions (padded to 9×9) in 9 windows of 3×3 = 9 tokens" in explain(padded).splitlines()
    assert "8×8 positions in a grid of 4×4 cells: 4 groups of 16 tokens, one from each cell" in explain(grid).splitlines()


def test_patch_merging_written_out() -> None:
    (result,) = report_from("input: 7x5x4\nlayers:\n  - patch_merging: {norm: after}\n").layers
    assert explain(result).splitlines() == [
        "7×5 positions (padded to 8×6) in 2×2 groups: 4×3 positions of 4×4 = 16 channels",
        "linear 16→8, no bias: 16×8 = 128 weights",
        "layer norm after it, on 8: 2×8 = 16",
        "128 + 16 = 144 params",
        "4×3 positions × 16×8 = 1,536 MACs",
    ]


def test_receptive_fields_of_windows_grids_and_merging() -> None:
    """A window reaches as far as a kernel of its size; a grid reaches across the map; patch merging is
    a 2×2 window of stride 2."""
    report = report_from(
        """
        input: 16x16x8
        layers:
          - attention: {heads: 1, window: 4}
          - patch_merging
          - attention: {heads: 1, grid: 2}
        """
    )
    window, merging, grid = report.layers
    fields = receptive_fields(report)
    assert (fields[id(window)].size, fields[id(window)].jump) == ((4, 4), (1, 1))
    assert (fields[id(merging)].size, fields[id(merging)].jump) == ((5, 5), (2, 2))
    assert fields[id(grid)].size is None


def test_window_attention_and_patch_merging_arguments_come_from_defaults() -> None:
    report = report_from(
        """
        input: 8x8x16
        defaults: {patch_merging: {norm: after}, attention: {window: 4, position_bias: table}}
        layers: [attention: 2, patch_merging]
        """
    )
    attention, merging = (result.layer for result in report.layers)
    assert (attention.window, attention.position_bias, merging.norm) == ((4,), "table", "after")  # type: ignore[attr-defined]


# Arguments that cannot be read or do not go together: the whole message, pointing at the argument.
BAD_ARGUMENTS = [
    (
        "attention: {heads: 2, window: 4, grid: 2}",
        "bad.yaml:3:44: layer 1 (attention): give 'window' (each token attends within its window) or 'grid' (across the cells of a grid), not both",
    ),
    ("attention: {heads: 2, shifted: true}", "bad.yaml:3:36: layer 1 (attention): 'shifted' moves windows: it needs 'window'"),
    ("attention: {heads: 2, grid: 2, shifted: true}", "bad.yaml:3:45: layer 1 (attention): 'shifted' moves windows: it needs 'window'"),
    (
        "attention: {heads: 2, position_bias: table}",
        "bad.yaml:3:42: layer 1 (attention): 'position_bias' needs 'window' or 'grid': it belongs to attention within the windows of an image",
    ),
    (
        "attention: {heads: 2, cosine: true}",
        "bad.yaml:3:35: layer 1 (attention): 'cosine' needs 'window' or 'grid': it belongs to attention within the windows of an image",
    ),
    (
        "attention: {heads: 2, window: 4, position_bias: tabel}",
        "bad.yaml:3:53: layer 1 (attention): 'position_bias' must be one of none, table, mlp, got 'tabel'; did you mean 'table'?",
    ),
    (
        "attention: {heads: 2, window: 4, causal: true}",
        "bad.yaml:3:46: layer 1 (attention): 'causal' is for attention over a sequence; within windows every token attends to its whole group",
    ),
    (
        "attention: {heads: 2, grid: 4, context: 3}",
        "bad.yaml:3:45: layer 1 (attention): 'context' is for attention over a sequence; within windows every token attends to its whole group",
    ),
    ("attention: {heads: 2, window: 0}", "bad.yaml:3:35: layer 1 (attention): 'window' must be at least 1, got 0"),
    ("patch_merging: {norm: middle}", "bad.yaml:3:27: layer 1 (patch_merging): 'norm' must be one of before, after, got 'middle'"),
    ("layer_scale: {init: 3}", "bad.yaml:3:19: layer 1 (layer_scale): unknown argument 'init'; layer_scale takes: no arguments"),
]


@pytest.mark.parametrize(("layer", "message"), BAD_ARGUMENTS)
def test_bad_arguments_are_refused_where_written(layer: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        spec_from(f"input: 8x8x16\nlayers:\n  - {layer}\n", "bad.yaml")
    assert caught.value.message == message


# Specs that read but whose shapes do not work: the whole message, naming the layer.
BAD_SHAPES = [
    ("10x16", "attention: {heads: 2, window: 4}", "bad.yaml:3:5: layer 1 (attention): attention within windows needs an image [H, W, C], got [10, 16]"),
    ("4x4x4x16", "attention: {heads: 2, grid: 2}", "bad.yaml:3:5: layer 1 (attention): attention within windows needs an image [H, W, C], got [4, 4, 4, 16]"),
    ("8x8x16", "attention: {heads: 2, window: [4, 4, 4]}", "bad.yaml:3:5: layer 1 (attention): 'window' gives 3 values but the input has 2 spatial axes"),
    ("8x8x16", "attention: {heads: 2, grid: 3}", "bad.yaml:3:5: layer 1 (attention): the 8×8 positions do not divide into a grid of 3×3 equal cells"),
    (
        "8x8x16",
        "attention: {heads: 3, window: 4}",
        "bad.yaml:3:5: layer 1 (attention): heads=3 does not divide the width 16; give 'head_dim', the width of a head",
    ),
    ("10x16", "patch_merging", "bad.yaml:3:5: layer 1 (patch_merging): patch merging joins 2×2 neighbours of an image [H, W, C], got [10, 16]"),
]


@pytest.mark.parametrize(("input_shape", "layer", "message"), BAD_SHAPES)
def test_bad_shapes_are_refused_at_the_layer(input_shape: str, layer: str, message: str) -> None:
    with pytest.raises(ShapeError) as caught:
        analyze(spec_from(f"input: {input_shape}\nlayers:\n  - {layer}\n", "bad.yaml"))
    assert caught.value.message == message
