"""Charts as SVG, drawn by matplotlib (the `plot` extra): where the parameters sit in one network,
several networks side by side, how figures grow with the input, what fills a GPU's memory in a
training step, and a serving roofline. The only module that imports
matplotlib, and only when a picture is asked for, so tables and JSON never pay for it.

The figures are the analysis's; the geometry (bars, axes, where a label goes) is this module's.
The SVG is the same bytes on every run with the same matplotlib (no date, ids from a fixed salt) and
keeps its text as `<text>` elements, so the figures can be read, searched and tested in it. Names
from a spec go through `printable` and matplotlib's XML escaping: `<script>` stays text, and no
line of the file starts with what a name holds.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from archcalc.counting import Counting
from archcalc.errors import ArchcalcError
from archcalc.printable import printable
from archcalc.render.formats import counting_note
from archcalc.render.layer_text import label as layer_label
from archcalc.render.options import DEFAULT_SHOW, ShowOptions
from archcalc.render.spec_names import SpecNames
from archcalc.text import exact, exact_and_short, fewer_or_more, plural, shape, short

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from archcalc.engine.analysis import Analysis, Run
    from archcalc.engine.comparison import Comparison
    from archcalc.engine.serving_values import Serving
    from archcalc.engine.sweep import Sweep

SALT = "archcalc"
"""matplotlib's `svg.hashsalt`: clip-path and marker ids from it, not from a random one each run.
A page holding several charts gives each its own salt, so their ids differ."""

LOG_SPAN = 100
"""Bars span orders of magnitude when the largest is this many times the smallest above 0: then
their axis is logarithmic, or the small ones would not be seen at all."""

MOST_ROWS = 100
"""The most layer rows a chart draws (after identical layers in a row are folded into one); the
rest are counted in a line under the chart."""

LONGEST_LABEL = 48
COLOURS = ("#4878a8", "#e0803c", "#5a9e5a", "#c04848", "#8c6bb1", "#8c613c", "#d37295", "#7f7f7f", "#b5b83c", "#3cb5c4")
BLOCK_SHADE = "#00000012"
GROUPED = 6
"""Up to this many specs, a comparison is grouped bars; more are a row each, as a table is."""


PLOT_EXTRA = "pip install 'matplotlib>=3.8' (in archcalc's checkout, pip install '.[plot]' installs it); the table, JSON, CSV and Markdown need nothing more"
"""archcalc is installed from its checkout, not from the package index: `pip install 'archcalc[plot]'` would fail."""


def _matplotlib() -> tuple[Any, type[Figure]]:
    """matplotlib and its Figure (no pyplot: no global state, no window backend), or a located
    error naming the extra that installs it."""
    try:
        import matplotlib  # lazy: matplotlib is the plot extra
        from matplotlib.figure import Figure  # lazy: matplotlib is the plot extra
    except ImportError:
        raise ArchcalcError("drawing SVG needs matplotlib, which archcalc's `plot` extra installs", hint=PLOT_EXTRA) from None
    return matplotlib, Figure


def rendered(draw: Callable[[Figure], None], size: tuple[float, float], salt: str = SALT, margins: tuple[float, float, float, float] | None = None) -> str:
    """A figure of `size` inches drawn by `draw`, as SVG text. `margins` (left, right, top, bottom,
    in inches) place the axes at once; without them matplotlib's constrained layout fits them, which
    measures every label and costs a chart of many bars as much again as drawing it."""
    matplotlib, figure_class = _matplotlib()
    settings = {
        "svg.hashsalt": salt,
        "svg.fonttype": "none",  # text stays <text>, readable and searchable, not glyph paths
        "font.size": 9,
        "font.family": "DejaVu Sans",  # shipped with matplotlib: the same layout on every machine
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlelocation": "left",
        "axes.titlesize": 10,
    }
    with matplotlib.rc_context(settings), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # matplotlib's advice on layout is not the reader's business: stderr says only what went wrong
        figure = figure_class(figsize=size, layout=None if margins else "constrained")
        if margins:
            (left, right, top, bottom), (width, height) = margins, size
            figure.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height, wspace=0.12)
        draw(figure)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def text_of(name: str) -> str:
    """A name as a chart writes it: every unsafe character escaped, a long one shortened, and each
    `$` escaped for matplotlib, which would read `$...$` as mathematics (the SVG says `$`)."""
    written = printable(name)
    if len(written) > LONGEST_LABEL:
        written = written[: LONGEST_LABEL - 1] + "…"
    return written.replace("$", "\\$")


def _title(text: str) -> str:
    """A title as a chart writes it: whole (its names shortened by their caller), escaped as a name is."""
    return printable(text).replace("$", "\\$")


def _count_axis(axes: Axes, which: str, logarithmic: bool) -> None:
    """An axis of counts: ticks at whole numbers (at powers of ten when logarithmic), written as
    archcalc writes counts (1K, 15.1M), without matplotlib's mathematical notation."""
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator  # lazy: matplotlib is the plot extra

    axis = axes.xaxis if which == "x" else axes.yaxis
    if logarithmic:
        (axes.set_xscale if which == "x" else axes.set_yscale)("log")
        axis.set_major_locator(LogLocator(base=10))
        axis.set_minor_locator(NullLocator())  # minor ticks would cost a third of the drawing, and say little
    else:
        axis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    axis.set_major_formatter(FuncFormatter(lambda tick, _: short(round(tick)).replace(".0", "") if tick >= 1 or tick == 0 else f"{tick:g}"))


