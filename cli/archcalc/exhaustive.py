"""`unreachable(x)` after a `match` over a closed set: mypy proves every case is handled.

Python 3.10 has no `typing.assert_never`; a `NoReturn` parameter gives the same check.
"""

from __future__ import annotations

from typing import NoReturn


def unreachable(value: NoReturn) -> NoReturn:
    raise AssertionError(f"unhandled case: {value!r}")
