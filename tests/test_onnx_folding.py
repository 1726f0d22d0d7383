"""Shape arithmetic folded by formats/onnx/folding.py: each operator's result exact in its type, or
refused as Unfoldable (never wrapped round, never made past MAX_FOLDED_VALUES), or not folded at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from onnx import TensorProto

from archcalc.formats.onnx.shape_arithmetic import FOLDERS, MAX_FOLDED_VALUES, Unfoldable

LOWEST, HIGHEST = np.iinfo(np.int64).min, np.iinfo(np.int64).max


def fold(op: str, *inputs: Any, **attributes: Any) -> np.ndarray:
    result = FOLDERS[op]([np.asarray(value) for value in inputs], attributes)
    assert isinstance(result, np.ndarray)
    return result


@pytest.mark.parametrize(
    ("op", "inputs", "wrapped"),
    [
        ("Mul", [np.int64(2**32 + 1), np.int64(2**32)], "18,446,744,078,004,518,912"),
        ("Add", [np.int64(HIGHEST), np.int64(1)], "9,223,372,036,854,775,808"),
        ("Sub", [np.int64(LOWEST), np.int64(1)], "-9,223,372,036,854,775,809"),
        ("Sub", [np.uint64(0), np.uint64(1)], "-1"),
        ("Div", [np.int64(LOWEST), np.int64(-1)], "9,223,372,036,854,775,808"),
        ("Neg", [np.int64(LOWEST)], "9,223,372,036,854,775,808"),
        ("Abs", [np.array([3, LOWEST], np.int64)], "9,223,372,036,854,775,808"),
        ("Mul", [np.array([2, 3], np.int32), np.int32(2**30)], "2,147,483,648"),
    ],
)
def test_integer_arithmetic_that_would_wrap_round_is_unfoldable(op: str, inputs: list[Any], wrapped: str) -> None:
    with pytest.raises(Unfoldable, match=f"gives {wrapped}, which u?int(64|32) cannot hold"):
        fold(op, *inputs)


def test_integer_arithmetic_within_range_is_exact() -> None:
    assert fold("Mul", np.int64(2**31), np.int64(2**31)) == 2**62
    assert fold("Div", np.array([-7, 7], np.int64), np.int64(2)).tolist() == [-3, 3]  # towards zero, as C divides
    assert fold("Sub", np.int64(LOWEST + 1), np.int64(1)) == LOWEST


@pytest.mark.parametrize(
    ("value", "to", "said"),
    [
        (np.float32(np.nan), TensorProto.INT64, "casts nan to int64"),
        (np.float64(-np.inf), TensorProto.INT32, "casts -inf to int32"),
        (np.float64(1e30), TensorProto.INT64, "gives 1,000,000,000,000,000,019,884,624,838,656, which int64 cannot hold"),
        (np.int64(2**31), TensorProto.INT32, "gives 2,147,483,648, which int32 cannot hold"),
        (np.int64(-1), TensorProto.UINT64, "gives -1, which uint64 cannot hold"),
    ],
)
def test_a_cast_to_an_integer_that_cannot_hold_the_value_is_unfoldable(value: Any, to: int, said: str) -> None:
    with pytest.raises(Unfoldable, match=said):
        fold("Cast", value, to=to)


@pytest.mark.parametrize("to", [TensorProto.STRING, TensorProto.COMPLEX64, TensorProto.UNDEFINED])
def test_a_cast_to_text_or_complex_numbers_is_not_folded(to: int) -> None:
    """A Cast to text made Python integers, which 40 Muls squared to 3**(2**40)."""
    with pytest.raises(ValueError, match="not a type shape arithmetic is folded in") as raised:
        fold("Cast", np.int64(3), to=to)
    assert not isinstance(raised.value, Unfoldable)


def test_a_cast_within_range_folds() -> None:
    assert fold("Cast", np.float32(7.9), to=TensorProto.INT64) == 7
    assert fold("Cast", np.int64(-5), to=TensorProto.INT32).dtype == np.int32


@pytest.mark.parametrize(
    ("op", "inputs", "attributes"),
    [
        ("Gather", [np.arange(4096, dtype=np.int64), np.zeros(2, np.int64) + np.arange(4096).reshape(-1, 1) % 2], {}),
        ("Concat", [np.zeros(3000, np.int64), np.zeros(3000, np.int64)], {"axis": 0}),
        ("Expand", [np.int64(1), np.array([2**20], np.int64)], {}),
        ("ConstantOfShape", [np.array([2**40], np.int64)], {}),
    ],
)
def test_a_result_of_too_many_values_is_unfoldable_before_it_is_made(op: str, inputs: list[Any], attributes: dict[str, Any]) -> None:
    with pytest.raises(Unfoldable, match=f"more than the {MAX_FOLDED_VALUES:,} of shape arithmetic"):
        fold(op, *inputs, **attributes)


def test_only_an_activations_shape_is_refused_for_an_unfoldable_value(tmp_path: Path) -> None:
    """A product past int64 that only a constant's shape needs (a ConstantOfShape nothing reads) is left
    to the reader, which has no use for it; the same product as a Reshape's target is refused."""
    from onnx import helper as h
    from typer.testing import CliRunner

    from archcalc.app import app
    from tests.hostile_models import int64, model

    big = [int64("big", [2**40]), int64("one", [1])]
    square = h.make_node("Mul", ["big", "big"], ["square"], name="square")
    dead = model([square, h.make_node("ConstantOfShape", ["square"], ["zeros"]), h.make_node("Relu", ["x"], ["y"])], big, "y")
    target = h.make_node("Concat", ["one", "square"], ["target"], axis=0)
    reshaped = model([square, target, h.make_node("Reshape", ["x", "target"], ["r"], name="flat"), h.make_node("Relu", ["r"], ["y"])], big, "y")
    runner = CliRunner()
    for name, built, code in (("dead", dead, 0), ("reshaped", reshaped, 2)):
        path = tmp_path / f"{name}.onnx"
        path.write_bytes(built.SerializeToString())
        result = runner.invoke(app, ["show", str(path)])
        assert result.exit_code == code, result.output
    assert result.stderr == (
        f"archcalc: error: {path}: the shape of 'r' (node 'flat', Reshape) needs 'target', which archcalc does not fold: "
        "node 'square' (Mul) gives 1,208,925,819,614,629,174,706,176, which int64 cannot hold (it would wrap round)\n"
    )


