"""`archcalc diff`: layers matched across inserts and removals, and the changes in numbers."""

from __future__ import annotations

import json
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine import analyze
from archcalc.engine.diff import Change, align, diff_reports
from archcalc.formats import load_spec
from tests.conftest import ROOT, report_from


def changes(base: str, head: str, depth: int = 0) -> list[tuple[str, str]]:
    difference = diff_reports(report_from(base), report_from(head), depth)
    return [(layer.change.value, (layer.head or layer.base).result.layer.kind) for layer in difference.layers]  # type: ignore[union-attr]


def test_an_inserted_layer_lines_up() -> None:
    base = "input: 8x8x1\nlayers: [{conv: {filters: 2, kernel: 3}}, relu, flatten, {dense: 2}]"
    head = "input: 8x8x1\nlayers: [{conv: {filters: 2, kernel: 3}}, relu, {maxpool: 2}, flatten, {dense: 2}]"
    assert changes(base, head) == [("same", "conv"), ("same", "relu"), ("added", "maxpool"), ("changed", "flatten"), ("changed", "dense")]


def test_a_removed_layer_lines_up() -> None:
    base = "input: 16\nlayers: [{dense: 8}, relu, {dropout: 0.5}, {dense: 2}]"
    head = "input: 16\nlayers: [{dense: 8}, relu, {dense: 2}]"
    assert changes(base, head) == [("same", "dense"), ("same", "relu"), ("removed", "dropout"), ("same", "dense")]


def test_a_changed_argument_is_a_changed_layer() -> None:
    difference = diff_reports(report_from("chain: 16->8->2"), report_from("chain: 16->32->2"))
    hidden, output = difference.layers
    assert (hidden.change, hidden.delta("params")) == (Change.CHANGED, (16 * 32 + 32) - (16 * 8 + 8))
    assert (output.change, output.delta("params")) == (Change.CHANGED, (32 * 2 + 2) - (8 * 2 + 2))


def test_depth_compares_inside_blocks() -> None:
    base = "input: 8x8x4\nlayers: [{residual: [{conv: {filters: 4, kernel: 3, padding: 1}}, relu]}]"
    head = "input: 8x8x4\nlayers: [{residual: [{conv: {filters: 4, kernel: 3, padding: 1}}, batchnorm, relu]}]"
    assert changes(base, head, depth=0) == [("changed", "residual")]
    assert changes(base, head, depth=1) == [("same", "conv"), ("added", "batchnorm"), ("same", "relu")]


def test_totals_of_the_layer_deltas_add_up() -> None:
    from archcalc.formats import load_spec

    base = analyze(load_spec(str(ROOT / "archspecs/zoo/torchvision/resnet18.yaml")))
    head = analyze(load_spec(str(ROOT / "archspecs/zoo/torchvision/resnet34.yaml")))
    difference = diff_reports(base, head)
    assert sum(layer.delta("params") for layer in difference.layers) == head.total.params - base.total.params == 10_108_160
    assert sum(layer.delta("macs") for layer in difference.layers) == head.total.macs - base.total.macs


def test_resnet18_to_resnet34_from_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["diff", "archspecs/zoo/torchvision/resnet18.yaml", "archspecs/zoo/torchvision/resnet34.yaml"])
    assert result.exit_code == 0
    assert "stage3.1: repeat ×1 → stage3.1-5: repeat ×5" in result.stdout
    assert "params 11,689,512 → 21,797,672 (+86.5%)" in result.stdout
    result = CliRunner().invoke(app, ["diff", "archspecs/zoo/torchvision/resnet18.yaml", "archspecs/zoo/torchvision/resnet34.yaml", "--format", "json"])
    document = json.loads(result.stdout)
    assert document["delta"]["params"] == 10_108_160
    assert [layer["change"] for layer in document["layers"]].count("changed") == 4


