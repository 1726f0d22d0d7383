"""Hostile input: each is answered with a figure or a located error, promptly, in bounded memory.

The time bound is generous (it catches a hang, not a slowdown: CI machines are shared and noisy);
benchmarks/ measures speed. Memory is the Python heap's peak as tracemalloc sees it.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine import analyze
from archcalc.errors import ArchcalcError
from archcalc.formats import load_spec, load_text
from tests.conftest import ROOT, report_from

PROMPT_SECONDS = 30
"""CPU seconds, not wall time (a shared machine slows the wall clock), and generous: these inputs once
ran for minutes or never ended; under tracemalloc the slowest of them takes about 7 s."""
MEMORY_BYTES = 100_000_000


def answered(work: Callable[[], object]) -> str:
    """Run `work`; return 'ok' or the error's message. Anything but an ArchcalcError fails the test."""
    tracemalloc.start()
    start = time.process_time()
    try:
        work()
        outcome = "ok"
    except ArchcalcError as error:
        outcome = error.message
    finally:
        elapsed = time.process_time() - start
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
    text = f"input: {big}x{big}x3\nlayers: [{{conv: {{filters: {big}, kernel: 3}}}}]\n"
    assert computed(text) == "ok"
    report = analyze(load_text(text, "big.yaml", "big"))
    assert report.layers[0].cost.params == 27 * big + big
    assert report.layers[0].cost.macs == (big - 2) ** 2 * 27 * big
    side = 10**12  # flattened: (side - 2)² × side, just under the bound on a dimension
    text = f"input: {side}x{side}x3\nlayers: [{{conv: {{filters: {side}, kernel: 3}}}}, flatten, {{dense: {big}}}]\n"
    assert computed(text) == "ok"
    assert analyze(load_text(text, "big.yaml", "big")).layers[2].cost.weights == (side - 2) ** 2 * side * big


# Issue 27 T1 and R6: every dimension a layer computes is held to 10^36, the largest size archcalc
# reads. Two 10,000-times channel doublings (135 bytes) ended in "Exceeds the limit (4300 digits)
# for integer string conversion" (exit 3), and one of them printed 15 MB of CSV.

DOUBLING = "  - repeat: {times: 10000, layers: [{concat: [[], []]}]}\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("input: 1x1x1\nlayers:\n" + DOUBLING * 2, "hostile.yaml:3:37: layer 1.1 (concat): an axis of its output would be 1.32e+36, more than 1e36"),
        ("input: 1x1x1\nlayers:\n" + DOUBLING, "hostile.yaml:3:37: layer 1.1 (concat): an axis of its output would be 1.32e+36, more than 1e36"),
        (f"input: {10**30}x{10**30}x3\nlayers: [flatten]\n", "hostile.yaml:2:10: layer 1 (flatten): an axis of its output would be 3e+60, more than 1e36"),
    ],
    ids=["N_doubling", "N_doubling, one repeat", "flatten of 1e30 squared"],
)
def test_no_dimension_passes_1e36(text: str, expected: str, tmp_path: Path) -> None:
    outcome = computed(text)
    assert expected in outcome, outcome
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    for output_format in ("table", "csv", "json"):
        code, out, err = cli("show", path, "-f", output_format)
        assert (code, out) == (2, ""), (output_format, out[:200])
        assert err.startswith("archcalc: error: ") and err.endswith("\n") and err.count("\n") == 1


def test_numbers_past_a_float_are_named_by_their_order_in_messages() -> None:
    """`f"{n:.3g}"` overflowed past 1e308 and `str(n)` fails past 4,300 digits: a message about such
    a number must not be an internal error itself."""
    from archcalc.printable import describe, order_of, quoted

    assert [order_of(number) for number in (10**36, 2**10_000, -5 * 10**50, 10**400)] == ["1e+36", "1.99e+3010", "-5e+50", "1e+400"]
    assert (quoted(10**5000), describe(3**20_000)) == ("'1e+5000'", "2.66e+9542")  # log10(3) × 20,000 = 9,542.425


def test_a_dimension_at_the_bound_is_computed_and_one_past_it_is_not() -> None:
    concat = "{concat: [[], [{dense: 1}]]}"  # the input's width, and one more
    assert computed(f"input: {10**36 - 1}\nlayers: [relu, {concat}]\n") == "ok"
    outcome = computed(f"input: {10**36}\nlayers: [relu, {concat}]\n")
    assert outcome == "hostile.yaml:2:16: layer 2 (concat): an axis of its output would be 1e+36, more than 1e36, the largest size archcalc computes"


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


# Issue 17 ("Nothing lost, nothing hangs, nothing injected") and the argument defects of issue 16:
# each defect below is a test that failed before it was fixed. Where the defect was a hang, the
# test runs archcalc as a process with a timeout, so that it fails rather than waits.

runner = CliRunner()


def cli(*arguments: str | Path, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(argument) for argument in arguments], input=stdin)
    assert "Traceback" not in result.stderr and (result.exception is None or isinstance(result.exception, SystemExit)), result.exception
    return result.exit_code, result.stdout, result.stderr


