"""Tables in a real terminal: drawn by Rich to the window's width (or COLUMNS), never past it."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from archcalc.model import DType
from archcalc.render.grid import Grid
from tests.conftest import ROOT

RESNET50 = "archspecs/zoo/torchvision/resnet50.yaml"
SEED = ("archspecs/seed/ann.yaml", "archspecs/seed/cnn.yaml")


def in_terminal(columns: int, *arguments: str, environment: dict[str, str] | None = None) -> list[str]:
    """archcalc's output lines in a pseudo-terminal `columns` wide."""
    reader, writer = pty.openpty()
    fcntl.ioctl(writer, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {key: value for key, value in os.environ.items() if key != "COLUMNS"} | {"NO_COLOR": "1"} | (environment or {})
    process = subprocess.Popen([sys.executable, "-m", "archcalc", *arguments], stdout=writer, stderr=writer, stdin=subprocess.DEVNULL, cwd=ROOT, env=env)
    os.close(writer)
    output = b""
    while True:
        try:
            chunk = os.read(reader, 65536)
        except OSError:  # the child closed its side
            break
        if not chunk:
            break
        output += chunk
    os.close(reader)
    assert process.wait() == 0, output.decode()
    return output.decode().replace("\r\n", "\n").rstrip("\n").split("\n")


def test_the_seed_comparison_fits_80_columns_one_row_per_line() -> None:
    lines = in_terminal(80, "compare", *SEED)
    assert max(len(line) for line in lines) <= 80
    rows = [line for line in lines if line.startswith("│")]
    assert [row.split("│")[1].strip() for row in rows] == ["seed-ann", "seed-cnn"]  # no cell wrapped onto a second line
    assert "4.1× fewer" in rows[1]
    assert any("left out to fit the window: weights, biases" in line for line in lines)


def test_resnet50_at_depth_1_fits_80_columns_without_cutting_a_word_or_a_count() -> None:
    lines = in_terminal(80, "show", RESNET50, "--depth", "1")
    assert max(len(line) for line in lines) <= 80
    cells = [cell.strip() for line in lines if line.startswith("│") for cell in line.split("│")[1:-1]]
    assert "4,089,184,256" in cells and "118,013,952" in cells  # counts whole
    words = {word for cell in cells for word in cell.split()}
    assert {"filters,", "(projection", "shortcut)"} <= words  # text wraps between words


@pytest.mark.parametrize("columns", [100, 120])
def test_columns_is_honoured_in_a_wider_window(columns: int) -> None:
    lines = in_terminal(200, "show", RESNET50, "--depth", "1", environment={"COLUMNS": str(columns)})
    assert max(len(line) for line in lines) <= columns


def test_wide_keeps_every_column() -> None:
    header = next(line for line in in_terminal(200, "show", RESNET50, "--depth", "1", "--wide", environment={"COLUMNS": "80"}) if "layer" in line)
    assert "weights" in header and "biases" in header


def test_a_window_that_fits_keeps_every_column() -> None:
    header = next(line for line in in_terminal(200, "show", SEED[1]) if "layer" in line)
    assert "weights" in header and "biases" in header


RESNETS = ("archspecs/zoo/torchvision/resnet18.yaml", "archspecs/zoo/torchvision/resnet34.yaml")


@pytest.mark.parametrize(
    ("arguments", "left_out"),
    [
        (("diff", *RESNETS), "params, Δ%, MACs"),  # 116 wide before: each layer's changes stay, its figures after and percentages go
        (("layers",), "MACs"),  # 85
        (("show", SEED[1], "--memory", "--receptive-field"), "weights, biases, param bytes (float32)"),  # 85
        (("sharing", SEED[1]), "sharing factor"),  # 81: the factor is the positions again
        (("examples", "resnet"), "name"),  # 117: the name is the file's
        (("sweep", *SEED), None),  # 89: the chart's axis name sat beside its sizes
    ],
)
def test_a_wide_table_gives_way_to_fit_80_columns(arguments: tuple[str, ...], left_out: str | None) -> None:
    lines = in_terminal(80, *arguments)
    assert max(len(line) for line in lines) <= 80, "\n".join(lines)
    notes = " ".join(line.strip() for line in lines if not line.startswith(("│", "┃", "┏", "┡", "└", "├")))
    if left_out is not None:
        assert f"left out to fit the window: {left_out} (--wide keeps them" in notes
        wide = in_terminal(80, *arguments, "--wide")
        header = next(line for line in lines if line.startswith("┃"))
        assert next(line for line in wide if line.startswith("┃")).count("┃") > header.count("┃")  # --wide keeps every column
        assert "left out to fit the window" not in " ".join(wide)


def test_diff_in_80_columns_keeps_each_layers_changes() -> None:
    lines = in_terminal(80, "diff", *RESNETS)
    header = next(line for line in lines if "layer" in line)
    assert [cell.strip() for cell in header.split("┃")[1:-1]] == ["", "#", "layer", "output", "Δ params", "Δ MACs"]
    assert any("+4,722,688" in line and "+924,844,032" in line for line in lines)
    assert any("params 11,689,512 → 21,797,672 (+86.5%)" in line for line in lines)  # the totals' figures and percentages, in the notes


def _grids() -> list[Grid]:
    """A grid of every command's kind, from specs with long names, wide labels and many columns."""
    from archcalc.engine import analyze
    from archcalc.engine.analysis import Request, analysis_of
    from archcalc.engine.comparison import comparison
    from archcalc.engine.diff import diff_reports
    from archcalc.engine.sweep import sweep
    from archcalc.formats import load_spec
    from archcalc.render.compare import compare_grid
    from archcalc.render.diff import diff_grid
    from archcalc.render.layer_kinds import layer_kinds_grid
    from archcalc.render.options import ShowOptions
    from archcalc.render.sharing import sharing_grid
    from archcalc.render.show import show_grid
    from archcalc.render.sweep import sweep_grid

    reports = [analyze(load_spec(str(ROOT / path))) for path in (RESNET50, "archspecs/exercises/ex2_diagonal_filter.yaml", *SEED)]
    seeds = [report.spec for report in reports[2:]]
    everything = analysis_of(reports[0], Request(receptive_field=True, memory=DType.FLOAT16, sharing=True))
    return [
        show_grid(everything, ShowOptions(depth=2, explain=True)),
        compare_grid(comparison(reports)),
        diff_grid(diff_reports(reports[0], reports[1]), show_all=True),
        sharing_grid(analysis_of(reports[1], Request(sharing=True))),
        sweep_grid([sweep(spec, [4, 8, 224]) for spec in seeds]),
        layer_kinds_grid(),
    ]


@pytest.mark.parametrize("columns", [40, 80, 100, 120])
def test_no_count_or_word_is_cut_at_any_width(columns: int) -> None:
    """Every count a table shows appears whole, and every piece of its text cells too: a narrow
    window wraps text between words (or after a path's `/`, a name's `_`, a shape's `×`), leaves
    optional columns out, or shows the columns in parts, never crops."""
    from archcalc.render import Terminal
    from archcalc.render.grid import row_texts, without_optional_columns
    from archcalc.render.rich_table import _pieces, rich_text

    for grid in _grids():
        output = rich_text(grid, Terminal(color=False, width=columns))
        assert columns < 50 or max(len(line) for line in output.splitlines()) <= columns, grid.title
        shown = without_optional_columns(grid) if "left out to fit the window" in output else grid
        words = set(output.replace("│", " ").replace("┃", " ").split())
        for row in shown.rows:
            for column, text in zip(shown.columns, row_texts(row), strict=True):
                if column.numeric:
                    assert text in words, (grid.title, column.title, text)
                else:
                    assert all(piece.strip() in output for line in text.split("\n") for piece, _ in _pieces(line)), (grid.title, column.title, text)


ZOO = "archspecs/zoo/"
EVERY_TABLE = [
    ("compare", ZOO + "torchvision/resnet50.yaml", ZOO + "torchvision/vit_b_16.yaml", ZOO + "language/gpt2.yaml"),  # 90 wide before
    ("compare", *SEED, ZOO + "language/gpt2.yaml", "--count", "flops", "--memory"),
    ("sweep", ZOO + "torchvision/vit_b_16.yaml", "--sizes", "224,384"),
    ("sweep", *SEED, "--count", "flops"),  # 99 before
    ("check", ZOO + "torchvision/"),  # 95 before
    ("examples",),  # 98 before
    ("show", ZOO + "language/llama3_8b.yaml", "--memory"),  # 108 before
    ("show", ZOO + "language/gpt2.yaml", "--memory", "--explain"),  # 112 before
    ("show", RESNET50, "--explain", "--receptive-field", "--memory", "--count", "flops", "--depth", "5"),
    ("diff", *RESNETS, "--all", "--count", "flops"),
    ("sharing", RESNET50),
    ("layers",),
    ("devices",),
    ("serve", ZOO + "language/llama3_8b.yaml", "--device", "h100-sxm", "--prompt", "128", "--generate", "16"),
    ("serve", RESNET50, "--device", "h100-sxm", "--images", "8", "--weights", "int8"),
    ("train", ZOO + "language/gpt2.yaml", "--batch", "2", "--device", "h100-sxm", "--precision", "amp-bf16", "--attention", "eager"),
    ("train", RESNET50, "--batch", "4", "--optimizer", "adafactor", "--checkpointing", "full", "--gpus", "8", "--zero", "2"),
    ("compare", *SEED, "--train", "--batch", "8"),
    ("compare", *SEED, ZOO + "language/gpt2.yaml", "--device", "t4", "--device", "h100-sxm"),
]


@pytest.mark.parametrize("arguments", EVERY_TABLE, ids=lambda arguments: " ".join(Path(argument).stem for argument in arguments))
def test_every_table_fits_80_columns(arguments: tuple[str, ...]) -> None:
    """Issue 26, defect 3: every command's table, alone and with its column flags, in an 80-column
    terminal: no line past 80, notes included. A table too wide at its narrowest comes in parts."""
    lines = in_terminal(80, *arguments)
    assert max(len(line) for line in lines) <= 80, "\n".join(line for line in lines if len(line) > 80)


def test_notes_wrap_at_the_terminals_width_not_the_tables() -> None:
    lines = in_terminal(160, "show", SEED[1], "--memory")
    table = max(len(line) for line in lines if line.startswith(("│", "┃", "┏", "└")))
    notes = [line for line in lines if not line.startswith(("│", "┃", "┏", "┡", "└", "├"))]
    assert table < 130 and max(len(line) for line in notes) > table and max(len(line) for line in notes) <= 160