@given(st.lists(st.integers(0, 6), max_size=60), st.lists(st.integers(0, 6), max_size=60), st.booleans())
def test_alignment_covers_both_sides_in_order_and_pairs_only_equal_layers(base: list[int], head: list[int], split: bool) -> None:
    """With `split`, every middle counts as long: the patience split is exercised on small inputs."""
    with patch("archcalc.engine.diff.SHORT_MIDDLE", 0 if split else 100_000):
        stretches = align(base, head)
    assert [i for _, start, end, _, _ in stretches for i in range(start, end)] == list(range(len(base)))
    assert [j for *_, start, end in stretches for j in range(start, end)] == list(range(len(head)))
    for equal, a_start, a_end, b_start, b_end in stretches:
        if equal:
            assert base[a_start:a_end] == head[b_start:b_end]


def test_long_alignment_splits_at_unique_layers_and_stays_fast() -> None:
    """20,000 layers a side with a few unique landmarks: the patience split, not difflib's quadratic search."""
    import random
    import time

    rng = random.Random(3)
    base = [rng.choice([0, 1]) for _ in range(20_000)]
    for landmark in range(100, 20_000, 1_000):
        base[landmark] = 1_000 + landmark
    head = base[:5_000] + [7] * 10 + base[5_000:15_000] + base[15_100:]
    start = time.process_time()
    stretches = align(base, head)
    assert time.process_time() - start < 5  # difflib took minutes on this
    matched = sum(end - start for equal, start, end, _, _ in stretches if equal)
    assert matched >= len(base) - 100 - 50  # the 100 removed, and a little slack where the 7s went in


def test_a_repeat_is_compared_as_a_repeat() -> None:
    """Issue 17.8: 9,999 unrolled iterations are one row of the block's layer, its cost summed."""
    block = "{times: 9999, layers: [{conv: {filters: 4, kernel: 1, padding: 1}}]}"
    changed = "{times: 9999, layers: [{conv: {filters: 4, kernel: 1, padding: 1, bias: false}}]}"
    base = report_from(f"input: 4x4x4\nlayers: [{{repeat: {block}}}, {{repeat: {block}}}]")
    head = report_from(f"input: 4x4x4\nlayers: [{{repeat: {block}}}, {{repeat: {changed}}}]")
    difference = diff_reports(base, head, depth=5)
    assert [(layer.change, layer.base.occurrences if layer.base else 0) for layer in difference.layers] == [(Change.SAME, 9999), (Change.CHANGED, 9999)]
    assert difference.layers[1].delta("params") == -4 * 9999  # the biases of every iteration
    assert sum(layer.delta("params") for layer in difference.layers) == head.total.params - base.total.params


def test_a_renamed_layer_is_renamed_not_changed(tmp_path: Path) -> None:
    """Issue 26, defect 7: layers given names read "6 changed", every Δ 0."""
    base, head = tmp_path / "base.yaml", tmp_path / "head.yaml"
    base.write_text("input: 8\nlayers: [{dense: 16}, relu, {dense: 4}]\n")
    head.write_text("input: 8\nlayers: [{dense: {units: 16, name: hidden}}, relu, {dense: {units: 4, name: logits}}]\n")
    difference = diff_reports(analyze(load_spec(str(base))), analyze(load_spec(str(head))))
    assert [layer.change for layer in difference.layers] == [Change.RENAMED, Change.SAME, Change.RENAMED]
    result = CliRunner().invoke(app, ["diff", str(base), str(head)])
    assert "layers: 0 changed, 2 renamed, 0 added, 0 removed, 1 the same" in result.stdout
    document = json.loads(CliRunner().invoke(app, ["diff", str(base), str(head), "--format", "json"]).stdout)
    assert [layer["change"] for layer in document["layers"]] == ["renamed", "same", "renamed"]
    resized = report_from("input: 8\nlayers: [{dense: {units: 17, name: hidden}}, relu, {dense: 4}]")
    assert diff_reports(analyze(load_spec(str(base))), resized).layers[0].change is Change.CHANGED  # new figures too: changed
