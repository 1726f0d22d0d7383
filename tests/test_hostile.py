"""Hostile input: each is answered with a figure or a located error, promptly, in bounded memory.

The time bound is generous (it catches a hang, not a slowdown: this machine is shared and noisy);
benchmarks/ measures speed. Memory is the Python heap's peak as tracemalloc sees it.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine import analyze
from archcalc.errors import ArchcalcError
from archcalc.spec import load_spec, load_text

PROMPT_SECONDS = 10
MEMORY_BYTES = 100_000_000


def answered(work: Callable[[], object]) -> str:
    """Run `work`; return 'ok' or the error's message. Anything but an ArchcalcError fails the test."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        work()
        outcome = "ok"
    except ArchcalcError as error:
        outcome = error.message
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert elapsed < PROMPT_SECONDS, f"took {elapsed:.1f} s"
    assert peak < MEMORY_BYTES, f"peak {peak / 1e6:.0f} MB"
    return outcome


def computed(text: str) -> str:
    return answered(lambda: analyze(load_text(text, "hostile.yaml", "hostile")))


LAUGHS = "".join(f"{a}: &{a} [{', '.join([f'*{b}'] * 9) if b else ', '.join(['lol'] * 9)}]\n" for a, b in zip("abcdefghi", ["", *"abcdefgh"], strict=True))

HOSTILE = {
    "python object tag is never executed": (
        "!!python/object/apply:os.system ['touch /tmp/archcalc-hacked']\n",
        "the YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed in a spec",
    ),
    "python name tag": ("input: !!python/name:os.system\nlayers: [relu]\n", "the YAML tag tag:yaml.org,2002:python/name:os.system is not allowed"),
    "billion laughs": (LAUGHS, "aliases copy more than 25,000 values in this spec (*d copies 7,381 each time; an alias bomb?)"),
    "an alias inside itself": ("a: &a [*a]\n", "the alias *a is used inside its own anchor"),
    "lists nested 10,000 deep": ("input: 4\nlayers: " + "[" * 10_000 + "]" * 10_000 + "\n", "nest"),
    "mappings nested 10,000 deep": ("input: 4\nlayers: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n", "nest"),
    "a 5,000-digit integer": ("input: " + "9" * 5_000 + "\nlayers: [relu]\n", "(5,000 characters) is too large: archcalc reads numbers up to 1e36"),
    "an empty tagged integer (found by fuzzing)": ("input: [!!int ]\nlayers: [relu]\n", "'' is not a whole number"),
    "an empty tagged float (found by fuzzing)": ("input: 4\nlayers: [{dropout: !!float }]\n", "cannot read '' as a float"),
    "an infinite budget (found by fuzzing)": ("chain: 4->2\nbudget: {params: .inf}\n", "a count must be a finite number"),
    "duplicate keys": ("input: 4\nlayers: [relu]\ninput: 5\n", "duplicate key 'input' (first written at line 1)"),
    "duplicate layer arguments": ("input: 8x8x1\nlayers:\n  - conv: {filters: 1, kernel: 3, kernel: 5}\n", "duplicate key 'kernel'"),
    "nested repeats that multiply": (
        "input: 4x1\nlayers: [{repeat: {times: 9000, layers: [{repeat: {times: 9000, layers: [{conv: {filters: 1, kernel: 1, padding: 1}}]}}]}}]\n",
        "unroll into more than 50,000 layers",
    ),
    "a repeat that never settles": (
        "input: 4x1\nlayers: [{repeat: {times: 1000000, layers: [{conv: {filters: 1, kernel: 1, padding: 1}}]}}]\n",
        "keeps changing the shape",
    ),
    "sizes past 1e36": ("input: 1" + "0" * 40 + "\nlayers: [relu]\n", "reads sizes up to 1e36"),
}


@pytest.mark.parametrize(("text", "expected"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_yaml_is_refused_with_a_located_error(text: str, expected: str) -> None:
    outcome = computed(text)
    assert outcome.startswith("hostile.yaml"), outcome
    assert expected in outcome
    assert not Path("/tmp/archcalc-hacked").exists()


def test_sizes_of_1e30_are_computed_exactly() -> None:
    big = 10**30
    text = f"input: {big}x{big}x3\nlayers: [{{conv: {{filters: {big}, kernel: 3}}}}, flatten, {{dense: {big}}}]\n"
    assert computed(text) == "ok"
    report = analyze(load_text(text, "big.yaml", "big"))
    conv_weights = 27 * big
    assert report.layers[0].cost.params == conv_weights + big
    assert report.layers[2].cost.weights == (big - 2) ** 2 * big * big


def test_a_trillion_repeats_of_a_shape_preserving_block() -> None:
    text = "input: 64\nlayers: [{repeat: {times: 1000000000000, layers: [{dense: 64}, relu]}}]\n"
    assert computed(text) == "ok"
    assert analyze(load_text(text, "r.yaml", "r")).total.params == 10**12 * (64 * 64 + 64)


def test_a_100_mb_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.truncate(100 * 1024 * 1024)  # sparse: 100 MB of zero bytes, written in no time
    outcome = answered(lambda: load_spec(str(path)))
    assert "larger than 5 MB" in outcome


@pytest.mark.parametrize(("text", "expected"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_through_the_cli_exits_2_without_a_traceback(text: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["show", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_figures_past_the_range_of_a_float_still_report(tmp_path: Path) -> None:
    """Nine nested repeats of 10^36 put MACs near 10^326, past any float. Ratios become '∞×',
    JSON gets null rather than an invalid Infinity, and nothing crashes."""
    import json

    layers = "[{conv: {filters: 4, kernel: 1}}]"
    for _ in range(9):
        layers = f"[{{repeat: {{times: {10**36}, layers: {layers}}}}}]"
    path = tmp_path / "vast.yaml"
    path.write_text(f"input: 8x8x4\nlayers: {layers}\nbudget: {{macs: 10}}\n")
    runner = CliRunner()
    assert analyze(load_spec(str(path))).total.macs == 8 * 8 * 4 * 4 * 10**324
    for arguments, expected in [
        (["show", str(path), "--format", "json", "-e", "-r", "-m"], 0),
        (["compare", "16->8", str(path)], 0),
        (["compare", "16->8", str(path), "--format", "json"], 0),
        (["check", str(path)], 1),
        (["check", str(path), "--format", "json"], 1),
        (["check", str(path), "--format", "github"], 1),
        (["diff", "8x8x4->2", str(path)], 0),
        (["sweep", str(path), "--sizes", "2,4"], 0),
    ]:
        result = runner.invoke(app, arguments)
        assert result.exit_code == expected, (arguments, result.output, result.exception)
        if "json" in arguments:
            json.loads(result.stdout)  # strict: Infinity would not parse as JSON from other tools
            assert "Infinity" not in result.stdout
    compared = runner.invoke(app, ["compare", "16->8", str(path)]).stdout
    assert "∞× more" in compared
