"""formats/onnx/isolated.py: a call that may kill its process, run in a child; its result, its error, or its death."""

from __future__ import annotations

import os

import pytest

from archcalc.formats.onnx.isolated import Aborted, isolated

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="without fork the call runs in place")


def test_the_result_comes_back_from_the_child() -> None:
    assert isolated(lambda: {"conv_out": (1, 4, 6, 6), "pid": os.getpid()})["conv_out"] == (1, 4, 6, 6)
    assert isolated(os.getpid) != os.getpid()  # it did run elsewhere


def test_an_exception_comes_back_as_its_text() -> None:
    def fails() -> None:
        raise ValueError("[ShapeInferenceError] the rank of the input does not match")

    with pytest.raises(RuntimeError, match=r"^\[ShapeInferenceError\] the rank of the input does not match$"):
        isolated(fails)


def test_a_child_that_aborts_is_an_exception_here() -> None:
    with pytest.raises(Aborted, match="it died of SIGABRT"):
        isolated(os.abort)


def test_a_child_that_exits_is_an_exception_here() -> None:
    with pytest.raises(Aborted, match="it exited with status 3"):
        isolated(lambda: os._exit(3))
