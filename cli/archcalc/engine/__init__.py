"""Spec -> Report: every layer's output shape, parameters and MACs, as exact integers."""

from __future__ import annotations

from archcalc.engine.layers import UNROLLED, UnrollTally, apply_layers
from archcalc.engine.report import Cost, LayerResult, Report, total_cost
from archcalc.spec.model import Spec

__all__ = ["Cost", "LayerResult", "Report", "analyze"]


def analyze(spec: Spec) -> Report:
    """Compute a whole spec. Raises ShapeError, located at the layer, when a shape cannot be computed."""
    token = UNROLLED.set(UnrollTally())
    try:
        layers = apply_layers(spec.layers, spec.input_shape)
    finally:
        UNROLLED.reset(token)
    return Report(spec, layers, total_cost([layer.cost for layer in layers]))