def _spans_orders(values: Sequence[int]) -> bool:
    positive = [value for value in values if value > 0]
    return bool(positive) and max(positive) >= LOG_SPAN * min(positive)


# show


class _LayerRow:
    """One bar of the layer chart: a layer, or a run of identical layers, at a depth in its blocks."""

    def __init__(self, run: Run, depth: int, block: int) -> None:
        self.run = run
        self.depth = depth
        self.block = block  # which top-level layer it belongs to: blocks are shaded by it

    @property
    def text(self) -> str:
        first, last, count = self.run.first, self.run.last, self.run.count
        where = f"#{first.result.layer.position}" if count == 1 else f"#{first.result.layer.position}–{last.result.layer.position}"
        times = f" ×{count:,} in a row" if count > 1 else ""
        return "   " * self.depth + text_of(f"{where} {layer_label(first.result, first.occurrences)}") + times


def _layer_rows(folded: Sequence[Run], depth: int, most_depth: int, block: int | None) -> Iterator[_LayerRow]:
    for index, run in enumerate(folded):
        here = index if block is None else block
        yield _LayerRow(run, depth, here)
        if run.inside and depth < most_depth:
            yield from _layer_rows(run.inside, depth + 1, most_depth, here)


def show_svg(analysis: Analysis, options: ShowOptions = DEFAULT_SHOW, salt: str = SALT) -> str:
    """Per-layer bars of parameters, MACs (or FLOPs) and the bytes of each layer's output (with
    memory in the analysis), blocks shaded, down to `options.depth` inside blocks; identical layers
    in a row are one bar, their parameters and MACs summed (the analysis's runs: ask for them with
    Request(folded=True))."""
    report, counting, memory = analysis.report, options.counting, analysis.memory
    if analysis.runs is None:
        raise ValueError("a layer chart draws the analysis's runs: ask for Request(folded=True)")
    rows = list(_layer_rows(analysis.runs, 0, options.depth, None))
    left_out = len(rows) - MOST_ROWS
    rows = rows[:MOST_ROWS]
    panels: list[tuple[str, list[int]]] = [
        ("parameters", [row.run.cost.params for row in rows]),
        (counting.heading, [counting.of(row.run.cost.macs) for row in rows]),
    ]
    if memory is not None:
        at_batch = f", batch {memory.batch:,}" if memory.batch > 1 else ""
        panels.append((f"output bytes ({memory.dtype.value}, one layer{at_batch})", [row.run.first.output_bytes or 0 for row in rows]))
    total = report.total
    title = f"{text_of(report.name)} · input {shape(report.input_shape)} → output {shape(report.output_shape)}"
    subtitle = (
        f"params {exact_and_short(total.params)} = weights {exact_and_short(total.weights)} + biases {exact_and_short(total.biases)}"
        f" · {counting_note(counting, total.macs)}"
    )

    notes = [f"and {left_out:,} rows more: `archcalc show` lists every one (--depth 0 lists the top level only)"] if left_out > 0 else []
    bands = _block_bands(rows)
    return _row_panels([row.text for row in rows], [(heading, values, None) for heading, values in panels], f"{title}\n{subtitle}", bands, notes, salt)


Panel = tuple[str, list[int], list[str] | None]
"""A column of bars: its heading, a figure a row, and what to write after each figure (or None)."""


