"""The drift gate (`check SPEC --against MODEL`): which figures of which layers differ, found once in
the engine (engine/drift.py) and reported exactly (render/drift.py), whatever the two files are."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine import analyze
from archcalc.engine.drift import Figure, drift
from archcalc.formats import load_text

runner = CliRunner()

SPEC = """input: 4
layers:
  - dense: 4
  - counted: {input: 4, output: 4, weights: 12, biases: 4, macs: 12}
"""
SPLIT_OTHERWISE = SPEC.replace("weights: 12, biases: 4", "weights: 14, biases: 2")


def test_a_pair_that_splits_its_parameters_otherwise_differs_in_weights_and_biases() -> None:
    """16 parameters each, 12 + 4 against 14 + 2: the parameters agree, the weights and biases do not."""
    result = drift(analyze(load_text(SPEC, "spec.yaml", "spec")), analyze(load_text(SPLIT_OTHERWISE, "model.yaml", "model")))
    (disagreement,) = result.disagreements
    assert disagreement.layer.base is not None and disagreement.layer.base.result.layer.position == "2"
    assert disagreement.figures == (Figure.WEIGHTS, Figure.BIASES)
    assert result.totals == (Figure.WEIGHTS, Figure.BIASES) and not result.agrees


def test_the_report_names_exactly_the_figures_that_differ(tmp_path: Path) -> None:
    spec, model = tmp_path / "spec.yaml", tmp_path / "model.yaml"
    spec.write_text(SPEC)
    model.write_text(SPLIT_OTHERWISE)
    result = runner.invoke(app, ["check", str(spec), "--against", str(model), "--format", "github"])
    assert result.exit_code == 1
    problem = f"layer 2 (counted): weights 12 here, 14 in {model}; biases 4 here, 2 in {model} (layer 2 (counted))"
    assert f"::error file={spec},line=4,col=5,title=archcalc%3A spec drifted from model::{problem}" in result.stdout.splitlines()


def test_agreeing_layers_and_a_shape_alone(tmp_path: Path) -> None:
    """Identical files agree; a layer whose figures agree but whose output does not differs in its output alone."""
    same = drift(analyze(load_text(SPEC, "spec.yaml", "spec")), analyze(load_text(SPEC, "model.yaml", "model")))
    assert same.agrees and same.disagreements == () and same.totals == ()
    reshaped = SPEC.replace("counted: {input: 4, output: 4,", "counted: {input: 4, output: 2x2,")
    apart = drift(analyze(load_text(SPEC, "spec.yaml", "spec")), analyze(load_text(reshaped, "model.yaml", "model")))
    assert [disagreement.figures for disagreement in apart.disagreements] == [(Figure.OUTPUT_SHAPE,)]
    assert apart.totals == (Figure.OUTPUT_SHAPE,)


def test_a_layer_on_one_side_shows_what_it_has(tmp_path: Path) -> None:
    """The model has a dense the spec lacks: its weights, biases and MACs; its output is its input's width, so no shape."""
    spec, model = tmp_path / "spec.yaml", tmp_path / "model.yaml"
    spec.write_text(SPEC)
    model.write_text(SPEC.replace("  - dense: 4\n", "  - dense: 4\n  - dense: {units: 4, name: extra}\n"))
    result = drift(analyze(load_text(spec.read_text(), str(spec), "spec")), analyze(load_text(model.read_text(), str(model), "model")))
    (disagreement,) = result.disagreements
    assert disagreement.layer.base is None and disagreement.figures == (Figure.WEIGHTS, Figure.BIASES, Figure.MACS)
    checked = runner.invoke(app, ["check", str(spec), "--against", str(model)])
    assert checked.stderr == f"the spec has nothing for node 'extra' of {model} (weights 16, biases 4, MACs 16)\n"


def _drifted(tmp_path: Path) -> tuple[Path, Path]:
    spec, model = tmp_path / "spec.yaml", tmp_path / "small.yaml"
    spec.write_text(SPEC + "budget: {params: 100}\n")
    model.write_text(SPLIT_OTHERWISE)
    return spec, model


