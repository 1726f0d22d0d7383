"""Loop, If and Scan (formats/onnx/subgraphs.py): a node whose subgraphs hold or read weights, or
multiply, is refused by node with exit 2, never read with those weights or MACs dropped; one whose
subgraphs only move values is read as before, a `counted` layer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import GraphProto, NodeProto, TensorProto
from onnx import helper as h
from onnx import numpy_helper as nh
from typer.testing import CliRunner

from archcalc.app import app
from tests.hostile_models import model

runner = CliRunner()
WIDTH = 8


def branch(name: str, nodes: list[NodeProto], output: str, initializers: tuple[TensorProto, ...] = ()) -> GraphProto:
    return h.make_graph(nodes, name, [], [h.make_tensor_value_info(output, TensorProto.FLOAT, [1, WIDTH])], initializer=list(initializers))


def weight(name: str, *dims: int) -> TensorProto:
    return nh.from_array(np.ones(dims, np.float32), name)


def if_model(then_branch: GraphProto, else_branch: GraphProto, initializers: list[TensorProto]) -> bytes:
    condition = nh.from_array(np.array(True), "condition")
    node = h.make_node("If", ["condition"], ["y"], name="choose", then_branch=then_branch, else_branch=else_branch)
    data: bytes = model([node], [condition, *initializers], "y", (1, WIDTH)).SerializeToString()
    return data


def run(path: Path, data: bytes) -> tuple[int, str, str]:
    path.write_bytes(data)
    result = runner.invoke(app, ["show", str(path)])
    return result.exit_code, result.stdout, result.stderr


def test_weights_in_both_branches_of_an_if_are_named(tmp_path: Path) -> None:
    """One branch holds its own weight, the other reads a table of the graph around it: both are named."""
    then_branch = branch("then", [h.make_node("MatMul", ["x", "inner"], ["t"])], "t", (weight("inner", WIDTH, WIDTH),))
    else_branch = branch("else", [h.make_node("Add", ["x", "outer"], ["e"])], "e")
    code, out, err = run(tmp_path / "if.onnx", if_model(then_branch, else_branch, [weight("outer", 1, WIDTH)]))
    assert (code, out) == (2, "")
    assert "node 'choose' (If): its branches hold or read 72 weight values ('inner', 'outer') and multiply (MatMul)" in err


def test_a_body_that_only_moves_values_is_read(tmp_path: Path) -> None:
    """A Loop of Relus holds nothing archcalc counts (a single value is a literal): read as before, a
    `counted` layer with the file's figures."""
    value = h.make_tensor_value_info
    body = h.make_graph(
        [h.make_node("Identity", ["c"], ["c_out"]), h.make_node("Relu", ["v"], ["r"]), h.make_node("Mul", ["r", "half"], ["v_out"])],
        "body",
        [value("i", TensorProto.INT64, []), value("c", TensorProto.BOOL, []), value("v", TensorProto.FLOAT, [1, WIDTH])],
        [value("c_out", TensorProto.BOOL, []), value("v_out", TensorProto.FLOAT, [1, WIDTH])],
        initializer=[nh.from_array(np.array(0.5, np.float32), "half")],
    )
    trips = nh.from_array(np.array(3, np.int64), "trips")
    built = model([h.make_node("Loop", ["trips", "", "x"], ["y"], name="loop", body=body)], [trips], "y", (1, WIDTH))
    code, out, err = run(tmp_path / "loop.onnx", built.SerializeToString())
    assert (code, err) == (0, "") and "loop: counted" in out and "params 0" in out


def test_a_scan_that_multiplies_activations_is_refused(tmp_path: Path) -> None:
    """No weight at all, but MACs the spec would leave out: a Scan whose body multiplies each row by itself."""
    value = h.make_tensor_value_info
    body = h.make_graph(
        [h.make_node("MatMul", ["row", "row_t"], ["square"]), h.make_node("Identity", ["state"], ["state_out"])],
        "body",
        [value("state", TensorProto.FLOAT, [1]), value("row", TensorProto.FLOAT, [1, 1]), value("row_t", TensorProto.FLOAT, [1, 1])],
        [value("state_out", TensorProto.FLOAT, [1]), value("square", TensorProto.FLOAT, [1, 1])],
    )
    nodes = [
        h.make_node("Reshape", ["x", "rows"], ["xr"]),
        h.make_node("Scan", ["state", "xr", "xr"], ["final", "y"], name="scan", body=body, num_scan_inputs=2),
    ]
    constants = [nh.from_array(np.zeros(1, np.float32), "state"), nh.from_array(np.array([WIDTH, 1, 1], np.int64), "rows")]
    built = model(nodes, constants, "y", (1, WIDTH), (WIDTH, 1, 1))
    code, _, err = run(tmp_path / "scan.onnx", built.SerializeToString())
    assert code == 2 and "node 'scan' (Scan): its body multiplies (MatMul), which archcalc does not count inside control flow" in err, err


def test_a_loop_inside_a_branch_is_followed(tmp_path: Path) -> None:
    """The weight is read two graphs down: a Loop's body inside an If's branch, from the outer graph."""
    value = h.make_tensor_value_info
    body = h.make_graph(
        [h.make_node("Identity", ["c"], ["c_out"]), h.make_node("Gemm", ["v", "outer"], ["v_out"])],
        "body",
        [value("i", TensorProto.INT64, []), value("c", TensorProto.BOOL, []), value("v", TensorProto.FLOAT, [1, WIDTH])],
        [value("c_out", TensorProto.BOOL, []), value("v_out", TensorProto.FLOAT, [1, WIDTH])],
    )
    looped = h.make_node("Loop", ["", "condition", "x"], ["t"], name="inner_loop", body=body)
    then_branch = branch("then", [looped], "t")
    else_branch = branch("else", [h.make_node("Identity", ["x"], ["e"])], "e")
    code, _, err = run(tmp_path / "nested.onnx", if_model(then_branch, else_branch, [weight("outer", WIDTH, WIDTH)]))
    assert code == 2 and "node 'choose' (If): its branches hold or read 64 weight values ('outer') and multiply (Gemm)" in err, err


@pytest.mark.parametrize("inner", ["initializer", "Constant"])
def test_a_weight_the_body_stores_itself_is_named(tmp_path: Path, inner: str) -> None:
    value = h.make_tensor_value_info
    stored = weight("own", 1, WIDTH)
    nodes = [h.make_node("Identity", ["c"], ["c_out"]), h.make_node("Mul", ["v", "own"], ["v_out"])]
    if inner == "Constant":
        nodes.insert(0, h.make_node("Constant", [], ["own"], value=stored))
    body = h.make_graph(
        nodes,
        "body",
        [value("i", TensorProto.INT64, []), value("c", TensorProto.BOOL, []), value("v", TensorProto.FLOAT, [1, WIDTH])],
        [value("c_out", TensorProto.BOOL, []), value("v_out", TensorProto.FLOAT, [1, WIDTH])],
        initializer=[stored] if inner == "initializer" else [],
    )
    trips = nh.from_array(np.array(3, np.int64), "trips")
    built = model([h.make_node("Loop", ["trips", "", "x"], ["y"], name="loop", body=body)], [trips], "y", (1, WIDTH))
    code, _, err = run(tmp_path / "loop.onnx", built.SerializeToString())
    assert code == 2 and "node 'loop' (Loop): its body holds or reads 8 weight values ('own'), which archcalc" in err, err