def _row_panels(labels: Sequence[str], panels: Sequence[Panel], title: str, bands: Sequence[tuple[int, int]], notes: Sequence[str], salt: str) -> str:
    """Rows of horizontal bars, a panel per figure side by side, each bar with its exact figure;
    a panel whose figures span orders of magnitude on a log scale; `bands` (first and last row)
    shaded behind, to show which rows are one block."""

    def draw(figure: Figure) -> None:
        axes = figure.subplots(1, len(panels), sharey=True, squeeze=False)[0]
        positions = list(range(len(labels)))
        for column, (axis, (heading, values, after)) in enumerate(zip(axes, panels, strict=True)):
            for first, last in bands:
                axis.axhspan(first - 0.5, last + 0.5, color=BLOCK_SHADE, linewidth=0)
            axis.barh(positions, values, color=COLOURS[column % len(COLOURS)], height=0.7)
            _value_labels(axis, positions, values, after)
            axis.set_title(heading)
            logarithmic = _spans_orders(values)
            _count_axis(axis, "x", logarithmic)
            if logarithmic:
                axis.set_xlabel("log scale")
            axis.tick_params(axis="y", length=0)
            if labels:
                axis.set_ylim(len(labels) - 0.5, -0.5)
            axis.margins(x=0.3 if after else 0.25)  # room inside for the longest bar's figure
        axes[0].set_yticks(positions, list(labels))
        figure.suptitle(title, x=0.01, y=0.99, ha="left", va="top", fontsize=10)
        if notes:
            figure.supxlabel("\n".join(notes), fontsize=8)

    longest = max((len(text) for text in labels), default=0)
    below = 0.25 * len(notes)
    size = (13.0, 1.5 + 0.24 * max(len(labels), 2) + below)
    margins = (0.25 + 0.068 * longest, 0.15, 0.75, 0.55 + below)
    return rendered(draw, size, salt, margins)


def _block_bands(rows: Sequence[_LayerRow]) -> list[tuple[int, int]]:
    """The first and last row of each top-level layer that has rows inside it."""
    bands = []
    start = 0
    for index in range(1, len(rows) + 1):
        if index < len(rows) and rows[index].block == rows[start].block:
            continue
        if index - start > 1:
            bands.append((start, index - 1))
        start = index
    return bands


def _value_labels(axis: Axes, positions: Sequence[int], values: Sequence[int], after: Sequence[str] | None) -> None:
    """Each bar's exact figure at its end (and what follows it); a zero written at the axis, where no bar is."""
    at_axis = axis.get_yaxis_transform()  # x in axes fractions, y in rows
    for index, (position, figure) in enumerate(zip(positions, values, strict=True)):
        text = exact(figure) + (f" · {after[index]}" if after and after[index] else "")
        if figure > 0:
            axis.annotate(text, (figure, position), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
        else:
            axis.text(0.01, position, text, transform=at_axis, va="center", fontsize=7, color="#808080")


# compare


def compare_svg(compared: Comparison, counting: Counting = Counting.MACS, salt: str = SALT) -> str:
    """Grouped bars: parameters, weights and MACs (or FLOPs) of each spec, each bar with its figure
    and its ratio against the first spec. More than six specs get a row each, a panel per figure."""
    groups: list[tuple[str, list[int], list[str]]] = []  # a figure's heading, each spec's figure, and how it compares
    for heading, relatives, counted in (
        ("params", [spec.params for spec in compared.specs], int),
        ("weights", [spec.weights for spec in compared.specs], int),
        (counting.heading, [spec.macs for spec in compared.specs], counting.of),  # in FLOPs, the same ratio
    ):
        groups.append((heading, [counted(relative.figure) for relative in relatives], ["baseline"] + [fewer_or_more(relative) for relative in relatives[1:]]))
    named = SpecNames(spec.report for spec in compared.specs)
    names = [text_of(named(spec.report)) for spec in compared.specs]
    count = len(names)
    if count > GROUPED:
        return _row_panels(names, groups, f"compared with {names[0]}: each spec's figure, and how it compares with the first spec's", [], [], salt)
    logarithmic = _spans_orders([value for _, values, _ in groups for value in values])
    upright = count > 3  # more bars: their labels stand up to fit

    def draw(figure: Figure) -> None:
        axis = figure.subplots()
        width = 0.8 / count
        for index, name in enumerate(names):
            places = [group + (index - (count - 1) / 2) * width for group in range(len(groups))]
            heights = [values[index] for _, values, _ in groups]
            axis.bar(places, heights, width * 0.92, label=name, color=COLOURS[index % len(COLOURS)])
            for place, height, (_, _, against) in zip(places, heights, groups, strict=True):
                text = exact(height) if index == 0 else f"{exact(height)}\n{against[index]}"
                if upright:
                    text = text.replace("\n", " · ")
                axis.annotate(
                    text,
                    (place, height),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=7 if upright else 8,
                    rotation=90 if upright else 0,
                )
        axis.set_xticks(range(len(groups)), [heading for heading, _, _ in groups])
        _count_axis(axis, "y", logarithmic)
        if logarithmic:
            axis.set_ylabel("log scale")
        axis.margins(y=0.35 if upright else 0.15)
        axis.set_title(f"compared with {names[0]}: each bar's figure, and how it compares with the first spec's")
        axis.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)

    return rendered(draw, (max(7.0, 3 + 0.45 * len(groups) * count), 5.0 if not upright else 6.5), salt)


