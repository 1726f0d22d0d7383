"""Reports as JSON (docs/json.md): exact ints, channels-last shapes, stable keys."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.counting import Counting
from archcalc.errors import InternalError
from archcalc.render.layer_text import explain, label

if TYPE_CHECKING:
    from archcalc.engine.analysis import Analysis, LayerFigures, Memory
    from archcalc.engine.budget import BudgetCheck, CheckRun, UnreadableSpec
    from archcalc.engine.comparison import Comparison, PerToken
    from archcalc.engine.diff import ComparedLayer, LayerDiff, ReportDiff
    from archcalc.engine.drift import Disagreement, Drift
    from archcalc.engine.report import Report
    from archcalc.engine.sweep import Sweep, SweepPoint
    from archcalc.errors import ArchcalcError, Origin
    from archcalc.model import Checkpoint, Cost, Length, ReceptiveField

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


def totals_json(report: Report, counting: Counting) -> dict[str, int]:
    """A spec's five figures, and the parameters one token runs (`active_params`)."""
    return {**cost_json(report.total, counting), "active_params": report.active_params}


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


def field_json(field: ReceptiveField | None) -> dict[str, object] | None:
    """`size` null means the whole input; `stride` is the effective stride in input positions."""
    if field is None:
        return None
    size = None if field.size is None else [_length(length) for length in field.size]
    return {"size": size, "stride": [_length(length) for length in field.jump], "approximate": field.approximate}


def _length(length: Length) -> int | float:
    """An int, or past an upsampling a fraction of an input position as a float (0.5)."""
    return length if isinstance(length, int) else float(length)


def checkpoint_json(checkpoint: Checkpoint) -> dict[str, object]:
    """A checkpoint's files, bytes and values by stored dtype; what it holds that is not counted; the
    layers transformers does not build. Its shapes are [] and its MACs 0: a checkpoint holds neither."""
    return {
        "files": list(checkpoint.files),
        "file_bytes": checkpoint.file_bytes,
        "values_by_dtype": [{"dtype": dtype, "values": values} for dtype, values in checkpoint.values_by_dtype],
        "not_counted": [{"name": name, "tensors": tensors, "values": values} for name, tensors, values in checkpoint.apart],
        "not_built": list(checkpoint.not_built),
    }


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
        "totals": totals_json(report, counting),
    }
    if report.side_outputs:
        document["side_outputs"] = [
            {"name": side.layer.name, "position": side.layer.position, "output_shape": list(side.output_shape)} for side in report.side_outputs
        ]
    if report.spec.notes:
        document["notes"] = list(report.spec.notes)
    if report.spec.checkpoint is not None:
        document["checkpoint"] = checkpoint_json(report.spec.checkpoint)
    if analysis.memory is not None:
        document["memory"] = memory_json(analysis.memory)
    document["layers"] = [layer_json(figures, analysis.request.receptive_field, explain_layers, counting) for figures in analysis.layers]
    return document


def memory_json(memory: Memory) -> dict[str, object]:
    """`memory` as `show` and `compare` write it."""
    return {
        "dtype": memory.dtype.value,
        "param_bytes": memory.param_bytes,
        "peak_activation_bytes": memory.peak_activation_bytes,
        "attention": "eager" if memory.eager_attention else "flash",
        "kv_cache_values": memory.kv_cache_values,
        "kv_cache_bytes": memory.kv_cache_bytes,
        "batch": memory.batch,
    }


def compare_json(compared: Comparison, counting: Counting = Counting.MACS) -> dict[str, object]:
    """Each spec's totals, and the first spec's figure divided by this one's (4.05 = 4.05× fewer)."""
    specs: list[dict[str, object]] = []
    for spec in compared.specs:
        entry: dict[str, object] = {
            "name": spec.report.name,
            "source": spec.report.spec.origin.source,
            "input_shape": list(spec.report.input_shape),
            "output_shape": list(spec.report.output_shape),
            "totals": totals_json(spec.report, counting),
            "first_over_this": {"params": spec.params.first_over_this, "weights": spec.weights.first_over_this, "macs": spec.macs.first_over_this},
            **({} if spec.per_token is None else {"per_token": per_token_json(spec.per_token)}),
        }
        if spec.memory is not None:
            entry["memory"] = memory_json(spec.memory)
        specs.append(entry)
    return {"schema_version": SCHEMA_VERSION, "baseline": compared.baseline.name, "specs": specs}


def per_token_json(figures: PerToken) -> dict[str, int]:
    return {"tokens": figures.tokens, "active_params": figures.active_params, "macs": figures.macs, "kv_cache_values": figures.kv_cache_values}


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
        "headroom_percent": check.headroom_percent,
        "passed": check.passed,
        "from": "flag" if check.limit.origin is None else "spec",
        "written_at": origin_json(check.limit.origin),
    }


