"""`-o FILE` on every command but `schema` (`import` and `report`: tests/test_safe_write.py and
tests/test_report.py), in every format: the file holds the bytes standard output would, is written
by the safe writer (archcalc/safe_write.py), is refused when it exists without --force, and `-o -`
is standard output. What a command answers and its exit status are the same with -o as without.
check, diff, sharing, layers, devices and examples had no -o, though the README said every output
could be written to a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.commands.shared import terminal
from tests.conftest import ARCHSPECS

runner = CliRunner()
SEED = ARCHSPECS / "seed"
CNN = SEED / "cnn.yaml"

COMMANDS: dict[str, list[str]] = {
    "show": ["show", str(CNN), "--memory"],
    "compare": ["compare", str(SEED / "ann.yaml"), str(CNN)],
    "compare --train": ["compare", "--train", str(SEED / "ann.yaml"), str(CNN)],
    "sweep": ["sweep", str(CNN), "--sizes", "4,8"],
    "sweep --batch": ["sweep", str(CNN), "--batch", "1,8"],
    "serve": ["serve", str(CNN), "--device", "t4"],
    "train": ["train", str(CNN), "--batch", "2", "--device", "t4"],
    "check": ["check", str(CNN)],
    "diff": ["diff", str(SEED / "ann.yaml"), str(CNN)],
    "sharing": ["sharing", str(CNN)],
    "layers": ["layers"],
    "devices": ["devices"],
    "examples": ["examples", "seed"],
}
FORMATS: dict[str, list[str]] = {
    "show": ["table", "json", "csv", "markdown", "terminal-svg", "svg"],
    "compare": ["table", "json", "svg"],
    "compare --train": ["csv", "svg"],
    "sweep": ["table", "markdown", "svg"],
    "sweep --batch": ["json", "svg"],
    "serve": ["table", "json", "svg"],
    "train": ["table", "json", "csv", "markdown", "terminal-svg", "svg"],
    "check": ["table", "json", "csv", "markdown", "github"],
    "diff": ["table", "json", "csv", "markdown", "terminal-svg"],
    "sharing": ["table", "json", "csv", "markdown", "terminal-svg"],
    "layers": ["table", "json", "csv", "markdown", "terminal-svg"],
    "devices": ["table", "json", "csv", "markdown", "terminal-svg"],
    "examples": ["table", "json", "csv", "markdown", "terminal-svg"],
}
CASES = [(command, output_format) for command, formats in FORMATS.items() for output_format in formats]


def run(*arguments: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(argument) for argument in arguments])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("command", "output_format"), CASES, ids=[f"{command} {output_format}" for command, output_format in CASES])
def test_the_file_holds_what_standard_output_would(command: str, output_format: str, tmp_path: Path) -> None:
    arguments = [*COMMANDS[command], "--format", output_format]
    code, printed, err = run(*arguments)
    assert (code, err) == (0, ""), err
    target = tmp_path / f"out.{output_format}"
    code, out, err = run(*arguments, "-o", target)
    assert (code, out, err) == (0, "", f"archcalc: wrote {target}\n")
    assert target.read_bytes() == printed.encode("utf-8")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_existing_file_is_refused_and_force_replaces_it(command: str, tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("kept\n")
    code, out, err = run(*COMMANDS[command], "--output", target)
    assert (code, out) == (2, "")
    assert err == f"archcalc: error: {target} exists already; give --force to overwrite it\n"
    assert target.read_text() == "kept\n"
    code, out, err = run(*COMMANDS[command], "--output", target, "--force", "--format", "json")
    assert (code, out, err) == (0, "", f"archcalc: wrote {target}\n")
    assert json.loads(target.read_text())["schema_version"]  # the whole document, replacing the old file
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.txt"]  # no temporary file left


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_dash_is_standard_output_and_empty_is_a_usage_error(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    printed = run(*COMMANDS[command])
    assert run(*COMMANDS[command], "-o", "-") == printed
    assert list(tmp_path.iterdir()) == []  # no file named -
    code, out, err = run(*COMMANDS[command], "-o", "")
    assert (code, out) == (2, "")
    assert err == "archcalc: error: an empty -o names no file (is a variable unset?); give the file's name, or '-' for standard output\n"


@pytest.mark.parametrize("command", sorted(command for command, arguments in COMMANDS.items() if str(CNN) in arguments and command != "check"))
def test_bad_input_writes_no_file(command: str, tmp_path: Path) -> None:
    """The spec is read and computed before anything is written: an error leaves no file, whole or half."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("input: 4x4x1\nlayers:\n  - conv: {filters: 2, kernal: 3}\n")
    arguments = [str(broken) if argument == str(CNN) else argument for argument in COMMANDS[command]]
    target = tmp_path / "out.txt"
    code, out, err = run(*arguments, "-o", target)
    assert (code, out) == (2, "") and "unknown argument 'kernal'" in err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken.yaml"]


