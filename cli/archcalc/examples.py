"""The example specs that come with archcalc (`archcalc examples`): which there are. Where they are
(formats/missing.py) is found without reading a spec, so that the reader's hint for a missing file
can name them."""

from __future__ import annotations

from pathlib import Path

from archcalc.formats import load_spec
from archcalc.formats.missing import examples_directory
from archcalc.values import value

__all__ = ["Example", "example_specs", "examples_directory"]


@value
class Example:
    """One example spec: its path under the examples directory, its name and its description."""

    path: str
    name: str
    description: str | None


def example_specs(directory: Path, contains: str | None = None) -> tuple[Example, ...]:
    """Every example whose path (relative, `/`-separated) contains `contains`, sorted by path."""
    found = []
    for path in sorted(directory.rglob("*.yaml")):
        relative = path.relative_to(directory).as_posix()
        if contains is None or contains.lower() in relative.lower():
            spec = load_spec(str(path))
            found.append(Example(relative, spec.name, spec.description))
    return tuple(found)
