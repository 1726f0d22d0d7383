"""Golden output of `show` and `compare` on the seed specs; `pytest --update-golden` rewrites them.

A change to a golden file is a change users see: review its diff like code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from tests.conftest import ARCHSPECS

GOLDEN = Path(__file__).parent / "golden"
SEED = "archspecs/seed"

CASES = {
    "show_seed_ann.txt": ["show", f"{SEED}/ann.yaml"],
    "show_seed_cnn.txt": ["show", f"{SEED}/cnn.yaml"],
    "show_seed_cnn.json": ["show", f"{SEED}/cnn.yaml", "--format", "json"],
    "show_seed_cnn.md": ["show", f"{SEED}/cnn.yaml", "--format", "markdown"],
    "show_seed_cnn.csv": ["show", f"{SEED}/cnn.yaml", "--format", "csv"],
    "compare_seed.txt": ["compare", f"{SEED}/ann.yaml", f"{SEED}/cnn.yaml", f"{SEED}/cnn_pooled.yaml"],
    "compare_seed_224.txt": ["compare", f"{SEED}/ann_224_first_layer.yaml", f"{SEED}/cnn_224_first_layer.yaml"],
    "compare_seed.json": ["compare", f"{SEED}/ann.yaml", f"{SEED}/cnn.yaml", "--format", "json"],
}


@pytest.mark.parametrize("golden", sorted(CASES))
def test_golden_output(golden: str, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ARCHSPECS.parent)  # paths in the output are as a user in the repository types them
    result = CliRunner().invoke(app, CASES[golden])
    assert result.exit_code == 0, result.stderr
    path = GOLDEN / golden
    if update_golden:
        path.parent.mkdir(exist_ok=True)
        path.write_text(result.stdout)
    assert result.stdout == path.read_text(), f"output differs from {path}; rerun with --update-golden and review the diff"


def all_archspecs() -> list[Path]:
    return sorted(ARCHSPECS.rglob("*.yaml"))


@pytest.mark.parametrize("spec", all_archspecs(), ids=lambda path: str(path.relative_to(ARCHSPECS)))
def test_rows_add_up_to_the_totals(spec: Path) -> None:
    """In every archspec, the layers sum to the totals and every composite to its children."""
    result = CliRunner().invoke(app, ["show", str(spec), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    figures = ("params", "weights", "biases", "non_trainable", "macs")

    def check(layers: list[dict[str, object]], expected: dict[str, object]) -> None:
        for figure in figures:
            assert sum(layer[figure] for layer in layers) == expected[figure]  # type: ignore[misc]
        for layer in layers:
            if "children" in layer:
                check(layer["children"], layer)  # type: ignore[arg-type]

    check(document["layers"], document["totals"])
    for layer in document["layers"]:
        assert layer["params"] == layer["weights"] + layer["biases"]
