"""A spec read from a model file, held to what the file itself says: the readers' self-check.

A reader (ONNX) sums what the file holds; `archcalc import` writes the spec out and reads it back.
Either way the engine's totals and output shape for the spec must be those, or archcalc misread.
"""

from __future__ import annotations

from archcalc.engine import analyze
from archcalc.model import Cost, Shape, Spec
from archcalc.values import value


@value
class Mismatch:
    """What the spec gives where it should have given other figures."""

    total: Cost
    output_shape: Shape


def mismatch(spec: Spec, total: Cost, output_shape: Shape) -> Mismatch | None:
    """None when the engine gives the spec `total` and `output_shape`; else what it gives."""
    report = analyze(spec)
    if report.total == total and report.output_shape == output_shape:
        return None
    return Mismatch(report.total, report.output_shape)
