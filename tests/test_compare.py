"""`archcalc compare`: how each spec's totals stand against the first's, in words a reader trusts."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine.relative import Relative
from archcalc.text import fewer_or_more, percent
from tests.conftest import ARCHSPECS


def compare(*specs: str) -> str:
    result = CliRunner().invoke(app, ["compare", *specs])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_a_small_difference_is_a_percentage() -> None:
    """Issue 16, defect 5: 5,555 against 5,454 parameters read `1.0× fewer`, as if nothing changed."""
    out = compare("100->55", "100->54")
    assert "1.8% fewer" in out and "1.0×" not in out
    assert "params 5,555 → 5,454 = 1.8% fewer" in out


def test_the_exercise_cnns_extra_macs_are_a_percentage() -> None:
    out = compare(str(ARCHSPECS / "exercises/ex1_ann.yaml"), str(ARCHSPECS / "exercises/ex1_cnn.yaml"))
    assert "MACs 2,592 → 2,736 = 5.6% more" in out
    assert "params 2,642 / 226 = 11.7× fewer" in out  # large differences stay ratios


@pytest.mark.parametrize(
    ("baseline", "value", "expected"),
    [
        (154, 38, "4.1× fewer"),
        (100, 110, "1.1× more"),  # from a tenth up, a ratio
        (100, 109, "9.0% more"),
        (1000, 982, "1.8% fewer"),
        (100_000, 99_958, "0.042% fewer"),  # under 1%: two significant digits, never "0.0%"
        (10**12, 10**12 + 1, "1e-10% more"),
        (7, 7, "same"),
        (7, 0, "none"),
        (0, 7, "new"),
    ],
)
def test_fewer_or_more(baseline: int, value: int, expected: str) -> None:
    assert fewer_or_more(Relative(baseline, value)) == expected


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [(0.123, "12.3%"), (0.00042, "0.042%"), (-0.004, "-0.4%"), (0.0, "0.0%"), (0.0099996, "1.0%"), (851_626.52, "85,162,652%"), (1e14, "1e+16%")],
)
def test_percent_keeps_two_significant_digits_below_one_percent(fraction: float, expected: str) -> None:
    assert percent(fraction) == expected


@pytest.mark.parametrize(("order", "expected"), [("given", ["16->8->2", "4->64", "16->2"]), ("params", ["16->2", "16->8->2", "4->64"])])
def test_sort_orders_the_specs_and_the_first_is_the_baseline(order: str, expected: list[str]) -> None:
    result = CliRunner().invoke(app, ["compare", "16->8->2", "4->64", "16->2", "--sort", order, "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = result.stdout.splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == expected  # params 154, 320, 34
    assert rows[0].split(",")[-3:] == ["1.0", "1.0", "1.0"]  # the first row is the baseline


def test_sort_by_macs_puts_the_cheapest_first() -> None:
    result = CliRunner().invoke(app, ["compare", "16->8->2", "4->64", "16->2", "--sort", "macs", "--format", "json"])
    names = [spec["name"] for spec in json.loads(result.stdout)["specs"]]
    assert names == ["16->2", "16->8->2", "4->64"]  # MACs 32, 144, 256
