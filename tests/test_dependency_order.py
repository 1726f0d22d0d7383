"""formats/graph/order.py's dependency_order: the one ordering of a model file's nodes (ONNX) and layers (Keras)."""

from __future__ import annotations

from archcalc.formats.graph.order import dependency_order


def test_a_file_in_order_is_read_in_its_order() -> None:
    """A reads nothing, B reads A, C reads nothing: A, B, C, as the file writes them (not A, C, B)."""
    assert dependency_order([[], [0], []]) == ([0, 1, 2], [])


def test_a_file_out_of_order_is_put_in_order_lowest_first() -> None:
    assert dependency_order([[2], [], [1], [1, 1]]) == ([1, 2, 0, 3], [])


def test_a_cycle_and_what_waits_on_it_are_left_over() -> None:
    """0 and 1 read each other; 3 reads 1; 2 reads nothing."""
    assert dependency_order([[1], [0], [], [1]]) == ([2], [0, 1, 3])
