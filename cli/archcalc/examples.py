"""The example specs that come with archcalc (`archcalc examples`): where they are, and which there are.

A wheel carries the repository's archspecs/ as `archcalc/archspecs` (pyproject.toml maps it there);
a source checkout, installed editable, keeps them in archspecs/ at the repository's root.
"""

from __future__ import annotations

from pathlib import Path

from archcalc.spec import load_spec
from archcalc.values import value


@value
class Example:
    """One example spec: its path under the examples directory, its name and its description."""

    path: str
    name: str
    description: str | None


def examples_directory() -> Path:
    installed = Path(__file__).parent / "archspecs"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent.parent / "archspecs"


def example_specs(directory: Path, contains: str | None = None) -> tuple[Example, ...]:
    """Every example whose path (relative, `/`-separated) contains `contains`, sorted by path."""
    found = []
    for path in sorted(directory.rglob("*.yaml")):
        relative = path.relative_to(directory).as_posix()
        if contains is None or contains.lower() in relative.lower():
            spec = load_spec(str(path))
            found.append(Example(relative, spec.name, spec.description))
    return tuple(found)