# sweep


def sweep_svg(sweeps: Sequence[Sweep], counting: Counting = Counting.MACS, salt: str = SALT) -> str:
    """Log-log curves of parameters and MACs (or FLOPs) against the input side (or sequence length),
    one line a spec, each with its fitted growth exponent k written at its end."""
    axis_name = "sequence length" if sweeps and all(result.axis == "length" for result in sweeps) else "input side"
    panels: list[tuple[str, str, Callable[[int], int]]] = [("params", "parameters", int), ("macs", counting.heading, counting.of)]

    def draw(figure: Figure) -> None:
        from matplotlib.ticker import NullLocator  # lazy: matplotlib is the plot extra

        axes = figure.subplots(1, 2, squeeze=False)[0]
        for axis, (field, heading, counted) in zip(axes, panels, strict=True):
            for index, result in enumerate(sweeps):
                points = [(size, counted(value)) for size, value in result.values(field) if value > 0]
                if not points:
                    continue
                exponent = result.params_exponent if field == "params" else result.macs_exponent
                colour = COLOURS[index % len(COLOURS)]
                sizes, values = zip(*points, strict=True)
                axis.plot(sizes, values, marker="o", markersize=4, color=colour, label=text_of(result.spec.name))
                if exponent is not None:
                    axis.annotate(f"k = {exponent:.2f}", points[-1], xytext=(4, 0), textcoords="offset points", va="center", fontsize=8, color=colour)
            _count_axis(axis, "y", True)
            axis.set_xscale("log")
            sizes_swept = sorted({point.size for result in sweeps for point in result.points if point.report is not None})
            axis.set_xticks(sizes_swept, [str(size) for size in sizes_swept])
            axis.xaxis.set_minor_locator(NullLocator())
            axis.set_xlabel(f"{axis_name} (log scale)")
            axis.set_title(f"{heading} (log scale)")
            axis.margins(x=0.15)
        if axes[0].get_legend_handles_labels()[0]:
            axes[0].legend(fontsize=8, frameon=False)
        figure.suptitle(f"how parameters and {counting.heading} grow with the {axis_name}: figure ∝ {axis_name.split()[-1]}^k", x=0.01, ha="left", fontsize=10)

    return rendered(draw, (11, 4.5), salt)


# train and serve: each command's figures in, a chart out