def test_the_drift_check_is_a_row_counted_in_every_format(tmp_path: Path) -> None:
    """It read like a pass: `no budget`, `1 spec, 0 budgets: 0 within, 0 over`, JSON's `passed: true`,
    CSV with the disagreements pasted after its rows. Now a row, PASS or FAIL, in each format, and the
    located disagreements on standard error (GitHub's annotations are those lines)."""
    spec, model = _drifted(tmp_path)
    located = f"{spec}:4:5: layer 2 (counted): weights 12 here, 14 in {model}; biases 4 here, 2 in {model} (layer 2 (counted))\n"
    summary = f"1 spec, 1 budget: 1 within, 0 over; against {model}: 1 layer disagrees"
    verdict = f"{spec} does not match {model}: weights 28 against 30, biases 8 against 6"

    table = runner.invoke(app, ["check", str(spec), "--against", str(model)])
    assert table.exit_code == 1 and table.stderr == located
    rows = [line for line in table.stdout.splitlines() if line.startswith("│")]
    assert [[cell.strip() for cell in row.strip("│").split("│")] for row in rows] == [
        ["spec", "params", "100", "36", "64.0%", "PASS"],
        ["spec", f"against {model}", "", "", "", "FAIL"],
    ]
    assert table.stdout.endswith(f"{summary}\n{verdict}\n")

    csv = runner.invoke(app, ["check", str(spec), "--against", str(model), "--format", "csv"])
    assert csv.exit_code == 1 and csv.stderr == located
    assert csv.stdout.splitlines() == ["spec,budget,limit,actual,headroom_percent,status", "spec,params,100,36,64.0,PASS", f"spec,against {model},,,,FAIL"]

    markdown = runner.invoke(app, ["check", str(spec), "--against", str(model), "--format", "markdown"])
    assert markdown.exit_code == 1 and markdown.stderr == located
    assert f"| spec | against {model} |  |  |  | FAIL |" in markdown.stdout.splitlines()
    assert markdown.stdout.endswith(f"- {summary}\n- {verdict}\n")

    document = json.loads((checked := runner.invoke(app, ["check", str(spec), "--against", str(model), "--format", "json"])).stdout)
    assert checked.exit_code == 1 and checked.stderr == located
    assert document["passed"] is False and document["specs"][0]["passed"] is False
    assert document["against"]["agrees"] is False and document["against"]["totals_differ"] == ["weights", "biases"]
    assert [disagreement["differ"] for disagreement in document["against"]["disagreements"]] == [["weights", "biases"]]

    github = runner.invoke(app, ["check", str(spec), "--against", str(model), "--format", "github"])
    assert github.exit_code == 1 and github.stderr == ""
    *annotations, notice = github.stdout.splitlines()
    assert [line.split("::")[1] for line in annotations] == [f"error file={spec},line=4,col=5,title=archcalc%3A spec drifted from model"]
    assert notice == f"::notice title=archcalc budgets::{summary}"


def test_a_spec_that_matches_its_model_passes_its_row(tmp_path: Path) -> None:
    spec, model = tmp_path / "spec.yaml", tmp_path / "small.yaml"
    spec.write_text(SPEC)
    model.write_text(SPEC)
    result = runner.invoke(app, ["check", str(spec), "--against", str(model), "--format", "csv"])
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.splitlines()[1:] == ["spec,,,,,no budget", f"spec,against {model},,,,PASS"]
    table = runner.invoke(app, ["check", str(spec), "--against", str(model)])
    assert table.stdout.endswith(f"1 spec, 0 budgets: 0 within, 0 over; against {model}: matches\n{spec} matches {model}: params 36, MACs 28, output 4\n")


def test_a_model_file_that_cannot_be_read_is_the_drift_rows_error_not_a_second_spec(tmp_path: Path) -> None:
    """It was counted among the specs ('2 specs … 1 could not be read') and told to give a YAML spec."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC + "budget: {params: 100}\n")
    missing = tmp_path / "model.onnx"
    error = f"no such file: {missing}; give the path of an ONNX file, a Keras .keras archive or a model.to_json() config"

    table = runner.invoke(app, ["check", str(spec), "--against", str(missing)])
    assert table.exit_code == 2 and table.stderr == f"archcalc: error: {error}\n"  # said once, on standard error (issue 26, defect 6)
    rows = [[cell.strip() for cell in line.strip("│").split("│")] for line in table.stdout.splitlines() if line.startswith("│")]
    assert rows[-1] == ["spec", f"against {missing}", "", "", "", "ERROR"]
    assert table.stdout.endswith(f"1 spec, 1 budget: 1 within, 0 over; against {missing}: could not be read\n") and error not in table.stdout

    document = json.loads(runner.invoke(app, ["check", str(spec), "--against", str(missing), "--format", "json"]).stdout)
    assert len(document["specs"]) == 1 and document["specs"][0]["passed"] is False and document["passed"] is False
    assert document["against"]["model"] == str(missing) and document["against"]["agrees"] is False
    assert document["against"]["model_totals"] is None and document["against"]["error"]["message"] == error

    github = runner.invoke(app, ["check", str(spec), "--against", str(missing), "--format", "github"])
    assert github.exit_code == 2
    assert github.stdout.splitlines()[0].startswith("::error title=archcalc%3A bad model file::no such file")


def test_a_changed_times_is_pointed_at_on_its_own_line(tmp_path: Path) -> None:
    """Issue 26, defect 7: a spec whose repeat runs 2 times, against a model that runs it 3 times, was
    annotated on each inner layer; it is one disagreement at the spec's `times:` line."""
    written = "input: 8\nlayers:\n  - dense: 8\n  - repeat:\n      times: {times}\n      layers:\n        - dense: 8\n        - relu\n  - dense: 2\n"
    spec, model = tmp_path / "spec.yaml", tmp_path / "model.yaml"
    spec.write_text(written.format(times=2))
    model.write_text(written.format(times=3))
    github = runner.invoke(app, ["check", str(spec), "--against", str(model), "--format", "github"])
    assert github.exit_code == 1
    errors = [line for line in github.stdout.splitlines() if line.startswith("::error")]
    said = f"times: 2 here, 3 in {model} (the block holding layer 2.1 (dense))"
    assert errors == [f"::error file={spec},line=5,col=7,title=archcalc%3A spec drifted from model::{said}"]
    table = runner.invoke(app, ["check", str(spec), "--against", str(model)])
    assert table.stderr == f"{spec}:5:7: {said}\n"
    document = json.loads(runner.invoke(app, ["check", str(spec), "--against", str(model), "--format", "json"]).stdout)
    assert [disagreement["origin"] for disagreement in document["against"]["disagreements"]] == [f"{spec}:5:7"]
