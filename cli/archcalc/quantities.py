"""Counts as users write them (`25_557_032`, `25.6M`, `4.1G`, `1e6`), read exactly into ints."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

SUFFIXES = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_COUNT = re.compile(r"^\s*([0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?)\s*([KMGT]?)\s*$", re.IGNORECASE)


def parse_count(text: str | int | float) -> int:
    """An exact non-negative count; raises ValueError naming what was wrong.

    Decimal arithmetic keeps `25.6M` at 25,600,000 rather than 25,599,999.999…; a value that does
    not land on a whole number (`1.5` or `0.0000001K`) is refused rather than silently rounded.
    """
    if isinstance(text, bool):
        raise ValueError("expected a count, got a boolean")
    if isinstance(text, int):
        value = Decimal(text)
    elif isinstance(text, float):
        value = Decimal(repr(text))
    else:
        match = _COUNT.match(text)
        if match is None:
            raise ValueError(f"'{text}' is not a count; write e.g. 25557032, 25_557_032, 25.6M or 1e6")
        digits, suffix = match.groups()
        try:
            value = Decimal(digits.replace("_", "")) * SUFFIXES[suffix.upper()]
        except InvalidOperation:
            raise ValueError(f"'{text}' is not a count") from None
    if not value.is_finite():
        raise ValueError(f"a count must be a finite number, not {text}")
    if value < 0:
        raise ValueError(f"a count cannot be negative: {text}")
    if value != value.to_integral_value():
        raise ValueError(f"'{text}' is not a whole number")
    return int(value)
