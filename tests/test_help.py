"""Help a newcomer can read: usage lines that show which commands take several specs, and a command
list of short, whole sentences (issue 16, defect 8: `compare [OPTIONS] {SPEC}`, and sentences cut
off mid-way with `...`)."""

from __future__ import annotations

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from archcalc.app import app

COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]
MANY_SPECS = {"compare", "check", "sweep"}


def help_of(*arguments: str) -> str:
    result = CliRunner().invoke(app, [*arguments, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", sorted(MANY_SPECS))
def test_usage_shows_that_a_command_takes_several_specs(command: str) -> None:
    usage = help_of(command).splitlines()[0]
    assert usage.startswith(f"Usage: archcalc {command} [OPTIONS]") and "SPEC..." in usage


@pytest.mark.parametrize("command", ["show", "sharing"])
def test_usage_of_a_one_spec_command_says_one(command: str) -> None:
    usage = help_of(command).splitlines()[0]
    assert "SPEC" in usage and "..." not in usage


def test_the_command_list_gives_each_command_one_whole_sentence() -> None:
    text = help_of()
    listed = text[text.index("Commands:") :].splitlines()[1:]
    entries = {line.split()[0]: line.split(maxsplit=1)[1] for line in listed if line.strip()}
    assert sorted(entries) == COMMANDS
    for command, sentence in entries.items():
        assert sentence[0].isupper() and sentence.endswith(".") and not sentence.endswith("..."), (command, sentence)
        assert sentence.count(". ") == 0, (command, sentence)  # one sentence
        assert len(sentence) <= 64, (command, sentence)


@pytest.mark.parametrize("command", ["show", "compare", "diff", "sweep"])
def test_count_flops_is_offered_and_explained(command: str) -> None:
    assert "flops at 2 per MAC (a multiply and an add each)" in " ".join(help_of(command).split())


@pytest.mark.parametrize("command", ["show", "compare", "check", "diff", "sweep", "import"])
def test_every_command_that_reads_a_model_says_it_reads_keras_too(command: str) -> None:
    """The readers take ONNX and Keras alike; help that says only ONNX (as `import` did) hides half."""
    words = " ".join(help_of(command).split())
    assert "ONNX" in words and "Keras .keras" in words and "to_json() config" in words
