"""`show --memory` at a batch, and what `show` says under its table: figures at the batch asked, only
what the model has named, and no option silently ignored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from tests.conftest import ARCHSPECS

CNN = ARCHSPECS / "seed" / "cnn.yaml"
LLAMA2 = ARCHSPECS / "zoo" / "language" / "llama2_7b.yaml"
BATCHNORM_CNN = "input: 4x4x1\nlayers: [{conv: {filters: 2, kernel: 3}}, batchnorm, relu, flatten, {dense: 2}]\n"
ROUTED = "input: 4x8\nlayers: [{moe: {experts: 4, per_token: 2, hidden: 8, score_correction: true}}]\n"


def run(*arguments: str | Path, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(argument) for argument in arguments], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_non_trainable_state_names_only_what_the_model_holds() -> None:
    """A conv of 2 filters then a batch norm: 2 running means and 2 running variances. A mixture of 4
    experts with a routing bias: 4 values. Each note names its own kind of state alone."""
    code, out, _ = run("show", "-", stdin=BATCHNORM_CNN)
    assert code == 0
    assert "non-trainable state 4 (batch-norm running statistics; not counted in params)" in out
    code, out, _ = run("show", "-", stdin=ROUTED)
    assert code == 0
    assert "non-trainable state 4 (a router's routing bias; not counted in params)" in out


def test_the_memory_note_mentions_attention_only_for_a_model_with_attention() -> None:
    _, out, _ = run("show", CNN, "--memory")
    assert "peak activations 96 bytes" in out and "attention" not in out
    _, out, _ = run("show", LLAMA2, "--memory")
    assert "attention as flash attention runs it" in out


def memory_json(*arguments: str | Path) -> dict:  # type: ignore[type-arg]
    code, out, err = run("show", *arguments, "--memory", "--format", "json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_the_peak_and_each_output_are_the_batchs() -> None:
    """The seed CNN's peak is while the conv runs: its 4×4×1 input and 2×2×2 output, 24 values, 96
    bytes in float32 a sample; at batch 8, 8 × 24 × 4 = 768. Every inference activation is a
    sample's own, so each layer's output bytes are 8 × its one sample's too."""
    one, eight = memory_json(CNN), memory_json(CNN, "--batch", "8")
    assert (one["memory"]["peak_activation_bytes"], eight["memory"]["peak_activation_bytes"]) == (96, 768)
    assert [layer["output_bytes"] for layer in eight["layers"]] == [8 * 8 * 4, 8 * 8 * 4, 8 * 8 * 4, 8 * 2 * 4]
    assert [layer["params"] for layer in eight["layers"]] == [layer["params"] for layer in one["layers"]]  # parameters stay the model's
    _, out, _ = run("show", CNN, "--memory", "--batch", "8")
    assert "peak activations 768 bytes for batch 8" in out and "output bytes (float32, batch 8)" in out


def test_a_language_models_peak_and_cache_both_scale_with_the_batch() -> None:
    one, eight = memory_json(LLAMA2)["memory"], memory_json(LLAMA2, "--batch", "8")["memory"]
    assert eight["peak_activation_bytes"] == 8 * one["peak_activation_bytes"]
    assert eight["kv_cache_bytes"] == 8 * one["kv_cache_bytes"] and eight["batch"] == 8


@pytest.mark.parametrize(
    ("arguments", "flag"),
    [(["--dtype", "float16"], "--dtype"), (["--batch", "8"], "--batch"), (["--attention", "eager"], "--attention eager")],
)
def test_a_memory_option_without_memory_is_refused_as_a_misplaced_tokens_is(arguments: list[str], flag: str) -> None:
    code, out, err = run("show", CNN, *arguments)
    assert code == 2 and out == ""
    assert f"{flag} sets what --memory counts, and --memory is not given" in err and "Traceback" not in err


def test_dtype_and_batch_count_in_the_chart_without_memory(tmp_path: Path) -> None:
    """The SVG draws each layer's output bytes at --dtype and --batch: there they change something."""
    code, _, err = run("show", CNN, "--dtype", "float16", "--batch", "2", "--format", "svg", "-o", tmp_path / "cnn.svg")
    assert code == 0, err


@pytest.mark.parametrize("flags", [["--untie"], ["--input", "tokens"]])
@pytest.mark.parametrize("command", ["show", "train"])
def test_onnx_options_on_a_spec_are_refused(command: str, flags: list[str]) -> None:
    """--untie and --input only reach the ONNX reader: on a YAML spec or a chain they are refused, located."""
    code, out, err = run(command, CNN, *flags)
    assert code == 2 and out == ""
    assert f"cnn.yaml: {flags[0]} is for an ONNX model, and this is not one" in err
    code, _, err = run(command, "16->8->2", *flags)
    assert code == 2 and "is for an ONNX model" in err


def test_onnx_options_reach_the_onnx_models_among_several_specs(tmp_path: Path) -> None:
    """`compare model.onnx model.yaml --untie` unties the ONNX model and reads the spec as written
    (once it refused the spec); with no ONNX model among them, --untie is refused."""
    from tests.hostile_models import conv_model, saved

    model = saved(tmp_path / "conv.onnx", conv_model())
    code, out, err = run("compare", model, CNN, "--untie", "--format", "csv")
    assert code == 0, err
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == ["conv", "seed-cnn"]
    code, out, err = run("compare", CNN, CNN, "--untie")
    assert code == 2 and out == "" and "cnn.yaml: --untie is for an ONNX model, and this is not one" in err


@pytest.mark.parametrize(
    "arguments",
    [
        ["show", CNN, "--memory", "--attention", "eager"],
        ["train", CNN, "--attention", "eager"],
        ["serve", CNN, "--device", "t4", "--attention", "eager"],
        ["compare", "--train", CNN, ARCHSPECS / "seed" / "ann.yaml", "--attention", "eager"],
        ["compare", CNN, LLAMA2, "--attention", "eager"],
    ],
)
def test_eager_attention_where_it_would_change_nothing_is_refused(arguments: list[str | Path]) -> None:
    """No attention in the model (or, for compare, no --train or --device to run it): as a misplaced --tokens."""
    code, out, err = run(*arguments)
    assert code == 2 and out == "" and "--attention eager" in err and "Traceback" not in err
