"""Spec names as people read them in one run's tables and charts: where two specs share a `name:`,
each is followed by its file (`my-mnist (specs/a.yaml)`), or the rows could not be told apart.
JSON keeps `name` as the spec writes it: its `source` tells them apart already."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archcalc.engine.report import Report


class SpecNames:
    """The name to show for each of the reports one run renders (call it with one of them)."""

    __slots__ = ("_shared",)

    def __init__(self, reports: Iterable[Report]) -> None:
        counts = Counter(report.name for report in reports)
        self._shared = frozenset(name for name, count in counts.items() if count > 1)

    def __call__(self, report: Report) -> str:
        return f"{report.name} ({report.spec.origin.source})" if report.name in self._shared else report.name
