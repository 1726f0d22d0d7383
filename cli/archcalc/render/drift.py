"""The drift gate's verdict: each layer where a spec and its model file disagree, located in the spec,
with exactly the figures the engine found to differ."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.engine.drift import Figure
from archcalc.exhaustive import unreachable
from archcalc.printable import printable
from archcalc.render.annotation import annotation
from archcalc.text import shape

if TYPE_CHECKING:
    from archcalc.engine.diff import ComparedLayer
    from archcalc.engine.drift import Disagreement, Drift
    from archcalc.engine.report import Report
    from archcalc.errors import Origin
    from archcalc.model import Cost, Shape


def drift_lines(result: Drift) -> list[str]:
    """`spec.yaml:12:9: layer 5.1 (conv): weights 36,864 here, 73,728 in model.onnx (node '/4/Conv')`,
    one a disagreement, located in the spec as a compiler locates an error. Each is printable
    (archcalc/printable.py): a layer's name from a model file is the exporter's text."""
    model = result.difference.head.spec.origin.source
    return [printable(_located(disagreement, model)) for disagreement in result.disagreements]


def drift_verdict(result: Drift) -> str:
    """`spec.yaml matches model.onnx: params ..., MACs ..., output ...`, or the totals that differ, and only those."""
    spec, model = result.difference.base, result.difference.head
    if result.agrees:
        figures = f"params {spec.total.params:,}, MACs {spec.total.macs:,}, output {shape(spec.output_shape)}"
        return f"{spec.spec.origin.source} matches {model.spec.origin.source}: {figures}"
    if not result.totals:
        return f"{spec.spec.origin.source} does not match {model.spec.origin.source}, though their totals agree"
    totals = ", ".join(f"{_name(figure)} {_figure(spec, figure)} against {_figure(model, figure)}" for figure in result.totals)
    return f"{spec.spec.origin.source} does not match {model.spec.origin.source}: {totals}"


def drift_annotations(result: Drift) -> list[str]:
    """The same disagreements as GitHub annotations at the spec's lines."""
    model = result.difference.head.spec.origin.source
    return [
        annotation("error", _problem(disagreement, model), _origin(disagreement), "archcalc: spec drifted from model") for disagreement in result.disagreements
    ]


def _origin(disagreement: Disagreement) -> Origin | None:
    base = disagreement.layer.base
    return base.result.layer.origin if base is not None else None


def _located(disagreement: Disagreement, model: str) -> str:
    base = disagreement.layer.base
    text = f"{base.result.layer.origin}: " if base is not None else ""
    return text + _problem(disagreement, model)


def _problem(disagreement: Disagreement, model: str) -> str:
    base, head = disagreement.layer.base, disagreement.layer.head
    if base is None and head is not None:
        return f"the spec has nothing for {_node(head)} of {model} ({_held(head, disagreement.figures)})"
    assert base is not None
    where = base.result.layer.where
    if head is None:
        return f"{where}: {model} has nothing for it ({_held(base, disagreement.figures)} here)"
    differences = [
        f"{_name(figure)} {_value(base.cost, base.result.output_shape, figure)} here, {_value(head.cost, head.result.output_shape, figure)} in {model}"
        for figure in disagreement.figures
    ]
    return f"{where}: {'; '.join(differences)} ({_node(head)})"


def _name(figure: Figure) -> str:
    match figure:
        case Figure.WEIGHTS:
            return "weights"
        case Figure.BIASES:
            return "biases"
        case Figure.NON_TRAINABLE:
            return "non-trainable state"
        case Figure.MACS:
            return "MACs"
        case Figure.OUTPUT_SHAPE:
            return "output"
        case _:
            unreachable(figure)


def _value(cost: Cost, output_shape: Shape, figure: Figure) -> str:
    return shape(output_shape) if figure is Figure.OUTPUT_SHAPE else f"{getattr(cost, figure.value):,}"


def _figure(report: Report, figure: Figure) -> str:
    return _value(report.total, report.output_shape, figure)


def _node(side: ComparedLayer) -> str:
    layer = side.result.layer
    return f"node '{layer.name}'" if layer.name else layer.where


def _held(side: ComparedLayer, figures: tuple[Figure, ...]) -> str:
    """What a layer on one side only has: the figures the engine found (an output shape that is not its input's)."""
    return ", ".join(f"{_name(figure)} {_value(side.cost, side.result.output_shape, figure)}" for figure in figures)
