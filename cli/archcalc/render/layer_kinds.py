"""`archcalc layers`: every layer kind a spec can use, how to write it, and what it counts."""

from __future__ import annotations

from archcalc.render.grid import Column, Grid, Row
from archcalc.spec.model import ACTIVATIONS
from archcalc.spec.parse import LAYER_KINDS, LayerKind


def kinds_by_rule() -> list[tuple[LayerKind, list[str]]]:
    """Each kind once, with every name it may be written as (`dense`, `fc`, `linear`); the
    activations, which all keep the shape and count nothing, share one row."""
    grouped: dict[object, tuple[LayerKind, list[str]]] = {}
    for written, kind in LAYER_KINDS.items():
        key = "activations" if kind.kind in ACTIVATIONS else id(kind)
        grouped.setdefault(key, (kind, []))[1].append(written)
    return list(grouped.values())


def layer_kinds_grid() -> Grid:
    rows = []
    for kind, names in kinds_by_rule():
        arguments = ", ".join(f"{name} (main)" if name == kind.main else name for name in kind.arguments) or "–"
        rows.append(Row((", ".join(names), arguments, kind.rule)))
    notes = (
        "a layer is written `name`, `name: main argument` (dense: 8) or `name: {argument: value, ...}`; any layer may carry `name:` for display",
        "per-axis arguments (kernel, stride, padding, dilation, output) take one number for every spatial axis or a list, one per axis",
    )
    return Grid("layer kinds", (Column("written as"), Column("arguments"), Column("parameters")), tuple(rows), None, notes)


def layer_kinds_json() -> dict[str, object]:
    return {
        "layers": [
            {"kind": kind.kind, "names": names, "arguments": list(kind.arguments), "main": kind.main, "rule": kind.rule} for kind, names in kinds_by_rule()
        ]
    }
