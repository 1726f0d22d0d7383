"""`show --explain`, `--receptive-field` and `--memory`: the written arithmetic ends on the engine's
figures, and receptive fields match the published ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from archcalc.engine import analyze
from archcalc.engine.analysis import Request, analysis_of
from archcalc.engine.fields import receptive_fields
from archcalc.engine.report import walk
from archcalc.formats import load_spec, load_text
from archcalc.kinds.conv import Conv, Depthwise
from archcalc.kinds.dense import Dense
from archcalc.kinds.squeeze_excite import SqueezeExcite
from archcalc.model import DType
from archcalc.render.layer_text import explain
from archcalc.render.show import show_grid
from tests.conftest import ARCHSPECS, report_from
from tests.explained import NotArithmetic, results, worked_out
from tests.random_specs import random_spec


def test_the_seed_cnn_explained_as_the_article_writes_it() -> None:
    conv, _, flatten, dense = report_from("input: 4x4x1\nlayers: [{conv: {filters: 2, kernel: 3}}, relu, flatten, {dense: 2}]").layers
    assert explain(conv).splitlines() == [
        "each axis: ⌊(4 + 2·0 − (3−1) − 1) / 1⌋ + 1 = 2",
        "3×3×1×2 = 18 weights + 2 biases = 20",
        "2×2 positions × 2 filters × 9 = 72 MACs",
    ]
    assert explain(flatten) == "2×2×2 = 8 values in one vector"
    assert explain(dense).splitlines() == ["8×2 = 16 weights + 2 biases = 18", "8×2 = 16 MACs"]


def test_exercise_5_per_filter_per_position() -> None:
    (conv,) = report_from("input: 224x224x3\nlayers: [{conv: {filters: 64, kernel: 3, padding: same}}]").layers
    assert explain(conv).splitlines() == [
        "each axis: ⌈224 / 1⌉ = 224",
        "3×3×3×64 = 1,728 weights + 64 biases = 1,792",
        "224×224 positions × 64 filters × 27 = 86,704,128 MACs",
    ]


def test_ceil_mode_correction_is_written_out() -> None:
    (pool,) = report_from("input: 5x1\nlayers: [{maxpool: {kernel: 2, stride: 2, padding: 1, ceil_mode: true}}]").layers
    assert "− 1 (the last window would start in the padding) = 3" in explain(pool)


def specs_to_explain() -> list[str]:
    return [str(path) for path in sorted(ARCHSPECS.rglob("*.yaml"))] + [f"seed:{seed}" for seed in range(60)]


@pytest.mark.parametrize("source", specs_to_explain(), ids=lambda source: Path(source).stem)
def test_written_arithmetic_ends_on_the_engines_figures(source: str) -> None:
    if source.startswith("seed:"):
        report = analyze(load_text(random_spec(int(source[5:])), source, "random"))
    else:
        report = analyze(load_spec(source))
    for result, _ in walk(report.layers):
        lines = explain(result).splitlines()
        cost = result.cost
        if isinstance(result.layer, (Conv, Depthwise, Dense, SqueezeExcite)):
            weights_line = next(line for line in lines if "weights" in line)
            figure = cost.params if cost.biases else cost.weights
            assert figure in worked_out([weights_line]) or figure == 0 == cost.weights, (weights_line, cost)  # its factors multiplied; a tied weight is 0 here
            assert cost.macs in results(lines[-1]), (lines, cost)
        if isinstance(result.layer, (Conv, Depthwise)):
            axes = lines[0].removeprefix("each axis: ").split("; ")
            assert all(size in results(axis) for axis, size in zip(axes, result.output_shape, strict=False)), (axes, result.output_shape)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("3×3×1×2 = 19 weights + 2 biases = 21", "give 18"),  # a factor that does not give the figure
        ("3×3×1×2 = 18 weights + 2 biases = 21", "give 20"),
        ("10 positions × 16×8 = 1,279 MACs", "give 1280"),
        ("each axis: ⌊(8 + 2·1 − (3−1) − 1) / 2⌋ + 1 = 5", "give 4"),
    ],
)
def test_a_line_whose_factors_give_another_figure_is_caught(line: str, problem: str) -> None:
    with pytest.raises(AssertionError, match=problem):
        results(line)


def test_lines_read_as_their_arithmetic() -> None:
    assert results("768 weights + 1 × 2 × 4 × 8 = 64 biases = 832") == [64, 832]  # `= 64` closes the last term
    assert results("3×3×1×4 = 36 weights + 4 biases = 40 (4 groups of 1 input channels)") == [36, 40]
    assert results("projections: (10×4 q + 2×10×4 k, v + 10×4 out) heads × 4 × 16 = 10,240") == [10_240]
    with pytest.raises(NotArithmetic):
        results("8×8×4 × 'skip' 8×8×4, element by element = 8×8×4")


@pytest.mark.parametrize(
    ("spec", "position", "expected"),
    [
        ("vgg16", "10", (212, 212)),  # pool5: the published 212
        ("alexnet", "13", (195, 195)),  # pool5: the published 195
        ("resnet50", "16", (427, 427)),  # stage 4's last block: the published 427
        ("resnet18", "4", (11, 11)),  # stem 7 (jump 2), then a 3×3 max pool: 7 + 2·2
    ],
)
def test_receptive_fields_of_the_zoo(spec: str, position: str, expected: tuple[int, int]) -> None:
    report = analyze(load_spec(str(ARCHSPECS / "zoo" / "torchvision" / f"{spec}.yaml")))
    fields = receptive_fields(report)
    (layer,) = [result for result in report.layers if result.layer.position == position]
    assert fields[id(layer)].size == expected


@pytest.mark.parametrize(
    ("layers", "size", "jump"),
    [
        ("[{conv: {filters: 1, kernel: 3}}]", (3, 3), (1, 1)),
        ("[{conv: {filters: 1, kernel: 3, dilation: 2}}]", (5, 5), (1, 1)),
        ("[{conv: {filters: 1, kernel: 3, stride: 2}}, {conv: {filters: 1, kernel: 3}}]", (7, 7), (2, 2)),
        ("[{conv: {filters: 1, kernel: [3, 1]}}]", (3, 1), (1, 1)),
        ("[{repeat: {times: 4, layers: [{conv: {filters: 1, kernel: 3, padding: 1}}]}}]", (9, 9), (1, 1)),
        ("[{residual: [{conv: {filters: 1, kernel: 5, padding: 2}}]}]", (5, 5), (1, 1)),
        ("[{dense: 4}]", (1, 1), (1, 1)),  # dense acts on the channels of each position
        ("[{se: 1}]", None, (1, 1)),  # the squeeze-excite scale comes from a global pool
        ("[global_avgpool]", None, (1, 1)),
    ],
)
def test_receptive_field_rules(layers: str, size: tuple[int, ...] | None, jump: tuple[int, ...]) -> None:
    report = report_from(f"input: 32x32x1\nlayers: {layers}")
    field = receptive_fields(report)[id(report.layers[-1])]
    assert (field.size, field.jump) == (size, jump)


def test_memory_columns_at_a_dtype() -> None:
    report = report_from("input: 4x4x1\nlayers: [{conv: {filters: 2, kernel: 3}}, flatten, {dense: 2}]")
    grid = show_grid(analysis_of(report, Request(memory=DType.FLOAT16)))
    titles = [column.title for column in grid.columns]
    conv_row = grid.rows[0].cells
    assert conv_row[titles.index("param bytes (float16)")] == 40
    assert conv_row[titles.index("output bytes (float16)")] == 16
    assert any("peak activations 48 bytes" in note for note in grid.notes)


def test_a_repeat_too_long_to_walk_is_the_whole_input_approximately() -> None:
    """100 passes of a 3×3 conv joined to an earlier output: too many to walk one at a time, so the
    field is taken as the whole input, and marked as an estimate (it is 201×201 in truth)."""
    text = "input: 512x512x1\nlayers:\n  - {conv: {filters: 1, kernel: 3, padding: 1, name: a}}\n"
    text += "  - repeat: {times: 100, layers: [{conv: {filters: 1, kernel: 3, padding: 1}}, {add: a}]}\n"
    report = report_from(text)
    field = receptive_fields(report)[id(report.layers[-1])]
    assert field.size is None and field.approximate
