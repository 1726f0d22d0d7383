"""Reports as JSON (docs/json.md): exact ints, channels-last shapes, stable keys."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.render.formats import Counting
from archcalc.render.layer_text import explain, label

if TYPE_CHECKING:
    from archcalc.engine.analysis import Analysis, LayerFigures
    from archcalc.engine.budget import BudgetCheck, CheckOutcome, UnreadableSpec
    from archcalc.engine.comparison import Comparison
    from archcalc.engine.diff import LayerDiff, Occurrence, ReportDiff
    from archcalc.engine.drift import Drift
    from archcalc.engine.sweep import Sweep, SweepPoint
    from archcalc.errors import ArchcalcError, Origin
    from archcalc.model import Cost, Field, Length

SCHEMA_VERSION = 1
"""Bumped only when a key is removed or changes meaning; adding keys keeps the version."""


def cost_json(cost: Cost, counting: Counting = Counting.MACS) -> dict[str, int]:
    """The five figures; with `--count flops` also `flops`, 2 per MAC."""
    figures = {
        "params": cost.params,
        "weights": cost.weights,
        "biases": cost.biases,
        "non_trainable": cost.non_trainable,
        "macs": cost.macs,
    }
    if counting is Counting.FLOPS:
        figures["flops"] = counting.of(cost.macs)
    return figures


def layer_json(figures: LayerFigures, with_field: bool, explain_layers: bool, counting: Counting = Counting.MACS) -> dict[str, object]:
    """A layer with its figures counted over all the occurrences it stands for (inside a `repeat`),
    and its children counted the same way, so they add up to it; with what the analysis was asked."""
    result = figures.result
    layer = result.layer
    entry: dict[str, object] = {
        "position": layer.position,
        "type": layer.kind,
        "name": layer.name,
        "label": label(result, figures.occurrences),
        "input_shape": list(result.input_shape),
        "output_shape": list(result.output_shape),
        **cost_json(figures.cost, counting),
    }
    if figures.occurrences > 1:
        entry["times"] = figures.occurrences
    if result.joined:  # the graph by name: what this layer reads, who reads it, and extra outputs
        entry["reads"] = [{"name": source.layer.name, "position": source.layer.position} for source in result.joined]
    if figures.read_by:
        entry["read_by"] = [reader.layer.position for reader in figures.read_by]
    if layer.SIDE_BRANCH:
        entry["side_output"] = figures.side_output
    if with_field:
        entry["receptive_field"] = field_json(figures.field)
    if figures.param_bytes is not None:
        entry["param_bytes"] = figures.param_bytes
        entry["output_bytes"] = figures.output_bytes
    if figures.kv_cache_bytes:
        entry["kv_cache_bytes"] = figures.kv_cache_bytes
    if explain_layers:
        entry["arithmetic"] = explain(result, figures.occurrences).split("\n")
    if figures.children:
        entry["children"] = [layer_json(child, with_field, explain_layers, counting) for child in figures.children]
    return entry


def field_json(field: Field | None) -> dict[str, object] | None:
    """`size` null means the whole input; `stride` is the effective stride in input positions."""
    if field is None:
        return None
    size = None if field.size is None else [_length(length) for length in field.size]
    return {"size": size, "stride": [_length(length) for length in field.jump], "approximate": field.approximate}


def _length(length: Length) -> int | float:
    """An int, or past an upsampling a fraction of an input position as a float (0.5)."""
    return length if isinstance(length, int) else float(length)


def report_json(analysis: Analysis, explain_layers: bool = False, counting: Counting = Counting.MACS) -> dict[str, object]:
    """The spec's figures; each layer also carries what the analysis was asked (receptive field,
    memory) and, with `explain_layers`, its arithmetic written out."""
    report = analysis.report
    document: dict[str, object] = {
        "schema_version": SCHEMA_VERSION,
        "name": report.name,
        "description": report.spec.description,
        "source": report.spec.origin.source,
        "input_shape": list(report.input_shape),
        "output_shape": list(report.output_shape),
        "totals": cost_json(report.total, counting),
    }
    if report.side_outputs:
        document["side_outputs"] = [
            {"name": side.layer.name, "position": side.layer.position, "output_shape": list(side.output_shape)} for side in report.side_outputs
        ]
    if report.spec.notes:
        document["notes"] = list(report.spec.notes)
    if analysis.memory is not None:
        document["memory"] = {
            "dtype": analysis.memory.dtype.value,
            "param_bytes": analysis.memory.param_bytes,
            "peak_activation_bytes": analysis.memory.peak_activation_bytes,
            "attention": "eager" if analysis.memory.eager_attention else "flash",
            "kv_cache_values": analysis.memory.kv_cache_values,
            "kv_cache_bytes": analysis.memory.kv_cache_bytes,
        }
    document["layers"] = [layer_json(figures, analysis.request.receptive_field, explain_layers, counting) for figures in analysis.layers]
    return document


def compare_json(compared: Comparison, counting: Counting = Counting.MACS) -> dict[str, object]:
    """Each spec's totals, and the first spec's figure divided by this one's (4.05 = 4.05× fewer)."""
    specs = [
        {
            "name": spec.report.name,
            "source": spec.report.spec.origin.source,
            "input_shape": list(spec.report.input_shape),
            "output_shape": list(spec.report.output_shape),
            "totals": cost_json(spec.report.total, counting),
            "first_over_this": {"params": spec.params, "weights": spec.weights, "macs": spec.macs},
        }
        for spec in compared.specs
    ]
    return {"schema_version": SCHEMA_VERSION, "baseline": compared.baseline.name, "specs": specs}


