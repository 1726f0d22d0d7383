"""The plain table and the Rich table draw the same characters, in the same styles.

Tables that fit are drawn by render/text_table.py because it starts ~55 ms sooner; these tests are
what lets it stand in for Rich: every grid every command draws over every archspec, and random
grids, compared with what Rich draws for the same grid, without colour and with it.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from typer.testing import CliRunner

import archcalc.render
from archcalc.app import app
from archcalc.render import OutputFormat, Terminal, render_grid
from archcalc.render.grid import Column, Grid, Row
from archcalc.render.rich_table import rich_text
from archcalc.render.text_table import PlainTable, cell_width
from tests.conftest import ARCHSPECS

SPECS = sorted(str(path) for path in ARCHSPECS.rglob("*.yaml"))
ZOO = sorted(str(path) for path in (ARCHSPECS / "zoo").glob("*.yaml"))

COMMANDS = [
    *(["show", spec, *flags] for spec in SPECS for flags in ([], ["--depth", "0"], ["-e", "-r", "-m", "--dtype", "int8"])),
    ["compare", *SPECS],
    ["check", str(ARCHSPECS), "--max-macs", "1G"],
    ["diff", ZOO[0], ZOO[1]],
    ["diff", str(ARCHSPECS / "zoo" / "resnet18.yaml"), str(ARCHSPECS / "zoo" / "resnet34.yaml"), "--depth", "2", "--all"],
    ["sweep", *(str(ARCHSPECS / "seed" / name) for name in ("ann.yaml", "cnn.yaml", "cnn_pooled.yaml"))],
    *(["sharing", spec] for spec in ZOO),
    ["layers"],
]


def plain(grid: Grid, color: bool = False) -> str:
    return PlainTable(grid).text(color)


def styled_characters(text: str) -> list[list[tuple[str, str]]]:
    """Each line as (character, ANSI style) pairs, without trailing unstyled blanks: what a
    terminal shows, however the escape codes were grouped."""
    lines: list[list[tuple[str, str]]] = []
    for line in text.split("\n"):
        style, shown = "", []
        for code, character in re.findall(r"\x1b\[([0-9;]*)m|(.)", line):
            if character:
                shown.append((character, style))
            else:
                style = "" if code in ("", "0") else code
        while shown and shown[-1] == (" ", ""):
            shown.pop()
        lines.append(shown)
    return lines


def grids_drawn_by(arguments: list[str], monkeypatch: pytest.MonkeyPatch) -> list[Grid]:
    drawn: list[Grid] = []
    draw = archcalc.render.render_grid

    def recording(grid: Grid, *rest: object) -> str:
        drawn.append(grid)
        return draw(grid, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(archcalc.render, "render_grid", recording)
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code in (0, 1), result.output
    return drawn


@pytest.mark.parametrize("arguments", COMMANDS, ids=lambda arguments: " ".join(part.rsplit("/", 1)[-1] for part in arguments))
def test_every_command_draws_what_rich_draws(arguments: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    grids = grids_drawn_by(arguments, monkeypatch)
    assert grids, "the command drew no table"
    for grid in grids:
        assert plain(grid) == rich_text(grid, color=False, width=None)
        assert styled_characters(plain(grid, color=True)) == styled_characters(rich_text(grid, color=True, width=10_000))


# Cells as users write names: ASCII, the symbols archcalc writes, wide CJK, emoji, accents.
TEXT = st.text(alphabet=st.sampled_from([*"abcXYZ019 .,:-_()[]/'\n", "×", "–", "→", "└", "é", "ß", "宽", "字", "😀", "Ω"]), max_size=12)
CELL = st.one_of(st.none(), st.integers(min_value=0, max_value=10**20), TEXT)


@st.composite
def grids(draw: st.DrawFn) -> Grid:
    width = draw(st.integers(min_value=1, max_value=6))
    columns = tuple(Column(draw(TEXT.filter(str.strip)), draw(st.booleans())) for _ in range(width))
    row = st.builds(Row, st.tuples(*[CELL] * width), st.integers(min_value=0, max_value=3))
    return Grid(
        title=draw(TEXT),
        columns=columns,
        rows=tuple(draw(st.lists(row, max_size=5))),
        total=draw(st.one_of(st.none(), row)),
        notes=tuple(draw(st.lists(TEXT, max_size=2))),
    )


@given(grids())
def test_random_grids_draw_what_rich_draws(grid: Grid) -> None:
    table = PlainTable(grid)
    assume(all(cell_width(line) <= table.width for line in grid.title.split("\n")))  # Rich wraps a longer title; a pipe does not
    assert table.text() == rich_text(grid, color=False, width=None)


@given(grids(), st.integers(min_value=10, max_value=80))
def test_in_a_terminal_a_table_that_fits_looks_as_rich_draws_it_and_one_that_does_not_is_rich(grid: Grid, columns: int) -> None:
    drawn = render_grid(grid, OutputFormat.TABLE, Terminal(color=True, width=columns))
    rich = rich_text(grid, color=True, width=columns)
    table = PlainTable(grid)
    if table.fits_in(columns):
        assert styled_characters(drawn) == styled_characters(rich)
    elif columns < table.narrowest():
        assert drawn == table.text(color=True)  # too narrow to wrap well: whole rows, folded by the terminal
    else:
        assert drawn == rich


def test_a_title_longer_than_its_table_stays_on_one_line() -> None:
    grid = Grid("a title much longer than the table under it", (Column("n", numeric=True),), (Row((1,)),))
    assert plain(grid).split("\n")[:2] == ["a title much longer than the table under it", "┏━━━┓"]


def test_a_line_break_makes_a_taller_row_and_other_unprintables_are_escaped() -> None:
    grid = Grid("t", (Column("layer"), Column("n", numeric=True)), (Row(("a\tb\nc", 7)),))
    assert plain(grid).split("\n")[3:6] == ["┡━━━━━━━╇━━━┩", "│ a\\tb  │ 7 │", "│ c     │   │"]


def test_widths_count_terminal_columns() -> None:
    assert cell_width("conv 3×3") == 8
    assert cell_width("宽字") == 4
    assert cell_width("e\u0301") == 1  # e and a combining acute accent: one column


def test_a_table_too_wide_for_the_window_is_wrapped_by_rich_to_fit() -> None:
    grid = Grid("t", (Column("layer"), Column("n", numeric=True)), (Row(("a long layer name " * 4, 7)),))
    assert not PlainTable(grid).fits_in(40)
    drawn = render_grid(grid, OutputFormat.TABLE, Terminal(color=False, width=40))
    assert max(cell_width(line) for line in drawn.split("\n")) <= 40
    assert "│ a long layer name a long" in drawn


def test_a_narrow_window_folds_cells_and_hides_no_character() -> None:
    """Rich's default would cut `112×112×64` to `112×11…`: a calculator must not hide a figure."""
    columns = (Column("#"), Column("layer"), Column("output"), *(Column(name, numeric=True) for name in "abcd"))
    grid = Grid("t", columns, (Row(("1", "stem: conv 7×7", "112×112×64", 9408, 0, 9408, 118_013_952)),))
    drawn = render_grid(grid, OutputFormat.TABLE, Terminal(color=False, width=60))
    assert "…" not in drawn
    assert "112×112" in drawn and "×64" in drawn and "118,013,952" in drawn


def test_a_window_too_narrow_to_wrap_well_gets_whole_rows() -> None:
    """Rich would squeeze the text columns to nothing to keep the counts whole."""
    columns = (Column("#"), Column("layer"), *(Column(name, numeric=True) for name in "abcd"))
    grid = Grid("t", columns, (Row(("1", "conv 3×3, 2 filters", 118_013_952, 9408, 9408, 118_013_952)),))
    table = PlainTable(grid)
    assert table.narrowest() > 40
    assert render_grid(grid, OutputFormat.TABLE, Terminal(color=False, width=40)) == table.text()
