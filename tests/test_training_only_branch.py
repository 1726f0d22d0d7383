"""A `branch` on the current tensor to an extra output (an auxiliary classifier), and `training_only`:
its parameters count, its MACs do not; the main path goes on unchanged."""

from __future__ import annotations

import pytest

from archcalc.engine import analyze
from archcalc.engine.fields import receptive_fields
from archcalc.errors import ShapeError, SpecError
from archcalc.model import ReceptiveField
from archcalc.render.layer_text import explain
from tests.conftest import report_from, spec_from

# 17×17×8 -> 5×5 average pool, stride 3 -> 1×1 conv to 4 -> global pool -> dense 10
BRANCH = "[{avgpool: {kernel: 5, stride: 3}}, {conv: {filters: 4, kernel: 1}}, global_avgpool, {dense: 10}]"
BRANCH_PARAMS = (8 * 4 + 4) + (4 * 10 + 10)  # 36 + 50
BRANCH_MACS = 5 * 5 * 4 * 8 + 4 * 10  # 800 + 40


def test_a_side_output_counts_its_branch_and_passes_its_input_on() -> None:
    report = report_from(f"input: 17x17x8\nlayers:\n  - branch: {BRANCH}\n  - conv: {{filters: 2, kernel: 1}}\n")
    side, conv = report.layers
    assert side.output_shape == (10,)  # the branch's extra output; the main path goes on from its input
    assert [child.output_shape for child in side.children] == [(5, 5, 8), (5, 5, 4), (4,), (10,)]
    assert (side.cost.params, side.cost.macs) == (BRANCH_PARAMS, BRANCH_MACS)
    assert conv.input_shape == (17, 17, 8)
    assert report.total.params == BRANCH_PARAMS + (8 * 2 + 2)
    assert report.total.macs == BRANCH_MACS + 17 * 17 * 2 * 8


def test_a_training_only_side_output_counts_parameters_and_no_macs() -> None:
    report = report_from(f"input: 17x17x8\nlayers:\n  - branch: {{training_only: true, layers: {BRANCH}}}\n")
    (side,) = report.layers
    assert (side.cost.params, side.cost.macs) == (BRANCH_PARAMS, 0)
    assert [child.cost.macs for child in side.children] == [0, 0, 0, 0]  # the rows still add up to the side output
    assert [child.cost.params for child in side.children] == [0, 36, 0, 50]
    assert [child.in_training.cost.macs for child in side.children if child.in_training] == [0, 800, 0, 40]  # what training does


def test_a_layer_run_only_in_training_explains_its_arithmetic_then_counts_none_of_it() -> None:
    (side,) = report_from(f"input: 17x17x8\nlayers:\n  - branch: {{training_only: true, layers: {BRANCH}}}\n").layers
    pool, conv, _, dense = side.children
    assert explain(conv).splitlines()[-2:] == [
        "5×5 positions × 4 filters × 8 = 800 MACs",
        "it runs only in training: an inference pass does 800 × 0 = 0 MACs",
    ]
    assert explain(dense).splitlines()[-1] == "it runs only in training: an inference pass does 40 × 0 = 0 MACs"
    assert "MACs" not in explain(pool)  # nothing to count, in training or not
    assert explain(side).splitlines()[0] == (
        "a side path from the current 17×17×8: 86 params in the rows below; it runs only in training (840 MACs there): an inference pass does 0 MACs"
    )


def test_training_only_zeroes_macs_at_every_depth() -> None:
    nested = "[{block: [{conv: {filters: 4, kernel: 3}}]}, {repeat: {times: 3, layers: [{dense: 4}]}}]"
    (side,) = report_from(f"input: 6x6x2\nlayers:\n  - branch: {{training_only: true, layers: {nested}}}\n").layers
    block, repeat = side.children
    assert block.children[0].cost.macs == 0 and block.children[0].cost.params == 3 * 3 * 2 * 4 + 4
    assert repeat.cost.params == 3 * (4 * 4 + 4) and repeat.cost.macs == 0
    assert all(child.cost.macs == 0 for child in repeat.children)