def process(*arguments: str | Path, timeout: float = 30, **options: object) -> subprocess.CompletedProcess[str]:
    """archcalc as a separate process, as a shell or CI runs it: its output captured unless redirected."""
    command = [sys.executable, "-m", "archcalc", *[str(argument) for argument in arguments]]
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "encoding": "utf-8", **options}
    return subprocess.run(command, timeout=timeout, **streams)  # type: ignore[call-overload, no-any-return]


GOOD = "input: 16\nlayers: [{dense: 8}]\nbudget: {params: 200}\n"
OVER = "input: 16\nlayers: [{dense: 8}]\nbudget: {params: 100}\n"
BAD = "input: 16\nlayers: [{dense: {units: 8, unitz: 3}}]\n"


def specs_in(folder: Path, **texts: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.yaml").write_text(text)
    return folder


# 17.1: a quoted recursive glob followed a directory symlink loop for ten minutes; a FIFO blocked.


def test_a_recursive_glob_visits_each_real_folder_once(tmp_path: Path) -> None:
    specs_in(tmp_path / "L", a=GOOD)
    specs_in(tmp_path / "L" / "sub", b=GOOD)
    (tmp_path / "L" / "sub" / "up").symlink_to("..")
    (tmp_path / "L" / "again").symlink_to("sub")  # a second way into the same folder
    finished = process("check", "L/**/*.yaml", "--format", "json", cwd=tmp_path, timeout=30)
    assert finished.returncode == 0, finished.stderr
    assert [spec["source"] for spec in json.loads(finished.stdout)["specs"]] == ["L/a.yaml", "L/sub/b.yaml"]
    finished = process("check", "L", "--format", "json", cwd=tmp_path, timeout=30)  # the directory form agrees
    assert len(json.loads(finished.stdout)["specs"]) == 2


@pytest.mark.parametrize("argument", ["S/*.yaml", "S"])
def test_a_fifo_is_skipped_with_a_word_not_read(tmp_path: Path, argument: str) -> None:
    specs_in(tmp_path / "S", good=GOOD)
    os.mkfifo(tmp_path / "S" / "pipe.yaml")
    finished = process("check", argument, cwd=tmp_path, timeout=30)
    assert finished.returncode == 0
    assert finished.stderr == "archcalc: skipped S/pipe.yaml: a FIFO, not a file (reading it would wait for a writer)\n"
    assert "1 spec, 1 budget" in finished.stdout


# 17.2: an empty argument (an unset $SPECS) was the current directory, scanned with hidden folders.


@pytest.mark.parametrize("command", [["check", ""], ["check", "archspecs/seed", ""], ["show", ""], ["compare", "16->8", ""], ["diff", "", "16->8"]])
def test_an_empty_argument_is_a_usage_error(command: list[str]) -> None:
    code, out, err = cli(*command)
    assert (code, out) == (2, "")
    assert err == "archcalc: error: an empty argument names no spec (is a variable such as $SPECS unset?); give a spec file, a directory or a glob\n"


def test_a_directory_scan_skips_hidden_folders(tmp_path: Path) -> None:
    specs_in(tmp_path / "specs", good=GOOD)
    specs_in(tmp_path / "specs" / ".github" / "workflows", budgets="on: push\n")
    code, out, _ = cli("check", tmp_path / "specs", "--format", "json")
    assert code == 0 and [spec["name"] for spec in json.loads(out)["specs"]] == ["good"]


# 17.3: one bad spec hid every other result; --format json printed nothing.


def test_check_reports_every_spec_and_every_error(tmp_path: Path) -> None:
    folder = specs_in(tmp_path / "mixed", a_good=GOOD, b_bad=BAD, c_over=OVER)
    code, out, err = cli("check", folder)
    assert code == 2  # a bad spec wins over an over-budget one: its budgets were never measured
    assert err.count("b_bad.yaml:2:29: layer 1 (dense): unknown argument 'unitz'") == 1 and "unitz" not in out  # said once, on standard error
    assert "a_good" in out and "PASS" in out and "c_over" in out and "FAIL" in out and "ERROR" in out
    assert "3 specs, 2 budgets: 1 within, 1 over; 1 could not be read" in out

    code, out, _ = cli("check", folder, "--format", "json")
    document = json.loads(out)
    assert code == 2 and document["passed"] is False
    good, bad, over = document["specs"]
    assert (good["passed"], over["passed"], bad["passed"]) == (True, False, False)
    assert bad["error"]["location"] == {"source": str(folder / "b_bad.yaml"), "line": 2, "column": 29}
    assert bad["error"]["problem"] == "unknown argument 'unitz'" and bad["error"]["hint"] == "did you mean 'units'?"

    code, out, _ = cli("check", folder, "--format", "github")
    lines = out.splitlines()
    assert code == 2 and len(lines) == 3
    assert lines[0].startswith(f"::error file={folder / 'b_bad.yaml'},line=2,col=29,title=archcalc%3A bad spec::")
    assert lines[1].startswith(f"::error file={folder / 'c_over.yaml'},line=3,col=10,title=archcalc budget exceeded::")
    assert lines[2].startswith("::notice title=archcalc budgets::3 specs")


@pytest.mark.parametrize(
    ("texts", "expected"),
    [({"a": GOOD, "b": OVER, "c": BAD}, 2), ({"a": GOOD, "b": OVER}, 1), ({"a": GOOD}, 0), ({"c": BAD}, 2)],
)
def test_check_exit_status_precedence(tmp_path: Path, texts: dict[str, str], expected: int) -> None:
    assert cli("check", specs_in(tmp_path / "specs", **texts))[0] == expected


# 17.4: `dense: 010` was 8 units, `input: [032, 032, 3]` 26×26×3, a budget `params: 010` 8 while
# `--max-params 010` was 10. One rule now: a whole number has no leading zero, wherever written.


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        ("input: 16\nlayers: [{dense: 010}]\n", "2:18", "'010' has a leading zero, which makes a number octal in YAML 1.1; write 10; quote it if it is text"),
        ("input: 16\nlayers: [{dense: 0_10}]\n", "2:18", "'0_10' has a leading zero"),
        ("input: [032, 032, 3]\nlayers: [relu]\n", "1:9", "'032' has a leading zero"),
        ("input: 032x032x3\nlayers: [relu]\n", "1:8", "'032' has a leading zero"),
        ("chain: 16->08->2\n", "1:12", "'08' has a leading zero"),
        ("input: 16\nlayers: [{dense: 8}]\nbudget: {params: 010}\n", "3:18", "'010' has a leading zero"),
        ("input: 16\nlayers: [{dense: 8}]\nbudget: {params: '010'}\n", "3:18", "'010' has a leading zero"),
    ],
)
def test_a_leading_zero_is_refused_wherever_it_is_written(tmp_path: Path, text: str, where: str, expected: str) -> None:
    path = tmp_path / "octal.yaml"
    path.write_text(text)
    code, out, err = cli("check", path)
    assert code == 2
    assert f"{path}:{where}: " in out + err and expected in out + err


