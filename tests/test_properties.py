"""Properties of the arithmetic, checked on generated input (hypothesis, derandomised for CI)."""

from __future__ import annotations

import json
from itertools import pairwise

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.arithmetic import window_count
from archcalc.engine import analyze
from archcalc.engine.sweep import resized
from archcalc.errors import ShapeError
from archcalc.formats import load_spec, load_text
from tests.conftest import ARCHSPECS
from tests.random_specs import random_spec

PROPERTY = settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COMMANDS = settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
seeds = st.integers(min_value=0, max_value=10**6)


def brute_force_windows(length: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """Slide the window along the padded input and count where it may stand, as PyTorch defines it:
    wholly inside the padded input; with ceil_mode, also overhanging its end by less than a stride,
    provided it starts inside the input or the left padding."""
    span = dilation * (kernel - 1) + 1
    padded = length + 2 * padding
    count = 0
    for start in range(0, padded, stride):
        inside = start + span <= padded
        overhang = ceil_mode and start + span - stride < padded and start < length + padding
        if inside or overhang:
            count += 1
    return count


@PROPERTY
@given(
    length=st.integers(1, 60),
    kernel=st.integers(1, 9),
    stride=st.integers(1, 5),
    dilation=st.integers(1, 3),
    ceil_mode=st.booleans(),
    padding_fraction=st.floats(0, 1),
)
def test_output_length_agrees_with_counting_window_positions(
    length: int, kernel: int, stride: int, dilation: int, ceil_mode: bool, padding_fraction: float
) -> None:
    padding = int(padding_fraction * (kernel // 2))  # PyTorch allows at most half the kernel
    expected = brute_force_windows(length, kernel, stride, padding, dilation, ceil_mode)
    assert window_count(length, kernel, stride, padding, dilation, ceil_mode) == expected


@PROPERTY
@given(seed=seeds, size=st.integers(4, 40))
def test_without_a_flatten_parameters_do_not_depend_on_the_input_size(seed: int, size: int) -> None:
    """Weights are shared across positions, except after a flatten and in a position table (a row per position)."""
    text = random_spec(seed)
    spec = load_text(text, "<generated>", "generated")
    if "flatten" in text or "position_embedding" in text or (len(spec.input_shape) < 2 and not spec.reads_token_ids):
        return
    try:
        first, second = analyze(spec), analyze(resized(spec, size))
    except ShapeError:
        return  # the network does not fit one of the sizes: nothing to compare
    assert first.total.params == second.total.params, text


def outcome(text: str) -> tuple[object, ...]:
    """A spec's output shape and total, or the kind of error that stopped it."""
    try:
        report = analyze(load_text(text, "<generated>", "generated"))
    except ShapeError:
        return ("ShapeError",)
    return (report.output_shape, report.total)


@PROPERTY
@given(seed=seeds, times=st.integers(1, 6))
def test_a_repeat_counts_as_its_block_written_out(seed: int, times: int) -> None:
    """The engine computes a repeat's iterations once the shape settles and counts the rest
    (LayerResult.occurrences); the same block written out `times` times is computed layer by layer.
    Both must give the same output shape and totals, and fail alike."""
    generated = yaml.safe_load(random_spec(seed))
    if "name:" in random_spec(seed) or not generated.get("layers"):
        return  # a name written twice is an error of its own, not of the counting
    block = generated["layers"]
    repeated = yaml.safe_dump({"input": generated["input"], "layers": [{"repeat": {"times": times, "layers": block}}]})
    written_out = yaml.safe_dump({"input": generated["input"], "layers": block * times})
    assert outcome(repeated) == outcome(written_out), written_out


@PROPERTY
@given(sizes=st.lists(st.integers(1, 5000), min_size=2, max_size=7))
def test_an_arrow_chain_equals_the_yaml_written_out(sizes: list[int]) -> None:
    chain = "->".join(map(str, sizes))
    written = f"input: {sizes[0]}\nlayers: [{', '.join(f'{{dense: {units}}}' for units in sizes[1:])}]"
    chained, spelled = analyze(load_spec(chain)), analyze(load_text(written, "<yaml>", "yaml"))
    assert chained.total == spelled.total
    assert chained.output_shape == spelled.output_shape == (sizes[-1],)
    assert chained.total.params == sum(a * b + b for a, b in pairwise(sizes))


@pytest.fixture(scope="module")
def spec_files(tmp_path_factory: pytest.TempPathFactory) -> object:
    return tmp_path_factory.mktemp("generated")


@COMMANDS
@given(seed=seeds, other=seeds)
def test_no_command_raises_on_a_valid_spec(seed: int, other: int, spec_files: object) -> None:
    from pathlib import Path

    folder = Path(str(spec_files))
    first, second = folder / f"{seed}.yaml", folder / f"{other}.yaml"
    first.write_text(random_spec(seed))
    second.write_text(random_spec(other))
    runner = CliRunner()
    runs = [
        (["show", str(first)], (0,)),
        (["show", str(first), "-f", "json", "--explain", "--receptive-field", "--memory", "--dtype", "int8"], (0,)),
        (["show", str(first), "-f", "csv", "-e", "-r", "-m", "--depth", "0"], (0,)),
        (["show", str(first), "-f", "markdown", "-e"], (0,)),
        (["compare", str(first), str(second)], (0,)),
        (["compare", str(first), str(second), "-f", "json"], (0,)),
        (["check", str(first), str(second), "--max-params", "1K", "--max-activation-bytes", "10K"], (0, 1)),
        (["check", str(first), "-f", "github", "--max-macs", "5"], (0, 1)),
        (["sweep", str(first), "--sizes", "3,9,27"], (0, 2)),  # 2: a flat input has no side
        (["sweep", str(first), "--sizes", "3,9,27", "-f", "json"], (0, 2)),
        (["diff", str(first), str(second)], (0,)),
        (["diff", str(first), str(second), "-f", "json", "--all", "--depth", "2"], (0,)),
        (["sharing", str(first)], (0,)),
    ]
    for arguments, allowed in runs:
        result = runner.invoke(app, arguments)
        assert result.exit_code in allowed, (arguments, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), (arguments, result.exception)
        if "json" in arguments and result.exit_code == 0:
            json.loads(result.stdout)


# What a user might type as a count or a list of sizes: digits, suffixes, exponents, junk, very long.
TYPED = st.one_of(
    st.text(alphabet="0123456789.,_eE+-KMGTkx ", max_size=30),
    st.builds(lambda digits, tail: digits * 3_000 + tail, st.sampled_from(["9", "1", "0"]), st.text(alphabet="0123456789eK.", max_size=6)),
)


@PROPERTY
@given(value=TYPED)
def test_no_option_value_raises(value: str) -> None:
    """Written after two tracebacks found by hand: `--max-params 1e999999999`, `--sizes` of 3,000 digits."""
    runner = CliRunner()
    cnn = str(ARCHSPECS / "seed" / "cnn.yaml")
    for arguments in (
        ["check", cnn, "--max-params", value],
        ["check", cnn, "--max-activation-bytes", value],
        ["sweep", cnn, "--sizes", value, "--chart", "none"],
    ):
        result = runner.invoke(app, arguments)
        assert result.exit_code in (0, 1, 2), (arguments, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (arguments, result.exception)
