"""The command line through Typer's CliRunner: exit codes, output on the right stream, every format."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from archcalc import __version__
from archcalc.app import app
from tests.conftest import ARCHSPECS

SEED = ARCHSPECS / "seed"
runner = CliRunner()


def run(*arguments: str | Path, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(argument) for argument in arguments], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_show_prints_the_seed_cnn() -> None:
    code, out, err = run("show", SEED / "cnn.yaml")
    assert code == 0 and err == ""
    assert "conv 3×3, 2 filters" in out
    assert "2×2×2" in out
    assert "params 38 = weights 34 + biases 4" in out


def test_show_json_follows_the_contract() -> None:
    code, out, _ = run("show", SEED / "cnn.yaml", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["name"] == "seed-cnn"
    assert document["input_shape"] == [4, 4, 1] and document["output_shape"] == [2]
    assert document["totals"] == {"params": 38, "weights": 34, "biases": 4, "non_trainable": 0, "macs": 88}
    assert [layer["type"] for layer in document["layers"]] == ["conv", "relu", "flatten", "dense"]
    conv = document["layers"][0]
    assert (conv["output_shape"], conv["params"], conv["macs"]) == ([2, 2, 2], 20, 72)


def test_show_csv_keeps_raw_integers() -> None:
    code, out, _ = run("show", "224x224x3->100", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["layer"] == "flatten"  # a chain from an image flattens it first, as the seed's ANN does
    assert rows[1]["weights"] == "15052800" and rows[1]["params"] == "15052900"
    assert rows[-1]["layer"] == "total"


def test_show_markdown_is_a_table() -> None:
    code, out, _ = run("show", "16->8->2", "-f", "markdown")
    assert code == 0
    assert "| 1 | dense 8 | 8 | 128 | 8 | 136 | 128 |" in out
    assert "| **total** |" in out.replace("|  |", "|")


def test_show_reads_standard_input() -> None:
    code, out, _ = run("show", "-", "--format", "json", stdin="input: 16\nlayers: [{dense: 8}, {dense: 2}]\n")
    assert code == 0
    assert json.loads(out)["totals"]["params"] == 154


def test_compare_gives_the_seed_ratio() -> None:
    code, out, _ = run("compare", SEED / "ann.yaml", SEED / "cnn.yaml")
    assert code == 0
    assert "params 154 / 38 = 4.1× fewer" in out


def test_compare_shows_both_first_layer_ratios() -> None:
    code, out, _ = run("compare", SEED / "ann_224_first_layer.yaml", SEED / "cnn_224_first_layer.yaml")
    assert code == 0
    assert "params 15,052,900 / 1,792 = 8,400× fewer" in out  # with biases: the code's "8404×" is a slip
    assert "weights only 15,052,800 / 1,728 = 8,711× fewer" in out  # the article's "8,700×"


def test_compare_json() -> None:
    code, out, _ = run("compare", "16->8->2", SEED / "cnn.yaml", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["baseline"] == "16->8->2"
    assert [spec["totals"]["params"] for spec in document["specs"]] == [154, 38]
    assert document["specs"][1]["first_over_this"]["params"] == pytest.approx(154 / 38)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["show", "missing.yaml"], "archcalc: error: no such file: missing.yaml"),
        (["show", "16->x"], "archcalc: error: <chain>:1:5: layer 1 (dense): 'x' is not a positive number"),
        (["show", "2x2x1->2", "--format", "yaml"], "Invalid value"),
        (["compare", "16->8", "missing.yaml"], "no such file: missing.yaml"),
        (["show"], "Missing argument"),
        (["frobnicate"], "No such command"),
    ],
)
def test_bad_input_exits_2_with_nothing_on_stdout(arguments: list[str], message: str) -> None:
    code, out, err = run(*arguments)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


def test_a_bad_spec_file_is_located(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "typo.yaml"
    path.write_text("input: 4x4x1\nlayers:\n  - conv: {filters: 2, kernal: 3}\n")
    code, out, err = run("show", path)
    assert (code, out) == (2, "")
    assert err == f"archcalc: error: {path}:3:24: layer 1 (conv): unknown argument 'kernal'; did you mean 'kernel'?\n"


def test_version() -> None:
    code, out, _ = run("--version")
    assert (code, out) == (0, f"archcalc {__version__}\n")


def test_the_entry_point_runs_the_cli_with_the_garbage_collector_off() -> None:
    """`python -m archcalc` and the `archcalc` script both start in archcalc.__main__.main."""
    probe = "import gc, sys\nfrom archcalc.__main__ import main\ntry:\n    main()\nfinally:\n    print('collector on:', gc.isenabled())"
    result = subprocess.run([sys.executable, "-c", probe, "show", "16->8", "-f", "csv"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("position,layer,") and result.stdout.endswith("collector on: False\n")
    module = subprocess.run([sys.executable, "-m", "archcalc", "show", "16->8x", "-f", "csv"], capture_output=True, text=True, check=False)
    assert (module.returncode, module.stdout) == (2, "") and module.stderr.startswith("archcalc: error:")


COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    assert "Example" in out
    assert "Usage: archcalc " + command in " ".join(out.split())


def test_layers_lists_every_kind_with_its_arguments() -> None:
    code, out, _ = run("layers", "--format", "json")
    assert code == 0
    entries = json.loads(out)["layers"]
    names = {name for entry in entries for name in entry["names"]}
    from archcalc.kinds import WRITTEN_NAMES

    assert names == set(WRITTEN_NAMES)
    conv = next(entry for entry in entries if entry["kind"] == "conv")
    assert conv["names"] == ["conv", "conv1d", "conv2d", "conv3d"]
    assert [argument["name"] for argument in conv["arguments"]] == ["filters", "kernel", "stride", "padding", "dilation", "groups", "bias"]
    assert [argument["name"] for argument in conv["arguments"] if argument["required"]] == ["filters", "kernel"]


def test_unknown_default_arguments_are_refused_where_written() -> None:
    code, _, err = run("show", "-", stdin="input: 8x8x1\ndefaults:\n  conv: {biass: false}\nlayers: [relu]\n")
    assert code == 2
    assert "<stdin>:3:10: unknown argument 'biass' for conv in defaults; did you mean 'bias'?" in err


@pytest.mark.parametrize(("tty", "no_color", "expected"), [(False, False, False), (True, False, True), (True, True, False)])
def test_colour_only_on_a_terminal_without_no_color(tty: bool, no_color: bool, expected: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import sys

    from archcalc import app as application

    monkeypatch.setattr(sys.stdout, "isatty", lambda: tty)
    monkeypatch.setattr(os, "get_terminal_size", lambda _: os.terminal_size((100, 40)))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    assert application.terminal().color is expected


def test_a_bug_in_archcalc_exits_3_in_one_line_never_1(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 1 means "over budget" to CI: an exception that escapes must never look like that."""
    import archcalc.app

    def broken(*_: object) -> None:
        raise RuntimeError("a bug\nwith a second line")

    monkeypatch.setattr(archcalc.app, "analyze_one", broken)
    monkeypatch.setattr(sys, "argv", ["archcalc", "show", "16->8->2"])
    with pytest.raises(SystemExit) as exited:
        archcalc.app.main()
    assert exited.value.code == 3
    error = capsys.readouterr().err
    assert error == (
        "archcalc: internal error: RuntimeError: a bug\\nwith a second line; this is archcalc's fault, not the input's: please report it "
        "(ARCHCALC_DEBUG=1 shows where)\n"
    )
