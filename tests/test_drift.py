"""The drift gate (`check SPEC --against MODEL`): which figures of which layers differ, found once in
the engine (engine/drift.py) and reported exactly (render/drift.py), whatever the two files are."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine import analyze
from archcalc.engine.drift import Figure, drift
from archcalc.spec import load_text

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
    assert f"the spec has nothing for node 'extra' of {model} (weights 16, biases 4, MACs 16)" in checked.stdout
