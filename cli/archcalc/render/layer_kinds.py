"""`archcalc layers`: every layer kind a spec can use, how to write it, and what it counts."""

from __future__ import annotations

import re

from archcalc.kinds import KINDS
from archcalc.kinds.arguments import REQUIRED, Reading, default_of
from archcalc.model import Layer
from archcalc.render.grid import Column, Grid, Row, Shown
from archcalc.text import summary


def arguments_text(kind: type[Layer]) -> str:
    """`filters, kernel, stride = 1, ..., bias = true`: each argument, the main one marked, and its
    default after `=` (none for a required argument, or one that defaults to another's value)."""
    parts = []
    for argument in kind.ARGUMENTS:
        text = argument.name + (" (main)" if argument.name == kind.MAIN else "")
        written = default_text(default_of(kind, argument.name))
        parts.append(text if written is None else f"{text} = {written}")
    return ", ".join(parts)


def default_text(default: object) -> str | None:
    """A default as a spec writes it: `1` for (1,), `true`, `0.5`; None when there is none to show."""
    if default is REQUIRED or default is None or default == ():
        return None
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, tuple) and len(default) == 1:
        return str(default[0])
    return str(default)


def per_axis_arguments() -> list[str]:
    """The names of every argument read per spatial axis, in the order the kinds first declare them."""
    names = [argument.name for kind in KINDS for argument in kind.ARGUMENTS if argument.reading in (Reading.PER_AXIS, Reading.PADDING)]
    return list(dict.fromkeys(names))


def layer_kinds_grid() -> Grid:
    rows = [Row((", ".join(kind.NAMES), arguments_text(kind) or Shown("–", None), kind.PARAMETERS, kind.MACS)) for kind in KINDS]
    notes = (
        "a layer is written `name`, `name: main argument` (dense: 8) or `name: {argument: value, ...}`; any layer may carry `name:`, "
        "shown in tables, by which later layers (joins, branches) read its output",
        f"per-axis arguments ({', '.join(per_axis_arguments())}) take one number for every spatial axis or a list, one per axis",
    )
    return Grid(
        "layer kinds",
        (Column("written as"), Column("arguments"), Column("parameters", key="parameters_rule"), Column("MACs", optional=True, key="macs_rule")),
        tuple(rows),
        None,
        notes,
    )


def reported_types(kind: type[Layer]) -> list[str]:
    """Every type a kind's layers report (a layer's `type` in JSON): one for most kinds, `avgpool`
    and `maxpool` for the pooling kind, each activation's own name for the activation kind."""
    return sorted(set(kind.NAMES.values()))


def kind_name(kind: type[Layer]) -> str:
    """The kind's name: its one reported type, or for a kind that reports several, its class's
    name in snake case (`pool`, `global_pool`, `activation`) rather than one of them."""
    types = reported_types(kind)
    if len(types) == 1:
        return types[0]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind.__name__).lower()


def layer_kinds_json() -> dict[str, object]:
    from archcalc.render.json_format import SCHEMA_VERSION  # lazy: the table never loads the JSON writer

    return {
        "schema_version": SCHEMA_VERSION,
        "layers": [
            {
                "kind": kind_name(kind),
                "types": reported_types(kind),
                "names": list(kind.NAMES),
                "summary": summary(kind.__doc__),
                "arguments": [
                    {
                        "name": argument.name,
                        "reads": argument.reading.value,
                        "help": argument.help,
                        "required": default_of(kind, argument.name) is REQUIRED,
                        **({"choices": list(argument.choices)} if argument.choices else {}),
                        **({"synonyms": [list(pair) for pair in argument.synonyms]} if argument.synonyms else {}),
                    }
                    for argument in kind.ARGUMENTS
                ],
                "main": kind.MAIN,
                "parameters": kind.PARAMETERS,
                "macs": kind.MACS,
                "keeps": kind.KEEPS,
            }
            for kind in KINDS
        ],
    }
