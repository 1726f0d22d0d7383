"""The example specs that come with archcalc (`archcalc examples`): where they are, and which there are.

A wheel carries the repository's archspecs/ as `archcalc/archspecs` (pyproject.toml maps it there);
a source checkout, installed editable, keeps them in archspecs/ at the repository's root.

The docs' examples (`archcalc show archspecs/seed/cnn.yaml`) run in a checkout. Elsewhere that path
names nothing, and archcalc says where the installed copy is rather than reading it in its place: a
path is read as written, so `archcalc check archspecs/` in a project of your own never checks
archcalc's examples in place of your specs.
"""

from __future__ import annotations

from pathlib import Path

from archcalc.formats import load_spec
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


def installed_example_hint(argument: str) -> str | None:
    """For a spec path that names nothing: where archcalc's own copy is, when the path names one of
    its examples (`archspecs/seed/cnn.yaml`, `seed/cnn.yaml`, or a file name only it has), or the
    folder (`archspecs/...`); else None."""
    directory = examples_directory()
    relative = argument.replace("\\", "/").removeprefix("./")
    in_examples = relative.startswith("archspecs/") or relative == "archspecs"
    if in_examples:
        relative = relative.removeprefix("archspecs").lstrip("/")
    listing = "`archcalc examples` lists them"
    if relative and (directory / relative).is_file():
        return f"archcalc's example {relative} is installed at {directory / relative}: give that path, or copy it; {listing}"
    if "/" not in relative and relative.lower().endswith((".yaml", ".yml")):
        named = [path for path in directory.rglob("*") if path.name == relative]
        if len(named) == 1:
            return f"archcalc's example {named[0].relative_to(directory).as_posix()} is installed at {named[0]}: give that path, or copy it; {listing}"
    if in_examples:
        return f"archcalc's examples are in archspecs/ of its repository, and installed in {directory}; {listing}"
    return None
