"""Counts as users write them, read exactly."""

from __future__ import annotations

import pytest

from archcalc.quantities import parse_count


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
    ],
)
def test_bad_counts(written: str | int | float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_count(written)