def origin_json(origin: Origin | None) -> dict[str, object] | None:
    if origin is None:
        return None
    return {"source": origin.source, "line": origin.line, "column": origin.column}


def budget_json(check: BudgetCheck) -> dict[str, object]:
    return {
        "budget": check.limit.kind.value,
        "dtype": check.dtype.value if check.limit.kind.in_bytes else None,
        "limit": check.limit.maximum,
        "actual": check.actual,
        "headroom_percent": None if check.headroom is None or not math.isfinite(check.headroom) else round(check.headroom * 100, 3),
        "passed": check.passed,
        "from": "flag" if check.limit.origin is None else "spec",
        "written_at": origin_json(check.limit.origin),
    }


def check_json(results: Sequence[CheckOutcome]) -> dict[str, object]:
    """`passed` for the whole run, then each spec with each of its budgets, or the error that kept
    it from being checked (its message, and where it was written); with --against, how the spec and
    its model file compare (a spec's `passed` counts it)."""
    from archcalc.engine.budget import SpecCheck, UnreadableSpec

    specs: list[dict[str, object]] = []
    for result in results:
        if isinstance(result, UnreadableSpec):
            specs.append({"name": None, "source": result.source, "passed": False, "budgets": [], "error": error_json(result.error)})
        else:
            specs.append(
                {
                    "name": result.report.name,
                    "source": result.report.spec.origin.source,
                    "passed": result.passed,
                    "budgets": [budget_json(check) for check in result.checks],
                    "budget_required": result.budget_required,
                    "error": None,
                }
            )
    document: dict[str, object] = {"schema_version": SCHEMA_VERSION, "passed": all(result.passed for result in results), "specs": specs}
    held = [result.against for result in results if isinstance(result, SpecCheck) and result.against is not None]
    if held:  # check --against: one spec, one model file
        document["against"] = unread_model_json(held[0]) if isinstance(held[0], UnreadableSpec) else drift_json(held[0])
    return document


def error_json(error: ArchcalcError) -> dict[str, object]:
    """An input that could not be read: its message (as standard error writes it), and where."""
    return {"message": error.message, "problem": error.problem, "layer": error.layer, "hint": error.hint, "location": origin_json(error.origin)}


def unread_model_json(model: UnreadableSpec) -> dict[str, object]:
    """check --against a model file that could not be read: drift_json's keys, nothing compared, and the error."""
    compared: dict[str, object] = {"agrees": False, "model_totals": None, "model_output_shape": None, "totals_differ": [], "disagreements": []}
    return {"model": model.source, **compared, "error": error_json(model.error)}


def occurrence_json(side: Occurrence | None, counting: Counting = Counting.MACS) -> dict[str, object] | None:
    if side is None:
        return None
    result = side.result
    return {
        "position": result.layer.position,
        "type": result.layer.kind,
        "name": result.layer.name,
        "label": label(result, side.times),
        "output_shape": list(result.output_shape),
        **cost_json(side.cost, counting),
    }


def layer_diff_json(layer: LayerDiff, counting: Counting = Counting.MACS) -> dict[str, object]:
    delta = {figure: layer.delta(figure) for figure in ("params", "weights", "biases", "non_trainable", "macs")}
    if counting is Counting.FLOPS:
        delta["flops"] = counting.of(delta["macs"])
    return {
        "change": layer.change.value,
        "base": occurrence_json(layer.base, counting),
        "head": occurrence_json(layer.head, counting),
        "delta": delta,
    }


