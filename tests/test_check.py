"""`archcalc check`: budgets from specs and flags, every exit status, every output format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine import analyze
from archcalc.engine.budget import check_spec, merge_limits
from archcalc.engine.memory import peak_activations
from archcalc.model import BudgetKind, DType, Limit
from archcalc.render.annotation import escape_data, escape_property
from tests.conftest import ARCHSPECS, ROOT, spec_from

OVER = "tests/data/over_budget.yaml"
runner = CliRunner()


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run(*arguments: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(arguments))
    return result.exit_code, result.stdout, result.stderr


def test_every_archspec_is_within_its_budget() -> None:
    code, out, _ = run("check", "archspecs/")
    assert code == 0
    assert "0 over" in out and "FAIL" not in out


def test_over_budget_exits_1_and_says_by_how_much() -> None:
    code, out, _ = run("check", OVER)
    assert code == 1
    assert "FAIL" in out and "-26.7%" in out  # 38 against 30


def test_github_annotation_points_at_the_budget_line() -> None:
    code, out, _ = run("check", OVER, "--format", "github")
    assert code == 1
    assert out.splitlines()[0] == (
        f"::error file={OVER},line=10,col=3,title=archcalc budget exceeded::over-budget-cnn: params 38 exceeds the budget of 30 (26.7%25 over)"
    )
    assert out.splitlines()[-1] == "::notice title=archcalc budgets::1 spec, 2 budgets: 1 within, 1 over"


def test_a_figure_far_over_its_limit_says_how_many_times_the_limit() -> None:
    """85,162,752 MACs against a limit of 1 read `-8.52e+07%`."""
    spec = "archspecs/seed/cnn_224_first_layer.yaml"
    code, out, _ = run("check", spec, "--max-macs", "1", "--max-params", "1000", "--format", "csv")
    assert code == 1
    assert out.splitlines()[1:] == [
        "cnn-224-first-layer,params,1000,1792,-79.2,FAIL",
        "cnn-224-first-layer,macs,1,85162752,-8516275100.0,FAIL",  # scripts keep the number
    ]
    _, table, _ = run("check", spec, "--max-macs", "1", "--max-params", "1000")
    assert "85,162,752× the limit" in table and "-79.2%" in table and "e+" not in table
    _, github, _ = run("check", spec, "--max-macs", "1", "--max-params", "1000", "--format", "github")
    assert "params 1,792 exceeds the budget of 1,000 (79.2%25 over)" in github
    assert "macs 85,162,752 exceeds the budget of 1 (85,162,752× the limit)" in github


@pytest.mark.parametrize(
    ("actual", "limit", "expected"), [(99, 10, None), (100, 10, "10.0× the limit"), (85_162_752, 1, "85,162,752× the limit"), (5, 0, None)]
)
def test_times_the_limit(actual: int, limit: int, expected: str | None) -> None:
    from archcalc.engine.budget import BudgetCheck
    from archcalc.model import BudgetKind, DType, Limit
    from archcalc.text import times_the_limit

    times = BudgetCheck(Limit(BudgetKind.MACS, limit, None), actual, DType.FLOAT32).times_the_limit
    assert (None if times is None else times_the_limit(times)) == expected


def test_a_flag_wins_over_the_spec() -> None:
    assert run("check", OVER, "--max-params", "40")[0] == 0
    assert run("check", "archspecs/zoo/torchvision/resnet50.yaml", "--max-params", "25.5M")[0] == 1
    assert run("check", "archspecs/zoo/torchvision/resnet50.yaml", "--max-params", "25_557_032")[0] == 0


def test_quiet_prints_nothing() -> None:
    assert run("check", OVER, "--quiet") == (1, "", "")
    assert run("check", "archspecs/seed/cnn.yaml", "-q") == (0, "", "")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["check", "--max-params", "lots", OVER], "'--max-params': 'lots' is not a count"),
        (["check", "--max-macs", "1.5", OVER], "'--max-macs': '1.5' is not a whole number"),  # which of four flags it was
        # both raised a traceback until the count was read without decimal (found reading quantities.py)
        (["check", "--max-params", "1e999999999", OVER], "'1e999999999' is too large"),
        (["check", "--max-params", "1e5000", OVER], "'1e5000' is too large"),
        (["check", OVER, "--dtype", "float64"], "Invalid value"),
        (["check", ""], "an empty argument names no spec (is a variable such as $SPECS unset?)"),  # issue 17.2
        (["check", "-", "-"], "standard input can be read only once"),
    ],
)
def test_bad_usage_exits_2_before_any_spec_is_read(arguments: list[str], message: str) -> None:
    code, out, err = run(*arguments)
    assert (code, out) == (2, "")
    assert message in err


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("missing/", "no such file: missing/"),
        ("archspecs/nothing-*.yaml", "no spec matches 'archspecs/nothing-*.yaml'"),
    ],
)
def test_an_argument_that_names_nothing_is_reported_with_the_rest(argument: str, message: str) -> None:
    code, out, err = run("check", argument, OVER)
    assert code == 2
    assert message in err and message not in out  # said once, on standard error; the table marks it ERROR
    assert "over-budget-cnn" in out and "FAIL" in out  # the good spec is still checked
    assert "ERROR" in out and "could not be read" in out


def test_a_bad_spec_under_github_format_is_annotated_too(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: 4x4x1\nlayers:\n  - conv: {filters: 2, kernal: 3}\n")
    code, out, err = run("check", str(bad), "--format", "github")
    assert code == 2
    assert out == (
        f"::error file={bad},line=3,col=24,title=archcalc%3A bad spec::layer 1 (conv): unknown argument 'kernal'; did you mean 'kernel'?\n"
        "::notice title=archcalc budgets::1 spec, 0 budgets: 0 within, 0 over; 1 could not be read\n"
    )
    assert "did you mean 'kernel'" in err


def test_globs_and_directories_name_every_spec() -> None:
    code, out, _ = run("check", "archspecs/zoo/torchvision/resnet*.yaml", "--format", "json")
    assert code == 0
    assert [spec["name"] for spec in json.loads(out)["specs"]] == ["resnet101", "resnet152", "resnet18", "resnet34", "resnet50"]
    code, out, _ = run("check", "archspecs/seed", "--format", "csv")
    assert out.count("\n") == 1 + len(list((ARCHSPECS / "seed").glob("*.yaml"))) + 1  # header, a row per seed spec (cnn has 2)


def test_json_schema() -> None:
    code, out, _ = run("check", OVER, "--format", "json", "--max-macs", "100")
    document = json.loads(out)
    assert code == 1 and document["passed"] is False and document["schema_version"] == 1
    (spec,) = document["specs"]
    assert spec["name"] == "over-budget-cnn" and spec["passed"] is False
    params, macs = spec["budgets"]
    assert params == {
        "budget": "params",
        "dtype": None,
        "limit": 30,
        "actual": 38,
        "headroom_percent": -26.667,
        "passed": False,
        "from": "spec",
        "written_at": {"source": OVER, "line": 10, "column": 3},
    }
    assert macs["from"] == "flag" and macs["written_at"] is None and macs["limit"] == 100 and macs["passed"] is True


def test_markdown_for_a_pull_request_comment() -> None:
    code, out, _ = run("check", OVER, "--format", "markdown")
    assert code == 1
    assert "| over-budget-cnn | params | 30 | 38 | -26.7% | FAIL |" in out


def test_byte_budgets_use_the_dtype() -> None:
    report = analyze(spec_from("input: 4x4x1\nlayers: [{conv: {filters: 2, kernel: 3}}, flatten, {dense: 2}]\nbudget: {param_bytes: 100, dtype: float16}"))
    (check,) = check_spec(report, [], None).checks
    assert (check.actual, check.passed) == (38 * 2, True)
    (check,) = check_spec(report, [], DType.FLOAT32).checks
    assert (check.actual, check.passed) == (38 * 4, False)
    # peak activations: the conv's 16 inputs + 8 outputs is the largest working set
    assert peak_activations(report) == 24
    _, check = check_spec(report, [Limit(BudgetKind.ACTIVATION_BYTES, 96, None)], DType.FLOAT32).checks  # the spec's own, then the flag's
    assert (check.limit.kind, check.actual, check.passed) == (BudgetKind.ACTIVATION_BYTES, 96, True)


def test_merge_limits_lets_flags_win() -> None:
    written = (Limit(BudgetKind.PARAMS, 10, None), Limit(BudgetKind.MACS, 20, None))
    merged = merge_limits(written, [Limit(BudgetKind.PARAMS, 99, None)])
    assert sorted((limit.kind.value, limit.maximum) for limit in merged) == [("macs", 20), ("params", 99)]


def test_annotation_escaping() -> None:
    assert escape_data("50% over\nnext") == "50%25 over%0Anext"
    assert escape_property("a:b,c") == "a%3Ab%2Cc"


def test_a_bad_spec_in_a_folder_is_reported_once_on_standard_error(tmp_path: Path) -> None:
    """Issue 26, defect 6: `check DIR` in table mode printed each bad spec's error twice, in the
    summary on standard output and again on standard error. Then the table said it only in its
    notes, on standard output, where README and docs/input-rules.md promise standard error (`check
    typo.yaml 2>e.txt` left e.txt empty). Now standard error says it in every format, once, and a
    table or Markdown marks the spec ERROR; JSON (its `message` and `problem`) and GitHub's
    annotations are documents for scripts, which carry it too."""
    (tmp_path / "cnn.yaml").write_text((ARCHSPECS / "seed" / "cnn.yaml").read_text())
    (tmp_path / "bad.yaml").write_text("input: 4\nlayers: [{dense: x}]\n")
    problem = "'units' must be a whole number, got 'x'"
    said = {"table": (0, 1), "markdown": (0, 1), "csv": (0, 1), "json": (2, 1), "github": (1, 1)}
    for output_format, (out, err) in said.items():
        result = CliRunner().invoke(app, ["check", str(tmp_path), "--format", output_format])
        assert result.exit_code == 2
        assert (result.stdout.count(problem), result.stderr.count(problem)) == (out, err), output_format
    quiet = CliRunner().invoke(app, ["check", str(tmp_path), "--quiet"])
    assert quiet.stdout == "" and quiet.stderr.count(problem) == 1


def test_the_located_error_is_on_standard_error_whatever_the_format(tmp_path: Path) -> None:
    """`check typo.yaml >o.txt 2>e.txt` left e.txt empty, and `check emptyd 2>&1 >/dev/null` printed
    nothing: the table said the error on standard output only."""
    typo = tmp_path / "typo.yaml"
    typo.write_text("input: 28x28x1\nlayers:\n  - conv: {filters: 2, kernel: 3}\n  - conv: {filter: 2, kernel: 3}\n")
    located = f"archcalc: error: {typo}:4:12: layer 2 (conv): unknown argument 'filter'; did you mean 'filters'?\n"
    empty = tmp_path / "emptyd"
    empty.mkdir()
    for output_format in ("table", "markdown", "csv", "json", "github"):
        code, out, err = run("check", str(typo), "--format", output_format)
        assert code == 2 and err == located, output_format
        assert ("ERROR" in out) is (output_format != "json" and output_format != "github"), output_format
        code, _, err = run("check", str(empty), "--format", output_format)
        assert code == 2 and err.startswith("archcalc: error: '") and err.endswith(" holds no .yaml or .yml spec\n"), output_format


def test_an_unreadable_spec_leaves_its_csv_cells_empty(tmp_path: Path) -> None:
    """Its budget cell was `–`, where docs/json.md says a cell with nothing is empty (as `no budget` leaves it)."""
    typo = tmp_path / "typo.yaml"
    typo.write_text("input: 4\nlayers: [{dense: x}]\n")
    code, out, _ = run("check", str(typo), "--format", "csv")
    assert code == 2 and out.splitlines() == ["spec,budget,limit,actual,headroom_percent,status", f"{typo},,,,,ERROR"]


def test_specs_that_share_a_name_are_told_apart_by_their_files(tmp_path: Path) -> None:
    """Two specs named `my-mnist` were two `my-mnist` rows nobody could tell apart."""
    text = (ARCHSPECS / "seed" / "cnn.yaml").read_text().replace("name: seed-cnn", "name: my-mnist")
    first, second, other = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml"
    first.write_text(text)
    second.write_text(text)
    other.write_text(text.replace("name: my-mnist", "name: other"))
    code, out, _ = run("check", str(first), str(second), str(other), "--max-params", "100", "--format", "csv")
    assert code == 0
    assert list(dict.fromkeys(line.split(",")[0] for line in out.splitlines()[1:])) == [f"my-mnist ({first})", f"my-mnist ({second})", "other"]
    code, out, _ = run("check", str(first), str(second), "--max-params", "100")
    assert f"my-mnist ({first})" in out and f"my-mnist ({second})" in out
    specs = json.loads(run("check", str(first), str(second), "--format", "json")[1])["specs"]
    assert [(spec["name"], spec["source"]) for spec in specs] == [("my-mnist", str(first)), ("my-mnist", str(second))]  # JSON: as written, and its file


def test_headroom_is_a_percentage_to_three_decimals() -> None:
    """The rule every percentage for scripts follows (docs/json.md): at most three decimals, in JSON and CSV."""
    code, out, _ = run("check", "archspecs/seed/cnn.yaml", "--max-params", "36", "--max-macs", "277", "--format", "csv")
    assert code == 1
    assert [line.split(",")[4] for line in out.splitlines()[1:]] == ["-5.556", "68.231"]  # (36 - 38) / 36, (277 - 88) / 277
    document = json.loads(run("check", "archspecs/seed/cnn.yaml", "--max-params", "36", "--max-macs", "277", "--format", "json")[1])
    assert [budget["headroom_percent"] for budget in document["specs"][0]["budgets"]] == [-5.556, 68.231]
