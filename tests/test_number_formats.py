"""One vocabulary of number formats: every option and spec key that takes one takes fp16 and float16
alike (archcalc/number_formats.py), shows its own canonical name, and lists the canonical names when
it refuses one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.backward import Precision
from archcalc.formats import load_text
from archcalc.number_formats import canonical, spellings
from tests.conftest import ARCHSPECS

ANN = str(ARCHSPECS / "seed/ann.yaml")
GPT2 = str(ARCHSPECS / "zoo/language/gpt2.yaml")
DTYPES = ["float32", "float16", "bfloat16", "int8"]
PRECISIONS = ["fp32", "bf16", "fp16", "amp-bf16", "amp-fp16", "mixed-bf16", "mixed-fp16"]
NUMBER_FORMAT_OPTIONS = ("--dtype", "--precision", "--weights", "--kv")


@pytest.mark.parametrize(
    ("written", "names", "expected"),
    [
        ("fp16", DTYPES, "float16"),
        ("BF16", DTYPES, "bfloat16"),
        ("fp32", DTYPES, "float32"),
        ("int8", DTYPES, "int8"),
        ("float16", PRECISIONS, "fp16"),
        ("bfloat16", PRECISIONS, "bf16"),
        ("amp-bfloat16", PRECISIONS, "amp-bf16"),
        ("Mixed-Float16", PRECISIONS, "mixed-fp16"),
        ("float8", ["fp16", "bf16", "fp8"], "fp8"),
        ("fp8", DTYPES, None),  # no 8-bit float among --dtype's
        ("float64", DTYPES, None),
        ("amp-fp32", PRECISIONS, None),
        ("half", DTYPES, None),
    ],
)
def test_either_spelling_names_the_same_format(written: str, names: list[str], expected: str | None) -> None:
    assert canonical(written, names) == expected


def test_a_schema_allows_every_spelling() -> None:
    assert spellings(DTYPES) == ["fp32", "float32", "fp16", "float16", "bf16", "bfloat16", "int8"]
    assert spellings(["amp-bf16", "int4"]) == ["amp-bf16", "amp-bfloat16", "int4"]


def test_every_number_format_option_takes_both_spellings() -> None:
    """Every option of every command named for a number format reads it through the one table: the
    other spelling of each of its choices gives that choice."""
    found = []
    for name, command in get_command(app).commands.items():  # type: ignore[attr-defined]
        for parameter in command.params:
            if not set(parameter.opts) & set(NUMBER_FORMAT_OPTIONS):
                continue
            choices = parameter.metavar.strip("<>").split("|")
            for choice in choices:
                other = next((spelling for spelling in spellings([choice]) if spelling != choice), choice)
                assert parameter.type.convert(other.upper(), parameter, None) == choice, (name, parameter.opts, other)
            found.append((name, parameter.opts[0]))
    assert {option for _, option in found} == set(NUMBER_FORMAT_OPTIONS)
    assert ("show", "--dtype") in found and ("serve", "--weights") in found and ("train", "--precision") in found


def invoked(*arguments: str) -> dict[str, object]:
    result = CliRunner().invoke(app, [*arguments, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_the_commands_take_the_other_spelling_and_show_their_own() -> None:
    memory = invoked("show", ANN, "--memory", "--dtype", "fp16")["memory"]
    assert isinstance(memory, dict) and memory["dtype"] == "float16" and memory["param_bytes"] == 2 * 154
    compared = invoked("compare", ANN, ANN, "--memory", "--dtype", "bf16")["specs"]
    assert isinstance(compared, list) and compared[0]["memory"]["dtype"] == "bfloat16"
    checked = invoked("check", ANN, "--max-param-bytes", "308", "--dtype", "fp16")["specs"]
    assert isinstance(checked, list) and checked[0]["budgets"][0]["dtype"] == "float16" and checked[0]["passed"]
    served = invoked("serve", GPT2, "--device", "h100-sxm", "--weights", "float16", "--kv", "bfloat16")
    assert served["precision"] == {"weights": "fp16", "activations": "fp16", "kv": "bf16", "compute": "fp16"}
    trained = invoked("train", ANN, "--precision", "amp-bfloat16")["memory"]
    assert isinstance(trained, dict) and trained["precision"] == "amp-bf16"
    page = CliRunner().invoke(app, ["report", ANN, "--dtype", "fp16"])
    assert page.exit_code == 0 and "memory at float16 (2 bytes a value)" in page.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["show", ANN, "--memory", "--dtype", "fp8"], "'fp8' is not one of 'float32', 'float16', 'bfloat16', 'int8'."),
        (["serve", GPT2, "--device", "h100-sxm", "--weights", "float64"], "'float64' is not one of 'fp32', 'bf16', 'fp16', 'fp8', 'int8', 'int4'."),
        (["serve", GPT2, "--device", "h100-sxm", "--kv", "int8"], "'int8' is not one of 'fp16', 'bf16', 'fp8'."),
        (["train", ANN, "--precision", "amp-float32"], "is not one of 'fp32', 'bf16', 'fp16', 'amp-bf16', 'amp-fp16', 'mixed-bf16', 'mixed-fp16'"),
    ],
)
def test_a_format_no_spelling_names_lists_the_canonical_ones(arguments: list[str], message: str) -> None:
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 2 and message in result.output, result.output


def test_a_spec_takes_either_spelling_too(tmp_path: Path) -> None:
    """A budget's `dtype: fp16` is float16; `training: {precision: amp-float16}` is amp-fp16."""
    spec = tmp_path / "spec.yaml"
    spec.write_text("input: 16\nlayers: [{dense: 8}]\nbudget: {param_bytes: 272, dtype: fp16}\ntraining: {precision: amp-float16}\n")
    checked = invoked("check", str(spec))["specs"]
    assert isinstance(checked, list) and checked[0]["budgets"][0]["dtype"] == "float16" and checked[0]["budgets"][0]["actual"] == 2 * 136
    training = load_text(spec.read_text(), str(spec), "spec").training
    assert training is not None and training.precision is Precision.AMP_FP16
    spec.write_text("input: 16\nlayers: [{dense: 8}]\nbudget: {param_bytes: 272, dtype: fp64}\n")
    result = CliRunner().invoke(app, ["check", str(spec)])
    assert result.exit_code == 2 and f"{spec}:3:35: unknown dtype 'fp64'; one of float32, float16, bfloat16, int8" in result.output, result.output