def drift_json(drift: Drift) -> dict[str, object]:
    """check --against: whether the spec matches its model file, the totals that differ, and each
    layer pair that does not match, with the figures it differs in."""
    model = drift.difference.head
    return {
        "model": model.spec.origin.source,
        "agrees": drift.agrees,
        "error": None,
        "model_totals": cost_json(model.total),
        "model_output_shape": list(model.output_shape),
        "totals_differ": [figure.value for figure in drift.totals],
        "disagreements": [
            {
                "origin": None if disagreement.layer.base is None else str(disagreement.layer.base.result.layer.origin),
                "differ": [figure.value for figure in disagreement.figures],
                "spec": occurrence_json(disagreement.layer.base),
                "model": occurrence_json(disagreement.layer.head),
            }
            for disagreement in drift.disagreements
        ],
    }


def diff_json(difference: ReportDiff, counting: Counting = Counting.MACS) -> dict[str, object]:
    """Both totals, their difference, and every layer (the same ones included) with its change."""
    base, head = difference.base, difference.head
    base_totals, head_totals = cost_json(base.total, counting), cost_json(head.total, counting)
    return {
        "schema_version": SCHEMA_VERSION,
        "base": {"name": base.name, "source": base.spec.origin.source, "output_shape": list(base.output_shape), "totals": base_totals},
        "head": {"name": head.name, "source": head.spec.origin.source, "output_shape": list(head.output_shape), "totals": head_totals},
        "delta": {key: value - base_totals[key] for key, value in head_totals.items()},
        "layers": [layer_diff_json(layer, counting) for layer in difference.layers],
    }


def sweep_point_json(point: SweepPoint, counting: Counting = Counting.MACS) -> dict[str, object]:
    if point.report is None:
        return {"size": point.size, "error": None if point.error is None else point.error.message}
    return {
        "size": point.size,
        "input_shape": list(point.report.input_shape),
        "output_shape": list(point.report.output_shape),
        "totals": cost_json(point.report.total, counting),
    }


def sweep_json(sweeps: Sequence[Sweep], counting: Counting = Counting.MACS) -> dict[str, object]:
    """Per spec: what varies (`side` or `length`), the fitted exponents (figure ∝ side^k), the layers
    whose parameters grow, those whose MACs grow faster than their input, and every size."""
    return {
        "schema_version": SCHEMA_VERSION,
        "specs": [
            {
                "name": result.spec.name,
                "source": result.spec.origin.source,
                "axis": result.axis,
                "exponents": {"params": result.params_exponent, "macs": result.macs_exponent},
                "growing_layers": [layer.layer.position for layer in result.growing_layers],
                "faster_layers": [
                    {
                        "position": layer.result.layer.position,
                        "times": layer.occurrences,
                        "macs_exponent": layer.macs_exponent,
                        "input_exponent": layer.input_exponent,
                    }
                    for layer in result.faster_layers
                ],
                "points": [sweep_point_json(point, counting) for point in result.points],
            }
            for result in sweeps
        ],
    }


def sharing_json(analysis: Analysis) -> dict[str, object]:
    return {
        "schema_version": SCHEMA_VERSION,
        "name": analysis.report.name,
        "layers": [
            {
                "position": entry.result.layer.position,
                "type": entry.result.layer.kind,
                "label": label(entry.result, entry.occurrences),
                "input_shape": list(entry.result.input_shape),
                "output_shape": list(entry.result.output_shape),
                "positions": entry.positions,
                "shared_weights": entry.shared_weights,
                "locally_connected_weights": entry.locally_connected_weights,
                "dense_weights": entry.dense_weights,
                "occurrences": entry.occurrences,
            }
            for entry in analysis.sharing or ()
        ],
    }


_INT_LIST = re.compile(r"\[\s+(-?\d+(?:,\s+-?\d+)*)\s+\]")


def dumps(document: object) -> str:
    """Indented JSON, with lists of ints (shapes) kept on one line: `[224, 224, 3]`. U+2028 and
    U+2029, which JSON allows raw, are escaped, so no reader takes them for line breaks."""
    text = json.dumps(document, indent=2, ensure_ascii=False)
    text = _INT_LIST.sub(lambda match: "[" + ", ".join(match.group(1).replace(",", " ").split()) + "]", text)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"
