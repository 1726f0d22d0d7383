"""Counts as users write them (`25_557_032`, `25.6M`, `4.1G`, `1e6`), read exactly into ints."""

from __future__ import annotations

import math
import re

MAX_COUNT = 10**36
"""Larger than any real size, budget or count, small enough that every product of them prints quickly."""

SUFFIX_EXPONENTS = {"": 0, "K": 3, "M": 6, "G": 9, "T": 12}
COUNT_PATTERN = r"^\s*([0-9][0-9_]*)(?:\.([0-9_]*))?(?:[eE]([+-]?[0-9]{1,9}))?\s*([KMGTkmgt]?)\s*$"
"""A count written as text (`25.6M`, `1e6`, `25_557_032`); `archcalc schema` gives editors the same pattern."""
_COUNT = re.compile(COUNT_PATTERN)


def parse_count(text: str | int | float) -> int:
    """An exact count from 0 to MAX_COUNT; raises ValueError naming what was wrong.

    Read as digits and a power of ten, never through a float: `25.6M` is 256 × 10^5 = 25,600,000,
    not 25,599,999.999…; a value that does not land on a whole number (`1.5`, `0.0000001K`) is
    refused rather than rounded, and `1e999999999` is refused before any power is computed.
    """
    if isinstance(text, bool):
        raise ValueError("expected a count, got a boolean")
    if isinstance(text, float):
        if not math.isfinite(text):
            raise ValueError(f"a count must be a finite number, not {text}")
        if text < 0:
            raise ValueError(f"a count cannot be negative: {text}")
        text = repr(text)  # the shortest decimal that reads back as this float: 2.5e6 -> '2500000.0'
    if isinstance(text, int):
        value = text
    else:
        value = _read_decimal(text)
    if value < 0:
        raise ValueError(f"a count cannot be negative: {quoted(value)}")
    if value > MAX_COUNT:
        raise ValueError(f"{quoted(text)} is too large: archcalc reads counts up to 1e36")
    return value


def quoted(text: str | int) -> str:
    """`text` for an error message, quoted; a long one shortened (4,000 digits help nobody)."""
    text = str(text) if not isinstance(text, int) or abs(text) < MAX_COUNT else f"{text:.3g}"
    return f"'{text}'" if len(text) <= 40 else f"'{text[:24]}…{text[-8:]}' ({len(text):,} characters)"


def _read_decimal(text: str) -> int:
    match = _COUNT.match(text)
    if match is None:
        raise ValueError(f"{quoted(text)} is not a count; write e.g. 25557032, 25_557_032, 25.6M or 1e6")
    whole, fraction, exponent, suffix = match.groups()
    fraction = (fraction or "").replace("_", "")
    digits = (whole.replace("_", "") + fraction).lstrip("0")
    significant = digits.rstrip("0")
    if not significant:
        return 0
    scale = int(exponent or 0) + SUFFIX_EXPONENTS[suffix.upper()] - len(fraction) + len(digits) - len(significant)
    # the value is significant × 10^scale, and significant ends in a nonzero digit
    if scale < 0:
        raise ValueError(f"{quoted(text)} is not a whole number")
    if len(significant) + scale > len(str(MAX_COUNT)):
        raise ValueError(f"{quoted(text)} is too large: archcalc reads counts up to 1e36")
    return int(significant + "0" * scale)
