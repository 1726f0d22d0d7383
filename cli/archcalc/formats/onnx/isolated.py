"""A call into a C++ library that may abort the whole process, run in a child process of its own.

ONNX's shape inference asserts on some graphs that pass its checker (a negative size reaching a Slice,
as a window larger than its input makes: onnx/onnx#8481), and its wheels are built with libstdc++'s
assertions on: the process dies of SIGABRT, which no `except` catches, with a line of C++ on standard
error. Where the system can fork, the call runs in a fork and only its result comes back; a child that
dies is an ordinary exception. Elsewhere (Windows) it runs in this process.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import signal
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Aborted(Exception):
    """The call killed the process it ran in."""


def isolated(work: Callable[[], T]) -> T:
    """`work()`, run in a forked child: its result, or its exception as a RuntimeError of the same text
    (the library's own exception types need not survive pickling); Aborted when the child dies."""
    if not hasattr(os, "fork"):
        return work()
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child's coverage is not collected)
        _run_child(work, reading, writing)
    os.close(writing)
    with os.fdopen(reading, "rb") as stream:
        data = stream.read()
    _, status = os.waitpid(child, 0)
    if not data:
        if os.WIFSIGNALED(status):
            raise Aborted(f"it died of {signal.Signals(os.WTERMSIG(status)).name}")
        raise Aborted(f"it exited with status {os.waitstatus_to_exitcode(status)}")
    succeeded, value = pickle.loads(data)  # written by our own child, just now
    if succeeded:
        return value  # type: ignore[no-any-return]
    raise RuntimeError(value)


def _run_child(work: Callable[[], T], reading: int, writing: int) -> None:
    """In the child: run, write the outcome, and leave at once, without the parent's exit handlers."""
    status = 0
    try:
        os.close(reading)
        faulthandler.disable()  # a death here is the parent's to report, not a traceback for archcalc's user
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 2)  # nor is an assertion's message
        try:
            outcome: tuple[bool, object] = (True, work())
        except Exception as error:
            outcome = (False, str(error))
        with os.fdopen(writing, "wb") as stream:
            stream.write(pickle.dumps(outcome))
    except BaseException:
        status = 1
    finally:
        os._exit(status)
