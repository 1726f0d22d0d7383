"""`examples`: the example specs, where they are installed, and what each is."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from archcalc.render.formats import OutputFormat
from archcalc.render.grid import Column, Grid, Row

if TYPE_CHECKING:
    from archcalc.examples import Example
    from archcalc.render import Terminal


COLUMNS = (Column("spec"), Column("name", optional=True), Column("description"))
"""A narrow window leaves the name out: it is the file's name but for `-` for `_` (and seed's `seed-`)."""


def render_examples(directory: Path, found: Sequence[Example], output_format: OutputFormat, terminal: Terminal) -> str:
    if output_format is OutputFormat.JSON:
        from archcalc.render.json_format import SCHEMA_VERSION, dumps  # lazy: only the format asked for is loaded

        listed = [{"path": example.path, "name": example.name, "description": example.description} for example in found]
        return dumps({"schema_version": SCHEMA_VERSION, "directory": str(directory), "examples": listed})
    from archcalc.render import render_grid  # lazy: only the format asked for is loaded

    rows = tuple(Row((example.path, example.name, example.description)) for example in found)
    notes = (f"run one as `archcalc show {directory.joinpath(found[0].path)}`, or copy it to start your own",) if found else ()
    title = f"{len(found)} example spec{'s' if len(found) != 1 else ''} in {directory}"
    return render_grid(Grid(title, COLUMNS, rows, None, notes), output_format, terminal)