def test_the_same_rule_holds_on_the_command_line() -> None:
    for arguments in (["check", "16->8", "--max-params", "010"], ["show", "016->8"], ["sweep", "4x4x1->2", "--sizes", "08,16"]):
        code, out, err = cli(*arguments)
        assert code == 2 and out == "" and "has a leading zero" in err, arguments
    assert cli("check", "16->8", "--max-params", "1_000")[0] == 0  # digits grouped by underscores: one rule too
    assert report_from("input: 1_000\nlayers: [{dense: 1_0}]").total.params == 1000 * 10 + 10


# 17.5: numbers past 4,300 digits crashed outside YAML integers (Python's int() limit).


@pytest.mark.parametrize(
    "arguments",
    [["show", "9" * 5000 + "->2"], ["show", "16->" + "9" * 5000], ["show", "9" * 5000 + "x4->2"], ["check", "16->8", "--max-params", "9" * 5000]],
    ids=["chain input", "chain step", "chain image input", "flag"],
)
def test_numbers_of_5000_digits_are_refused_on_the_command_line(arguments: list[str]) -> None:
    code, out, err = cli(*arguments)
    assert code == 2 and out == ""
    assert "(5,000 characters) is too large" in err and len(err) < 300


@pytest.mark.parametrize("text", [f"chain: {'9' * 5000}->2\n", f"input: {'9' * 5000}x4\nlayers: [relu]\n", f"input: 4\nlayers: [{{dense: '{'9' * 5000}'}}]\n"])
def test_numbers_of_5000_digits_are_refused_in_a_spec(text: str) -> None:
    outcome = computed(text)
    assert outcome.startswith("hostile.yaml:") and ("too large" in outcome or "must be a whole number" in outcome)
    assert len(outcome) < 300


# 17.6: a `name:` or key with a newline put `::error` lines (GitHub workflow commands) in any output.

INJECTED = "::error file=x.yaml,line=1::owned"