def stacked_svg(
    title: str,
    labels: Sequence[str],
    parts: Sequence[tuple[str, Sequence[int]]],
    totals: Sequence[int],
    unit: str,
    limit: tuple[str, int] | None = None,
    reserve: tuple[str, int] | None = None,
    notes: Sequence[str] = (),
    salt: str = SALT,
) -> str:
    """Stacked horizontal bars, a row per label and a segment per part (training memory: weights,
    gradients, optimizer state, activations), each row's total written at its end; with one row the
    legend gives each part's figure too. `limit` (a device's memory) is a dashed line, and `reserve`
    (where the framework's reserve starts, below the limit) shades what the parts may not use. The
    figures are the caller's engine's, totals included; where a segment starts is geometry."""
    single = len(labels) == 1

    def draw(figure: Figure) -> None:
        axis = figure.subplots()
        positions = list(range(len(labels)))
        starts = [0] * len(labels)
        legend: list[tuple[Any, str]] = []  # in the parts' order, then the reserve
        for index, (name, values) in enumerate(parts):
            written = f"{text_of(name)}: {exact(values[0])} {unit}" if single else text_of(name)
            legend.append((axis.barh(positions, values, left=starts, height=0.6, color=COLOURS[index % len(COLOURS)]), written))
            starts = [start + value for start, value in zip(starts, values, strict=True)]  # where the next segment starts: geometry
        for position, total in zip(positions, totals, strict=True):
            axis.annotate(f"{exact(total)} {unit}", (total, position), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
        if limit is not None:  # its label left of the line, clear of the legend
            axis.axvline(limit[1], color="#c04848", linestyle="--", linewidth=1)
            axis.annotate(text_of(limit[0]), (limit[1], -0.5), xytext=(-3, 2), textcoords="offset points", ha="right", color="#c04848", fontsize=8)
        if limit is not None and reserve is not None:
            legend.append((axis.axvspan(reserve[1], limit[1], color="#c0484822", linewidth=0), text_of(reserve[0])))
        axis.set_yticks(positions, [text_of(label) for label in labels])
        axis.set_ylim(len(labels) - 0.5, -0.5 - (0.5 if limit else 0))
        _count_axis(axis, "x", False)
        axis.set_xlabel(unit)
        axis.margins(x=0.2)
        axis.set_title("\n".join(_title(line) for line in [title, *notes]))
        handles, names = zip(*legend, strict=True)
        figure.legend(handles, names, loc="outside lower left", ncols=3, fontsize=8, frameon=False)  # below the bars: the parts' names are long

    rows = 0.45 * max(len(labels), 2) + 0.2 * len(notes) + 0.2 * ((len(parts) + 3) // 3)  # the legend: three parts a line, and the reserve
    return rendered(draw, (11, 1.8 + rows), salt)


def roofline_svg(title: str, groups: Sequence[tuple[str, Sequence[float]]], peak: float, bandwidth: float, ridge: float, salt: str = SALT) -> str:
    """A roofline: the device's bandwidth times the arithmetic intensity up to the ridge point, then
    its peak; each kernel a point on that roof at its intensity (FLOPs a byte moved), as the roofline
    model times it, one colour a group (a prefill, a decode step). Left of the ridge a kernel is
    memory-bound. The figures are the caller's engine's; where a point sits is geometry."""

    def draw(figure: Figure) -> None:
        axis = figure.subplots()
        every = [intensity for _, intensities in groups for intensity in intensities if intensity > 0] or [ridge]
        low, high = min(*every, ridge) / 4, max(*every, ridge) * 4  # the axis spans the points and the ridge
        axis.plot([low, ridge, high], [bandwidth * low, peak, peak], color="#404040", linewidth=1.5, label="the device's roof")  # through its corners
        axis.axvline(ridge, color="#808080", linestyle=":", linewidth=1)
        axis.annotate(f"ridge point {ridge:,.1f} FLOP/byte", (ridge, peak), xytext=(4, 4), textcoords="offset points", fontsize=8)
        for index, (name, intensities) in enumerate(groups):
            placed = [intensity for intensity in intensities if intensity > 0]
            on_roof = [peak if intensity >= ridge else bandwidth * intensity for intensity in placed]  # where the roof is at each point
            axis.plot(placed, on_roof, marker="o", markersize=5, alpha=0.6, color=COLOURS[index % len(COLOURS)], linestyle="none", label=text_of(name))
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("arithmetic intensity (FLOPs a byte moved, log scale)")
        axis.set_ylabel("attainable FLOP/s (log scale)")
        axis.set_title(_title(title))
        axis.legend(fontsize=8, frameon=False, loc="lower right")

    return rendered(draw, (9, 6), salt)


def serve_svg(served: Serving, salt: str = SALT) -> str:
    """`serve --format svg`: the roofline of the first pass (the prefill, or a vision forward pass)
    and of the last decode step, from the serving analysis's kernels, rates and ridge point."""
    passes = [served.first] + ([served.last_step] if served.last_step is not None else [])
    groups = [(f"{step.name}: {plural(len(step.kernels()), 'kernel')}", [kernel.intensity for kernel in step.kernels() if kernel.intensity]) for step in passes]
    title = f"{text_of(served.report.name)} on {text_of(served.device.name)}, batch {served.batch}: each kernel on the roofline"
    return roofline_svg(title, groups, served.rates.peak, served.rates.bandwidth, served.rates.ridge, salt)
