"""The README tells the truth: its pasted output is what archcalc prints, and CI runs its test command.

Every ```console block holds `$ archcalc ...` lines, each followed by its output (standard output,
then standard error). `pytest --update-golden` rewrites the pasted output from a fresh run.
"""

from __future__ import annotations

import re
import shlex

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from tests.conftest import ROOT

README = ROOT / "README.md"
CONSOLE_BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def run_example(command: str) -> str:
    arguments = shlex.split(command)
    assert arguments[0] == "archcalc", command
    result = CliRunner().invoke(app, arguments[1:])
    return result.stdout + result.stderr


def examples(text: str) -> list[tuple[str, str]]:
    """(command, pasted output) for every `$ archcalc` line in the README."""
    found = []
    for block in CONSOLE_BLOCK.findall(text):
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, _, output = chunk.partition("\n")
            found.append((command, output))
    return found


def test_pasted_output_is_what_archcalc_prints(update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    text = README.read_text()
    if update_golden:
        text = CONSOLE_BLOCK.sub(lambda block: "```console\n" + _rerun(block.group(1)) + "```", text)
        README.write_text(text)
    pasted = examples(text)
    assert pasted, "the README shows no example"
    for command, output in pasted:
        assert run_example(command) == output, f"README output of `{command}` is stale; rerun pytest --update-golden"


def _rerun(block: str) -> str:
    commands = [chunk.partition("\n")[0] for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]]
    return "".join(f"$ {command}\n{run_example(command)}" for command in commands)


def test_ci_runs_the_readmes_test_command() -> None:
    (ci,) = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.startswith("python3 -m venv .venv && ")]
    assert ci.endswith("&& .venv/bin/pytest")
    assert f"```sh\n{ci}\n```" in README.read_text()
