"""Counts as users write them, read exactly."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archcalc.quantities import COUNT_PATTERN, parse_count


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("25557032", 25_557_032),
        ("25_557_032", 25_557_032),
        ("25.6M", 25_600_000),
        ("4.1G", 4_100_000_000),
        ("1e6", 1_000_000),
        ("1K", 1_000),
        ("2.5k", 2_500),
        ("1T", 10**12),
        (" 7 ", 7),
        (1000, 1000),
        (2.5e6, 2_500_000),
        ("0", 0),
        ("0e5", 0),
        ("100e-2", 1),
        ("0.5K", 500),
        ("1_000.5_0K", 1_000_500),
        ("1e36", 10**36),
        (1e36, 10**36),
        ("1" + "0" * 5000 + "e-4990", 10**10),  # 5,001 digits, past int()'s 4,300: read without int() of them
    ],
)
def test_counts(written: str | int | float, expected: int) -> None:
    assert parse_count(written) == expected


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("lots", "not a count"),
        ("1.5", "not a whole number"),
        ("-3", "not a count"),
        (-3, "cannot be negative"),
        (float("inf"), "finite"),  # `.inf` in YAML: found by the long fuzz run
        (float("nan"), "finite"),
        (True, "boolean"),
        ("5MB", "not a count"),
        ("0.0000001K", "not a whole number"),
        ("1e-999999999", "not a whole number"),
        ("1e37", "too large"),
        ("2e36", "too large"),
        ("1e999999999", "too large"),
        (1e37, "too large"),
        (10**37, "too large"),
        pytest.param("1" * 5_000, r"'111111111111111111111111…11111111' \(5,000 characters\) is too large", id="5,000 digits"),
        (-(10**40), r"cannot be negative: '-1e\+40'"),
    ],
)
def test_bad_counts(written: str | int | float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_count(written)


@given(
    whole=st.integers(min_value=0, max_value=10**20),
    fraction=st.text(alphabet="0123456789", max_size=8),
    exponent=st.integers(min_value=-12, max_value=24),
    suffix=st.sampled_from(["", "K", "M", "G", "T"]),
)
def test_counts_agree_with_exact_fractions(whole: int, fraction: str, exponent: int, suffix: str) -> None:
    """Fraction is the oracle: exact rational arithmetic, sharing no code with parse_count."""
    text = f"{whole}.{fraction}e{exponent}{suffix}"
    exact = Fraction(f"{whole}.{fraction or '0'}") * Fraction(10) ** exponent * {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}[suffix]
    if exact.denominator == 1 and exact <= 10**36:
        assert parse_count(text) == exact
    else:
        with pytest.raises(ValueError, match="not a whole number" if exact.denominator != 1 else "too large"):
            parse_count(text)


@pytest.mark.parametrize("written", ["25557032", "25_557_032", "25.6M", "0.5K", "1e6", "0", "010", "0_10", "00.5", "1__0", "1_", "010M", "5MB", "1.5"])
def test_the_schema_pattern_accepts_what_parse_count_reads(written: str) -> None:
    """`archcalc schema` gives editors COUNT_PATTERN: it must refuse a leading zero as parse_count does."""
    try:
        parse_count(written)
        read = True
    except ValueError as error:
        read = "not a whole number" in str(error)  # the pattern reads the form; whether it lands on an int is arithmetic
    assert bool(re.match(COUNT_PATTERN, written)) == read, written
