"""`archcalc report`: one self-contained HTML page about one or more specs.

Each spec's architecture is a hierarchy of <details> (blocks and repeats folded, each line with its
output shape, parameters and MACs), then its chart; several specs get the comparison's table and
chart first. The page fetches nothing and runs no script (its Content-Security-Policy forbids both):
styles and SVG are inline, light and dark themes come from `prefers-color-scheme`, and folding opens
with the browser's own <details>. A page of 100,000 layers stays a page: identical layers in a row
are one line (the analysis's runs), and a long list of lines is folded a hundred at a time.

Every text from a spec goes through `printable` and `html.escape` (a layer named `<script>` is text),
and every line of the page starts with markup, never with a name (no line starts with `::`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from archcalc.counting import Counting
from archcalc.printable import printable
from archcalc.render.compare import compare_grid
from archcalc.render.grid import Grid, row_texts
from archcalc.render.layer_text import label
from archcalc.render.options import ShowOptions
from archcalc.render.pictures import compare_svg, show_svg
from archcalc.render.show import show_grid
from archcalc.render.spec_names import SpecNames
from archcalc.text import exact, shape
from archcalc.values import replace

if TYPE_CHECKING:
    from archcalc.engine.analysis import Analysis, Run
    from archcalc.engine.comparison import Comparison

FOLD = 100
"""The most lines a level of the hierarchy lists at once; past it, they are folded in hundreds."""

LONGEST_LAYER_COLUMN = 72
"""The layer column is as wide as its longest line up to this; a longer line pushes its figures right."""

STYLE = """
:root { color-scheme: light dark; --ink: #1d232b; --paper: #ffffff; --muted: #5d6975; --rule: #d6dbe1; --band: #f2f4f7; --accent: #2f6fb3; }
@media (prefers-color-scheme: dark) {
  :root { --ink: #e4e8ed; --paper: #14181d; --muted: #9aa6b2; --rule: #39414b; --band: #1d232b; --accent: #79aef0; }
  figure.chart { background: #ffffff; }
}
body { font: 15px/1.45 system-ui, sans-serif; color: var(--ink); background: var(--paper); margin: 2rem auto; max-width: 78rem; padding: 0 1rem; }
section { content-visibility: auto; contain-intrinsic-size: auto 1500px; }  /* a section off screen is not drawn until scrolled to */
h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; border-top: 1px solid var(--rule); padding-top: 1rem; margin-top: 2.5rem; }
p.totals, p.note { color: var(--muted); margin: 0.2rem 0; }
table { border-collapse: collapse; margin: 1rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
figure.chart { margin: 1rem 0; overflow-x: auto; border-radius: 4px; width: fit-content; max-width: 100%; }
figure.chart svg { max-width: 100%; height: auto; }
.tree { margin: 1rem 0; overflow-x: auto; font: 13px/1.5 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.tree pre, .tree code { font: inherit; margin: 0; white-space: pre; }
.tree pre.head { font-weight: 600; border-bottom: 1px solid var(--rule); }
.tree pre.head:last-child { border-top: 1px solid var(--rule); border-bottom: 0; }
.tree summary { cursor: pointer; list-style: none; }
.tree summary::-webkit-details-marker { display: none; }
.tree summary::before { content: "▸"; display: inline-block; width: 2ch; color: var(--accent); }
.tree details[open] > summary::before { content: "▾"; }
.tree summary:hover { background: var(--band); }
.tree .fold > summary { color: var(--muted); font-style: italic; }
"""


def report_html(analyses: Sequence[Analysis], compared: Comparison | None, counting: Counting = Counting.MACS) -> str:
    """The page: the comparison (for several specs), then each spec's hierarchy and chart. Specs
    that share a name are told apart by their files."""
    named = SpecNames(analysis.report for analysis in analyses)
    names = ", ".join(printable(named(analysis.report)) for analysis in analyses)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_escaped(f'archcalc report: {names}')}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{_escaped(f'archcalc report: {names}' if len(names) < 120 else f'archcalc report: {len(analyses)} specs')}</h1>",
    ]
    if compared is not None:
        parts.append('<section id="comparison">')
        parts.append("<h2>Compared</h2>")
        parts.append(grid_table(compare_grid(compared, counting)))
        parts.append(_chart(compare_svg(compared, counting, salt="archcalc-comparison")))
        parts.append("</section>")
    for index, analysis in enumerate(analyses):
        report = analysis.report
        options = ShowOptions(depth=0, counting=counting)
        grid = show_grid(replace(analysis, layers=()), options)  # its title and notes: the tree below lists the layers
        parts.append(f'<section id="spec-{index + 1}">')
        parts.append(f"<h2>{_escaped(named(report))}</h2>")
        parts.append(f'<p class="totals">{_escaped(grid.title)}</p>')
        parts.extend(f'<p class="note">{_escaped(note)}</p>' for note in grid.notes)
        parts.extend(_tree(analysis, counting))
        parts.append(_chart(show_svg(analysis, options, salt=f"archcalc-{index + 1}")))
        parts.append("</section>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _escaped(text: str) -> str:
    return html.escape(printable(text), quote=True)


def grid_table(grid: Grid) -> str:
    """A grid as an HTML table: its title the caption, its notes under it."""
    lines = ["<table>", f"<caption>{_escaped(grid.title)}</caption>", "<thead><tr>"]
    lines += [f"<th{' class=n' if column.numeric else ''}>{_escaped(column.title)}</th>" for column in grid.columns]
    lines.append("</tr></thead><tbody>")
    for row in (*grid.rows, *([grid.total] if grid.total is not None else [])):
        cells = "".join(f"<td{' class=n' if column.numeric else ''}>{_escaped(text)}</td>" for column, text in zip(grid.columns, row_texts(row), strict=True))
        lines.append(f"<tr>{cells}</tr>")
    lines.append("</tbody></table>")
    lines += [f'<p class="note">{_escaped(note)}</p>' for note in grid.notes]
    return "\n".join(lines)


def _chart(svg: str) -> str:
    """An SVG from matplotlib made fit to sit in a page: without its XML prolog and metadata, and
    without its group ids (figure_1, axes_1...), which would repeat from chart to chart. The ids
    a chart refers to (clip paths, markers) differ already: each chart has its own salt. A name in
    the chart is escaped text, never `<g`, so the substitution finds only matplotlib's tags."""
    body = svg[svg.index("<svg") :]
    body = re.sub(r"\s*<metadata>.*?</metadata>", "", body, count=1, flags=re.DOTALL)
    body = re.sub(r'<g id="[^"<>]*"', "<g", body)
    return f'<figure class="chart">\n{body.strip()}\n</figure>'


class _Line:
    """One line of the tree: its cells (layer, output, params, MACs), how deep it sits, and the lines
    folded inside it (a block's layers, or a hundred lines of a long level)."""

    __slots__ = ("cells", "depth", "inside")

    def __init__(self, cells: tuple[str, str, str, str], depth: int, inside: list[_Line] | None = None) -> None:
        self.cells = cells
        self.depth = depth
        self.inside = inside


def _tree(analysis: Analysis, counting: Counting) -> Iterator[str]:
    """The hierarchy as lines of text in columns, in <pre> blocks and <details>: one element for a
    stretch of layers rather than one per cell, so a page of 100,000 lines opens in a second."""
    report = analysis.report
    if analysis.runs is None:
        raise ValueError("the report's tree lists the analysis's runs: ask for Request(folded=True)")
    lines = _level(analysis.runs, counting, 0)
    head = _Line(("layer", "output", "params", counting.heading), 0)
    total = _Line(("total", shape(report.output_shape), exact(report.total.params), exact(counting.of(report.total.macs))), 0)
    widths = [0, 0, 0, 0]
    for line in _every(lines, head, total):
        for index, cell in enumerate(line.cells):
            widths[index] = max(widths[index], len(cell) + (2 * line.depth if index == 0 else 0))
    widths[0] = min(widths[0], LONGEST_LAYER_COLUMN)
    yield '<div class="tree">'
    yield f'<pre class="head">{_line_text(head, widths)}</pre>'
    yield from _block(lines, widths)
    yield f'<pre class="head">{_line_text(total, widths)}</pre>'
    yield "</div>"


def _every(lines: Sequence[_Line], *more: _Line) -> Iterator[_Line]:
    for line in (*lines, *more):
        yield line
        if line.inside:
            yield from _every(line.inside)


def _line_text(line: _Line, widths: Sequence[int]) -> str:
    """The line padded into its columns (two spaces where a block's ▸ stands), escaped."""
    layer, output, params, macs = line.cells
    text = f"{'  ' * line.depth}{layer}".ljust(widths[0])
    return _escaped(f"{text}  {output.rjust(widths[1])}  {params.rjust(widths[2])}  {macs.rjust(widths[3])}".rstrip())


def _block(lines: Sequence[_Line], widths: Sequence[int]) -> Iterator[str]:
    """Lines with nothing inside go into one <pre> a stretch; a line with lines inside is a folded <details>."""
    plain: list[str] = []
    for line in lines:
        if line.inside is None:
            plain.append("  " + _line_text(line, widths))
            continue
        if plain:
            yield "<pre>" + "\n".join(plain) + "</pre>"
            plain = []
        fold = ' class="fold"' if not line.cells[1] else ""
        yield f"<details{fold}><summary><code>{_line_text(line, widths)}</code></summary>"
        yield from _block(line.inside, widths)
        yield "</details>"
    if plain:
        yield "<pre>" + "\n".join(plain) + "</pre>"


def _level(folded: Sequence[Run], counting: Counting, depth: int) -> list[_Line]:
    """One level of the hierarchy: identical layers in a row one line (the analysis's runs), and the
    lines folded by the hundred (and hundreds of those by the hundred again) past a hundred."""
    return _folded([_node(run, counting, depth) for run in folded], folded, depth)


def _folded(lines: list[_Line], folded_runs: Sequence[Run], depth: int) -> list[_Line]:
    if len(lines) <= FOLD:
        return lines
    size = FOLD
    while len(lines) > size * FOLD:
        size *= FOLD
    parts = []
    for start in range(0, len(lines), size):
        part = folded_runs[start : start + size]
        first, last = part[0].first.result.layer.position, part[-1].last.result.layer.position
        summary = f"layers #{first} to #{last}: {len(part):,} lines"
        parts.append(_Line((summary, "", "", ""), depth, _folded(lines[start : start + size], part, depth)))
    return parts


def _node(run: Run, counting: Counting, depth: int) -> _Line:
    first = run.first
    result = first.result
    where = result.layer.position if run.count == 1 else f"{result.layer.position}–{run.last.result.layer.position}"
    text = f"#{where} {label(result, first.occurrences)}" + (f" ×{run.count:,} in a row" if run.count > 1 else "")
    cells = (printable(text), shape(result.output_shape), exact(run.cost.params), exact(counting.of(run.cost.macs)))
    inside = _level(run.inside, counting, depth + 1) if run.inside else None
    return _Line(cells, depth, inside)
