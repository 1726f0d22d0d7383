"""`archcalc compare`: several specs side by side, each against the first."""

import enum
from typing import Annotated

import typer

from archcalc.commands.shared import SPEC_HELP, ChartFormatOption, CountOption, InputOption, UntieOption, WideOption, analyze_all, emit, guarded, terminal
from archcalc.formats import ReadOptions
from archcalc.render import ChartFormat, Counting, render_compare


class SortOrder(str, enum.Enum):
    AS_GIVEN = "given"
    PARAMS = "params"
    MACS = "macs"


def compare(
    specs: Annotated[list[str], typer.Argument(help="Specs to compare, the first as the baseline. " + SPEC_HELP, show_default=False, metavar="SPEC...")],
    output_format: ChartFormatOption = ChartFormat.TABLE,
    count: CountOption = Counting.MACS,
    wide: WideOption = False,
    sort: Annotated[
        SortOrder, typer.Option("--sort", help="Order of the specs: as given, or by params or MACs, smallest first (the first is the baseline).")
    ] = SortOrder.AS_GIVEN,
    untie: UntieOption = False,
    input_name: InputOption = None,
) -> None:
    """Compare the totals of several specs, each against the first.

    How many times fewer (or more) parameters, weights and MACs each has than the first spec; a
    difference under 1.1× is written as a percentage. `--format svg` draws them as grouped bars.

    Example: archcalc compare archspecs/seed/ann.yaml archspecs/seed/cnn.yaml
    """
    reports = analyze_all(specs, ReadOptions(untie, input_name))
    if sort is not SortOrder.AS_GIVEN:
        reports.sort(key=lambda report: report.total.params if sort is SortOrder.PARAMS else report.total.macs)  # stable: ties keep their order
    from archcalc.engine.comparison import comparison  # lazy: only this command loads it

    compared = comparison(reports)
    emit(guarded(lambda: render_compare(compared, output_format, terminal(wide), count)))
