"""GitHub Actions workflow commands: an `::error` annotation at the budget line of each spec over it,
at the place each bad spec went wrong, at the top of each spec without a budget when one is required,
and at each layer where a spec drifted from its model file (check --against)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.engine.budget import UnreadableSpec
from archcalc.errors import ArchcalcError
from archcalc.render.annotation import annotation
from archcalc.render.check import budget_name, check_summary
from archcalc.render.drift import drift_annotations, drift_verdict
from archcalc.text import exact, percent, times_the_limit

if TYPE_CHECKING:
    from archcalc.engine.budget import CheckRun


def github_text(run: CheckRun) -> str:
    lines = []
    for result in run.outcomes:
        if isinstance(result, UnreadableSpec):
            lines.append(github_error(result.error).rstrip("\n"))
            continue
        if result.budget_required and not result.checks:
            message = f"{result.report.name}: no budget, and --require-budget asks for one (add `budget:` to the spec)"
            lines.append(annotation("error", message, result.report.spec.origin, "archcalc: no budget"))
        for check in result.checks:
            if check.passed:
                continue
            far = times_the_limit(check.times_the_limit) if check.times_the_limit is not None else None
            over = "" if check.headroom is None else f" ({far or percent(-check.headroom) + ' over'})"
            message = f"{result.report.name}: {budget_name(check)} {exact(check.actual)} exceeds the budget of {exact(check.limit.maximum)}{over}"
            where = check.limit.origin or result.report.spec.origin
            lines.append(annotation("error", message, where, "archcalc budget exceeded"))
        if isinstance(result.against, UnreadableSpec):
            lines.append(github_error(result.against.error, "archcalc: bad model file").rstrip("\n"))
        elif result.against is not None and not result.against.agrees:
            drifted = drift_annotations(result.against)
            lines.extend(drifted or [annotation("error", drift_verdict(result.against), result.report.spec.origin, "archcalc: spec drifted from model")])
    lines.append(annotation("notice", check_summary(run), None, "archcalc budgets"))
    return "\n".join(lines) + "\n"


def github_error(error: ArchcalcError, title: str = "archcalc: bad spec") -> str:
    """A spec (or model file) that cannot be read, as an annotation at the place the problem was written."""
    message = f"{error.layer}: {error.problem}" if error.layer else error.problem
    if error.hint:
        message += f"; {error.hint}"
    return annotation("error", message, error.origin, title) + "\n"
