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
    assert document["totals"] == {"params": 38, "weights": 34, "biases": 4, "non_trainable": 0, "macs": 88, "active_params": 38}
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


def test_an_unquoted_chain_in_a_shell_is_told_to_quote_it(tmp_path: Path) -> None:
    """`archcalc show 16->8->2` in a shell runs `archcalc show 16-` with standard output in a file `2`
    (after making `8-`): the message said only "no such file: 16-"."""
    result = subprocess.run(f"{sys.executable} -m archcalc show 16->8->2", shell=True, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == (
        "archcalc: error: no such file: 16-; quote the chain, e.g. '16->8->2': unquoted, the shell reads > as a redirection "
        "(and writes what follows it as a file)\n"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["2", "8-"]


@pytest.mark.parametrize("argument", ["missing.yaml", "16"])
def test_a_missing_file_that_is_no_chain_gets_the_usual_hint(argument: str) -> None:
    code, _, err = run("show", argument)
    assert code == 2
    assert err == f"archcalc: error: no such file: {argument}; give a YAML spec, a model file, '-' for standard input, or a chain such as '16->8->2' (quoted)\n"


def test_every_chain_a_message_or_help_shows_is_quoted() -> None:
    """A chain copied from a message or the help into a shell must run as it is."""
    import re

    texts = [run("--help")[1], *(run(command, "--help")[1] for command in ("show", "compare", "check", "sweep", "diff", "sharing"))]
    texts += [run("show", "16->x")[2], run("show", "->2")[2], run("show", "-", stdin="chain: [1]\n")[2]]
    from archcalc.formats.yaml.schema import spec_schema

    texts.append(json.dumps(spec_schema()))
    chains = [(text, match) for text in texts for match in re.finditer(r"\d+(?:->\d+)+", text)]
    assert len(chains) >= 10
    for text, match in chains:
        assert text[match.start() - 1] == "'" and text[match.end()] == "'", text[max(0, match.start() - 40) : match.end() + 10]


@pytest.mark.parametrize(
    ("argument", "example"),
    [("archspecs/seed/cnn.yaml", "seed/cnn.yaml"), ("seed/cnn.yaml", "seed/cnn.yaml"), ("resnet18.yaml", "zoo/torchvision/resnet18.yaml")],
)
def test_a_docs_path_outside_a_checkout_says_where_the_example_is_installed(
    argument: str, example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The docs' paths run in a checkout; elsewhere they said only "no such file"."""
    from archcalc.examples import examples_directory

    monkeypatch.chdir(tmp_path)
    code, out, err = run("show", argument)
    installed = examples_directory() / example
    assert code == 2 and out == ""
    assert err == (
        f"archcalc: error: no such file: {argument}; archcalc's example {example} is installed at {installed}: give that path, or copy it; "
        "`archcalc examples` lists them\n"
    )
    assert run("show", installed)[0] == 0  # the path it names runs


@pytest.mark.parametrize("argument", ["archspecs/", "archspecs/seed/missing.yaml", "archspecs/**/*.yaml"])
def test_the_examples_folder_outside_a_checkout_is_never_read_in_its_place(argument: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A path is read as written: `check archspecs/` in a project of one's own must not pass on archcalc's examples."""
    from archcalc.examples import examples_directory

    monkeypatch.chdir(tmp_path)
    code, out, err = run("check", argument, "--format", "json")
    assert code == 2 and "`archcalc examples` lists them" in err
    assert (
        json.loads(out)["specs"][0]["error"]["hint"]
        == f"archcalc's examples are in archspecs/ of its repository, and installed in {examples_directory()}; `archcalc examples` lists them"
    )


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


def test_layers_json_says_every_type_a_kind_reports_and_names_the_kind_honestly() -> None:
    """`kind` was `maxpool` for the kind that is avgpool too, and `relu` for every activation."""
    entries = json.loads(run("layers", "--format", "json")[1])["layers"]
    by_kind = {entry["kind"]: entry for entry in entries}
    assert by_kind["pool"]["types"] == ["avgpool", "maxpool"]
    assert by_kind["global_pool"]["types"] == ["global_avgpool", "global_maxpool"]
    assert "relu" in by_kind["activation"]["types"] and "gelu" in by_kind["activation"]["types"]
    assert by_kind["conv"]["types"] == ["conv"] and by_kind["dense"]["types"] == ["dense"]
    assert "maxpool" not in by_kind and "relu" not in by_kind
    types = [reported for entry in entries for reported in entry["types"]]
    assert len(types) == len(set(types))  # each type belongs to one kind
    # every type a layer reports in `show --format json` is listed, under the kind that reads its name
    shown = json.loads(run("show", "-", "--format", "json", stdin="input: 8x8x1\nlayers: [{avgpool: 2}, gelu, {maxpool: 2}, {dense: 2}]\n")[1])
    reported = [layer["type"] for layer in shown["layers"]]
    assert reported == ["avgpool", "gelu", "maxpool", "dense"] and set(reported) <= set(types)


@pytest.mark.parametrize("output_format", ["table", "json", "csv", "markdown"])
def test_layers_is_rendered_in_render_like_every_command(output_format: str) -> None:
    from archcalc.render import OutputFormat, Terminal, render_layers

    assert run("layers", "--format", output_format)[1] == render_layers(OutputFormat(output_format), Terminal())


def test_a_kinds_summary_is_one_rule_for_layers_and_the_schema() -> None:
    from archcalc.formats.yaml.schema import spec_schema
    from archcalc.kinds import KINDS
    from archcalc.text import summary

    assert summary("Two lines\n    of a first paragraph.\n\n    The rest.") == "Two lines of a first paragraph."
    listed = {entry["kind"]: entry["summary"] for entry in json.loads(run("layers", "--format", "json")[1])["layers"]}
    definitions = spec_schema()["$defs"]
    for kind in KINDS:
        assert summary(kind.__doc__) in listed.values()
        assert definitions[kind.__name__]["description"] == summary(kind.__doc__)


def test_layers_and_examples_documents_carry_the_schema_version() -> None:
    assert json.loads(run("layers", "--format", "json")[1])["schema_version"] == 1
    assert json.loads(run("examples", "seed", "--format", "json")[1])["schema_version"] == 1


@pytest.mark.parametrize("output_format", ["table", "json", "csv", "markdown"])
def test_examples_that_match_nothing_is_an_error(output_format: str) -> None:
    """`examples zzz` exited 0 with "0 example specs in" over four lines, an empty table, and still
    "run one as `archcalc show …/seed/cnn.yaml`". A filter that names nothing is refused as a glob
    that matches no file is: exit 2, one line on standard error, nothing on standard output."""
    assert run("examples", "zzz", "--format", output_format) == (2, "", "archcalc: error: no example matches 'zzz'; `archcalc examples` lists them all\n")
    code, out, err = run("examples", "SEED/CNN", "--format", output_format)  # a match, any case
    assert (code, err) == (0, "") and "seed/cnn.yaml" in out


def test_a_markdown_column_title_is_escaped() -> None:
    """A spec named `a|b` made sweep's column titles `a|b params`, a column too many."""
    code, out, err = run("sweep", "-", "--sizes", "8,16", "--format", "markdown", stdin="name: a|b\ninput: 8x8x1\nlayers: [{conv: {filters: 2, kernel: 3}}]\n")
    assert code == 0, err
    header = out.splitlines()[2]
    assert header == "| side | a\\|b params | a\\|b MACs |"
    assert all(line.replace("\\|", "").count("|") == 4 for line in out.splitlines()[2:6])


def test_a_tab_in_the_indentation_is_named() -> None:
    """libyaml says "found character that cannot start any token", which does not say tab."""
    code, _, err = run("show", "-", stdin="input: 16\nlayers:\n\t- dense: 2\n")
    assert code == 2
    assert err == "archcalc: error: <stdin>:3:1: a tab: tabs are not allowed in YAML indentation; indent with spaces\n"
    code, _, err = run("show", "-", stdin="input: 16\nlayers: [dense: 2]\nbudget:\n  params: 5\n\tmacs: 4\n")
    assert code == 2 and err.startswith("archcalc: error: <stdin>:5:1: a tab: tabs are not allowed")


def test_standard_input_on_a_terminal_says_it_is_waiting() -> None:
    """`archcalc show -` typed at a terminal waited without a word."""
    import os
    import pty

    reader, writer = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "archcalc", "show", "-", "--format", "json"], stdin=writer, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    os.write(reader, b"16->8->2\n\x04")  # a chain, then Ctrl-D at the start of a line
    out, err = process.communicate(timeout=30)
    os.close(reader)
    os.close(writer)
    assert process.returncode == 0, err
    assert err.decode() == "archcalc: reading a spec from standard input (Ctrl-D to end)\n"
    assert json.loads(out)["totals"]["params"] == 154
    piped = subprocess.run([sys.executable, "-m", "archcalc", "show", "-"], input=b"16->8->2\n", capture_output=True, check=True)
    assert piped.stderr == b""  # a pipe is not told


def test_unknown_default_arguments_are_refused_where_written() -> None:
    code, _, err = run("show", "-", stdin="input: 8x8x1\ndefaults:\n  conv: {biass: false}\nlayers: [relu]\n")
    assert code == 2
    assert "<stdin>:3:10: unknown argument 'biass' for conv in defaults; did you mean 'bias'?" in err


@pytest.mark.parametrize(("tty", "no_color", "expected"), [(False, False, False), (True, False, True), (True, True, False)])
def test_colour_only_on_a_terminal_without_no_color(tty: bool, no_color: bool, expected: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import sys

    from archcalc.commands import shared as application

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
    import archcalc.commands.show

    def broken(*_: object) -> None:
        raise RuntimeError("a bug\nwith a second line")

    monkeypatch.setattr(archcalc.commands.show, "analyze_one", broken)
    monkeypatch.setattr(sys, "argv", ["archcalc", "show", "16->8->2"])
    with pytest.raises(SystemExit) as exited:
        archcalc.app.main()
    assert exited.value.code == 3
    error = capsys.readouterr().err
    assert error == (
        "archcalc: internal error: RuntimeError: a bug\\nwith a second line; this is archcalc's fault, not the input's: please report it "
        "(ARCHCALC_DEBUG=1 shows where)\n"
    )


@pytest.mark.parametrize("argument", ["resnet18.onnx", "model.keras", "model.JSON"])
def test_a_missing_model_file_is_asked_for_as_a_model_file(argument: str) -> None:
    """`check spec.yaml --against resnet18.onnx` with a wrong path was told to give a YAML spec."""
    code, _, err = run("show", argument)
    assert code == 2
    assert err == f"archcalc: error: no such file: {argument}; give the path of an ONNX file, a Keras .keras archive or a model.to_json() config\n"
