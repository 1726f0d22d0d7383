"""`archcalc sweep`: how parameters and MACs grow with the input size."""

import enum
from typing import Annotated

import typer

from archcalc.backward import Optimizer, Precision
from archcalc.commands.shared import SPEC_HELP, CountOption, FormatOption, analyze_all, emit, expanded, guarded, terminal
from archcalc.formats import load_spec
from archcalc.quantities import parse_count
from archcalc.render import Counting, OutputFormat, render_sweep


class ChartFigure(str, enum.Enum):
    PARAMS = "params"
    MACS = "macs"
    NONE = "none"


def sizes_option(text: str) -> list[int]:
    """`--sizes 4,8,16,1K`: each read as a count, so a size past 1e36 is refused as in a spec."""
    try:
        sizes = [parse_count(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise typer.BadParameter(f"{error}; --sizes takes a list such as 4,8,16,32") from None
    if not sizes or min(sizes) < 1:
        raise typer.BadParameter("sizes are positive whole numbers, e.g. 4,8,16,32")
    return sorted(set(sizes))


def sweep(
    specs: Annotated[list[str], typer.Argument(help="Specs with an image-like input. " + SPEC_HELP, show_default=False, metavar="SPEC...")],
    sizes: Annotated[str, typer.Option("--sizes", "-s", help="Input sides to try, comma-separated; every spatial axis takes each.")] = "4,8,16,32,64,128,224",
    output_format: FormatOption = OutputFormat.TABLE,
    chart: Annotated[ChartFigure, typer.Option("--chart", help="What the terminal chart plots: params, macs or none.")] = ChartFigure.PARAMS,
    count: CountOption = Counting.MACS,
    batch: Annotated[
        str | None, typer.Option("--batch", "-b", help="Sweep the training batch instead, e.g. 1,8,64: a step's MACs and memory at each.", show_default=False)
    ] = None,
    optimizer: Annotated[Optimizer, typer.Option("--optimizer", help="With --batch: the optimizer.", case_sensitive=False)] = Optimizer.ADAMW,
    precision: Annotated[Precision, typer.Option("--precision", help="With --batch: the precision.", case_sensitive=False)] = Precision.FP32,
) -> None:
    """Show how parameters and MACs grow with the input size.

    A table at each input side, the growth exponent k (figure ∝ side^k), and a log-log chart.
    An ANN's first layer grows as side²; a conv layer's weights do not grow at all.

    Example: archcalc sweep archspecs/seed/ann.yaml archspecs/seed/cnn_224_first_layer.yaml --sizes 4,8,16,32,64,128,224
    """
    if batch is not None:
        from archcalc.engine.training import TrainingRequest, training_of
        from archcalc.render.training import render_trainings

        batches = sizes_option(batch)
        reports = analyze_all(specs)
        trainings = guarded(
            lambda: [training_of(report, TrainingRequest(batch=size, optimizer=optimizer, precision=precision)) for report in reports for size in batches]
        )
        emit(render_trainings(trainings, output_format, terminal(), "a training step by batch size"))
        return
    from archcalc.engine.sweep import sweep as sweep_sizes

    chosen = sizes_option(sizes)
    paths = expanded(specs).specs
    sweeps = guarded(lambda: [sweep_sizes(load_spec(path), chosen) for path in paths])  # computed at the sizes swept, not at their own
    emit(render_sweep(sweeps, output_format, terminal(), None if chart is ChartFigure.NONE else chart.value, count))
