"""The drift gate's verdict: each layer where a spec and its model file disagree, located in the spec."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.render.github import annotation
from archcalc.text import shape

if TYPE_CHECKING:
    from archcalc.engine.diff import LayerDiff, Occurrence
    from archcalc.engine.drift import Drift


def drift_lines(result: Drift) -> list[str]:
    """`spec.yaml:12:9: layer 5.1 (conv): params 36,928 here, 73,856 in model.onnx (node '/4/Conv')`, one a
    disagreement, then a summary line."""
    spec, model = result.difference.base, result.difference.head
    lines = [_located(layer, model.spec.origin.source) for layer in result.disagreements]
    if result.agrees:
        figures = f"params {spec.total.params:,}, MACs {spec.total.macs:,}, output {shape(spec.output_shape)}"
        lines.append(f"{spec.spec.origin.source} matches {model.spec.origin.source}: {figures}")
    else:
        lines.append(
            f"{spec.spec.origin.source} does not match {model.spec.origin.source}: params {spec.total.params:,} against {model.total.params:,}, "
            f"MACs {spec.total.macs:,} against {model.total.macs:,}, output {shape(spec.output_shape)} against {shape(model.output_shape)}"
        )
    return lines


def drift_annotations(result: Drift) -> list[str]:
    """The same disagreements as GitHub annotations at the spec's lines."""
    model = result.difference.head.spec.origin.source
    return [
        annotation("error", _problem(layer, model), layer.base.result.layer.origin if layer.base else None, "archcalc: spec drifted from model")
        for layer in result.disagreements
    ]


def _located(layer: LayerDiff, model: str) -> str:
    where = layer.base.result.layer.origin if layer.base else None
    text = f"{where}: " if where is not None else ""
    return text + _problem(layer, model)


def _problem(layer: LayerDiff, model: str) -> str:
    base, head = layer.base, layer.head
    if base is None and head is not None:
        return f"the spec has nothing for {_node(head)} of {model} ({_figures(head)})"
    assert base is not None
    where = base.result.layer.where
    if head is None:
        return f"{where}: {model} has nothing for it ({_figures(base)} here)"
    differences = []
    for figure, name in (("params", "params"), ("macs", "MACs"), ("non_trainable", "non-trainable state")):
        here, there = layer.figure(base, figure), layer.figure(head, figure)
        if here != there:
            differences.append(f"{name} {here:,} here, {there:,} in {model}")
    if base.result.output_shape != head.result.output_shape:
        differences.append(f"output {shape(base.result.output_shape)} here, {shape(head.result.output_shape)} in {model}")
    return f"{where}: {'; '.join(differences)} ({_node(head)})"


def _node(side: Occurrence) -> str:
    layer = side.result.layer
    return f"node '{layer.name}'" if layer.name else layer.where


def _figures(side: Occurrence) -> str:
    return f"params {side.cost.params:,}, MACs {side.cost.macs:,}, output {shape(side.result.output_shape)}"
