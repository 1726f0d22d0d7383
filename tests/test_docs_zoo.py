"""docs/zoo.md tells the truth: every table row that names a zoo file shows what archcalc computes for
it, and torchvision's published figures as tests/test_zoo.py tables them."""

from __future__ import annotations

import pytest

from archcalc.engine import analyze
from archcalc.formats import load_spec
from tests.conftest import ROOT
from tests.test_zoo import CLASSIFICATION, TORCHVISION

ZOO_DOC = ROOT / "docs" / "zoo.md"


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def zoo_rows() -> list[dict[str, str]]:
    """Each row of a table of the zoo beside torchvision's figures, keyed by its column headers (the
    pasted `compare` table is held to archcalc's output by tests/test_docs.py)."""
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    for line in ZOO_DOC.read_text().splitlines():
        if not line.startswith("|"):
            header = None
        elif header is None:
            header = cells(line)
        elif header[0] == "spec" and "torchvision `num_params`" in header and not set(line) <= set("|-: "):
            rows.append(dict(zip(header, cells(line), strict=True)))
    return rows


def test_the_doc_has_zoo_tables() -> None:
    assert len(zoo_rows()) >= 22


@pytest.mark.parametrize("row", zoo_rows(), ids=lambda row: row["spec"].strip("`"))
def test_each_row_is_what_archcalc_computes(row: dict[str, str]) -> None:
    name = row["spec"].strip("`")
    report = analyze(load_spec(str(TORCHVISION / f"{name}.yaml")))
    assert row["input"] == "×".join(str(side) for side in report.input_shape[:-1])
    assert row["params"] == f"{report.total.params:,}"
    assert row["MACs"] == f"{report.total.macs:,}"
    published = CLASSIFICATION[name]
    assert row["torchvision `num_params`"] == f"{published.params:,}"
    assert row["torchvision GFLOPS"] == published.gflops