def injected_specs(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    named = folder / "named.yaml"
    named.write_text(
        f'name: "net\\n{INJECTED}\\r\\n{INJECTED}\\u2028{INJECTED}"\ndescription: "d\\n{INJECTED}"\n'
        f'input: 8x8x1\nlayers:\n  - conv: {{filters: 2, kernel: 3, name: "c\\n{INJECTED}"}}\n  - flatten\n  - dense: 2\nbudget: {{params: 10}}\n'
    )
    bad_key = folder / "key.yaml"
    bad_key.write_text(f'input: 4\nlayers: [relu]\n"k\\n{INJECTED}": 1\n')
    file_name = folder / f"f\n{INJECTED}.yaml"
    file_name.write_text("input: 8x8x1\nlayers: [{conv: {filters: 2, kernel: 3}}]\n")
    return [named, bad_key, file_name]


def test_no_output_line_is_a_workflow_command_a_spec_wrote(tmp_path: Path) -> None:
    named, bad_key, file_name = injected_specs(tmp_path / "specs")
    commands: list[list[str | Path]] = []
    for spec in (named, file_name):
        for output_format in ("table", "json", "csv", "markdown"):
            commands += [
                ["show", spec, "-f", output_format, "--explain", "-r"],
                ["compare", spec, named, "-f", output_format],
                ["diff", spec, named, "-f", output_format, "--all"],
                ["sharing", spec, "-f", output_format],
                ["sweep", spec, "-f", output_format],
            ]
    for output_format in ("table", "json", "csv", "markdown", "github"):
        commands += [["check", tmp_path / "specs", "-f", output_format], ["check", bad_key, "-f", output_format]]
    commands += [["show", bad_key], ["show", tmp_path / "specs" / f"g\n{INJECTED}.yaml"], ["check", f"{tmp_path}/nothing\n{INJECTED}*"]]
    for command in commands:
        _, out, err = cli(*command)
        for line in (out + err).splitlines():
            allowed = "github" in command and line.startswith(("::error file=", "::notice title=archcalc")) and "%0A" not in line.split("::", 2)[1]
            assert not line.startswith("::") or allowed, (command, line)
            assert "\u2028" not in line and "\r" not in line, (command, line)


def test_names_from_a_model_file_cannot_start_a_line_either(tmp_path: Path) -> None:
    """A model file names its spec and its layers itself, past the YAML reader: a Keras config here."""
    model = {
        "class_name": "Sequential",
        "config": {
            "name": f"net\n{INJECTED}",
            "layers": [{"class_name": "Dense", "config": {"name": f"fc\r\n{INJECTED}\u001b[2K", "units": 2, "batch_input_shape": [None, 16]}}],
        },
    }
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model))
    commands = [["show", path, "-f", output_format, "--explain"] for output_format in ("table", "json", "csv", "markdown")]
    commands += [["check", path, "-f", output_format, "--require-budget"] for output_format in ("table", "json", "csv", "markdown", "github")]
    commands += [["compare", path, path], ["diff", path, path, "--all", "-f", "csv"]]
    for command in commands:
        _, out, err = cli(*command)
        assert "Dense" in out or "dense" in out or "net" in out, (command, out, err)
        for line in (out + err).splitlines():
            assert not line.startswith("::") or line.startswith((f"::error file={path}", "::notice title=archcalc")), (command, line)
            assert "\x1b" not in line, (command, line)


# Issue 27 S2: a name or file name needs no newline to start a line: a table's title, a note under
# it, a CSV row and a drift line on standard error begin with one. GitHub's runner trims a line's
# leading blanks (a no-break space too) before it looks for `::`, and runs `##[command]` anywhere.

COMMAND_NAMES = ["::stop-commands::tok", "\u00a0 ::error::nbsp", "x ##[stop-commands]tok"]


def workflow_command_in(line: str) -> bool:
    return line.lstrip().startswith("::") or "##[" in line


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_no_line_of_any_command_or_format_is_a_workflow_command(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    quoted_name = json.dumps(name)
    Path("K_named.yaml").write_text(f"name: {quoted_name}\ninput: 4\nlayers:\n  - dense: 2\n")  # the K_named.yaml
    image = "::error file=a.py,line=1::x.yaml"
    Path(image).write_text(f"name: {quoted_name}\ninput: 8x8x1\nlayers: [{{conv: {{filters: 2, kernel: 3, name: {quoted_name}}}}}, flatten, {{dense: 2}}]\n")
    model = Path("::error file=m.py,line=1::m.json")
    dense = {"class_name": "Dense", "config": {"name": name, "units": 3, "batch_input_shape": [None, 4]}}
    keras = {"class_name": "Sequential", "config": {"name": name, "layers": [dense]}}
    model.write_text(json.dumps(keras))
    commands: list[list[str]] = [["import", str(model)], ["check", "K_named.yaml", "--against", str(model), "-f", "github"]]
    for output_format in ("table", "json", "csv", "markdown"):
        commands += [
            ["show", "K_named.yaml", "-f", output_format, "--explain", "-r", "-m"],
            ["show", image, "-f", output_format],
            ["show", str(model), "-f", output_format],
            ["sharing", image, "-f", output_format],
            ["sharing", "K_named.yaml", "-f", output_format],
            ["compare", "K_named.yaml", image, str(model), "-f", output_format],
            ["diff", "K_named.yaml", str(model), "-f", output_format, "--all"],
            ["sweep", image, "-f", output_format],
            ["sweep", "K_named.yaml", "-f", output_format],
            ["check", ".", "-f", output_format],
            ["check", "K_named.yaml", "--against", str(model), "-f", output_format],
            ["check", image, "--against", str(model), "-f", output_format],
        ]
    for command in commands:
        code, out, err = cli(*command)
        assert code in (0, 1, 2), (command, out, err)
        assert name[-3:] in out or code == 2 or "csv" in command, (command, out, err)  # the name is there, defused
        for line in out.splitlines():
            github = "github" in command and line.startswith(("::error file=", "::notice title=archcalc"))
            assert github or not workflow_command_in(line), (command, line)
        for line in err.splitlines():
            assert not workflow_command_in(line), (command, line)


def test_a_csv_row_keeps_the_name_exactly() -> None:
    """CSV quotes the name that would start its line with `::`: a CSV reader gets it back whole."""
    import csv

    from archcalc.render.csv_format import csv_text
    from archcalc.render.grid import Column, Grid, Row

    grid = Grid(title="t", columns=(Column("spec"), Column("n", numeric=True)), rows=(Row(("::x,y", 1)), Row(("::x", 2)), Row((" ::z", 3)), Row(("::w", None))))
    text = csv_text(grid)
    assert not any(workflow_command_in(line) for line in text.splitlines())
    assert list(csv.reader(io.StringIO(text)))[1:] == [["::x,y", "1"], ["::x", "2"], [" ::z", "3"], ["::w", ""]]


def test_names_from_a_model_file_reach_json_with_no_raw_control_or_override(tmp_path: Path) -> None:
    """Issue 27 S3, the renderers' side: a Keras config's names went raw into JSON (C1 controls,
    DEL, bidirectional overrides, the BOM), as they never did from a YAML spec."""
    unsafe = "r\x9b31m\u202eevil\u2066\ufeff\x7f\x90\x9c"
    dense = {"class_name": "Dense", "config": {"name": unsafe, "units": 2, "batch_input_shape": [None, 16]}}
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"class_name": "Sequential", "config": {"name": "p\x9b2J\u202e", "layers": [dense]}}))
    commands: list[list[str | Path]] = [["show", path, "-e"], ["compare", path, path], ["check", path], ["diff", path, "16->2"]]
    for command in commands:
        code, out, _ = cli(*command, "-f", "json")
        assert code == 0, (command, out)
        json.loads(out)
        assert not re.search("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]", out), (command, out)


