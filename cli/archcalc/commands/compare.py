"""`archcalc compare`: several specs side by side, each against the first."""

import enum
from typing import Annotated

import typer

from archcalc.backward import AttentionPath, Optimizer, Precision
from archcalc.commands.shared import SPEC_HELP, AttentionOption, CountOption, FormatOption, WideOption, analyze_all, emit, guarded, terminal
from archcalc.render import Counting, OutputFormat, render_compare


class SortOrder(str, enum.Enum):
    AS_GIVEN = "given"
    PARAMS = "params"
    MACS = "macs"


def compare(
    specs: Annotated[list[str], typer.Argument(help="Specs to compare, the first as the baseline. " + SPEC_HELP, show_default=False, metavar="SPEC...")],
    output_format: FormatOption = OutputFormat.TABLE,
    count: CountOption = Counting.MACS,
    wide: WideOption = False,
    sort: Annotated[
        SortOrder, typer.Option("--sort", help="Order of the specs: as given, or by params or MACs, smallest first (the first is the baseline).")
    ] = SortOrder.AS_GIVEN,
    train: Annotated[bool, typer.Option("--train", help="Compare a training step instead: MACs and memory per GPU, as `archcalc train` counts them.")] = False,
    batch: Annotated[int, typer.Option("--batch", "-b", min=1, help="With --train: samples per GPU.")] = 1,
    optimizer: Annotated[Optimizer, typer.Option("--optimizer", help="With --train: the optimizer.", case_sensitive=False)] = Optimizer.ADAMW,
    precision: Annotated[Precision, typer.Option("--precision", help="With --train: the precision.", case_sensitive=False)] = Precision.FP32,
    attention: AttentionOption = AttentionPath.FLASH,
) -> None:
    """Compare the totals of several specs, each against the first.

    How many times fewer (or more) parameters, weights and MACs each has than the first spec; a
    difference under 1.1× is written as a percentage.

    Example: archcalc compare archspecs/seed/ann.yaml archspecs/seed/cnn.yaml
    """
    reports = analyze_all(specs)
    if sort is not SortOrder.AS_GIVEN:
        reports.sort(key=lambda report: report.total.params if sort is SortOrder.PARAMS else report.total.macs)  # stable: ties keep their order
    if train:
        from archcalc.engine.training import TrainingRequest, training_of
        from archcalc.render.training import render_trainings

        request = TrainingRequest(batch=batch, optimizer=optimizer, precision=precision, attention=attention)
        trainings = guarded(lambda: [training_of(report, request) for report in reports])
        emit(render_trainings(trainings, output_format, terminal(wide), f"a training step compared, batch {batch:,}"))
        return
    from archcalc.engine.comparison import comparison

    emit(render_compare(comparison(reports), output_format, terminal(wide), count))
