"""Command-line spec arguments -> the list of specs they name: a directory or a glob names many."""

from __future__ import annotations

from pathlib import Path

from archcalc.errors import SpecError
from archcalc.spec.chain import is_chain

SPEC_SUFFIXES = (".yaml", ".yml")
_GLOB_CHARACTERS = set("*?[")


def expand_arguments(arguments: list[str]) -> list[str]:
    """Files, `-` and chains stay as they are; a directory gives every .yaml/.yml under it (sorted);
    a glob the shell did not expand (quoted, or on Windows) gives its matches."""
    expanded: list[str] = []
    for argument in arguments:
        if argument == "-" or is_chain(argument):
            expanded.append(argument)
        elif Path(argument).is_dir():
            found = sorted(str(path) for path in Path(argument).rglob("*") if path.suffix in SPEC_SUFFIXES and path.is_file())
            if not found:
                raise SpecError(f"{argument} holds no .yaml or .yml spec")
            expanded.extend(found)
        elif _GLOB_CHARACTERS & set(argument) and not Path(argument).exists():
            import glob  # rarely needed: not paid for on every start

            found = sorted(glob.glob(argument, recursive=True))
            if not found:
                raise SpecError(f"no spec matches {argument}")
            expanded.extend(found)
        else:
            expanded.append(argument)
    return expanded
