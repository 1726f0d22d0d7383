"""Fuzzing: random and mutated YAML through the loader, the engine and every renderer.

The only outcomes allowed are a result or an ArchcalcError (which the CLI turns into exit 2).
tests/test_fuzz.py runs a bounded, seeded batch; for a long run by hand:

    .venv/bin/python -m tests.fuzz --seconds 600 --seed 1

It prints each crashing input and exits 1 if there was one.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import yaml

from archcalc.engine import analyze
from archcalc.engine.analysis import Request, analysis_of
from archcalc.engine.budget import check_spec
from archcalc.engine.diff import diff_reports
from archcalc.engine.sweep import sweep
from archcalc.errors import ArchcalcError
from archcalc.kinds import WRITTEN_NAMES as LAYER_KINDS
from archcalc.kinds.embedding import reads_token_ids
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
from archcalc.spec import load_text
from archcalc.spec.document import SPEC_KEYS
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
]


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


def _nest(text: str, rng: random.Random) -> str:
    depth = rng.choice([5, 50, 200])
    return text.replace("relu", "[" * depth + "relu" + "]" * depth, 1) if "relu" in text else text + "\n" + "- " * depth


MUTATORS: list[Callable[[str, random.Random], str]] = [
    _replace_number, _replace_number, _insert_character, _delete_line, _duplicate_line, _reindent, _swap_word, _swap_word, _inject_yaml, _truncate, _nest,
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


def exercise(text: str) -> str:
    """Load, compute and render one input every way archcalc can. 'ok' or 'refused'; anything
    other than an ArchcalcError propagates: that is a crash."""
    try:
        report = analyze(load_text(text, "<fuzz>", "fuzz"))
    except ArchcalcError:
        return "refused"
    pipe = Terminal()  # tables in plain text
    window = Terminal(color=True, width=100)  # tables drawn by Rich
    everything = ShowOptions(depth=5, explain=True)
    analysis = analysis_of(report, Request(receptive_field=True, memory=DType.BFLOAT16, sharing=True))
    for output_format, terminal in [*((output_format, pipe) for output_format in OutputFormat), (OutputFormat.TABLE, window)]:
        render_show(analysis, output_format, terminal, everything)
        render_compare([report, report], output_format, terminal)
        render_diff(diff_reports(report, report, depth=2), output_format, terminal, show_all=True)
        render_sharing(analysis, output_format, terminal)
    limits = [Limit(kind, 1000, None) for kind in BudgetKind]
    for check_format in CheckFormat:
        render_check([check_spec(report, limits, None)], check_format, pipe)
    if len(report.input_shape) >= 2 or reads_token_ids(report.spec):
        for terminal in (pipe, window):
            render_sweep([sweep(report.spec, [1, 3, 17])], OutputFormat.TABLE, terminal, "params")
    return "ok"


def run(seed: int, count: int | None = None, seconds: float | None = None) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Fuzz until `count` inputs or `seconds` have passed; (outcome counts, crashes with tracebacks)."""
    rng = random.Random(seed)
    seeds = seed_texts()
    outcomes = {"ok": 0, "refused": 0}
    crashes: list[tuple[str, str]] = []
    deadline = None if seconds is None else time.monotonic() + seconds
    done = 0
    while (count is None or done < count) and (deadline is None or time.monotonic() < deadline):
        text = random_document(rng) if rng.random() < 0.25 else mutate(rng.choice(seeds), rng)
        try:
            outcomes[exercise(text)] += 1
        except Exception:
            crashes.append((text, traceback.format_exc()))
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
    print(f"{sum(outcomes.values()) + len(crashes)} inputs: {outcomes['ok']} computed, {outcomes['refused']} refused with an error, {len(crashes)} crashed")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