def test_a_step_that_does_not_fit_exits_0_with_or_without_a_file(tmp_path: Path) -> None:
    """Not fitting is train's answer, not a failure (`check` is the gate that exits 1): -o changes where it goes, not the status."""
    arguments = ["train", str(CNN), "--memory-limit", "100"]
    assert run(*arguments)[0] == 0
    assert run(*arguments, "-o", tmp_path / "train.txt")[0] == 0
    assert "does not fit in 100 bytes" in (tmp_path / "train.txt").read_text()


def test_a_file_gets_whole_rows_and_no_colour_whatever_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A table for a file is laid out as for a pipe, in UTF-8, even when standard output is a colour terminal."""
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    on_screen, in_file = terminal(), terminal(output="table.txt")
    assert on_screen.color is True and on_screen.width == 40
    assert (in_file.color, in_file.width, in_file.encoding) == (False, None, "utf-8")
    assert terminal(output="-") == on_screen


def test_a_file_is_defused_as_standard_output_is(tmp_path: Path) -> None:
    """A spec named `::error::x` starts the table's title line; a CI log that prints the file later
    must not run it as a workflow command, so the file holds the same `\\x3a:` standard output does."""
    spec = tmp_path / "hostile.yaml"
    spec.write_text('name: "::error::x"\ninput: 4\nlayers:\n  - dense: 2\n')
    code, printed, _ = run("show", spec)
    assert code == 0 and printed.startswith("\\x3a:error::x")
    run("show", spec, "-o", tmp_path / "table.txt")
    assert (tmp_path / "table.txt").read_text(encoding="utf-8") == printed


def test_every_command_but_schema_takes_o() -> None:
    """The README says `-o FILE` writes any command's output to a file."""
    from typer.main import get_command

    commands = get_command(app).commands  # type: ignore[attr-defined]
    without = sorted(name for name, command in commands.items() if not any("--output" in parameter.opts for parameter in command.params))
    assert without == ["schema"]
    assert {"check", "diff", "sharing", "layers", "devices", "examples"} <= set(COMMANDS)


def test_a_failed_check_writes_its_whole_document_and_keeps_its_status(tmp_path: Path) -> None:
    """A check over budget (exit 1) or with a spec it cannot read (exit 2) still writes the file: its
    results are complete, and CI keeps them. The error is said on standard error, as without -o."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("input: 4x4x1\nlayers:\n  - conv: {filters: 2, kernal: 3}\n")
    over = ["check", str(CNN), "--max-params", "30"]
    unreadable = ["check", str(CNN), str(broken)]
    for arguments, status in ((over, 1), (unreadable, 2)):
        for output_format in ("table", "json", "csv", "markdown", "github"):
            code, printed, said = run(*arguments, "--format", output_format)
            assert code == status, (arguments, output_format)
            target = tmp_path / f"out-{status}.{output_format}"
            code, out, err = run(*arguments, "--format", output_format, "-o", target)
            assert (code, out) == (status, "")
            assert err == f"{said}archcalc: wrote {target}\n"
            assert target.read_bytes() == printed.encode("utf-8")
    assert "::error file=" in (tmp_path / "out-1.github").read_text()  # annotations stay annotations in the file, for a later step to print


def test_quiet_check_still_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "check.json"
    code, out, err = run("check", CNN, "--max-params", "30", "--quiet", "--format", "json", "-o", target)
    assert (code, out, err) == (1, "", f"archcalc: wrote {target}\n")
    assert json.loads(target.read_text())["passed"] is False
    assert run("check", CNN, "-q", "-o", tmp_path / "check.json") == (2, "", f"archcalc: error: {target} exists already; give --force to overwrite it\n")


def test_a_bad_device_file_writes_no_file(tmp_path: Path) -> None:
    broken = tmp_path / "mine.yaml"
    broken.write_text("devices: [{name: x}]\n")
    code, out, _ = run("devices", "--device-file", broken, "-o", tmp_path / "out.txt")
    assert (code, out) == (2, "")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mine.yaml"]
