"""Budgets: each limit against the figure it limits, pass or fail (and, with `--against`, the spec
against its model file: engine/drift.py). Pure; the CLI picks the exit code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from archcalc.arithmetic import quotient
from archcalc.backward import TrainingSetup
from archcalc.engine.drift import Drift
from archcalc.engine.memory import activation_bytes, param_bytes
from archcalc.engine.relative import percent_for_scripts
from archcalc.engine.report import Report
from archcalc.engine.training import training_of, training_request
from archcalc.errors import ArchcalcError
from archcalc.exhaustive import unreachable
from archcalc.model import BudgetKind, DType, Limit
from archcalc.values import field, value

FAR_OVER = 10
"""From this many times its limit, how far a figure is over is said as a ratio."""


@value
class BudgetCheck:
    """One budget line measured: the figure it limits, as this spec has it."""

    limit: Limit
    actual: int
    dtype: DType

    @property
    def passed(self) -> bool:
        return self.actual <= self.limit.maximum

    @property
    def headroom(self) -> float | None:
        """How far below the limit, as a fraction of it (negative: over). None for a zero limit."""
        if self.limit.maximum == 0:
            return None
        return quotient(self.limit.maximum - self.actual, self.limit.maximum)

    @property
    def headroom_percent(self) -> float | None:
        """The headroom in percent to PERCENT_PLACES decimals, for scripts (JSON's and CSV's
        `headroom_percent`); None for a zero limit or one past a float."""
        return percent_for_scripts(self.headroom)

    @property
    def times_the_limit(self) -> float | None:
        """How many times its limit the figure is, from FAR_OVER times on ('-85,162,552%' reads badly
        said as headroom); None below that, where the headroom says how far."""
        if self.limit.maximum == 0 or self.actual < FAR_OVER * self.limit.maximum:
            return None
        return quotient(self.actual, self.limit.maximum)


@value
class SpecCheck:
    """A spec and each of its budget lines, measured. With `budget_required` (`--require-budget`),
    a spec without any budget fails: a CI gate that checks nothing should not pass. `against`: the
    spec held to a model file (`--against`), which fails when they disagree, or the model file that
    could not be read (an error of the run, not a second spec)."""

    report: Report
    checks: tuple[BudgetCheck, ...]
    budget_required: bool = False
    against: Drift | UnreadableSpec | None = None

    @property
    def passed(self) -> bool:
        budgeted = bool(self.checks) or not self.budget_required
        matched = self.against is None or (isinstance(self.against, Drift) and self.against.agrees)
        return all(check.passed for check in self.checks) and budgeted and matched

    @property
    def drift(self) -> Drift | None:
        """The spec against its model file, when the file could be read."""
        return self.against if isinstance(self.against, Drift) else None


@value
class UnreadableSpec:
    """A spec `check` could not read or compute: the argument or file it was, and the error."""

    source: str
    error: ArchcalcError = field(compare=False)

    passed: ClassVar[bool] = False


CheckOutcome = SpecCheck | UnreadableSpec
"""What `check` reports for each spec: its budgets measured, or why it could not be."""


@value
class CheckRun:
    """Every spec `check` was given, and what the summary and the exit status count of them."""

    outcomes: tuple[CheckOutcome, ...]

    @property
    def checked(self) -> tuple[SpecCheck, ...]:
        return tuple(outcome for outcome in self.outcomes if isinstance(outcome, SpecCheck))

    @property
    def budgets(self) -> tuple[BudgetCheck, ...]:
        return tuple(check for outcome in self.checked for check in outcome.checks)

    @property
    def over(self) -> int:
        """Budgets exceeded."""
        return sum(not check.passed for check in self.budgets)

    @property
    def within(self) -> int:
        return len(self.budgets) - self.over

    @property
    def unbudgeted(self) -> int:
        """Specs without the budget --require-budget asks for."""
        return sum(outcome.budget_required and not outcome.checks for outcome in self.checked)

    @property
    def unreadable(self) -> int:
        """Specs that could not be read or computed."""
        return len(self.outcomes) - len(self.checked)

    @property
    def passed(self) -> bool:
        return all(outcome.passed for outcome in self.outcomes)


def unreadable(outcome: CheckOutcome) -> bool:
    """A spec, or the model file it is held to, that could not be read: the run's exit status is 2."""
    return isinstance(outcome, UnreadableSpec) or isinstance(outcome.against, UnreadableSpec)


def figure(report: Report, kind: BudgetKind, dtype: DType) -> int:
    """The figure a budget of this kind limits."""
    match kind:
        case BudgetKind.PARAMS:
            return report.total.params
        case BudgetKind.MACS:
            return report.total.macs
        case BudgetKind.PARAM_BYTES:
            return param_bytes(report, dtype)
        case BudgetKind.ACTIVATION_BYTES:
            return activation_bytes(report, dtype)
        case BudgetKind.TRAIN_TOTAL_BYTES | BudgetKind.TRAIN_ACTIVATION_BYTES:
            memory = training_of(report, training_request(report.spec.training or TrainingSetup())).memory
            return memory.total_bytes if kind is BudgetKind.TRAIN_TOTAL_BYTES else memory.activation_bytes
        case _:
            unreachable(kind)


def merge_limits(written: Sequence[Limit], flags: Sequence[Limit]) -> tuple[Limit, ...]:
    """The spec's own budget, each kind replaced by a command-line flag for it: the flag wins."""
    overridden = {limit.kind for limit in flags}
    return (*[limit for limit in written if limit.kind not in overridden], *flags)


def check_spec(report: Report, flags: Sequence[Limit], dtype: DType | None, budget_required: bool = False) -> SpecCheck:
    """Every limit of this spec (its own, overridden by flags), at the flag's dtype or the spec's."""
    chosen = dtype or report.spec.budget_dtype
    limits = merge_limits(report.spec.budget, flags)
    setup = report.spec.training
    if setup is not None and setup.device is not None and not any(limit.kind is BudgetKind.TRAIN_TOTAL_BYTES for limit in limits):
        from archcalc.devices import device  # lazy: only a spec that trains for a device reads the device table

        limits = (*limits, Limit(BudgetKind.TRAIN_TOTAL_BYTES, device(setup.device).need("memory_bytes"), None))
    return SpecCheck(report, tuple(BudgetCheck(limit, figure(report, limit.kind, chosen), chosen) for limit in limits), budget_required)
