"""Results -> text in the chosen format.

Each command's grid and renderer are imported when that command renders, not before: a CLI that
starts in a shell loop should not pay for Rich when it prints JSON, or for `diff` when it runs `show`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from archcalc.counting import Counting
from archcalc.exhaustive import unreachable
from archcalc.render.formats import ChartFormat, CheckFormat, OutputFormat
from archcalc.render.options import ShowOptions
from archcalc.values import replace, value

if TYPE_CHECKING:
    from archcalc.engine.analysis import Analysis
    from archcalc.engine.budget import CheckRun
    from archcalc.engine.comparison import Comparison
    from archcalc.engine.diff import ReportDiff
    from archcalc.engine.sweep import Sweep
    from archcalc.render.grid import Grid

__all__ = [
    "ChartFormat",
    "CheckFormat",
    "Counting",
    "OutputFormat",
    "ShowOptions",
    "Terminal",
    "render_check",
    "render_compare",
    "render_diff",
    "render_grid",
    "render_layers",
    "render_sharing",
    "render_show",
    "render_sweep",
]


@value
class Terminal:
    """What a table may use: colour, a width (None: as wide as the table needs, for pipes), and the
    encoding of standard output (one that cannot write box characters gets ASCII boxes)."""

    color: bool = False
    width: int | None = None
    encoding: str = "utf-8"
    wide: bool = False  # keep every column even where the window is too narrow for them


def render_grid(grid: Grid, output_format: OutputFormat, terminal: Terminal) -> str:
    """A grid in a tabular format. JSON is not a grid format: each command builds its own document."""
    match output_format:
        case OutputFormat.TABLE:
            from archcalc.render.rich_table import rich_text  # lazy: only the format asked for is loaded (the JSON path never loads rich)

            return rich_text(grid, terminal)
        case OutputFormat.MARKDOWN:
            from archcalc.render.markdown import markdown_text  # lazy: only the format asked for is loaded (the JSON path never loads rich)

            return markdown_text(grid)
        case OutputFormat.CSV:
            from archcalc.render.csv_format import csv_text  # lazy: only the format asked for is loaded (the JSON path never loads rich)

            return csv_text(grid)
        case OutputFormat.TERMINAL_SVG:
            from archcalc.render.rich_table import terminal_svg  # lazy: only the format asked for is loaded (the JSON path never loads rich)

            return terminal_svg(grid)
        case OutputFormat.JSON:
            raise ValueError("JSON is rendered from results, not grids")
        case _:
            unreachable(output_format)


def render_show(analysis: Analysis, output_format: OutputFormat | ChartFormat, terminal: Terminal, options: ShowOptions) -> str:
    if output_format is ChartFormat.SVG:
        from archcalc.render.pictures import show_svg  # lazy: matplotlib is the plot extra, loaded only for a picture

        return show_svg(analysis, options)
    output_format = OutputFormat(output_format.value)
    if output_format is OutputFormat.JSON:
        from archcalc.render.json_format import dumps, report_json  # lazy: only the format asked for is loaded (the JSON path never loads rich)

        return dumps(report_json(analysis, options.explain, options.counting))
    from archcalc.render.show import show_grid  # lazy: only the format asked for is loaded (the JSON path never loads rich)

    grid = show_grid(analysis, options if output_format in (OutputFormat.TABLE, OutputFormat.MARKDOWN) else replace(options, fold=False))  # CSV: every row
    return render_grid(grid, output_format, terminal)


def render_compare(compared: Comparison, output_format: OutputFormat | ChartFormat, terminal: Terminal, counting: Counting = Counting.MACS) -> str:
    if output_format is ChartFormat.SVG:
        from archcalc.render.pictures import compare_svg  # lazy: matplotlib is the plot extra, loaded only for a picture

        return compare_svg(compared, counting)
    output_format = OutputFormat(output_format.value)
    if output_format is OutputFormat.JSON:
        from archcalc.render.json_format import compare_json, dumps  # lazy: only the format asked for is loaded (the JSON path never loads rich)

        return dumps(compare_json(compared, counting))
    from archcalc.render.compare import compare_grid  # lazy: only the format asked for is loaded (the JSON path never loads rich)

    return render_grid(compare_grid(compared, counting), output_format, terminal)


def render_check(run: CheckRun, output_format: CheckFormat, terminal: Terminal) -> str:
    """The budgets of each spec, and a spec held to its model file (check --against) as one more check."""
    match output_format:
        case CheckFormat.JSON:
            from archcalc.render.json_format import check_json, dumps  # lazy: only the format asked for is loaded (the JSON path never loads rich)

            return dumps(check_json(run))
        case CheckFormat.GITHUB:
            from archcalc.render.github import github_text  # lazy: only the format asked for is loaded (the JSON path never loads rich)

            return github_text(run)
        case CheckFormat.TABLE | CheckFormat.CSV | CheckFormat.MARKDOWN:
            from archcalc.render.check import check_grid  # lazy: only the format asked for is loaded (the JSON path never loads rich)

            return render_grid(check_grid(run), OutputFormat(output_format.value), terminal)
        case _:
            unreachable(output_format)


def render_diff(difference: ReportDiff, output_format: OutputFormat, terminal: Terminal, show_all: bool, counting: Counting = Counting.MACS) -> str:
    if output_format is OutputFormat.JSON:
        from archcalc.render.json_format import diff_json, dumps  # lazy: only the format asked for is loaded (the JSON path never loads rich)

        return dumps(diff_json(difference, counting))
    if output_format is OutputFormat.CSV:
        from archcalc.render.csv_format import csv_text  # lazy: only the format asked for is loaded (the JSON path never loads rich)
        from archcalc.render.diff import diff_records

        return csv_text(diff_records(difference, show_all, counting))
    from archcalc.render.diff import diff_grid  # lazy: only the format asked for is loaded (the JSON path never loads rich)

    return render_grid(diff_grid(difference, show_all, counting), output_format, terminal)


def render_sweep(
    sweeps: Sequence[Sweep], output_format: OutputFormat | ChartFormat, terminal: Terminal, chart: str | None, counting: Counting = Counting.MACS
) -> str:
    """The table, and under it (for a terminal table) a log-log chart of `chart`: params or macs;
    or, as SVG, both charts drawn."""
    if output_format is ChartFormat.SVG:
        from archcalc.render.pictures import sweep_svg  # lazy: matplotlib is the plot extra, loaded only for a picture

        return sweep_svg(sweeps, counting)
    output_format = OutputFormat(output_format.value)
    if output_format is OutputFormat.JSON:
        from archcalc.render.json_format import dumps, sweep_json  # lazy: only the format asked for is loaded (the JSON path never loads rich)

        return dumps(sweep_json(sweeps, counting))
    if output_format is OutputFormat.CSV:
        from archcalc.render.csv_format import csv_text  # lazy: only the format asked for is loaded (the JSON path never loads rich)
        from archcalc.render.sweep import sweep_records

        return csv_text(sweep_records(sweeps, counting))
    from archcalc.render.sweep import sweep_axis, sweep_grid  # lazy: only the format asked for is loaded (the JSON path never loads rich)

    text = render_grid(sweep_grid(sweeps, counting), output_format, terminal)
    if output_format is OutputFormat.TABLE and chart is not None:
        from archcalc.render.chart import Series, log_chart  # lazy: only the format asked for is loaded (the JSON path never loads rich)

        points = [(result.spec.name, result.values(chart)) for result in sweeps]
        if chart == "macs":
            points = [(name, tuple((size, counting.of(value)) for size, value in values)) for name, values in points]
        series = [Series(name, tuple((size, value) for size, value in values if value > 0)) for name, values in points]
        axis = "input side" if sweep_axis(sweeps) == "side" else "sequence length"
        text += "\n" + log_chart(series, f"{'parameters' if chart == 'params' else counting.heading} (log scale)", axis_label=axis)
    return text


def render_layers(output_format: OutputFormat, terminal: Terminal) -> str:
    """Every layer kind: how it is written, its arguments, what it counts."""
    if output_format is OutputFormat.JSON:
        from archcalc.render.json_format import dumps  # lazy: only the format asked for is loaded (the JSON path never loads rich)
        from archcalc.render.layer_kinds import layer_kinds_json

        return dumps(layer_kinds_json())
    from archcalc.render.layer_kinds import layer_kinds_grid  # lazy: only the format asked for is loaded (the JSON path never loads rich)

    return render_grid(layer_kinds_grid(), output_format, terminal)


def render_sharing(analysis: Analysis, output_format: OutputFormat, terminal: Terminal) -> str:
    if output_format is OutputFormat.JSON:
        from archcalc.render.json_format import dumps, sharing_json  # lazy: only the format asked for is loaded (the JSON path never loads rich)

        return dumps(sharing_json(analysis))
    from archcalc.render.sharing import sharing_grid  # lazy: only the format asked for is loaded (the JSON path never loads rich)

    return render_grid(sharing_grid(analysis), output_format, terminal)
