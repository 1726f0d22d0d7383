"""`sweep`: parameters and MACs at each input side, the growth exponent, and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.render.grid import Cell, Column, Grid, Row

if TYPE_CHECKING:
    from archcalc.engine.sweep import Sweep


def sweep_grid(sweeps: Sequence[Sweep], figure: str) -> Grid:
    """A row per input side, parameters and MACs of each spec; the fitted exponents below."""
    columns = [Column("side")]
    for result in sweeps:
        columns += [Column(f"{result.spec.name} params", numeric=True), Column(f"{result.spec.name} MACs", numeric=True)]
    sizes = sorted({point.size for result in sweeps for point in result.points})
    rows = []
    for size in sizes:
        cells: list[Cell] = [str(size)]
        for result in sweeps:
            point = next((p for p in result.points if p.size == size), None)
            report = point.report if point else None
            cells += [report.total.params, report.total.macs] if report else ["too small", "too small"]
        rows.append(Row(tuple(cells)))
    exponents: list[Cell] = ["k"]
    for result in sweeps:
        exponents += [_exponent(result.params_exponent), _exponent(result.macs_exponent)]
    notes = tuple(sweep_verdict(result) for result in sweeps)
    title = f"how {figure} grow with the input side (k: figure ∝ side^k between the two largest sides)"
    return Grid(title, tuple(columns), tuple(rows), Row(tuple(exponents)), notes)


def _exponent(value: float | None) -> str:
    return "–" if value is None else f"side^{value:.2f}"


def sweep_verdict(result: Sweep) -> str:
    """Why the parameters grow or do not, naming the layers that grow."""
    name = result.spec.name
    exponent = result.params_exponent
    growing = result.growing_layers
    failed = [point for point in result.points if point.error is not None]
    skipped = ""
    if failed and failed[0].error is not None:
        skipped = f" (too small at {', '.join(str(point.size) for point in failed)}: {failed[0].error.problem})"
    if exponent is None:
        return f"{name}: parameters cannot be fitted{skipped}"
    if not growing:
        return f"{name}: parameters do not depend on the input size (k = 0): every weight is shared across positions{skipped}"
    where = ", ".join(f"{layer.layer.where}" for layer in growing)
    return f"{name}: parameters grow as side^{exponent:.2f}, in {where}: after a flatten, weights are per input position{skipped}"
