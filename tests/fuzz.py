"""Fuzzing: random and mutated YAML through the loader, the engine and every renderer; random file
trees through globs and directory scans; every output through broken, closed and narrow streams.

The only outcomes allowed are a result or an ArchcalcError (which the CLI turns into exit 2), and:
no output line that a spec's text could have started (a GitHub `::` command), no error message of
more than one line; a glob or scan that ends promptly and names each regular file once; a stream
that fails ending in exit 2 or 141. tests/test_fuzz.py runs a bounded, seeded batch; for a long run
by hand:

    .venv/bin/python -m tests.fuzz --seconds 600 --seed 1

It prints each crashing input and exits 1 if there was one.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import typer
import yaml

from archcalc.engine import analyze
from archcalc.engine.analysis import Request, analysis_of
from archcalc.engine.budget import CheckRun, check_spec
from archcalc.engine.comparison import comparison
from archcalc.engine.diff import diff_reports
from archcalc.engine.sweep import sweep
from archcalc.errors import ArchcalcError
from archcalc.formats import load_text
from archcalc.formats.expansion import expand_argument
from archcalc.formats.yaml.document import SPEC_KEYS
from archcalc.kinds import WRITTEN_NAMES as LAYER_KINDS
from archcalc.model import BudgetKind, DType, Limit
from archcalc.render import (
    CheckFormat,
    OutputFormat,
    ShowOptions,
    Terminal,
    render_check,
    render_compare,
    render_diff,
    render_sharing,
    render_show,
    render_sweep,
)
from tests.random_specs import random_spec

ARCHSPECS = Path(__file__).resolve().parent.parent / "archspecs"
ARGUMENTS = [
    "units",
    "filters",
    "kernel",
    "stride",
    "padding",
    "dilation",
    "groups",
    "bias",
    "multiplier",
    "ceil_mode",
    "output",
    "rate",
    "layers",
    "shortcut",
    "branches",
    "channels",
    "activation",
    "gate",
    "times",
    "name",
    "vocab",
    "dim",
    "heads",
    "kv_heads",
    "head_dim",
    "causal",
    "context",
    "hidden",
    "activation",
    "bidirectional",
    "sequences",
    "index",
    "length",
    "types",
    "tie",
    "with",
    "crop",
    "from",
    "like",
    "scale",
    "size",
    "mode",
    "output_padding",
    "factor",
    "affine",
    "window",
    "grid",
    "shifted",
    "position_bias",
    "cosine",
    "norm",
]
EXTREMES = [
    "0",
    "-1",
    "1e400",
    "10000000000000000000000000000000000000000",
    "999999999999999999999999999999",
    ".nan",
    ".inf",
    "-.inf",
    "2.5",
    "true",
    "null",
    "~",
    "''",
    "[]",
    "{}",
    "'𝟘'",
    "١٢",
    "0x10",
    "0o7",
    "1_000",
    "1:30",
    "2001-12-14",
    "!!binary aGVsbG8=",
]
UNICODE = [
    "×",
    "→",
    "é",
    "\u200b",
    "\u202e",
    "😀",
    "\x00",
    "\t",
    "\r",
    "\\",
    '"',
    "'",
    "#",
    "&",
    "*",
    "!",
    "%",
    "@",
    "`",
    "|",
    ">",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "- ",
    "? ",
    "\x1b[31m",
    "\x07",
    "\x85",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\n::error::injected\n",
    "\r\n::warning file=x::injected",
]
COMMANDS = ["\n::error::x", "\r::warning::x", "\u2028::notice::x", "\x1b]8;;x\x07", "\u202e", "\x00"]


def seed_texts() -> list[str]:
    return [path.read_text() for path in sorted(ARCHSPECS.rglob("*.yaml"))] + [random_spec(seed) for seed in range(40)]


def mutate(text: str, rng: random.Random) -> str:
    """One to three random edits of the kinds that break real specs."""
    for _ in range(rng.randint(1, 3)):
        text = rng.choice(MUTATORS)(text, rng)
    return text


def _replace_number(text: str, rng: random.Random) -> str:
    spots = [i for i, c in enumerate(text) if c.isdigit() and (i == 0 or not text[i - 1].isdigit())]
    if not spots:
        return text
    start = rng.choice(spots)
    end = start
    while end < len(text) and text[end].isdigit():
        end += 1
    return text[:start] + rng.choice(EXTREMES) + text[end:]


def _insert_character(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(UNICODE) + text[at:]


def _delete_line(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    if lines:
        del lines[rng.randrange(len(lines))]
    return "".join(lines)


def _duplicate_line(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    if lines:
        at = rng.randrange(len(lines))
        lines.insert(at, lines[at])
    return "".join(lines)


def _reindent(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    if lines:
        at = rng.randrange(len(lines))
        lines[at] = " " * rng.choice([0, 1, 3, 8]) + lines[at].lstrip(" ")
    return "".join(lines)


def _swap_word(text: str, rng: random.Random) -> str:
    words = sorted(LAYER_KINDS) + ARGUMENTS + list(SPEC_KEYS) + ["kernal", "filter", "layer", "inputs", "budgett", "<<", "dtype"]
    for word in rng.sample(words, len(words)):
        if word in text:
            return text.replace(word, rng.choice(words), 1)
    return text


def _inject_yaml(text: str, rng: random.Random) -> str:
    pieces = [
        "!!python/object:os.system",
        "&anchor ",
        "*anchor",
        "<<: *anchor\n",
        "!!str ",
        "!!int ",
        "!!float ",
        "!!map ",
        "!!seq ",
        "? complex\n",
        "--- \n",
        "...\n",
        "%YAML 1.1\n",
    ]
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(pieces) + text[at:]


def _truncate(text: str, rng: random.Random) -> str:
    return text[: rng.randrange(len(text) + 1)]


def _inject_command(text: str, rng: random.Random) -> str:
    """A spec name, layer name, description or key that tries to start a line of output."""
    payload = yaml.safe_dump(rng.choice(["net", "c", "k"]) + rng.choice(COMMANDS), allow_unicode=True).strip().removesuffix("...").strip()
    spots = ["name: ", "description: ", "- conv: {name: ", "budget: {"]
    where = rng.choice(spots)
    if where.endswith("{name: ") and where in text:
        return text.replace(where, f"{where}{payload}, ", 1)
    if where == "budget: {":
        return text + f"\nbudget: {{{payload}: 1}}\n"
    return f"{where}{payload}\n" + "\n".join(line for line in text.splitlines() if not line.startswith(where.strip()))


def _nest(text: str, rng: random.Random) -> str:
    depth = rng.choice([5, 50, 200])
    return text.replace("relu", "[" * depth + "relu" + "]" * depth, 1) if "relu" in text else text + "\n" + "- " * depth


MUTATORS: list[Callable[[str, random.Random], str]] = [
    _replace_number, _replace_number, _insert_character, _delete_line, _duplicate_line, _reindent, _swap_word, _swap_word, _inject_yaml, _truncate, _nest,
    _inject_command, _inject_command,
]  # fmt: skip


def random_structure(rng: random.Random, depth: int = 0) -> object:
    """A random YAML value built from the spec's own vocabulary, so it gets past the first check."""
    roll = rng.random()
    if depth > 4 or roll < 0.35:
        return rng.choice(
            [
                rng.randint(-3, 300),
                rng.choice([0.5, 1e300, -0.0]),
                rng.choice([True, False, None]),
                rng.choice(sorted(LAYER_KINDS)),
                "4x4x1",
                "16->8->2",
                "same",
                "silu",
                "wte",
            ]
        )
    if roll < 0.65:
        return [random_structure(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = list(SPEC_KEYS) + ARGUMENTS + sorted(LAYER_KINDS)
    return {rng.choice(keys): random_structure(rng, depth + 1) for _ in range(rng.randint(1, 4))}


def random_document(rng: random.Random) -> str:
    document = {"input": rng.choice(["8x8x3", "16", "12x2", "4x4x4x2", [6, 6, 2], "10x12"]), "layers": random_structure(rng, 1)}
    if rng.random() < 0.5:
        document = random_structure(rng)  # type: ignore[assignment]
    return yaml.safe_dump(document, allow_unicode=True)


class Injected(AssertionError):
    """An output line a spec's text could have started, or an error message of more than one line."""


def clean(text: str, github: bool = False) -> str:
    """`text` if no line of it is a workflow command a spec could have written; else raise Injected.
    Under --format github archcalc writes its own `::error file=` and `::notice` lines."""
    for line in text.splitlines():
        ours = github and line.startswith(("::error file=", "::error title=", "::notice title=archcalc")) and "%0A" not in line
        if line.startswith("::") and not ours:
            raise Injected(f"an output line starts with '::': {line!r}")
    return text


def exercise(text: str) -> str:
    """Load, compute and render one input every way archcalc can. 'ok' or 'refused'; anything
    other than an ArchcalcError propagates: that is a crash."""
    try:
        report = analyze(load_text(text, "<fuzz>", "fuzz"))
    except ArchcalcError as error:
        if len(error.message.splitlines()) != 1 or error.message != error.message.strip():
            raise Injected(f"a message of more than one line: {error.message!r}") from None
        return "refused"
    pipe = Terminal()  # tables in plain text
    window = Terminal(color=True, width=100)  # tables drawn by Rich
    everything = ShowOptions(depth=5, explain=True)
    analysis = analysis_of(report, Request(receptive_field=True, memory=DType.BFLOAT16, sharing=True))
    for output_format, terminal in [*((output_format, pipe) for output_format in OutputFormat), (OutputFormat.TABLE, window)]:
        clean(render_show(analysis, output_format, terminal, everything))
        clean(render_compare(comparison([report, report]), output_format, terminal))
        clean(render_diff(diff_reports(report, report, depth=2), output_format, terminal, show_all=True))
        clean(render_sharing(analysis, output_format, terminal))
    limits = [Limit(kind, 1000, None) for kind in BudgetKind]
    for check_format in CheckFormat:
        clean(render_check(CheckRun((check_spec(report, limits, None, budget_required=True),)), check_format, pipe), github=check_format is CheckFormat.GITHUB)
    if len(report.input_shape) >= 2 or report.spec.reads_token_ids:
        for terminal in (pipe, window):
            clean(render_sweep([sweep(report.spec, [1, 3, 17])], OutputFormat.TABLE, terminal, "params"))
    return "ok"


GLOB_PIECES = ["*", "**", "**", "?", "[ab]", "[!a]", "a", "b", "sub", ".hidden", "*.yaml", "*.yaml", "*.YAML", "*.yml", "*.y?ml", "x*", "*"]


def random_tree(root: Path, rng: random.Random) -> None:
    """Folders, specs with suffixes in any case, hidden entries, links up, across and broken, FIFOs."""
    root.mkdir()
    folders = [root]
    for _ in range(rng.randint(0, 6)):
        folder = rng.choice(folders) / rng.choice(["a", "b", "sub", ".hidden", "c d", "é"])
        with contextlib.suppress(OSError):  # the name is a link already
            folder.mkdir(exist_ok=True)
            folders.append(folder)
    for _ in range(rng.randint(1, 12)):
        place = rng.choice(folders) / (rng.choice(["a", "b", "x", ".h", "MODEL"]) + rng.choice([".yaml", ".yaml", ".YAML", ".yml", ".Yml", ".txt", ""]))
        if os.path.lexists(place):
            continue  # writing into a FIFO made earlier would wait for a reader
        roll = rng.random()
        with contextlib.suppress(OSError):  # a link that leads nowhere writable
            if roll < 0.6:
                place.write_text("input: 4\nlayers: [relu]\n")
            elif roll < 0.75:
                os.mkfifo(place)
            elif roll < 0.9:
                depth = len(place.parent.relative_to(root).parts)  # up no further than the temporary folder: /tmp changes under other runs
                ups = [target for target in ("..", "../..") if target.count("..") <= depth + 1]
                place.symlink_to(rng.choice([*ups, ".", "missing", str(rng.choice(folders))]))
            else:
                place.mkdir()


def random_glob(rng: random.Random) -> str:
    """Folders and wildcards, most often ending in a spec's suffix."""
    pieces = [rng.choice(GLOB_PIECES) for _ in range(rng.randint(0, 3))]
    pieces.append(rng.choice(["*.yaml", "*.yml", "*", "*.YAML", rng.choice(GLOB_PIECES)]))
    return "/".join(pieces) if rng.random() < 0.8 else "".join(pieces)


def exercise_glob(rng: random.Random) -> str:
    """A random tree, then a random glob or a folder through expand_argument: it must end within
    a few seconds and name only regular files, each once. 'globbed' or 'refused'."""
    with tempfile.TemporaryDirectory() as folder, _working_directory(folder):
        random_tree(Path("tree"), rng)
        argument = "tree" if rng.random() < 0.3 else "tree/" + random_glob(rng)
        started = time.monotonic()
        try:
            expansion = expand_argument(argument)
        except ArchcalcError:
            return "refused"
        finally:
            if time.monotonic() - started > 5:
                raise AssertionError(f"expanding {argument!r} took {time.monotonic() - started:.1f} s")
        if expansion.specs == (argument,) and not os.path.isdir(argument):
            return "globbed"  # no wildcard: a file name, passed on as written
        real = [os.path.realpath(path) for path in expansion.specs]
        if not all(os.path.isfile(path) and not os.path.islink(path) for path in real):
            raise AssertionError(f"{argument!r} named something that is not a regular file: {expansion.specs}")
        if len(set(expansion.specs)) != len(expansion.specs):
            raise AssertionError(f"{argument!r} named a file twice: {expansion.specs}")
        for skipped in expansion.skipped:
            clean(skipped.path + skipped.reason)
        shutil.rmtree("tree", ignore_errors=True)
    return "globbed"


@contextlib.contextmanager
def _working_directory(folder: str) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


class _Failing(io.StringIO):
    """A standard output that fails as a closed pipe or a full disk does."""

    def __init__(self, error: OSError) -> None:
        super().__init__()
        self.error = error

    def write(self, text: str) -> int:
        raise self.error


def exercise_stream(text: str, rng: random.Random) -> str:
    """The input's table (or its error, or the text itself) written by app.emit to a standard output
    that is closed, broken, full, or cannot encode it: written, or exit 2 or 141 with at most one
    line on standard error; never another exception. 'streamed'."""
    from archcalc.commands.shared import emit

    encoding = rng.choice(["ascii", "latin-1", "cp1252", "utf-8"])
    try:
        output = render_show(analysis_of(analyze(load_text(text, "<fuzz>", "fuzz"))), OutputFormat.TABLE, Terminal(encoding=encoding), ShowOptions())
    except ArchcalcError as error:
        output = error.message + "\n" + text
    narrow = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
    stream = rng.choice([None, _Failing(BrokenPipeError(32, "Broken pipe")), _Failing(OSError(28, "No space left on device")), narrow])
    errors = io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stream, errors
    try:
        emit(output)
    except typer.Exit as exited:
        if exited.exit_code not in (2, 141):
            raise AssertionError(f"emit exited {exited.exit_code}") from None
        if len(errors.getvalue().splitlines()) > 1:
            raise AssertionError(f"more than one line on standard error: {errors.getvalue()!r}") from None
    finally:
        sys.stdout, sys.stderr = saved
    if stream is narrow:
        narrow.flush()
        written = narrow.buffer
        assert isinstance(written, io.BytesIO)
        written.getvalue().decode(encoding)
    return "streamed"


def run(seed: int, count: int | None = None, seconds: float | None = None) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Fuzz until `count` inputs or `seconds` have passed; (outcome counts, crashes with tracebacks)."""
    rng = random.Random(seed)
    seeds = seed_texts()
    outcomes = {"ok": 0, "refused": 0, "globbed": 0, "glob refused": 0, "streamed": 0}
    crashes: list[tuple[str, str]] = []
    deadline = None if seconds is None else time.monotonic() + seconds
    done = 0
    while (count is None or done < count) and (deadline is None or time.monotonic() < deadline):
        roll = rng.random()
        text = random_document(rng) if rng.random() < 0.25 else mutate(rng.choice(seeds), rng)
        try:
            if roll < 0.1:
                result = exercise_glob(rng)
                outcomes["globbed" if result == "globbed" else "glob refused"] += 1
            elif roll < 0.2:
                outcomes[exercise_stream(text, rng)] += 1
            else:
                outcomes[exercise(text)] += 1
        except Exception:
            crashes.append((text if roll >= 0.1 else f"(a glob, seed {seed}, input {done})", traceback.format_exc()))
        done += 1
    return outcomes, crashes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    outcomes, crashes = run(arguments.seed, seconds=arguments.seconds)
    for text, trace in crashes:
        print(f"--- crash on:\n{text}\n{trace}")
    print(
        f"{sum(outcomes.values()) + len(crashes)} inputs: {outcomes['ok']} computed, {outcomes['refused']} refused with an error, "
        f"{outcomes['globbed'] + outcomes['glob refused']} file trees globbed ({outcomes['glob refused']} naming nothing), "
        f"{outcomes['streamed']} outputs through failing or narrow streams; {len(crashes)} crashed"
    )
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
