"""CSV is for scripts: named, unique, ASCII columns; one type per column; numbers as numbers
(no separators, units or words); an empty cell for none; the sweep's exponent in a column of its own.

Issue 16, defect 6: `diff --format csv` had an empty first header and `δ%` twice, `compare` wrote
ratios as text (`11.7× fewer`), `sweep` ended with a `k,side^2.02` row and `check` wrote `–` for no
budget. Every command that prints CSV is held to the rules here, over every archspec.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from tests.conftest import ARCHSPECS

SPECS = sorted(ARCHSPECS.rglob("*.yaml"))
SEED = ARCHSPECS / "seed"
ZOO = ARCHSPECS / "zoo" / "torchvision"

HEADER = re.compile(r"^[a-z][a-z0-9_]*$")
INTEGER = re.compile(r"^-?[0-9]+$")
FLOAT = re.compile(r"^-?[0-9]+\.[0-9]+(e[-+][0-9]+)?$|^-?[0-9](\.[0-9]+)?e[-+][0-9]+$")
DECORATED = re.compile(r"^[+−-]?[0-9][0-9,.]*\s*(%|×)|[0-9],[0-9]{3}|^[+−][0-9]|^side\^|^[–—]$")
"""A figure written for people: '24.0%', '11.7× fewer', '+73,984', 'side^2.02', '–'."""
FREE_TEXT = {"layer", "base_layer", "head_layer", "arithmetic", "description", "problem", "parameters_rule", "macs_rule"}
"""Words for people, which may quote figures: `conv 3×3, 2 filters`, `224×224 positions × 64 filters`, `0`."""

SHAPES = {"input", "output", "base_output", "head_output", "receptive_field", "stride"}
"""Text by nature, though a flat shape (`8`) looks like a number."""
PATHS = {"position", "base_position", "head_position"}
"""`5.10` is the tenth layer inside layer 5, not a number: text, documented as such."""


def csv_of(*arguments: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    result = CliRunner().invoke(app, [str(argument) for argument in arguments])
    assert result.exit_code in (0, 1), result.output
    reader = csv.DictReader(io.StringIO(result.stdout))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def kind_of(cell: str) -> str:
    if INTEGER.match(cell):
        return "integer"
    if FLOAT.match(cell):
        return "float"
    return "text"


def assert_for_scripts(header: list[str], rows: list[dict[str, str]]) -> None:
    assert header, "no header row"
    assert len(set(header)) == len(header), f"repeated columns: {header}"
    for name in header:
        assert HEADER.match(name), f"column {name!r} is not a snake_case ASCII name"
    for name in header:
        cells = [row[name] for row in rows if row[name] != ""]
        kinds = {kind_of(cell) for cell in cells}
        for cell in cells:
            assert not DECORATED.search(cell) or name in FREE_TEXT, (name, cell)
        if name in FREE_TEXT:
            continue
        if name in SHAPES | PATHS:
            assert all(cell.isascii() for cell in cells), (name, cells)
        elif kinds - {"text"}:  # a column with a number in it holds numbers of one type, and nothing else
            assert len(kinds) == 1, f"column {name} mixes {kinds}: {cells}"


COMMANDS = {
    "show": lambda spec: ["show", spec, "--format", "csv", "--receptive-field", "--memory", "--explain"],
    "show --count flops": lambda spec: ["show", spec, "--format", "csv", "--count", "flops", "--depth", "0"],
    "sharing": lambda spec: ["sharing", spec, "--format", "csv"],
    "compare": lambda spec: ["compare", SEED / "ann.yaml", spec, "16->8->2", "--format", "csv"],
    "check": lambda spec: ["check", spec, SEED / "ann.yaml", "--format", "csv"],
    "diff": lambda spec: ["diff", ZOO / "resnet18.yaml", spec, "--format", "csv", "--all"],
    "sweep": lambda spec: ["sweep", spec, SEED / "cnn.yaml", "--sizes", "2,8,32,224", "--format", "csv"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("spec", SPECS, ids=lambda path: str(path.relative_to(ARCHSPECS)))
def test_csv_is_for_scripts(command: str, spec: Path) -> None:
    if command == "sweep" and "tabular" in spec.name:
        pytest.skip("a flat input has no side to sweep")
    assert_for_scripts(*csv_of(*COMMANDS[command](spec)))


def test_layers_csv_is_for_scripts() -> None:
    assert_for_scripts(*csv_of("layers", "--format", "csv"))


def test_diff_names_every_column_and_writes_deltas_as_numbers() -> None:
    header, rows = csv_of("diff", ZOO / "resnet18.yaml", ZOO / "resnet34.yaml", "--format", "csv")
    assert header[:3] == ["change", "base_position", "head_position"]
    assert "params_delta_percent" in header and "macs_delta_percent" in header
    first = rows[0]
    assert (first["change"], first["base_params"], first["head_params"], first["params_delta"]) == ("changed", "147968", "221952", "73984")
    assert float(first["params_delta_percent"]) == 50.0
    assert (first["base_output"], first["head_output"]) == ("56x56x64", "56x56x64")
    total = rows[-1]
    assert (total["change"], total["base_layer"], total["params_delta"]) == ("", "total", str(21_797_672 - 11_689_512))


def test_compare_writes_ratios_as_numbers() -> None:
    header, rows = csv_of("compare", ARCHSPECS / "exercises/ex1_ann.yaml", ARCHSPECS / "exercises/ex1_cnn.yaml", "--format", "csv")
    assert header[-3:] == ["params_first_over_this", "weights_first_over_this", "macs_first_over_this"]
    assert rows[0]["params_first_over_this"] == "1.0"
    assert float(rows[1]["params_first_over_this"]) == pytest.approx(2642 / 226)
    assert float(rows[1]["macs_first_over_this"]) == pytest.approx(2592 / 2736)
    assert rows[1]["input"] == "8x8x1"


def test_sweep_puts_the_exponent_in_its_own_column() -> None:
    header, rows = csv_of("sweep", SEED / "cnn.yaml", "--sizes", "2,4,8", "--format", "csv")
    assert header == ["spec", "side", "params", "macs", "params_exponent", "macs_exponent", "problem"]
    assert [row["side"] for row in rows] == ["2", "4", "8"]  # no `k` row
    too_small, *fitted = rows
    assert (too_small["params"], too_small["macs"]) == ("", "")
    assert "larger than the padded input" in too_small["problem"]
    assert [row["params"] for row in fitted] == ["38", "166"]
    assert {row["params_exponent"] for row in rows} == {repr(2.1271119179033406)}  # log2(166 / 38), between 4 and 8


def test_check_leaves_no_budget_empty() -> None:
    header, rows = csv_of("check", SEED / "cnn.yaml", SEED / "ann.yaml", "--format", "csv")
    assert header == ["spec", "budget", "limit", "actual", "headroom_percent", "status"]
    assert rows[0] == {"spec": "seed-cnn", "budget": "params", "limit": "50", "actual": "38", "headroom_percent": "24.0", "status": "PASS"}
    assert rows[-1] == {"spec": "seed-ann", "budget": "", "limit": "", "actual": "", "headroom_percent": "", "status": "no budget"}


def test_show_writes_shapes_in_ascii_as_a_spec_does() -> None:
    _, rows = csv_of("show", SEED / "cnn.yaml", "--format", "csv", "--receptive-field")
    assert [row["output"] for row in rows] == ["2x2x2", "2x2x2", "8", "2", "2"]
    assert [row["receptive_field"] for row in rows][:3] == ["3x3", "3x3", "whole input"]


def test_diff_leaves_the_missing_side_of_an_added_layer_empty() -> None:
    _, rows = csv_of("diff", SEED / "cnn.yaml", SEED / "cnn_pooled.yaml", "--format", "csv")
    added = rows[0]
    assert (added["change"], added["base_position"], added["head_position"], added["head_layer"]) == ("added", "", "3", "maxpool 2×2")
    assert (added["base_params"], added["head_params"], added["params_delta"], added["params_delta_percent"]) == ("", "0", "0", "")
    dense = rows[2]
    assert (dense["base_params"], dense["head_params"], dense["params_delta"]) == ("18", "6", "-12")
    assert dense["params_delta_percent"] == "-66.667"  # -200 / 3, to three decimals


def test_percentages_are_written_to_three_decimals_in_check_and_diff() -> None:
    """check rounded `headroom_percent` (-5.556) while diff wrote `-75.32467532467533`: one rule now
    (docs/json.md), at most three decimals, for a person and a script alike."""
    _, rows = csv_of("diff", SEED / "ann.yaml", SEED / "cnn.yaml", "--format", "csv")
    total = rows[-1]
    assert (total["params_delta_percent"], total["macs_delta_percent"]) == ("-75.325", "-38.889")  # -116 / 154, -56 / 144
    _, rows = csv_of("check", SEED / "cnn.yaml", "--max-params", "36", "--format", "csv")
    assert [row["headroom_percent"] for row in rows if row["budget"] == "params"] == ["-5.556"]  # (36 - 38) / 36
    runs: list[list[str | Path]] = [
        ["diff", ZOO / "resnet18.yaml", ZOO / "resnet50.yaml", "--all"],
        ["check", *SPECS, "--max-params", "3M", "--max-macs", "7e8"],
    ]
    for command in runs:
        _, rows = csv_of(*command, "--format", "csv")
        percents = [cell for row in rows for name, cell in row.items() if name.endswith("_percent") and cell]
        assert percents and all(len(cell.partition(".")[2]) <= 3 for cell in percents), percents


CSV_RUNS: dict[str, list[list[str | Path]]] = {
    "show": [["show", SEED / "cnn.yaml", "--receptive-field", "--memory", "--explain"]],
    "train": [["train", SEED / "cnn.yaml"]],
    "compare": [
        ["compare", SEED / "ann.yaml", SEED / "cnn.yaml"],
        ["compare", SEED / "ann.yaml", SEED / "cnn.yaml", "--memory"],
        ["compare", ARCHSPECS / "zoo/language/gpt2.yaml", ARCHSPECS / "zoo/language/llama2_7b.yaml", "--memory"],
        ["compare", SEED / "cnn.yaml", "--device", "t4"],
    ],
    "check": [["check", SEED / "cnn.yaml"]],
    "diff": [["diff", SEED / "ann.yaml", SEED / "cnn.yaml"]],
    "sweep": [["sweep", SEED / "cnn.yaml", "--sizes", "4,8"], ["sweep", SEED / "cnn.yaml", "--batch", "1,2"]],
    "sharing": [["sharing", SEED / "cnn.yaml"]],
    "serve": [["serve", SEED / "cnn.yaml", "--device", "t4"]],
    "devices": [["devices"]],
    "layers": [["layers"]],
    "examples": [["examples", "seed"]],
}


@pytest.mark.parametrize("command", sorted(CSV_RUNS))
def test_every_csv_column_is_in_the_csv_table_of_the_docs(command: str) -> None:
    """compare's language-model columns (`active_params, macs_per_token, kv_cache_values_per_token`)
    were printed and not listed in docs/json.md's CSV table."""
    table = (ARCHSPECS.parent / "docs" / "json.md").read_text().split("## CSV")[1]
    row = next(line for line in table.splitlines() if line.startswith(f"| `{command}` |"))
    for arguments in CSV_RUNS[command]:
        header, _ = csv_of(*arguments, "--format", "csv")
        assert [name for name in header if not re.search(rf"\b{name}\b", row)] == [], arguments