def test_the_main_paths_receptive_field_does_not_see_the_branch() -> None:
    text = f"input: 17x17x8\nlayers:\n  - {{conv: {{filters: 8, kernel: 3, padding: 1}}}}\n  - branch: {BRANCH}\n  - relu\n"
    report = report_from(text)
    conv, side, after = report.layers
    fields = receptive_fields(report)
    assert fields[id(after)] == fields[id(conv)] == ReceptiveField((3, 3), (1, 1))
    assert fields[id(side.children[0])] == ReceptiveField((7, 7), (3, 3))  # the branch's own pool still gets its field


BAD = [
    (
        "input: 8x8x2\nlayers:\n  - branch: []\n",
        "bad.yaml:3:13: layer 1 (branch): a branch needs layers, or `from:` to make a named layer's output an extra output",
    ),
    (
        "input: 8x8x2\nlayers:\n  - branch: {layers: [relu], training_only: 1}\n",
        "bad.yaml:3:45: layer 1 (branch): 'training_only' must be true or false, got 1",
    ),
    (
        "input: 8x8x2\nlayers:\n  - branch: {layers: [relu], training: true}\n",
        "bad.yaml:3:30: layer 1 (branch): unknown argument 'training'; did you mean 'training_only'?",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_side_outputs_are_located(text: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        spec_from(text, "bad.yaml")
    assert caught.value.message == message


def test_a_branch_that_cannot_be_computed_is_located_inside_the_side_output() -> None:
    spec = spec_from("input: 4x4x2\nlayers:\n  - branch: [{maxpool: 2}, {conv: {filters: 2, kernel: 3}}]\n", "bad.yaml")
    with pytest.raises(ShapeError) as caught:
        analyze(spec)
    assert caught.value.message == "bad.yaml:3:28: layer 1.2 (conv): the window (3 wide) is larger than the padded input (2) on spatial axis 1 of [2, 2]"


def test_a_layer_inference_runs_cannot_read_what_only_training_makes() -> None:
    """PyTorch in eval mode never runs the branch, so its output (and any inside it) does not exist."""
    for name in ("aux", "inner"):
        branch = "{training_only: true, name: aux, layers: [{conv: {filters: 2, kernel: 1, name: inner}}]}"
        text = f"input: 8x8x2\nlayers:\n  - branch: {branch}\n  - add: {name}\n"
        with pytest.raises(ShapeError) as caught:
            analyze(spec_from(text, "bad.yaml"))
        assert caught.value.message == (
            f"bad.yaml:4:5: layer 2 (add): '{name}' runs only in training (layer 1 (branch 'aux') on line 3 is `training_only`): "
            "an inference pass has no output of it to read"
        )
    inside = "input: 8x8x2\nlayers:\n  - branch: {training_only: true, layers: [{conv: {filters: 2, kernel: 1, name: inner}}, {add: inner}]}\n"
    assert report_from(inside).total.params == 2 * 2 + 2  # inside the branch, its own layers read each other


def test_a_join_inside_a_training_only_branch_reads_the_branchs_own_rows() -> None:
    """The branch's rows are copies without MACs: a join among them must read the copy, so that its
    receptive field, its `read by` mark and its memory follow the rows shown."""
    text = (
        "input: 8x8x2\nlayers:\n  - branch: {training_only: true, layers: "
        "[{conv: {filters: 2, kernel: 3, padding: 1, name: inner}}, {conv: {filters: 2, kernel: 3, padding: 1}}, {add: inner}]}\n  - relu\n"
    )
    report = report_from(text)
    inner, _, join = report.layers[0].children
    assert join.joined == (inner,)
    fields = receptive_fields(report)
    assert fields[id(join)] == ReceptiveField((5, 5), (1, 1))  # the wider of its two paths: two 3×3 convs
