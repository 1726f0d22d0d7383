"""`archcalc layers`: every layer kind a spec can use, how to write it, and what it counts."""

from __future__ import annotations

from archcalc.kinds import KINDS
from archcalc.kinds.arguments import REQUIRED, default_of
from archcalc.model import Layer
from archcalc.render.grid import Column, Grid, Row


def arguments_text(kind: type[Layer]) -> str:
    """`filters, kernel, stride (1), ...`: each argument, its default in brackets, the main one marked."""
    parts = []
    for argument in kind.ARGUMENTS:
        default = default_of(kind, argument.name)
        text = argument.name + (" (main)" if argument.name == kind.MAIN else "")
        if default is not REQUIRED and default is not None and not isinstance(default, tuple | bool):
            text += f" = {default}"
        parts.append(text)
    return ", ".join(parts) or "–"


def layer_kinds_grid() -> Grid:
    rows = [Row((", ".join(kind.NAMES), arguments_text(kind), kind.PARAMETERS, kind.MACS)) for kind in KINDS]
    notes = (
        "a layer is written `name`, `name: main argument` (dense: 8) or `name: {argument: value, ...}`; any layer may carry `name:`, "
        "shown in tables, by which later layers (joins, branches) read its output",
        "per-axis arguments (kernel, stride, padding, dilation, output) take one number for every spatial axis or a list, one per axis",
    )
    return Grid("layer kinds", (Column("written as"), Column("arguments"), Column("parameters"), Column("MACs")), tuple(rows), None, notes)


def layer_kinds_json() -> dict[str, object]:
    return {
        "layers": [
            {
                "kind": next(iter(kind.NAMES.values())),
                "names": list(kind.NAMES),
                "summary": " ".join((kind.__doc__ or "").split("\n\n")[0].split()),
                "arguments": [
                    {
                        "name": argument.name,
                        "reads": argument.reading.value,
                        "help": argument.help,
                        "required": default_of(kind, argument.name) is REQUIRED,
                        **({"choices": list(argument.choices)} if argument.choices else {}),
                    }
                    for argument in kind.ARGUMENTS
                ],
                "main": kind.MAIN,
                "parameters": kind.PARAMETERS,
                "macs": kind.MACS,
            }
            for kind in KINDS
        ]
    }
