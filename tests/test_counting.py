"""`--count flops`: the cost columns in floating-point operations, 2 per MAC, and the output says so."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from archcalc.app import app
from tests.conftest import ARCHSPECS

SEED = ARCHSPECS / "seed"
runner = CliRunner()


def out(*arguments: object) -> str:
    result = runner.invoke(app, [str(argument) for argument in arguments])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_show_counts_flops_and_says_how() -> None:
    table = out("show", SEED / "cnn.yaml", "--count", "flops")
    assert "FLOPs" in table and "MACs ┃" not in table
    assert "FLOPs 176 = 2 × 88 MACs (a multiply and an add each)" in table
    rows = list(csv.DictReader(io.StringIO(out("show", SEED / "cnn.yaml", "--count", "flops", "-f", "csv"))))
    assert [row["flops"] for row in rows] == ["144", "0", "0", "32", "176"]
    document = json.loads(out("show", SEED / "cnn.yaml", "--count", "flops", "-f", "json"))
    assert document["totals"]["macs"] == 88 and document["totals"]["flops"] == 176
    assert [layer["flops"] for layer in document["layers"]] == [144, 0, 0, 32]


def test_macs_stay_the_default_with_no_flops_anywhere() -> None:
    assert "flops" not in out("show", SEED / "cnn.yaml", "-f", "json")
    assert "FLOPs" not in out("show", SEED / "cnn.yaml")


def test_compare_diff_and_sweep_count_flops_too() -> None:
    compared = out("compare", SEED / "ann.yaml", SEED / "cnn.yaml", "--count", "flops")
    assert "FLOPs 288 / 176 = 1.6× fewer" in compared and "FLOPs = 2 × MACs: a multiply and an add each" in compared
    header = out("compare", SEED / "ann.yaml", SEED / "cnn.yaml", "--count", "flops", "-f", "csv").splitlines()[0]
    assert header.endswith(",flops,params_first_over_this,weights_first_over_this,flops_first_over_this")
    changed = out("diff", SEED / "cnn.yaml", SEED / "cnn_pooled.yaml", "--count", "flops", "-f", "json")
    document = json.loads(changed)
    assert document["delta"]["flops"] == 2 * document["delta"]["macs"]
    swept = out("sweep", SEED / "cnn.yaml", "--count", "flops", "--chart", "macs")
    assert "seed-cnn FLOPs" in swept and "FLOPs (log scale)" in swept and "2.2M" in swept  # 2 × 1,084,248 at 224
