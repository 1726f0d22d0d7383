"""`sweep`: parameters and MACs at each input side, the growth exponent, and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.counting import Counting
from archcalc.errors import SizeLimit
from archcalc.render.grid import Cell, Column, Grid, Row, Shown

if TYPE_CHECKING:
    from archcalc.engine.sweep import Sweep, SweepPoint


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
            if point is not None and report is not None:
                cells += [report.total.params, counting.of(report.total.macs)]
            else:
                refused = refusal(point, axis)
                cells += [refused, refused]
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


REFUSALS = {
    (SizeLimit.TOO_SMALL, "side"): "too small",
    (SizeLimit.TOO_SMALL, "length"): "too short",
    (SizeLimit.TOO_LARGE, "side"): "too large",
    (SizeLimit.TOO_LARGE, "length"): "too long",
    (SizeLimit.FIXED, "side"): "fixed size",
    (SizeLimit.FIXED, "length"): "fixed size",
}


def refusal(point: SweepPoint | None, axis: str) -> str:
    """Why a size has no figures, in a word or two: the way the layer that refused it says it is wrong."""
    if point is None or point.size_limit is None:
        return "fails"
    return REFUSALS[point.size_limit, axis]


def sweep_verdict(result: Sweep) -> str:
    """Why the parameters grow or do not, naming the layers that grow; or why k cannot be fitted, and
    which sizes might compute."""
    name = result.spec.name
    exponent = result.params_exponent
    growing = result.growing_layers
    computed = result.computed
    failed = result.refused
    skipped = ""
    if failed and failed[0].error is not None:
        skipped = f" ({refusal(failed[0], result.axis)} at {', '.join(str(point.size) for point in failed)}: {failed[0].error.problem})"
    if exponent is None and len(computed) < 2:
        did = f"only one did ({result.axis} {computed[0]})" if computed else "none did"
        suggested = result.suggested_sizes
        if suggested is None:
            fixed = failed[0].error.layer if failed[0].error is not None and failed[0].error.layer else "a counted layer"
            return (
                f"{name}: k cannot be fitted: {fixed} holds figures counted for one input size (an operation of a model file no layer kind "
                f"describes), so no other size computes; {did}{skipped}"
            )
        direction = "smaller sizes" if any(point.size_limit is SizeLimit.TOO_LARGE for point in failed) else "more"
        return (
            f"{name}: k cannot be fitted: a fit needs two sizes or more that compute, and {did}; "
            f"give {direction}, e.g. --sizes {','.join(str(size) for size in suggested)}{skipped}"
        )
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
