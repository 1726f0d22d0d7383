"""`archcalc report`: one self-contained HTML page about one or more specs."""

from typing import Annotated

import typer

from archcalc.commands.shared import SPEC_HELP, CountOption, InputOption, UntieOption, analyze_all, check_output_file, guarded, number_format, write_output
from archcalc.formats import ReadOptions
from archcalc.model import DType
from archcalc.render import Counting


def report(
    specs: Annotated[
        list[str], typer.Argument(help="Specs to report on, the first the baseline of the comparison. " + SPEC_HELP, show_default=False, metavar="SPEC...")
    ],
    dtype: Annotated[
        DType | None,
        typer.Option(
            "--dtype",
            help="Number format for memory (default: each spec's, a model config's torch_dtype, else float32).",
            show_default=False,
            **number_format(DType),
        ),
    ] = None,
    count: CountOption = Counting.MACS,
    untie: UntieOption = False,
    input_name: InputOption = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the page to this file (created whole; '-': standard output, as with no -o).", show_default=False)
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --output file if it exists (only a regular file, never through a link).")] = False,
) -> None:
    """Write one HTML page about the specs: layers, tables and charts.

    Each layer shows its output shape, parameters and MACs; blocks and repeats open on a click.
    Several specs are compared first, each against the first. The page is one file that fetches
    nothing and runs no script, in the reader's light or dark theme.

    It needs the plot extra (matplotlib) for its charts: without it, report writes nothing and
    exits 2 (in archcalc's checkout, pip install '.[plot]').

    Example: archcalc report 'archspecs/zoo/torchvision/*.yaml' -o zoo.html
    """
    from archcalc.engine.analysis import Request, analysis_of  # lazy: only this command loads it
    from archcalc.engine.comparison import comparison  # lazy: only this command loads it
    from archcalc.render.html_report import report_html  # lazy: only this command loads it

    check_output_file(output, force)  # before any work: a page is never computed to be thrown away
    reports = analyze_all(specs, ReadOptions(untie, input_name))
    analyses = [analysis_of(report, Request(memory=dtype or report.spec.memory_dtype, folded=True)) for report in reports]
    compared = comparison(reports) if len(reports) > 1 else None
    write_output(output, guarded(lambda: report_html(analyses, compared, count)), force)