# Issue 27 T7: a folder with two good specs and one that crashed archcalc gave exit 3 and an empty
# standard output: the good specs went unreported. A bug met on one spec is that spec's `error`.


def crashing_on(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """archcalc's own bug, met on the spec named `name` only (no spec crashes archcalc today)."""
    import archcalc.commands.check as check_command
    from archcalc.commands.shared import analyzed as real

    def analyzed(argument: str, *options: object) -> object:
        if Path(argument).name == name:
            raise ValueError("Exceeds the limit (4300 digits) for integer string conversion " + "9" * 5_000)
        return real(argument, *options)  # type: ignore[arg-type]

    monkeypatch.setattr(check_command, "analyzed", analyzed)


@pytest.mark.parametrize("output_format", ["json", "table", "csv", "markdown", "github"])
def test_a_spec_that_crashes_archcalc_is_reported_with_every_other(tmp_path: Path, output_format: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = specs_in(tmp_path / "specs", a_good=GOOD, b_crash=GOOD, c_over=OVER)
    crashing_on("b_crash.yaml", monkeypatch)
    code, out, err = cli("check", folder, "-f", output_format)
    assert code == 3
    assert err.startswith("archcalc: internal error: ValueError: Exceeds the limit (4300 digits) for integer string conversion 999")
    assert err.endswith(" (5,074 characters); this is archcalc's fault, not the input's: please report it (ARCHCALC_DEBUG=1 shows where)\n")
    assert err.count("\n") == 1 and len(err) < 500
    if output_format == "json":
        document = json.loads(out)
        assert [spec["source"] for spec in document["specs"]] == [str(folder / name) for name in ("a_good.yaml", "b_crash.yaml", "c_over.yaml")]
        assert [spec["passed"] for spec in document["specs"]] == [True, False, False]
        error = document["specs"][1]["error"]
        assert error["internal"] is True and error["message"] == err.removeprefix("archcalc: ").removesuffix("\n")
        assert document["specs"][2]["budgets"][0]["actual"] == 136 and document["specs"][0]["error"] is None
    elif output_format == "github":  # annotations for what failed, and the run's summary
        assert f"::error file={folder / 'b_crash.yaml'},title=archcalc%3A internal error::internal error: ValueError" in out
        assert "c_over.yaml" in out and out.endswith("::notice title=archcalc budgets::3 specs, 2 budgets: 1 within, 1 over; 1 could not be read\n")
    else:
        assert "a_good" in out and "c_over" in out and "b_crash" in out


def test_a_model_file_that_crashes_archcalc_leaves_the_spec_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = specs_in(tmp_path, net=GOOD) / "net.yaml"
    (tmp_path / "model.onnx").write_bytes(b"")
    crashing_on("model.onnx", monkeypatch)
    code, out, err = cli("check", spec, "--against", tmp_path / "model.onnx", "-f", "json")
    assert code == 3 and err.startswith("archcalc: internal error: ValueError")
    document = json.loads(out)
    assert document["specs"][0]["budgets"][0]["passed"] is True
    assert document["against"]["error"]["internal"] is True


def test_an_internal_error_of_any_command_is_one_short_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 27 W2: an exception's text is shortened, as any value archcalc echoes."""
    import archcalc.app

    def crash() -> None:
        raise ValueError("x" * 4_000_000)

    monkeypatch.setattr(archcalc.app, "app", crash)
    error = io.StringIO()
    monkeypatch.setattr(sys, "stderr", error)
    with pytest.raises(SystemExit) as exited:
        archcalc.app.main()
    assert exited.value.code == 3
    assert error.getvalue().startswith("archcalc: internal error: ValueError: xxx") and len(error.getvalue()) < 500
    assert "(4,000,012 characters); this is archcalc's fault" in error.getvalue()


# 17.7: closed and full streams gave tracebacks and exit 1; a broken pipe exited 0 or 1 by timing.


def test_a_closed_standard_output_is_one_line_and_exit_2() -> None:
    finished = process("show", "16->8", stdout=subprocess.DEVNULL, preexec_fn=lambda: os.close(1))
    assert (finished.returncode, finished.stderr) == (2, "archcalc: error: standard output is closed; nothing was written\n")


def test_a_full_standard_output_is_one_line_and_exit_2() -> None:
    with open("/dev/full", "w") as full:
        finished = process("show", "16->8", stdout=full)
    assert (finished.returncode, finished.stderr) == (2, "archcalc: error: cannot write to standard output: No space left on device\n")


def test_a_closed_standard_input_is_one_line_and_exit_2() -> None:
    finished = process("show", "-", stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(0))
    assert finished.returncode == 2
    assert finished.stderr == "archcalc: error: <stdin>: standard input is closed; pipe a spec in, or give a file\n"


def test_a_reader_that_goes_away_ends_archcalc_quietly_by_sigpipe() -> None:
    """`archcalc show big | head -1`: killed by SIGPIPE (a shell reports 141), or done first (0)."""
    big = str(ROOT / "archspecs" / "zoo" / "torchvision" / "resnet50.yaml")
    reader, writer = os.pipe()
    os.close(reader)  # nobody will read
    with os.fdopen(writer, "w") as stdout:
        finished = process("show", big, stdout=stdout)
    assert finished.returncode in (-signal.SIGPIPE, 0)
    assert finished.stderr == ""


def test_a_broken_pipe_in_process_exits_141(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where SIGPIPE is not the default (Windows, an embedding program), emit() exits 141 itself."""
    import typer

    from archcalc.commands.shared import EXIT_BROKEN_PIPE, emit

    class Gone(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Gone())
    with pytest.raises(typer.Exit) as exited:
        emit("text\n")
    assert exited.value.exit_code == EXIT_BROKEN_PIPE == 141


def test_ctrl_c_during_the_imports_ends_archcalc_with_sigint_and_no_traceback() -> None:
    """Ctrl-C while typer, rich and yaml are imported (most of a start): killed by SIGINT, which a
    shell reports as 130, never KeyboardInterrupt's traceback nor Click's "Aborted!" and exit 1.
    `-X importtime` says when the imports are under way. (Before archcalc's first line runs, the
    interpreter's own start still answers Ctrl-C with its traceback: nothing can run earlier.)"""
    command = [sys.executable, "-X", "importtime", "-m", "archcalc", "show", str(ROOT / "archspecs" / "zoo" / "torchvision" / "resnet50.yaml")]
    started = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert started.stderr is not None
    for line in started.stderr:
        if "typer" in line:
            started.send_signal(signal.SIGINT)
            break
    rest = started.stderr.read()
    started.wait(timeout=30)
    assert started.returncode == -signal.SIGINT
    assert "Traceback" not in rest and "Aborted" not in rest


# 16.2: PYTHONIOENCODING=ascii raised UnicodeEncodeError.


def test_output_degrades_to_what_the_encoding_can_write() -> None:
    finished = process("show", "16->8->2", env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert finished.returncode == 0 and finished.stderr == ""
    assert finished.stdout.isascii()
    assert finished.stdout.splitlines()[0] == "16->8->2 * input 16 -> output 2"
    assert "+-----" in finished.stdout  # Rich's ASCII box
    finished = process("show", "4x4x1->2", env={**os.environ, "PYTHONIOENCODING": "latin-1"}, encoding="latin-1")
    assert finished.returncode == 0
    assert finished.stdout.splitlines()[0] == "4x4x1->2 · input 4×4×1 -> output 2"  # latin-1 has × and ·, not →


# 16.1 and 16.3: a command that takes one spec got several, or standard input twice.


@pytest.mark.parametrize(
    "arguments",
    [["show", "archspecs/seed"], ["show", "archspecs/seed/*.yaml"], ["sharing", "archspecs/seed"], ["diff", "archspecs/seed", "archspecs/zoo"]],
)
def test_a_command_that_takes_one_spec_says_so(arguments: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = cli(*arguments)
    assert (code, out) == (2, "")
    assert f"{arguments[0]} takes one spec, and '{arguments[1]}' names" in err


@pytest.mark.parametrize("arguments", [["compare", "-", "-"], ["diff", "-", "-"], ["check", "-", "-"], ["sweep", "-", "-"]])
def test_standard_input_is_read_once(arguments: list[str]) -> None:
    code, out, err = cli(*arguments, stdin=GOOD)
    assert (code, out) == (2, "")
    assert err == "archcalc: error: standard input can be read only once, and '-' is given 2 times\n"


# 16.7: a spec with no budget passed `check` silently.


def test_require_budget_fails_a_spec_without_one(tmp_path: Path) -> None:
    folder = specs_in(tmp_path / "specs", budgeted=GOOD, unbudgeted="input: 16\nlayers: [{dense: 8}]\n")
    assert cli("check", folder)[0] == 0
    code, out, _ = cli("check", folder, "--require-budget")
    assert code == 1
    assert "FAIL: no budget" in out and "1 without the budget --require-budget asks for" in out
    code, out, _ = cli("check", folder, "--require-budget", "--format", "github")
    assert code == 1 and f"::error file={folder / 'unbudgeted.yaml'},line=1,col=1,title=archcalc%3A no budget::unbudgeted: no budget" in out
    code, out, _ = cli("check", folder, "--require-budget", "--format", "json")
    assert [spec["passed"] for spec in json.loads(out)["specs"]] == [True, False]
    assert cli("check", folder, "--require-budget", "--max-params", "1K")[0] == 0  # a flag is a budget for every spec
    assert "--require-budget" in (ROOT / ".github" / "workflows" / "budgets.yml").read_text()


# 17.8: cost that grew faster than the input.


def test_a_10_kb_spec_of_aliases_is_refused_at_once() -> None:
    block = "[" + ", ".join(["relu"] * 400) + "]"
    text = f"input: 32x32x16\nlayers:\n  - block: &b {block}\n" + "  - block: *b\n" * 470
    assert len(text) < 12_000
    outcome = computed(text)
    assert "aliases copy more than 25,000 values in this spec (*b copies 401 each time; an alias bomb?)" in outcome


def test_400_000_plain_layers_are_refused_for_what_they_are() -> None:
    """Not as an "alias bomb": the spec has no alias. (Timed without tracemalloc, which slows this tenfold.)"""
    text = "input: 16\nlayers:\n" + "  - relu\n" * 400_000
    start = time.process_time()
    with pytest.raises(ArchcalcError) as refused:
        load_text(text, "hostile.yaml", "hostile")
    assert time.process_time() - start < PROMPT_SECONDS
    assert refused.value.message == (
        "hostile.yaml:3:3: the spec has more than 100,000 layers (aliases followed); archcalc reads at most that many; "
        "a block written once with `repeat:` counts once"
    )


def test_memory_per_layer_is_a_few_hundred_bytes() -> None:
    """Python's heap at its peak while 5,000 convs are read and computed, and what the result keeps.
    Before: 3.8 KB a layer (the spec's YAML tree, located values with an Origin each). The figures a
    layer are the same at 20,000 (750 and 1,400 bytes), at four times the time under tracemalloc."""
    layers = 5_000
    text = "input: 32x32x16\nlayers:\n" + "  - conv: {filters: 16, kernel: 3, padding: 1}\n" * layers
    tracemalloc.start()
    report = analyze(load_text(text, "big.yaml", "big"))
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.total.params == layers * (16 * 9 * 16 + 16)
    assert kept / layers < 1_000 and peak / layers < 2_000, (kept / layers, peak / layers)


# Issue 27 R6: show of 100,000 layers wrote JSON at 399 MB, and a table in 52 s and 797 MB.


def test_json_costs_little_more_than_its_own_text() -> None:
    """json.dumps kept every small piece it wrote (some 40 a layer) until it joined them: 2.3 KB a
    layer on top of the document. Measured here over 5,000 layers; the text is 265 bytes a layer."""
    from archcalc.engine.analysis import analysis_of
    from archcalc.render.json_format import dumps, report_json

    layers = 5_000
    document = report_json(analysis_of(analyze(load_text("input: 8\nlayers:\n" + "  - dense: 8\n" * layers, "big.yaml", "big"))))
    tracemalloc.start()
    text = dumps(document)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert json.loads(text)["totals"]["params"] == 72 * layers
    assert peak / layers < 3 * len(text) / layers, (peak / layers, len(text) / layers)  # the text, its pieces, and the last piece's work


def test_a_table_folds_a_run_of_identical_layers_and_no_fold_lists_each(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    conv = "  - conv: {filters: 4, kernel: 3, padding: 1}\n"
    path.write_text("input: 8x8x4\nlayers:\n" + conv + f"  - relu\n{conv}" * 2 + conv * 9_990 + "  - flatten\n")
    code, out, _ = cli("show", path)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) < 20, out
    assert "│ 5–9995 │ conv 3×3, 4 filters, pad 1 × 9,991 │ 8×8×4  │ 1,438,704 │ 39,964 │ 1,478,668 │ 92,077,056 │" in out
    assert "│ 2      │ relu" in out and "│ 3      │ conv 3×3, 4 filters, pad 1         │" in out  # runs of one stay as they are
    assert "│        │ total                              │ 256    │ 1,438,992 │ 39,972 │ 1,478,964 │ 92,095,488 │" in out  # 9,993 convs
    assert lines[-1] == "rows of identical layers one after another are folded into one (× N, the figures of all N); --no-fold lists every layer"
    markdown = cli("show", path, "-f", "markdown")[1]
    assert "| 5–9995 | conv 3×3, 4 filters, pad 1 × 9,991 | 8×8×4 | 1,438,704 | 39,964 | 1,478,668 | 92,077,056 |" in markdown
    assert len(cli("show", path, "-f", "csv")[1].splitlines()) == 1 + 9_996 + 1  # scripts get every layer
    short = tmp_path / "short.yaml"
    short.write_text("input: 8\nlayers:\n" + "  - dense: 8\n" * 5)
    unfolded = cli("show", short, "--no-fold")[1]
    assert [line.split("│")[1].strip() for line in unfolded.splitlines() if "dense 8" in line] == ["1", "2", "3", "4", "5"]
    assert "folded" not in unfolded and "│ 1–5 │ dense 8 × 5 │ 8      │     320 │     40 │    360 │  320 │" in cli("show", short)[1]
    explained = cli("show", short, "--explain")[1]  # each row's arithmetic is that layer's own: not folded
    assert explained.count("dense 8") == 5


def test_diff_of_long_specs_takes_linear_time() -> None:
    """Two 10,000-layer specs that differ in one layer took 13.6 s; diff's alignment was quadratic."""
    layer = "  - conv: {filters: 16, kernel: 3, padding: 1}\n"
    base = load_text("input: 32x32x16\nlayers:\n" + layer * 10_000, "a.yaml", "a")
    head = load_text("input: 32x32x16\nlayers:\n" + layer * 5_000 + layer.replace("}", ", bias: false}") + layer * 4_999, "b.yaml", "b")
    from archcalc.engine.diff import Change, diff_reports

    before, after = analyze(base), analyze(head)
    start = time.process_time()
    difference = diff_reports(before, after)
    assert time.process_time() - start < 3  # milliseconds now; the benchmark measures it
    assert [layer.change for layer in difference.layers].count(Change.SAME) == 9_999


# 17.9: a directory scan skipped MODEL.YAML and unreadable folders without a word.


def test_a_directory_scan_reads_any_case_of_suffix_and_says_what_it_cannot_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = specs_in(tmp_path / "specs", lower=GOOD)
    (folder / "MODEL.YAML").write_text(GOOD)
    (folder / "other.Yml").write_text(GOOD)
    specs_in(folder / "locked", inside=GOOD)
    real_scandir = os.scandir

    def scandir(path: str) -> object:  # as for a folder without read permission (tests may run as root)
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out, err = cli("check", folder, "--format", "json")
    assert code == 0
    assert sorted(spec["source"].rsplit("/", 1)[1] for spec in json.loads(out)["specs"]) == ["MODEL.YAML", "lower.yaml", "other.Yml"]
    assert err == f"archcalc: skipped {folder / 'locked'}: cannot read this folder (Permission denied)\n"


# 17.10: messages.


def test_a_nul_byte_is_one_located_line(tmp_path: Path) -> None:
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"input: 16\nlayers: [re\x00lu]\n")
    code, _, err = cli("show", path)
    assert code == 2
    assert err == f"archcalc: error: {path}:2:12: the character U+0000 is not allowed in YAML; a spec is plain UTF-8 text; is this a binary file?\n"


@pytest.mark.parametrize(
    "text",
    [
        "input: 4x4x1\nlayers: [{{conv: {{filters: 2, kernel: 3, padding: {value}}}}}]\n",
        "input: 4\nlayers: [{{dense: {value}}}]\n",
        "input: 4\nlayers: [{{dense: {{units: 2, ? {value} : 1}}}}]\n",
        "input: 4\nlayers: [{value}]\n",
        "input: {value}\nlayers: [relu]\n",
        "? {value}\n: 1\ninput: 4\nlayers: [relu]\n",
    ],
    ids=["padding", "units", "argument key", "layer name", "input", "spec key"],
)
def test_a_5000_character_value_is_shortened_in_the_message(text: str) -> None:
    outcome = computed(text.format(value="a" * 5000))  # keys too: `? key` lifts YAML's 1,024 limit on keys
    assert outcome.startswith("hostile.yaml:") and "(5,000 characters)" in outcome and len(outcome) < 300


def test_quiet_silences_results_not_errors(tmp_path: Path) -> None:
    folder = specs_in(tmp_path / "specs", good=GOOD, bad=BAD)
    code, out, err = cli("check", folder, "--quiet")
    assert (code, out) == (2, "")
    assert "unknown argument 'unitz'" in err
    assert cli("check", folder / "good.yaml", "-q") == (0, "", "")
    help_text = " ".join(cli("check", "--help")[1].split())
    assert "Print no results; errors still go to standard error." in help_text


# docs/input-rules.md states these rules; it must keep stating what the code does.

INPUT_RULES = ROOT / "docs" / "input-rules.md"


def test_the_input_rules_page_states_the_limits_the_code_holds() -> None:
    from archcalc.engine import MAX_DIMENSION, MAX_UNROLLED_LAYERS
    from archcalc.formats import MAX_SPEC_BYTES
    from archcalc.formats.yaml.layers import MAX_LAYERS
    from archcalc.formats.yaml.located import MAX_COPIED_VALUES, MAX_DEPTH, MAX_VALUES
    from archcalc.kinds.composite import MAX_UNROLLED_ITERATIONS
    from archcalc.quantities import MAX_DIGITS

    page = INPUT_RULES.read_text()
    rows = {
        "file size": f"{MAX_SPEC_BYTES // 1_000_000} MB",
        "values in a spec, aliases followed": f"{MAX_VALUES:,}",
        "values aliases may copy": f"{MAX_COPIED_VALUES:,}",
        "nesting depth": f"{MAX_DEPTH}",
        "layers written (nested ones included, aliases followed)": f"{MAX_LAYERS:,}",
        "layers `repeat`s unroll": f"{MAX_UNROLLED_LAYERS:,}",
        "iterations of one repeat that keeps changing the shape": f"{MAX_UNROLLED_ITERATIONS:,}",
        "any axis of any layer's output": f"10^{len(str(MAX_DIMENSION)) - 1}",
    }
    for limit, stated in rows.items():
        assert f"| {limit} | {stated} |" in page, limit
    assert f"more than {MAX_DIGITS} digits is refused" in page
