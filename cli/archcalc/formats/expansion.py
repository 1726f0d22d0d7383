"""Command-line spec arguments -> the specs they name: a directory or a glob names many.

Rules (docs/input-rules.md): a directory gives every `.yaml`/`.yml` file under it, the suffix in
any case; a glob the shell did not expand (quoted, or on Windows) gives the files it matches, `**`
any number of folders. Both visit each real directory once, however symbolic links loop back, skip
hidden files and folders as the shell's globs do, and read nothing that is not a regular file (a
FIFO would block): what they skip for a reason the user may not expect is reported, not dropped.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

from archcalc.errors import SpecError
from archcalc.formats.missing import installed_example_hint
from archcalc.formats.yaml.chain import is_chain
from archcalc.printable import quoted
from archcalc.values import value

SPEC_SUFFIXES = (".yaml", ".yml")
_GLOB_CHARACTERS = set("*?[")


@value
class Skipped:
    """A path a directory or glob passed over, and why (said on standard error)."""

    path: str
    reason: str


@value
class Expansion:
    """What some arguments name: the specs, in order, and what was skipped on the way."""

    specs: tuple[str, ...]
    skipped: tuple[Skipped, ...] = ()


def expand_arguments(arguments: list[str]) -> Expansion:
    """Every argument expanded in order. Raises SpecError for an argument that names nothing."""
    check_arguments(arguments)
    specs: list[str] = []
    skipped: list[Skipped] = []
    for argument in arguments:
        expansion = expand_argument(argument)
        specs.extend(expansion.specs)
        skipped.extend(expansion.skipped)
    return Expansion(tuple(specs), tuple(skipped))


def check_arguments(arguments: list[str]) -> None:
    """Mistakes in the arguments themselves, found before any spec is read."""
    if "" in arguments:
        raise SpecError("an empty argument names no spec (is a variable such as $SPECS unset?)", hint="give a spec file, a directory or a glob")
    if arguments.count("-") > 1:
        raise SpecError(f"standard input can be read only once, and '-' is given {arguments.count('-')} times")


def expand_argument(argument: str) -> Expansion:
    """Files, `-` and chains stay as they are; a directory gives every spec under it (sorted); a glob
    the shell did not expand gives the files it matches (sorted)."""
    check_arguments([argument])
    if argument == "-" or is_chain(argument):
        return Expansion((argument,))
    if os.path.isdir(argument):
        from archcalc.formats.safetensors.files import holds_checkpoint  # lazy: only for a folder

        if holds_checkpoint(Path(argument)):  # a folder of safetensors is one checkpoint
            return Expansion((argument,))
        skipped: list[Skipped] = []
        found = _walk(argument, None, skipped)
        if not found:
            raise SpecError(f"{quoted(argument)} holds no .yaml or .yml spec", hint=_skipped_hint(skipped))
        return Expansion(tuple(found), tuple(skipped))
    if _GLOB_CHARACTERS & set(argument) and not os.path.lexists(argument):
        skipped = []
        found = _glob(argument, skipped)
        if not found:
            raise SpecError(f"no spec matches {quoted(argument)}", hint=installed_example_hint(argument) or _skipped_hint(skipped))
        return Expansion(tuple(found), tuple(skipped))
    return Expansion((argument,))


def _skipped_hint(skipped: list[Skipped]) -> str | None:
    return None if not skipped else f"skipped {quoted(skipped[0].path)}: {skipped[0].reason}"


def _glob(pattern: str, skipped: list[Skipped]) -> list[str]:
    """The files `pattern` matches: its leading folders without wildcards are where the walk starts;
    below there each name is matched as fnmatch does (`*`, `?`, `[a-z]`), and `**` is any folders."""
    parts = re.split(r"[/\\]", pattern) if os.sep == "\\" else pattern.split("/")
    literal = 0
    while literal < len(parts) - 1 and not (_GLOB_CHARACTERS & set(parts[literal])):
        literal += 1
    base = "/".join(parts[:literal]) or ("/" if pattern.startswith("/") else ".")
    rest = parts[literal:]
    segments = [None if part == "**" else re.compile(fnmatch.translate(part)) for part in rest]
    depth = None if "**" in rest else len(rest)
    hidden = any(part.startswith(".") for part in rest)
    found = _walk(base, depth, skipped, hidden, lambda relative: _matches(segments, relative.split("/")))
    return [path[2:] if base == "." else path for path in found]


def _matches(segments: list[re.Pattern[str] | None], names: list[str]) -> bool:
    """Whether a path's names fit a glob's segments, None standing for `**` (any folders, or none)."""
    if not segments:
        return not names
    first, rest = segments[0], segments[1:]
    if first is None:
        return any(_matches(rest, names[skip:]) for skip in range(len(names) + 1))
    return bool(names) and first.match(names[0]) is not None and _matches(rest, names[1:])


def _walk(
    top: str,
    depth: int | None,
    skipped: list[Skipped],
    hidden: bool = False,
    matches: Callable[[str], bool] | None = None,
) -> list[str]:
    """Spec files under `top`, sorted: with `matches`, the files whose path below `top` it accepts
    (down to `depth` levels); without, every .yaml/.yml file. Each real directory is visited once,
    through a real path before any symbolic link to it."""
    found: list[str] = []
    visited: set[tuple[int, int]] = set()
    pending: list[tuple[str, str, int]] = [(top, "", 0)]
    linked: list[tuple[str, str, int]] = []  # folders reached through a link: visited after the real ones
    while pending or linked:
        if not pending:
            pending, linked = sorted(linked, reverse=True), []
        directory, relative, level = pending.pop()
        try:
            status = os.stat(directory)
            if (status.st_dev, status.st_ino) in visited:
                continue  # a link back up, or a second way to the same folder: its files are listed once
            visited.add((status.st_dev, status.st_ino))
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda entry: entry.name, reverse=True)
        except OSError as error:
            skipped.append(Skipped(directory, f"cannot read this folder ({error.strerror})"))
            continue
        for entry in entries:
            if entry.name.startswith(".") and not hidden:
                continue  # hidden, as the shell's * leaves it
            below = f"{relative}{entry.name}"
            try:
                is_directory = entry.is_dir()
            except OSError:
                is_directory = False
            if is_directory:
                if depth is None or level + 1 < depth:
                    (linked if entry.is_symlink() else pending).append((entry.path, below + "/", level + 1))
                continue
            if matches is None:
                if not entry.name.lower().endswith(SPEC_SUFFIXES):
                    continue
            elif not matches(below):
                continue
            reason = _not_a_file(entry)
            if reason is None:
                found.append(entry.path)
            else:
                skipped.append(Skipped(entry.path, reason))
    skipped.sort(key=lambda item: item.path)
    return sorted(found)


def _not_a_file(entry: os.DirEntry[str]) -> str | None:
    """Why a matched name cannot be read as a spec, or None for a regular file."""
    try:
        mode = os.stat(entry.path).st_mode
    except OSError as error:
        return "a broken link" if entry.is_symlink() else f"cannot read it ({error.strerror})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO, not a file (reading it would wait for a writer)"
    return "not a regular file"
