"""`check`: each budget of each spec, its limit, the actual figure, headroom, PASS or FAIL."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.render.grid import Cell, Column, Grid, Row, Shown
from archcalc.text import percent

if TYPE_CHECKING:
    from archcalc.engine.budget import BudgetCheck, SpecCheck

CHECK_COLUMNS = (
    Column("spec"),
    Column("budget"),
    Column("limit", numeric=True),
    Column("actual", numeric=True),
    Column("headroom", numeric=True, key="headroom_percent"),
    Column("status"),
)


def budget_name(check: BudgetCheck) -> str:
    """`params`, or `param_bytes (float16)` for the budgets that depend on a dtype."""
    name = check.limit.kind.value
    return f"{name} ({check.dtype.value})" if name.endswith("_bytes") else name


def check_grid(results: Sequence[SpecCheck]) -> Grid:
    """One row per budget of each spec: limit, actual figure, headroom, PASS or FAIL."""
    rows = []
    for result in results:
        if not result.checks:
            rows.append(Row((result.report.name, Shown("–", None), None, None, None, "no budget")))
        for check in result.checks:
            status = "PASS" if check.passed else "FAIL"
            rows.append(Row((result.report.name, budget_name(check), check.limit.maximum, check.actual, headroom_cell(check), status), verdict=check.passed))
    return Grid("budgets", CHECK_COLUMNS, tuple(rows), None, (check_summary(results),))


def headroom_cell(check: BudgetCheck) -> Cell:
    """'24.0%' for people; 24.0 for scripts, as JSON's `headroom_percent` (none for a zero limit)."""
    if check.headroom is None:
        return Shown("–", None)
    return Shown(percent(check.headroom), round(check.headroom * 100, 3) if math.isfinite(check.headroom) else None)


def check_summary(results: Sequence[SpecCheck]) -> str:
    """'3 specs, 5 budgets: 4 within, 1 over.'"""
    checks = [check for result in results for check in result.checks]
    over = sum(not check.passed for check in checks)
    specs = f"{len(results)} spec{'s' if len(results) != 1 else ''}"
    return f"{specs}, {len(checks)} budget{'s' if len(checks) != 1 else ''}: {len(checks) - over} within, {over} over"
