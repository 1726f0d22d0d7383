"""`check`: each budget of each spec, its limit, the actual figure, headroom, PASS or FAIL; a spec
that could not be read is a row marked ERROR (its located message is said on standard error)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.engine.budget import UnreadableSpec
from archcalc.printable import printable
from archcalc.render.drift import drift_verdict
from archcalc.render.grid import Cell, Column, Grid, Row, Shown
from archcalc.render.spec_names import SpecNames
from archcalc.text import percent, plural, times_the_limit

if TYPE_CHECKING:
    from archcalc.engine.budget import BudgetCheck, CheckRun
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


def check_grid(run: CheckRun) -> Grid:
    """One row per budget of each spec: limit, actual figure, headroom, PASS or FAIL; with --against,
    a row for the spec against its model file, PASS or FAIL, and under the summary how their totals
    compare. Specs that share a name are told apart by their files."""
    rows = []
    verdicts: list[str] = []
    named = SpecNames(result.report for result in run.checked)
    for result in run.outcomes:
        if isinstance(result, UnreadableSpec):
            rows.append(Row((printable(result.source), Shown("–", None), None, None, None, "ERROR"), verdict=False))
            continue
        name = named(result.report)
        if not result.checks:
            required = result.budget_required
            status = "FAIL: no budget" if required else "no budget"
            rows.append(Row((name, Shown("–", None), None, None, None, status), verdict=False if required else None))
        for check in result.checks:
            status = "PASS" if check.passed else "FAIL"
            rows.append(Row((name, budget_name(check), check.limit.maximum, check.actual, headroom_cell(check), status), verdict=check.passed))
        if isinstance(result.against, UnreadableSpec):
            rows.append(Row((name, against_name(result.against.source), None, None, None, "ERROR"), verdict=False))
        elif result.against is not None:
            agrees = result.against.agrees
            rows.append(Row((name, against_name(model_file(result.against)), None, None, None, "PASS" if agrees else "FAIL"), verdict=agrees))
            verdicts.extend((drift_verdict(result.against), *result.against.notes))
    return Grid("budgets", CHECK_COLUMNS, tuple(rows), None, (check_summary(run), *verdicts))


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
    text = times_the_limit(check.times_the_limit) if check.times_the_limit is not None else percent(check.headroom)
    return Shown(text, check.headroom_percent)


def check_summary(run: CheckRun) -> str:
    """'3 specs, 5 budgets: 4 within, 1 over', and what else was checked or failed: a spec against its
    model file, specs without a budget under --require-budget, specs that could not be read."""
    summary = f"{plural(len(run.outcomes), 'spec')}, {plural(len(run.budgets), 'budget')}: {run.within} within, {run.over} over"
    for result in run.checked:
        if result.drift is not None:
            count = len(result.drift.disagreements)
            verdict = "matches" if result.drift.agrees else f"{count:,} layer{'s' if count != 1 else ''} disagree{'s' if count == 1 else ''}"
            summary += f"; {against_name(model_file(result.drift))}: {verdict}"
        elif isinstance(result.against, UnreadableSpec):
            summary += f"; {against_name(result.against.source)}: could not be read"
    if run.unbudgeted:
        summary += f"; {run.unbudgeted} without the budget --require-budget asks for"
    if run.unreadable:
        summary += f"; {run.unreadable} could not be read"
    return summary
