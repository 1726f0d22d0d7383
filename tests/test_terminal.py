"""Tables in a real terminal: drawn by Rich to the window's width (or COLUMNS), never past it."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest

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