def check_json(run: CheckRun) -> dict[str, object]:
    """`passed` for the whole run, then each spec with each of its budgets, or the error that kept
    it from being checked (its message, and where it was written); with --against, how the spec and
    its model file compare (a spec's `passed` counts it)."""
    from archcalc.engine.budget import UnreadableSpec  # lazy: only check reads budgets: show --format json does not load them

    specs: list[dict[str, object]] = []
    for result in run.outcomes:
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
    document: dict[str, object] = {"schema_version": SCHEMA_VERSION, "passed": run.passed, "specs": specs}
    held = [result.against for result in run.checked if result.against is not None]
    if held:  # check --against: one spec, one model file
        document["against"] = unread_model_json(held[0]) if isinstance(held[0], UnreadableSpec) else drift_json(held[0])
    return document


def error_json(error: ArchcalcError) -> dict[str, object]:
    """An input that could not be read: its message (as standard error writes it), and where;
    `internal` when it was a bug in archcalc met on this input, not the input's fault (exit 3)."""
    return {
        "message": error.message,
        "problem": error.problem,
        "layer": error.layer,
        "hint": error.hint,
        "location": origin_json(error.origin),
        "internal": isinstance(error, InternalError),
    }


def unread_model_json(model: UnreadableSpec) -> dict[str, object]:
    """check --against a model file that could not be read: drift_json's keys, nothing compared, and the error."""
    compared: dict[str, object] = {"agrees": False, "model_totals": None, "model_output_shape": None, "totals_differ": [], "notes": [], "disagreements": []}
    return {"model": model.source, **compared, "error": error_json(model.error)}


def compared_layer_json(side: ComparedLayer | None, counting: Counting = Counting.MACS) -> dict[str, object] | None:
    if side is None:
        return None
    result = side.result
    return {
        "position": result.layer.position,
        "type": result.layer.kind,
        "name": result.layer.name,
        "label": label(result, side.occurrences),
        "output_shape": list(result.output_shape),
        **cost_json(side.cost, counting),
    }


def layer_diff_json(layer: LayerDiff, counting: Counting = Counting.MACS) -> dict[str, object]:
    delta = {figure: layer.delta(figure) for figure in ("params", "weights", "biases", "non_trainable", "macs")}
    if counting is Counting.FLOPS:
        delta["flops"] = counting.of(delta["macs"])
    return {
        "change": layer.change.value,
        "base": compared_layer_json(layer.base, counting),
        "head": compared_layer_json(layer.head, counting),
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
        "notes": list(drift.notes),
        "disagreements": [
            {
                "origin": _pointed_at(disagreement),
                "differ": [figure.value for figure in disagreement.figures],
                "spec": compared_layer_json(disagreement.layer.base),
                "model": compared_layer_json(disagreement.layer.head),
            }
            for disagreement in drift.disagreements
        ],
    }


def _pointed_at(disagreement: Disagreement) -> str | None:
    """Where the spec is wrong: a block's `times:` when only its count differs, else the layer."""
    if disagreement.at is not None:
        return str(disagreement.at)
    return None if disagreement.layer.base is None else str(disagreement.layer.base.result.layer.origin)


def diff_json(difference: ReportDiff, counting: Counting = Counting.MACS) -> dict[str, object]:
    """Both totals, their difference, and every layer (the same ones included) with its change."""
    base, head = difference.base, difference.head
    base_totals, head_totals = cost_json(base.total, counting), cost_json(head.total, counting)
    return {
        "schema_version": SCHEMA_VERSION,
        "base": {"name": base.name, "source": base.spec.origin.source, "output_shape": list(base.output_shape), "totals": base_totals},
        "head": {"name": head.name, "source": head.spec.origin.source, "output_shape": list(head.output_shape), "totals": head_totals},
        "delta": cost_json(difference.total_delta, counting),
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
_RAW_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
"""What JSON allows raw in a string and archcalc does not write raw (archcalc/printable.py; JSON
escapes C0 controls itself), and the `[` of `##[`, which a CI log would run as a workflow command."""


def dumps(document: object) -> str:
    """Indented JSON, with lists of ints (shapes) kept on one line: `[224, 224, 3]`. Whatever a name
    from a model file may hold (DEL, C1 controls such as U+009B, which a terminal reads as an escape
    sequence, U+2028 and U+2029, which readers take for line breaks, bidirectional overrides, the
    byte-order mark, a lone surrogate) is written as a `\\uXXXX` escape: a JSON reader gets the text
    exactly, and the JSON's own text holds none of it."""
    pieces: list[str] = []
    chunks = json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(document)
    while batch := list(itertools.islice(chunks, _BATCH)):
        for chunk in chunks:  # on to the end of an object, so that no cut falls inside a shape
            batch.append(chunk)
            if chunk.lstrip().startswith("}"):
                break
        pieces.append(_finished("".join(batch)))
    pieces.append("\n")
    return "".join(pieces)


_BATCH = 10_000
"""json.dumps keeps every small piece it writes (some 40 a layer) until it joins them, 230 MB for
100,000 layers; joined this many at a time, the pieces cost no more than the text itself."""


def _finished(text: str) -> str:
    text = _INT_LIST.sub(lambda match: "[" + ", ".join(match.group(1).replace(",", " ").split()) + "]", text)
    return _RAW_UNSAFE.sub(_escaped, text.replace("##[", "##\\u005b"))


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"
