"""The pictures in docs/pictures/ are what archcalc draws today: each is regenerated here and
compared with the committed file; `pytest --update-golden` rewrites them.

The SVG is the same bytes on every run with the same matplotlib, whose version each file names
(its Creator metadata). Where the installed matplotlib is another release, its geometry may differ
by a fraction of a point, so the figures are compared instead: every <text> of the picture.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import matplotlib
import pytest
from typer.testing import CliRunner

from archcalc.app import app

ROOT = Path(__file__).resolve().parent.parent
PICTURES = ROOT / "docs" / "pictures"
SEED = "archspecs/seed"

DRAWN = {
    "seed-comparison.svg": ["compare", f"{SEED}/ann.yaml", f"{SEED}/cnn.yaml", "--format", "svg"],
    "seed-cnn.svg": ["show", f"{SEED}/cnn.yaml", "--format", "svg"],
    "seed-sweep.svg": ["sweep", f"{SEED}/ann.yaml", f"{SEED}/cnn_224_first_layer.yaml", "--format", "svg"],
    "zoo-torchvision.svg": ["compare", "archspecs/zoo/torchvision/", "--format", "svg"],
    "resnet50.svg": ["show", "archspecs/zoo/torchvision/resnet50.yaml", "--depth", "1", "--format", "svg"],
    "llama3-8b-training.svg": [
        "train",
        "archspecs/zoo/language/llama3_8b.yaml",
        *["--device", "h100-sxm", "--zero", "3", "--gpus", "8", "--precision", "mixed-bf16", "--checkpointing", "full", "--format", "svg"],
    ],
}


def texts(svg: str) -> list[str]:
    return ["".join(element.itertext()) for element in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]


def drawn_with(svg: str) -> str | None:
    found = re.search(r"<dc:title>Matplotlib v([^,<]+)", svg)
    return found.group(1) if found else None


@pytest.mark.parametrize("picture", sorted(DRAWN))
def test_the_docs_pictures_are_fresh(picture: str, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, DRAWN[picture])
    assert result.exit_code == 0, result.stderr
    path = PICTURES / picture
    if update_golden:
        path.parent.mkdir(exist_ok=True)
        path.write_text(result.stdout, encoding="utf-8")
    committed = path.read_text(encoding="utf-8")
    rerun = f"{path.relative_to(ROOT)} is stale: rerun with --update-golden and look at the picture"
    if drawn_with(committed) == matplotlib.__version__:
        assert result.stdout == committed, rerun
    else:
        assert texts(result.stdout) == texts(committed), rerun


def test_the_readme_shows_the_seed_comparison() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/pictures/seed-comparison.svg)" in readme
    written = texts((PICTURES / "seed-comparison.svg").read_text(encoding="utf-8"))
    assert {"154", "38", "4.1× fewer"} <= set(written)
