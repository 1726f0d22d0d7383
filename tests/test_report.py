"""`archcalc report`: one self-contained HTML page. Read here with the standard library's HTML parser;
tests/test_browser.py opens it in Chromium."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from tests.test_pictures import HOSTILE_NAME, hostile_spec

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "archspecs" / "seed"
RESNET50 = ROOT / "archspecs" / "zoo" / "torchvision" / "resnet50.yaml"


class Page(HTMLParser):
    """What a page is made of: its tags, every attribute, its text, how deep its <details> nest,
    and the lines of each <pre>."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.depth = 0
        self.deepest = 0
        self.blocks: list[str] = []  # the text of each <pre>
        self.in_pre = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        if tag == "details":
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)
        if tag == "pre":
            self.blocks.append("")
            self.in_pre = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self.depth -= 1
        self.in_pre = self.in_pre and tag != "pre"

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.in_pre:
            self.blocks[-1] += data


def report(*arguments: str | Path) -> str:
    result = CliRunner().invoke(app, ["report", *(str(argument) for argument in arguments)])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_the_seed_report_has_the_tables_the_tree_and_the_charts() -> None:
    page = report(SEED / "ann.yaml", SEED / "cnn.yaml")
    parsed = Page(page)
    text = " ".join(parsed.text)
    assert "seed-cnn against seed-ann: params 154 / 38 = 4.1× fewer" in text  # the comparison's table and its sentence
    assert parsed.tags.count("svg") == 3  # the comparison's chart and each spec's
    assert "#1 conv 3×3, 2 filters" in text and "2×2×2" in text  # the tree: each layer with its shape, params and MACs
    for chart in re.findall(r"<svg.*?</svg>", page, flags=re.DOTALL):
        ElementTree.fromstring(chart)  # each inline chart is XML on its own
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # three charts, no id twice


def test_the_page_fetches_nothing_and_runs_nothing() -> None:
    page = report(RESNET50)
    parsed = Page(page)
    assert "script" not in parsed.tags and "link" not in parsed.tags and "img" not in parsed.tags
    assert "default-src 'none'" in page  # its Content-Security-Policy: no fetch, no script, even if one were there
    addresses = [value for name, value in parsed.attributes if name in ("src", "href") and value and not value.startswith("#")]
    assert addresses == []
    assert "url(http" not in page and "@import" not in page
    assert "prefers-color-scheme: dark" in page


def test_blocks_and_repeats_are_folded() -> None:
    parsed = Page(report(RESNET50))
    assert parsed.deepest >= 2  # a repeat holds residual blocks, which hold their layers
    assert "open" not in [name for name, _ in parsed.attributes]  # every block starts folded
    text = " ".join(parsed.text)
    assert "#7 stage1.1-2: repeat ×2" in text and "#7.1 residual (×2)" in text


def test_a_hostile_name_stays_text(tmp_path: Path) -> None:
    page = report(hostile_spec(tmp_path), SEED / "cnn.yaml")
    parsed = Page(page)
    assert "script" not in parsed.tags
    assert any(HOSTILE_NAME in text for text in parsed.text)
    assert not [line for line in page.splitlines() if line.lstrip().startswith("::")]


def test_many_layers_are_a_page_not_a_scroll(tmp_path: Path) -> None:
    """Identical layers in a row are one line; lines that differ are folded by the hundred, and those
    folds by the hundred again. (20,000 layers here; tests/test_browser.py opens 100,000.)"""
    alike = tmp_path / "alike.yaml"
    alike.write_text("input: 8x8x4\nlayers:\n" + "  - conv: {filters: 4, kernel: 3, padding: 1}\n" * 20_000)
    page = report(alike)
    assert "#1–20000 conv 3×3, 4 filters, pad 1 ×20,000 in a row" in " ".join(Page(page).text)
    assert len(page) < 100_000
    alternating = tmp_path / "alternating.yaml"
    alternating.write_text("input: 8x8x4\nlayers:\n" + "  - conv: {filters: 4, kernel: 3, padding: 1}\n  - relu\n" * 10_000)
    parsed = Page(report(alternating))
    assert parsed.deepest == 2 and parsed.tags.count("details") == 2 + 2 * 100  # two folds of 10,000, each a hundred folds of 100
    assert max(block.count("\n") + 1 for block in parsed.blocks) == 100


def test_without_matplotlib_the_report_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = CliRunner().invoke(app, ["report", str(SEED / "cnn.yaml")])
    assert result.exit_code == 2 and result.stdout == ""
    assert "in archcalc's checkout, pip install '.[plot]'" in result.stderr and "archcalc[plot]" not in result.stderr


def test_report_help_says_it_needs_the_plot_extra() -> None:
    """Its help said "its charts need the plot extra", as if the page worked without them: it exits 2."""
    text = " ".join(CliRunner().invoke(app, ["report", "--help"], env={"COLUMNS": "200"}).stdout.split())
    assert "It needs the plot extra (matplotlib) for its charts: without it, report writes nothing and exits 2" in text
    assert "pip install '.[plot]'" in text


def test_report_writes_its_page_with_the_safe_writer(tmp_path: Path) -> None:
    """`-o FILE` writes the page whole, and refuses an existing file without --force (exit 2)."""
    page = tmp_path / "report.html"
    runner = CliRunner()
    first = runner.invoke(app, ["report", str(SEED / "cnn.yaml"), "-o", str(page)])
    assert first.exit_code == 0, first.output
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>") and first.stdout == ""
    again = runner.invoke(app, ["report", str(SEED / "cnn.yaml"), "-o", str(page)])
    assert again.exit_code == 2 and "exists already; give --force" in again.stderr
    forced = runner.invoke(app, ["report", str(SEED / "cnn.yaml"), "-o", str(page), "--force"])
    assert forced.exit_code == 0, forced.output


def test_specs_that_share_a_name_are_told_apart_by_their_files(tmp_path: Path) -> None:
    """Two specs named `my-mnist` gave "my-mnist against my-mnist", two `my-mnist` rows, headings and bars."""
    text = (SEED / "cnn.yaml").read_text().replace("name: seed-cnn", "name: my-mnist")
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(text)
    second.write_text(text.replace("filters: 2", "filters: 4"))
    parsed = Page(report(first, second))
    text = " ".join(parsed.text)
    a, b = f"my-mnist ({first})", f"my-mnist ({second})"
    assert f"{b} against {a}: params 38 → 74" in text or f"{b} against {a}: params 74 / 38" in text, text
    assert f"archcalc report: {a}, {b}" in text  # the title
    assert parsed.text.count(a) >= 2 and parsed.text.count(b) >= 2  # its heading and its row in the comparison
    assert "my-mnist against my-mnist" not in text
    assert "(" not in " ".join(Page(report(SEED / "ann.yaml", SEED / "cnn.yaml")).text).split("compared with")[1][:12]  # names that differ: no file added