def test_a_declared_shape_that_the_graph_s_own_arithmetic_contradicts_is_refused(tmp_path: Path) -> None:
    """x is [1, 8]; a Reshape's target is computed from x's shape as [1, 2, 8 / 2]. ONNX's inference
    cannot follow the computation and keeps the shape the file declares for the Reshape's output.
    Declared [1, 2, 4], the file is read; declared [1, 4, 2] (as many values, so nothing else
    disagrees), a runtime would still make [1, 2, 4]: refused rather than counted on the declared shape."""
    from onnx import helper as h
    from typer.testing import CliRunner

    from archcalc.app import app
    from tests.hostile_models import int64, model

    constants = [int64("one", 1), int64("lead", [1, 2]), int64("half", [2])]
    nodes = [
        h.make_node("Shape", ["x"], ["shape"]),
        h.make_node("Gather", ["shape", "one"], ["width"], axis=0),
        h.make_node("Div", ["width", "half"], ["columns"]),
        h.make_node("Concat", ["lead", "columns"], ["target"], axis=0),
        h.make_node("Reshape", ["x", "target"], ["y"], name="fold"),
        h.make_node("Relu", ["y"], ["z"]),
    ]
    runner = CliRunner()
    for declared, code in (([1, 2, 4], 0), ([1, 4, 2], 2)):
        built = model(nodes, constants, "z", (1, 8), declared)
        built.graph.value_info.append(h.make_tensor_value_info("y", TensorProto.FLOAT, declared))
        path = tmp_path / f"declared_{declared[1]}.onnx"
        path.write_bytes(built.SerializeToString())
        result = runner.invoke(app, ["show", str(path), "--format", "csv"])
        assert result.exit_code == code, result.output
        assert code or result.stdout.splitlines()[-1].split(",")[2] == "2x4"
    assert result.stdout == "" and result.stderr == (
        f"archcalc: error: {path}: the file declares 'y' as [1, 4, 2], but node 'fold' (Reshape) makes it [1, 2, 4] from the values it reads\n"
    )


def test_two_reshapes_of_one_tensor_to_two_computed_targets_each_get_their_own_shape(tmp_path: Path) -> None:
    """ONNX's inference of a node is asked once per question (formats/onnx/folding.py keeps its
    answers): two Reshapes of the same [1, 8] tensor whose targets are computed as [1, 2, 4] and
    [1, 4, 2] ask two questions, told apart by the folded targets alone."""
    from onnx import helper as h
    from typer.testing import CliRunner

    from archcalc.app import app
    from tests.hostile_models import int64, model

    constants = [int64("one", 1), int64("half", [2]), int64("lead", [1, 2]), int64("first", [1]), int64("two", [2]), int64("flat", [1, -1])]
    nodes = [
        h.make_node("Shape", ["x"], ["shape"]),
        h.make_node("Gather", ["shape", "one"], ["width"], axis=0),
        h.make_node("Div", ["width", "half"], ["columns"]),
        h.make_node("Concat", ["lead", "columns"], ["wide"], axis=0),
        h.make_node("Concat", ["first", "columns", "two"], ["tall"], axis=0),
        h.make_node("Reshape", ["x", "wide"], ["y1"], name="wide"),
        h.make_node("Reshape", ["x", "tall"], ["y2"], name="tall"),
        h.make_node("Relu", ["y1"], ["r1"], name="relu_wide"),
        h.make_node("Relu", ["y2"], ["r2"], name="relu_tall"),
        h.make_node("Reshape", ["r1", "flat"], ["f1"]),
        h.make_node("Reshape", ["r2", "flat"], ["f2"]),
        h.make_node("Add", ["f1", "f2"], ["z"]),
    ]
    path = tmp_path / "two.onnx"
    path.write_bytes(model(nodes, constants, "z", (1, 8), (1, 8)).SerializeToString())
    result = CliRunner().invoke(app, ["show", str(path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    outputs = {row.split(",")[1]: row.split(",")[2] for row in result.stdout.splitlines()[1:]}
    assert (outputs["relu_wide: relu"], outputs["relu_tall: relu"]) == ("2x4", "4x2")
