"""A text chart on log-log axes, so growth with input size can be seen in a terminal.

On log-log axes a power law is a straight line whose slope is its exponent: an ANN's first layer
(side²) climbs, a conv layer (side⁰) lies flat.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from archcalc.text import short
from archcalc.values import value

MARKERS = "●■▲◆▼★"
MEETING = "◎"
"""Drawn where two series fall in one cell; the legend says so when it is drawn."""


@value
class Series:
    """One line of a chart: a name and its (size, value) points."""

    name: str
    points: tuple[tuple[int, int], ...]  # (size, value), values > 0


def log_chart(series: Sequence[Series], title: str, width: int = 56, height: int = 12, axis_label: str = "input side") -> str:
    """Each series drawn with its own marker; '◎' where two series meet in one cell. The axis's
    name has a line of its own under the sizes, so a chart is never wider than its plot and margin."""
    drawn = [s for s in series if s.points]
    sizes = sorted({size for s in drawn for size, _ in s.points})
    values = [value for s in drawn for _, value in s.points]
    if not sizes or not values:
        return ""
    low_x, high_x = math.log(sizes[0]), math.log(sizes[-1])
    low_y, high_y = math.log(min(values)), math.log(max(values))

    def column(size: int) -> int:
        return 0 if high_x == low_x else round((math.log(size) - low_x) / (high_x - low_x) * (width - 1))

    def row(value: int) -> int:
        return height // 2 if high_y == low_y else round((math.log(value) - low_y) / (high_y - low_y) * (height - 1))

    grid = [[" "] * width for _ in range(height)]
    for index, s in enumerate(drawn):
        marker = MARKERS[index % len(MARKERS)]
        for size, figure in s.points:
            cell = grid[row(figure)][column(size)]
            grid[row(figure)][column(size)] = marker if cell in (" ", marker) else MEETING

    if high_y == low_y:  # every value the same: one level, labelled once, on the row the points are on
        labels = {height // 2: short(max(values))}
    else:
        labels = {height - 1: short(max(values)), 0: short(min(values))}
    if height > 4 and high_y != low_y and high_y < 700:  # math.exp overflows past e^709
        labels[(height - 1) // 2] = short(round(math.exp(low_y + (high_y - low_y) * ((height - 1) // 2) / (height - 1))))
    margin = max(len(label) for label in labels.values())
    lines = [title]
    for number in range(height - 1, -1, -1):
        label = labels.get(number, "")
        lines.append(f"{label:>{margin}} {'┤' if label else '│'}{''.join(grid[number]).rstrip()}")
    axis = [" "] * width
    ticks = [" "] * (width + 8)
    for size in sizes:
        place = column(size)
        axis[place] = "┬"
        text = str(size)
        if all(character == " " for character in ticks[place : place + len(text) + 1]):
            ticks[place : place + len(text)] = list(text)
    lines.append(f"{'':>{margin}} └{''.join(axis)}")
    lines.append(f"{'':>{margin}}  {''.join(ticks).rstrip()}")
    lines.append(f"{'':>{margin}}  {axis_label} (log scale)")
    keys = [f"{MARKERS[index % len(MARKERS)]} {s.name}" for index, s in enumerate(drawn)]
    if any(MEETING in cells for cells in grid):
        keys.append(f"{MEETING} two or more in one place")
    lines.append(f"{'':>{margin}}  {'   '.join(keys)}")
    return "\n".join(lines) + "\n"
