"""`archcalc sweep`: parameters and MACs against the input side, exponents, the chart."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine.sweep import growth_exponent, resized, sweep
from archcalc.errors import ShapeError
from archcalc.render.chart import Series, log_chart
from tests.conftest import ROOT, spec_from

SIZES = [4, 8, 16, 32, 64, 128, 224]


def test_an_anns_first_layer_grows_as_the_square_of_the_side() -> None:
    result = sweep(spec_from("chain: 4x4x1->100"), SIZES)
    params = [point.report.total.params for point in result.points if point.report]
    assert params == [size * size * 100 + 100 for size in SIZES]
    assert result.params_exponent == pytest.approx(2.0, abs=0.001)


def test_a_conv_layers_parameters_do_not_grow() -> None:
    result = sweep(spec_from("input: 4x4x3\nlayers: [{conv: {filters: 64, kernel: 3}}]"), SIZES)
    assert {point.report.total.params for point in result.points if point.report} == {1_792}
    assert result.params_exponent == 0.0
    assert result.macs_exponent == pytest.approx(2.0, abs=0.05)  # its MACs grow with the positions
    assert result.growing_layers == ()


def test_a_cnn_with_a_flatten_grows_in_its_dense_layer() -> None:
    result = sweep(spec_from("input: 4x4x1\nlayers: [{conv: {filters: 2, kernel: 3}}, flatten, {dense: 2}]"), SIZES)
    assert [layer.layer.position for layer in result.growing_layers] == ["3"]


def test_sizes_too_small_are_recorded_not_fatal() -> None:
    result = sweep(spec_from("input: 8x8x1\nlayers: [{conv: {filters: 1, kernel: 5}}]"), [2, 4, 8])
    assert [point.report is None for point in result.points] == [True, True, False]
    assert result.points[0].error is not None and "larger than the padded input" in result.points[0].error.problem


def test_resized_keeps_channels_and_rank() -> None:
    assert resized(spec_from("input: 7x5x3x2\nlayers: [relu]"), 9).input_shape == (9, 9, 9, 2)


def test_a_flat_input_has_no_side() -> None:
    with pytest.raises(ShapeError, match="no side to vary"):
        sweep(spec_from("chain: 16->8->2"), SIZES)


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [([(2, 4), (4, 16)], 2.0), ([(2, 7), (4, 7)], 0.0), ([(4, 5)], None), ([(2, 0), (4, 3)], None), ([(4, 8), (16, 64)], 1.5)],
)
def test_growth_exponent(pairs: list[tuple[int, int]], expected: float | None) -> None:
    assert growth_exponent(pairs) == (None if expected is None else pytest.approx(expected))


def test_chart_puts_a_flat_series_on_one_row_and_a_growing_one_across_rows() -> None:
    chart = log_chart([Series("flat", ((4, 10), (64, 10))), Series("square", ((4, 16), (64, 4096)))], "params")
    rows = [line for line in chart.splitlines() if "┤" in line or "│" in line]
    assert sum("■" in row for row in rows) == 2  # the square series sits low at 4 and high at 64
    assert sum("●" in row for row in rows) == 1  # the flat series sits on one row
    assert "● flat   ■ square" in chart


def test_the_legend_explains_the_meeting_marker_when_it_is_drawn() -> None:
    met = log_chart([Series("a", ((4, 10), (64, 99))), Series("b", ((4, 10), (64, 4096)))], "params")
    plot = met.splitlines()[1:-4]  # under the title, above the axis, its sizes, its name and the legend
    assert sum(line.count("◎") for line in plot) == 1  # a and b meet at 4
    assert met.splitlines()[-1].strip() == "● a   ■ b   ◎ two or more in one place"
    apart = log_chart([Series("a", ((4, 10), (64, 99))), Series("b", ((4, 20), (64, 4096)))], "params")
    assert "◎" not in apart


def test_the_axis_name_has_a_line_of_its_own() -> None:
    """It sat after the sizes, and made the chart 89 characters wide."""
    chart = log_chart([Series("a", ((4, 10), (224, 99)))], "params")
    assert chart.splitlines()[-2].strip() == "input side (log scale)"
    assert max(len(line) for line in chart.splitlines()) <= 80


def test_sweep_command_json_and_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    result = runner.invoke(app, ["sweep", "archspecs/seed/ann.yaml", "archspecs/seed/cnn_224_first_layer.yaml", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    ann, cnn = json.loads(result.stdout)["specs"]
    assert round(ann["exponents"]["params"], 2) == 2.0 and cnn["exponents"]["params"] == 0.0
    assert [point["totals"]["params"] for point in cnn["points"]] == [1_792] * 7
    table = runner.invoke(app, ["sweep", "archspecs/seed/ann.yaml", "archspecs/seed/cnn.yaml"])
    assert "side^2.00" in table.stdout and "input side (log scale)" in table.stdout
    bad = runner.invoke(app, ["sweep", "16->8->2"])
    assert bad.exit_code == 2 and "no side to vary" in bad.stderr
    bad = runner.invoke(app, ["sweep", "archspecs/seed/ann.yaml", "--sizes", "4,x"])
    assert bad.exit_code == 2 and "'x' is not a count" in bad.stderr and "--sizes takes a list" in bad.stderr


@pytest.mark.parametrize("sizes", ["1e37", "9" * 4_400])  # the second raised a traceback when its MACs were printed
def test_sizes_past_1e36_are_refused_as_in_a_spec(sizes: str) -> None:
    result = CliRunner().invoke(app, ["sweep", str(ROOT / "archspecs/seed/cnn.yaml"), "--sizes", f"4,{sizes}"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "is too large: archcalc reads counts up to 1e36" in result.stderr and len(result.stderr) < 400


def test_one_size_says_a_fit_needs_two() -> None:
    """Issue 16, defect 4: `--sizes 8` said only "parameters cannot be fitted"."""
    result = CliRunner().invoke(app, ["sweep", str(ROOT / "archspecs/seed/cnn.yaml"), "--sizes", "8"])
    assert result.exit_code == 0, result.stderr
    assert (
        "seed-cnn: k cannot be fitted: a fit needs two sizes or more that compute, and only one did (side 8); give more, e.g. --sizes 8,16,32" in result.stdout
    )


def test_a_size_given_twice_is_one_size() -> None:
    """`--sizes 4,4` said "only 4 did", which reads as four sizes."""
    result = CliRunner().invoke(app, ["sweep", str(ROOT / "archspecs/seed/cnn.yaml"), "--sizes", "4,4", "--chart", "none"])
    assert "and only one did (side 4); give more, e.g. --sizes 4,8,16" in result.stdout


def test_sizes_that_do_not_compute_are_named_in_the_reason() -> None:
    result = CliRunner().invoke(app, ["sweep", "-", "--sizes", "2,4,8", "--chart", "none"], input="input: 8x8x1\nlayers: [{conv: {filters: 1, kernel: 5}}]\n")
    assert result.exit_code == 0, result.stderr
    assert "stdin: k cannot be fitted: a fit needs two sizes or more that compute, and only one did (side 8)" in result.stdout
    assert "(too small at 2, 4: the window (5 wide) is larger than the padded input" in result.stdout


def test_a_spec_without_parameters_says_so() -> None:
    result = CliRunner().invoke(app, ["sweep", "-", "--chart", "none"], input="input: 8x8x1\nlayers: [{maxpool: 2}]\n")
    assert "stdin: no parameters at any size, so nothing grows" in result.stdout


def test_a_flat_chart_labels_its_one_level_once() -> None:
    """Issue 16, defect 4: a flat series was labelled `166` at the top and the bottom of the axis."""
    chart = log_chart([Series("flat", ((4, 166), (8, 166), (16, 166)))], "params")
    labelled = [line for line in chart.splitlines() if "┤" in line]
    assert len(labelled) == 1
    assert labelled[0].startswith("166 ┤") and "●" in labelled[0]
    single = log_chart([Series("one", ((8, 166),))], "params")
    assert [line for line in single.splitlines() if "┤" in line] == ["166 ┤●"]


def test_a_spec_whose_own_input_is_too_small_sweeps_the_sizes_asked() -> None:
    """Only the sizes swept are computed: a 2×2 input that a 3×3 conv cannot read is not one of them."""
    text = "input: 2x2x1\nlayers: [{conv: {filters: 2, kernel: 3}}, flatten, {dense: 2}]\n"
    result = CliRunner().invoke(app, ["sweep", "-", "--sizes", "4,8,16", "--format", "json"], input=text)
    assert result.exit_code == 0, result.stderr
    assert [point["totals"]["params"] for point in json.loads(result.stdout)["specs"][0]["points"]] == [38, 166, 806]


def test_a_position_table_too_short_is_too_large_and_the_hint_goes_smaller() -> None:
    """Issue 26, defect 4: ViT-B/16 at 384 (577 tokens against 197 positions) was "too small", and the
    hint (224,448,896) would have failed too. The sizes it suggests now compute."""
    vit = str(ROOT / "archspecs/zoo/torchvision/vit_b_16.yaml")
    result = CliRunner().invoke(app, ["sweep", vit, "--sizes", "224,384", "--chart", "none"])
    assert result.exit_code == 0, result.stderr
    assert "too small" not in result.stdout
    assert "│ 384  │       too large │      too large │" in result.stdout
    assert "give smaller sizes, e.g. --sizes 56,112,224 (too large at 384: the table has 197 positions but the sequence has 577 tokens" in result.stdout
    suggested = CliRunner().invoke(app, ["sweep", vit, "--sizes", "56,112,224", "--format", "json"])
    assert [point.get("error") for point in json.loads(suggested.stdout)["specs"][0]["points"]] == [None, None, None]


def test_a_sequence_past_its_position_table_is_too_long() -> None:
    spec = "input: 8\nlayers: [{embedding: {vocab: 10, dim: 4}}, {position_embedding: 16}]\n"
    result = CliRunner().invoke(app, ["sweep", "-", "--sizes", "8,32", "--format", "csv"], input=spec)
    assert result.exit_code == 0, result.stderr
    result = CliRunner().invoke(app, ["sweep", "-", "--sizes", "8,32", "--chart", "none"], input=spec)
    assert "too long" in result.stdout and "too small" not in result.stdout and "give smaller sizes, e.g. --sizes 2,4,8" in result.stdout


def test_counted_layers_of_an_imported_spec_hold_one_size() -> None:
    """An imported spec's `counted` layers carry figures for the input they were counted at: no other
    size computes, and no list of sizes would help."""
    counted = "counted: {input: 8x8x4, output: 16, weights: 4096, biases: 16, macs: 4096}"
    spec = f"input: 8x8x4\nlayers:\n  - conv: {{filters: 4, kernel: 3, padding: 1}}\n  - {counted}\n"
    result = CliRunner().invoke(app, ["sweep", "-", "--sizes", "8,16", "--chart", "none"], input=spec)
    assert result.exit_code == 0, result.stderr
    assert "fixed size" in result.stdout and "too small" not in result.stdout and "--sizes" not in result.stdout
    assert "stdin: k cannot be fitted: layer 2 (counted) holds figures counted for one input size" in result.stdout
    assert "(fixed size at 16: its figures were counted for the input [8, 8, 4], but it gets [16, 16, 4])" in result.stdout


def test_a_checkpoint_is_refused_for_its_missing_shapes_not_its_flat_input() -> None:
    """A checkpoint has no input at all: the message names that, as train and serve do, and the
    config.json that has the shapes."""
    result = CliRunner().invoke(app, ["sweep", str(ROOT / "tests/data/tiny.safetensors")])
    assert result.exit_code == 2
    assert "a checkpoint holds no shapes" in result.stderr and "config.json has them" in result.stderr
    assert "flat input" not in result.stderr
