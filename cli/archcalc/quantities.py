"""Numbers as users write them, read exactly into ints: whole numbers (`224`, `25_557_032`) by one
rule everywhere (YAML, chains, shapes, budgets, flags), and counts (`25.6M`, `4.1G`, `1e6`)."""

from __future__ import annotations

import math
import re

from archcalc.printable import quoted

MAX_COUNT = 10**36
"""Larger than any real size, budget or count, small enough that every product of them prints quickly."""

MAX_DIGITS = 100
"""Digits read before a number is refused as too large: converting 5,000 digits is slow, and Python
refuses more than 4,300."""

_WHOLE = re.compile(r"[-+]?[0-9]+(?:_[0-9]+)*\Z")
NUMBER_LIKE = re.compile(r"[-+]?[0-9][0-9_]*\Z")
"""What a reader would take for a whole number, well written or not (`010`, `1__0`, `1_`)."""


def whole_number(text: str) -> int:
    """A whole number by archcalc's one rule: ASCII decimal digits with an optional sign, grouped by
    single underscores between digits (`25_557_032`), and no leading zero (`0` itself is fine).

    YAML 1.1 reads `010` as octal 8 and YAML 1.2 as 10; a rule that refuses it leaves no reader in
    doubt. Raises ValueError saying what to write instead."""
    if _WHOLE.match(text) is None:
        raise ValueError(f"{quoted(text)} is not a whole number; write digits, grouped by single underscores if you like (25_557_032)")
    digits = text.lstrip("+-").replace("_", "")
    if len(digits) > 1 and digits[0] == "0":
        raise leading_zero(text, digits)
    if len(digits) > MAX_DIGITS:  # before int(), which is slow on thousands of digits
        raise ValueError(f"{quoted(text)} is too large: archcalc reads numbers up to 1e36")
    return int(digits) if text[0] != "-" else -int(digits)


def leading_zero(text: str, digits: str, after: str = "") -> ValueError:
    """`010` is 8 to YAML 1.1 and 10 to YAML 1.2: say so, and what to write."""
    return ValueError(f"{quoted(text)} has a leading zero, which makes a number octal in YAML 1.1; write {digits.lstrip('0') or '0'}{after}")


SUFFIX_EXPONENTS = {"": 0, "K": 3, "M": 6, "G": 9, "B": 9, "T": 12}
"""B is a billion for counts (`7B` parameters); byte sizes refuse it as ambiguous (parse_bytes)."""
COUNT_PATTERN = r"^\s*(0|[1-9][0-9]*(?:_[0-9]+)*)(?:\.([0-9_]*))?(?:[eE]([+-]?[0-9]{1,9}))?\s*([KMGTBkmgtb]?)\s*$"
"""A count written as text (`25.6M`, `1e6`, `25_557_032`), its whole part by the one rule for whole
numbers; `archcalc schema` gives editors the same pattern."""
_COUNT = re.compile(r"^\s*([0-9][0-9_]*)(?:\.([0-9_]*))?(?:[eE]([+-]?[0-9]{1,9}))?\s*([KMGTBkmgtb]?)\s*$")
"""COUNT_PATTERN with any whole part, so that one which breaks the rule (`010M`) is told what is wrong."""


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


def _read_decimal(text: str) -> int:
    match = _COUNT.match(text)
    if match is None:
        raise ValueError(f"{quoted(text)} is not a count; write e.g. 25557032, 25_557_032, 25.6M or 1e6")
    whole, fraction, exponent, suffix = match.groups()
    if "__" in whole or whole.endswith("_"):
        raise ValueError(f"{quoted(text)} is not a count: underscores go between digits, as in 25_557_032")
    if len(whole) > 1 and whole[0] == "0":
        raise leading_zero(text.strip(), whole.replace("_", ""), text[match.end(1) :].strip())
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


BINARY_EXPONENTS = {"KIB": 1, "MIB": 2, "GIB": 3, "TIB": 4}
_BYTES = re.compile(r"^\s*(.*?)\s*(KiB|MiB|GiB|TiB|[KMGT]B?|B)?\s*$", re.IGNORECASE)


def parse_bytes(text: str) -> int:
    """A byte size: `80GiB` (powers of 1024), `80G` or `80GB` (powers of 1000, as budgets are), or
    a plain number of bytes. `7B` is refused: a billion, or seven bytes? Raises ValueError."""
    match = _BYTES.match(text)
    number, unit = (match.group(1), match.group(2) or "") if match else (text, "")
    if unit.upper() == "B" and re.fullmatch(r"[0-9_.]+", number):  # `80XB` is no number of anything
        raise ValueError(f"{quoted(text)} is ambiguous: B is a billion for parameter counts; write bytes as 7G, 7GB or 7GiB")
    if unit.upper() in BINARY_EXPONENTS:
        from fractions import Fraction  # lazy: only a byte size in KiB..TiB needs it

        try:
            exact = Fraction(number.replace("_", "")) * 1024 ** BINARY_EXPONENTS[unit.upper()]
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{quoted(text)} is not a byte size; write e.g. 80GiB, 80G or 80GB") from None
        if exact.denominator != 1 or exact < 0:
            raise ValueError(f"{quoted(text)} is not a whole number of bytes")
        return int(exact)
    try:
        return parse_count(number + unit.rstrip("Bb"))
    except ValueError:
        raise ValueError(f"{quoted(text)} is not a byte size; write e.g. 80GiB, 80G or 80GB") from None
