"""What a spec path that names nothing likely was: an arrow chain the shell cut at its `>`, or one of
archcalc's own examples, named by the path the docs use (`archspecs/seed/cnn.yaml`).

A wheel carries the repository's archspecs/ as `archcalc/archspecs` (pyproject.toml maps it there);
a source checkout, installed editable, keeps them in archspecs/ at the repository's root. Outside a
checkout archcalc says where the installed copy is rather than reading it in its place: a path is
read as written, so `archcalc check archspecs/` in a project of your own never checks archcalc's
examples in place of your specs. Nothing here reads a spec (archcalc/examples.py lists them).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
"""archcalc's own folder (cli/archcalc in a checkout)."""


def examples_directory() -> Path:
    installed = PACKAGE / "archspecs"
    if installed.is_dir():
        return installed
    return PACKAGE.parent.parent / "archspecs"


def missing_file_hint(argument: str) -> str:
    """What a missing spec file likely was. `archcalc show 16->8->2` unquoted reaches us as `16-`:
    the shell took each `>` for a redirection (and wrote files named `8-` and `2`). A path from the
    docs run outside a checkout names one of archcalc's examples."""
    if argument.endswith(("-", "→")):
        return "quote the chain, e.g. '16->8->2': unquoted, the shell reads > as a redirection (and writes what follows it as a file)"
    installed = installed_example_hint(argument)
    if installed is not None:
        return installed
    if argument.lower().endswith((".onnx", ".keras", ".json")):
        return "give the path of an ONNX file, a Keras .keras archive or a model.to_json() config"
    return "give a YAML spec, a model file, '-' for standard input, or a chain such as '16->8->2' (quoted)"


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
