"""`show --memory` at a batch, and what `show` says under its table: figures at the batch asked, only
what the model has named, and no option silently ignored."""

from __future__ import annotations

from pathlib import Path

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
