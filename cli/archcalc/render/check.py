"""`check`: each budget of each spec, its limit, the actual figure, headroom, PASS or FAIL; a spec
that could not be read is a row marked ERROR, its message in the notes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.engine.budget import SpecCheck, UnreadableSpec
from archcalc.printable import printable
from archcalc.render.drift import drift_verdict
from archcalc.render.grid import Cell, Column, Grid, Row, Shown
from archcalc.text import percent, times_the_limit

if TYPE_CHECKING:
    from archcalc.engine.budget import BudgetCheck, CheckOutcome
    from archcalc.engine.drift import Drift

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
    return f"{name} ({check.dtype.value})" if check.limit.kind.in_bytes else name


def check_grid(results: Sequence[CheckOutcome]) -> Grid:
    """One row per budget of each spec: limit, actual figure, headroom, PASS or FAIL; with --against,
    a row for the spec against its model file, PASS or FAIL, and under the summary how their totals compare."""
    rows = []
    verdicts = []
    errors = []
    for result in results:
        if isinstance(result, UnreadableSpec):
            rows.append(Row((printable(result.source), "–", None, None, None, "ERROR"), verdict=False))
            errors.append(result.error.message)
            continue
        if not result.checks:
            required = result.budget_required
            status = "FAIL: no budget" if required else "no budget"
            rows.append(Row((result.report.name, Shown("–", None), None, None, None, status), verdict=False if required else None))
        for check in result.checks:
            status = "PASS" if check.passed else "FAIL"
            rows.append(Row((result.report.name, budget_name(check), check.limit.maximum, check.actual, headroom_cell(check), status), verdict=check.passed))
        if isinstance(result.against, UnreadableSpec):
            rows.append(Row((result.report.name, against_name(result.against.source), None, None, None, "ERROR"), verdict=False))
            errors.append(result.against.error.message)
        elif result.against is not None:
            agrees = result.against.agrees
            rows.append(Row((result.report.name, against_name(model_file(result.against)), None, None, None, "PASS" if agrees else "FAIL"), verdict=agrees))
            verdicts.append(drift_verdict(result.against))
    return Grid("budgets", CHECK_COLUMNS, tuple(rows), None, (check_summary(results), *verdicts, *errors))


def against_name(model: str) -> str:
    """`against model.onnx`: the drift check's name, where a budget's would be."""
    return f"against {printable(model)}"


def model_file(drift: Drift) -> str:
    return drift.difference.head.spec.origin.source


def headroom_cell(check: BudgetCheck) -> Cell:
    """'24.0%' for people ('851,627× the limit' far over); 24.0 for scripts, as JSON's
    `headroom_percent` (none for a zero limit)."""
    if check.headroom is None:
        return Shown("–", None)
    text = times_the_limit(check.actual, check.limit.maximum) or percent(check.headroom)
    return Shown(text, round(check.headroom * 100, 3) if math.isfinite(check.headroom) else None)


def check_summary(results: Sequence[CheckOutcome]) -> str:
    """'3 specs, 5 budgets: 4 within, 1 over', and what else was checked or failed: a spec against its
    model file, specs without a budget under --require-budget, specs that could not be read."""
    checked = [result for result in results if isinstance(result, SpecCheck)]
    checks = [check for result in checked for check in result.checks]
    over = sum(not check.passed for check in checks)
    specs = f"{len(results)} spec{'s' if len(results) != 1 else ''}"
    summary = f"{specs}, {len(checks)} budget{'s' if len(checks) != 1 else ''}: {len(checks) - over} within, {over} over"
    for result in checked:
        if result.drift is not None:
            count = len(result.drift.disagreements)
            verdict = "matches" if result.drift.agrees else f"{count:,} layer{'s' if count != 1 else ''} disagree{'s' if count == 1 else ''}"
            summary += f"; {against_name(model_file(result.drift))}: {verdict}"
        elif isinstance(result.against, UnreadableSpec):
            summary += f"; {against_name(result.against.source)}: could not be read"
    unbudgeted = sum(result.budget_required and not result.checks for result in checked)
    if unbudgeted:
        summary += f"; {unbudgeted} without the budget --require-budget asks for"
    unreadable = len(results) - len(checked)
    if unreadable:
        summary += f"; {unreadable} could not be read"
    return summary
