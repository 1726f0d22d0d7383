"""`sweep`: parameters and MACs at each input side, the growth exponent, and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.render.formats import Counting
from archcalc.render.grid import Cell, Column, Grid, Row, Shown

if TYPE_CHECKING:
    from archcalc.engine.sweep import Sweep


def sweep_grid(sweeps: Sequence[Sweep], counting: Counting = Counting.MACS) -> Grid:
    """A row per input side, parameters and MACs of each spec; the fitted exponents below."""
    count = counting.heading
    columns = [Column("side")]
    for result in sweeps:
        columns += [Column(f"{result.spec.name} params", numeric=True), Column(f"{result.spec.name} {count}", numeric=True)]
    sizes = sorted({point.size for result in sweeps for point in result.points})
    rows = []
    for size in sizes:
        cells: list[Cell] = [str(size)]
        for result in sweeps:
            point = next((p for p in result.points if p.size == size), None)
            report = point.report if point else None
            cells += [report.total.params, counting.of(report.total.macs)] if report else ["too small", "too small"]
        rows.append(Row(tuple(cells)))
    exponents: list[Cell] = ["k"]
    for result in sweeps:
        exponents += [_exponent(result.params_exponent), _exponent(result.macs_exponent)]
    notes = [sweep_verdict(result) for result in sweeps]
    if counting is Counting.FLOPS:
        notes.append("FLOPs = 2 × MACs: a multiply and an add each")
    title = f"how parameters and {count} grow with the input side (k: figure ∝ side^k between the two largest sides)"
    return Grid(title, tuple(columns), tuple(rows), Row(tuple(exponents)), tuple(notes))


def sweep_records(sweeps: Sequence[Sweep], counting: Counting = Counting.MACS) -> Grid:
    """The same figures for scripts (CSV): a row per spec and side, the exponents k in columns of
    their own, and why a size did not compute."""
    figure = counting.value
    columns = (
        Column("spec"),
        Column("side", numeric=True),
        Column("params", numeric=True),
        Column(figure, numeric=True),
        Column("params_exponent", numeric=True),
        Column(f"{figure}_exponent", numeric=True),
        Column("problem"),
    )
    rows = []
    for result in sweeps:
        for point in result.points:
            report = point.report
            figures: tuple[Cell, Cell] = (None, None) if report is None else (report.total.params, counting.of(report.total.macs))
            exponents = (Shown(_exponent(result.params_exponent), result.params_exponent), Shown(_exponent(result.macs_exponent), result.macs_exponent))
            problem = None if point.error is None else point.error.problem
            rows.append(Row((result.spec.name, point.size, *figures, *exponents, problem)))
    return Grid("sweep", columns, tuple(rows))


def _exponent(value: float | None) -> str:
    return "–" if value is None else f"side^{value:.2f}"


def sweep_verdict(result: Sweep) -> str:
    """Why the parameters grow or do not, naming the layers that grow; or why k cannot be fitted."""
    name = result.spec.name
    exponent = result.params_exponent
    growing = result.growing_layers
    computed = [point.size for point in result.points if point.report is not None]
    failed = [point for point in result.points if point.error is not None]
    skipped = ""
    if failed and failed[0].error is not None:
        skipped = f" (too small at {', '.join(str(point.size) for point in failed)}: {failed[0].error.problem})"
    if exponent is None and len(computed) < 2:
        did = f"only {computed[0]} did" if computed else "none did"
        example = ",".join(str(computed[0] * 2**step) for step in range(3)) if computed else "8,16,32"
        return f"{name}: k cannot be fitted: a fit needs two sizes or more that compute, and {did}; give more, e.g. --sizes {example}{skipped}"
    if exponent is None:  # two sizes or more, but a figure of 0, whose logarithm does not exist
        if not any(params for _, params in result.values("params")):
            return f"{name}: no parameters at any size, so nothing grows{skipped}"
        return f"{name}: k cannot be fitted: parameters are 0 at some sizes, and a fit on log-log axes needs every figure above 0{skipped}"
    if not growing:
        return f"{name}: parameters do not depend on the input size (k = 0): every weight is shared across positions{skipped}"
    where = ", ".join(f"{layer.layer.where}" for layer in growing)
    return f"{name}: parameters grow as side^{exponent:.2f}, in {where}: after a flatten, weights are per input position{skipped}"
