"""`sweep`: parameters and MACs at each input side, the growth exponent, and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.render.formats import Counting
from archcalc.render.grid import Cell, Column, Grid, Row, Shown

if TYPE_CHECKING:
    from archcalc.engine.sweep import Sweep


def sweep_grid(sweeps: Sequence[Sweep], counting: Counting = Counting.MACS) -> Grid:
    """A row per input side (or sequence length), parameters and MACs of each spec; the fitted
    exponents below, and why they are what they are."""
    axis = sweep_axis(sweeps)
    count = counting.heading
    columns = [Column(axis)]
    for result in sweeps:
        columns += [Column(f"{result.spec.name} params", numeric=True), Column(f"{result.spec.name} {count}", numeric=True)]
    sizes = sorted({point.size for result in sweeps for point in result.points})
    rows = []
    for size in sizes:
        cells: list[Cell] = [str(size)]
        for result in sweeps:
            point = next((p for p in result.points if p.size == size), None)
            report = point.report if point else None
            refused = "too small" if axis == "side" else "does not fit"
            cells += [report.total.params, counting.of(report.total.macs)] if report else [refused, refused]
        rows.append(Row(tuple(cells)))
    exponents: list[Cell] = ["k"]
    for result in sweeps:
        exponents += [_exponent(result.params_exponent, axis), _exponent(result.macs_exponent, axis)]
    notes = [sweep_verdict(result) for result in sweeps] + [note for result in sweeps if (note := faster_note(result))]
    if counting is Counting.FLOPS:
        notes.append("FLOPs = 2 × MACs: a multiply and an add each")
    where = "the input side" if axis == "side" else "the sequence length"
    title = f"how parameters and {count} grow with {where} (k: figure ∝ {axis}^k between the two largest {axis}s)"
    return Grid(title, tuple(columns), tuple(rows), Row(tuple(exponents)), tuple(notes))


def sweep_records(sweeps: Sequence[Sweep], counting: Counting = Counting.MACS) -> Grid:
    """The same figures for scripts (CSV): a row per spec and size, the exponents k in columns of
    their own, and why a size did not compute. The size column is `side` or `length`, as it varies."""
    axis = sweep_axis(sweeps)
    figure = counting.value
    columns = (
        Column("spec"),
        Column(axis, numeric=True),
        Column("params", numeric=True),
        Column(figure, numeric=True),
        Column("params_exponent", numeric=True),
        Column(f"{figure}_exponent", numeric=True),
        Column("problem"),
    )
    rows = []
    for result in sweeps:
        exponents = (Shown(_exponent(result.params_exponent, axis), result.params_exponent), Shown(_exponent(result.macs_exponent, axis), result.macs_exponent))
        for point in result.points:
            report = point.report
            figures: tuple[Cell, Cell] = (None, None) if report is None else (report.total.params, counting.of(report.total.macs))
            problem = None if point.error is None else point.error.problem
            rows.append(Row((result.spec.name, point.size, *figures, *exponents, problem)))
    return Grid("sweep", columns, tuple(rows))


def sweep_axis(sweeps: Sequence[Sweep]) -> str:
    """`length` when every spec varies a sequence's length, else `side`."""
    return "length" if sweeps and all(result.axis == "length" for result in sweeps) else "side"


def _exponent(value: float | None, axis: str) -> str:
    return "–" if value is None else f"{axis}^{value:.2f}"


def faster_note(result: Sweep) -> str | None:
    """The layers whose MACs outgrow their input, as attention's N×N scores do; None when there are none."""
    if not result.faster_layers or result.macs_exponent is None:
        return None
    axis = result.axis
    layers = "; ".join(
        f"{layer.result.layer.where}{f' ×{layer.occurrences:,}' if layer.occurrences > 1 else ''}: "
        f"{axis}^{layer.macs_exponent:.2f} on an input growing as {axis}^{layer.input_exponent:.2f}"
        for layer in result.faster_layers
    )
    return f"{result.spec.name}: MACs grow as {axis}^{result.macs_exponent:.2f}; faster than their input in {layers}"


def sweep_verdict(result: Sweep) -> str:
    """Why the parameters grow or do not, naming the layers that grow; or why k cannot be fitted."""
    name = result.spec.name
    exponent = result.params_exponent
    growing = result.growing_layers
    computed = [point.size for point in result.points if point.report is not None]
    failed = [point for point in result.points if point.error is not None]
    skipped = ""
    if failed and failed[0].error is not None:
        fit = "too small" if result.axis == "side" else "does not fit"
        skipped = f" ({fit} at {', '.join(str(point.size) for point in failed)}: {failed[0].error.problem})"
    if exponent is None and len(computed) < 2:
        did = f"only one did ({result.axis} {computed[0]})" if computed else "none did"
        example = ",".join(str(computed[0] * 2**step) for step in range(3)) if computed else "8,16,32"
        return f"{name}: k cannot be fitted: a fit needs two sizes or more that compute, and {did}; give more, e.g. --sizes {example}{skipped}"
    if exponent is None:  # two sizes or more, but a figure of 0, whose logarithm does not exist
        if not any(params for _, params in result.values("params")):
            return f"{name}: no parameters at any size, so nothing grows{skipped}"
        return f"{name}: k cannot be fitted: parameters are 0 at some sizes, and a fit on log-log axes needs every figure above 0{skipped}"
    if not growing:
        return f"{name}: parameters do not depend on the input size (k = 0): every weight is shared across positions{skipped}"
    where = ", ".join(f"{layer.layer.where}" for layer in growing)
    if result.axis == "length":
        return f"{name}: parameters grow as length^{exponent:.2f}, in {where}: weights are per position{skipped}"
    return f"{name}: parameters grow as side^{exponent:.2f}, in {where}: after a flatten, weights are per input position{skipped}"
