"""`sweep`: parameters and MACs at each input side, the growth exponent, and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.render.grid import Cell, Column, Grid, Row

if TYPE_CHECKING:
    from archcalc.engine.sweep import Sweep


def sweep_grid(sweeps: Sequence[Sweep], figure: str) -> Grid:
    """A row per input side (or sequence length), parameters and MACs of each spec; the fitted
    exponents below, and why they are what they are."""
    axis = sweep_axis(sweeps)
    columns = [Column(axis)]
    for result in sweeps:
        columns += [Column(f"{result.spec.name} params", numeric=True), Column(f"{result.spec.name} MACs", numeric=True)]
    sizes = sorted({point.size for result in sweeps for point in result.points})
    rows = []
    for size in sizes:
        cells: list[Cell] = [str(size)]
        for result in sweeps:
            point = next((p for p in result.points if p.size == size), None)
            report = point.report if point else None
            refused = "too small" if axis == "side" else "does not fit"
            cells += [report.total.params, report.total.macs] if report else [refused, refused]
        rows.append(Row(tuple(cells)))
    exponents: list[Cell] = ["k"]
    for result in sweeps:
        exponents += [_exponent(result.params_exponent, axis), _exponent(result.macs_exponent, axis)]
    notes = tuple(sweep_verdict(result) for result in sweeps) + tuple(note for result in sweeps if (note := faster_note(result)))
    where = "the input side" if axis == "side" else "the sequence length"
    title = f"how {figure} grow with {where} (k: figure ∝ {axis}^k between the two largest {axis}s)"
    return Grid(title, tuple(columns), tuple(rows), Row(tuple(exponents)), notes)


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
    """Why the parameters grow or do not, naming the layers that grow."""
    name = result.spec.name
    exponent = result.params_exponent
    growing = result.growing_layers
    failed = [point for point in result.points if point.error is not None]
    skipped = ""
    if failed and failed[0].error is not None:
        fit = "too small" if result.axis == "side" else "does not fit"
        skipped = f" ({fit} at {', '.join(str(point.size) for point in failed)}: {failed[0].error.problem})"
    if exponent is None:
        return f"{name}: parameters cannot be fitted{skipped}"
    if not growing:
        return f"{name}: parameters do not depend on the input size (k = 0): every weight is shared across positions{skipped}"
    where = ", ".join(f"{layer.layer.where}" for layer in growing)
    if result.axis == "length":
        return f"{name}: parameters grow as length^{exponent:.2f}, in {where}: weights are per position{skipped}"
    return f"{name}: parameters grow as side^{exponent:.2f}, in {where}: after a flatten, weights are per input position{skipped}"
