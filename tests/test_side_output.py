"""`side_output`: a branch to an extra output (an auxiliary classifier); the main path goes on unchanged."""

from __future__ import annotations

import pytest

from archcalc.engine import analyze
from archcalc.engine.fields import receptive_fields
from archcalc.errors import ShapeError, SpecError
from archcalc.model import Field
from archcalc.render.layer_text import explain
from tests.conftest import report_from, spec_from

# 17×17×8 -> 5×5 average pool, stride 3 -> 1×1 conv to 4 -> global pool -> dense 10
BRANCH = "[{avgpool: {kernel: 5, stride: 3}}, {conv: {filters: 4, kernel: 1}}, global_avgpool, {dense: 10}]"
BRANCH_PARAMS = (8 * 4 + 4) + (4 * 10 + 10)  # 36 + 50
BRANCH_MACS = 5 * 5 * 4 * 8 + 4 * 10  # 800 + 40


def test_a_side_output_counts_its_branch_and_passes_its_input_on() -> None:
    report = report_from(f"input: 17x17x8\nlayers:\n  - side_output: {BRANCH}\n  - conv: {{filters: 2, kernel: 1}}\n")
    side, conv = report.layers
    assert side.output_shape == (17, 17, 8)  # the main path's tensor, not the branch's [10]
    assert [child.output_shape for child in side.children] == [(5, 5, 8), (5, 5, 4), (4,), (10,)]
    assert (side.cost.params, side.cost.macs) == (BRANCH_PARAMS, BRANCH_MACS)
    assert conv.input_shape == (17, 17, 8)
    assert report.total.params == BRANCH_PARAMS + (8 * 2 + 2)
    assert report.total.macs == BRANCH_MACS + 17 * 17 * 2 * 8


def test_a_training_only_side_output_counts_parameters_and_no_macs() -> None:
    report = report_from(f"input: 17x17x8\nlayers:\n  - side_output: {{training_only: true, layers: {BRANCH}}}\n")
    (side,) = report.layers
    assert (side.cost.params, side.cost.macs) == (BRANCH_PARAMS, 0)
    assert [child.cost.macs for child in side.children] == [0, 0, 0, 0]  # the rows still add up to the side output
    assert [child.cost.params for child in side.children] == [0, 36, 0, 50]
    assert [child.in_training.cost.macs for child in side.children if child.in_training] == [0, 800, 0, 40]  # what training does


def test_a_layer_run_only_in_training_explains_its_arithmetic_then_counts_none_of_it() -> None:
    (side,) = report_from(f"input: 17x17x8\nlayers:\n  - side_output: {{training_only: true, layers: {BRANCH}}}\n").layers
    pool, conv, _, dense = side.children
    assert explain(conv).splitlines()[-2:] == [
        "5×5 positions × 4 filters × 8 = 800 MACs",
        "it runs only in training: an inference pass does 800 × 0 = 0 MACs",
    ]
    assert explain(dense).splitlines()[-1] == "it runs only in training: an inference pass does 40 × 0 = 0 MACs"
    assert "MACs" not in explain(pool)  # nothing to count, in training or not
    assert explain(side).splitlines()[-1] == "86 params in the rows below; it runs only in training (840 MACs there): an inference pass does 0 MACs"


def test_training_only_zeroes_macs_at_every_depth() -> None:
    nested = "[{block: [{conv: {filters: 4, kernel: 3}}]}, {repeat: {times: 3, layers: [{dense: 4}]}}]"
    (side,) = report_from(f"input: 6x6x2\nlayers:\n  - side_output: {{training_only: true, layers: {nested}}}\n").layers
    block, repeat = side.children
    assert block.children[0].cost.macs == 0 and block.children[0].cost.params == 3 * 3 * 2 * 4 + 4
    assert repeat.cost.params == 3 * (4 * 4 + 4) and repeat.cost.macs == 0
    assert all(child.cost.macs == 0 for child in repeat.children)


def test_the_main_paths_receptive_field_does_not_see_the_branch() -> None:
    report = report_from(f"input: 17x17x8\nlayers:\n  - {{conv: {{filters: 8, kernel: 3, padding: 1}}}}\n  - side_output: {BRANCH}\n")
    conv, side = report.layers
    fields = receptive_fields(report)
    assert fields[id(side)] == fields[id(conv)] == Field((3, 3), (1, 1))
    assert fields[id(side.children[0])] == Field((7, 7), (3, 3))  # the branch's own pool still gets its field


BAD = [
    ("input: 8x8x2\nlayers:\n  - side_output: []\n", "bad.yaml:3:18: layer 1 (side_output): a side output needs at least one layer"),
    (
        "input: 8x8x2\nlayers:\n  - side_output: {layers: [relu], training_only: 1}\n",
        "bad.yaml:3:50: layer 1 (side_output): 'training_only' must be true or false, got 1",
    ),
    (
        "input: 8x8x2\nlayers:\n  - side_output: {layers: [relu], training: true}\n",
        "bad.yaml:3:35: layer 1 (side_output): unknown argument 'training'; did you mean 'training_only'?",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_side_outputs_are_located(text: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        spec_from(text, "bad.yaml")
    assert caught.value.message == message


def test_a_branch_that_cannot_be_computed_is_located_inside_the_side_output() -> None:
    spec = spec_from("input: 4x4x2\nlayers:\n  - side_output: [{maxpool: 2}, {conv: {filters: 2, kernel: 3}}]\n", "bad.yaml")
    with pytest.raises(ShapeError) as caught:
        analyze(spec)
    assert caught.value.message == "bad.yaml:3:33: layer 1.2 (conv): the window (3 wide) is larger than the padded input (2) on spatial axis 1 of [2, 2]"
