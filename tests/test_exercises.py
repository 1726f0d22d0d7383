"""The article's exercises, answered by the archspecs the README runs."""

from __future__ import annotations

from archcalc.engine import analyze
from archcalc.engine.sharing import sharing
from archcalc.formats import load_spec
from archcalc.render.layer_text import explain
from tests.conftest import ARCHSPECS

EXERCISES = ARCHSPECS / "exercises"


def report(name: str):  # type: ignore[no-untyped-def]
    return analyze(load_spec(str(EXERCISES / f"{name}.yaml")))


def test_exercise_1() -> None:
    ann, cnn = report("ex1_ann"), report("ex1_cnn")
    assert ann.total.params == 2_642
    assert [layer.cost.params for layer in cnn.layers if layer.cost.params] == [80, 146]
    assert cnn.total.params == 226
    assert round(ann.total.params / cnn.total.params, 1) == 11.7


def test_exercise_2() -> None:
    (filter_,) = sharing(report("ex2_diagonal_filter"))
    assert (filter_.shared_weights, filter_.positions, filter_.locally_connected_weights, filter_.dense_weights) == (9, 64, 576, 6_400)


def test_exercise_5() -> None:
    (same,) = report("ex5_same").layers
    (valid,) = report("ex5_valid").layers
    assert same.cost.macs == 86_704_128 and valid.cost.macs == 85_162_752
    assert "64 filters × 27 =" in explain(same)  # 27 MACs per filter per position
