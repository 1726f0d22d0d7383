"""`archcalc sweep`: how parameters and MACs grow with the input size."""

import enum
from typing import Annotated

import typer

from archcalc.commands.devices import DeviceFileOption
from archcalc.commands.serve import CacheOption, EfficiencyOption, GenerateOption, PromptOption, WeightFormat, WeightsOption
from archcalc.commands.shared import (
    SPEC_HELP,
    ChartFormatOption,
    CountOption,
    ForceOption,
    OptimizerOption,
    OutputOption,
    PrecisionOption,
    analyze_all,
    check_output_file,
    expanded,
    guarded,
    tabular,
    terminal,
    write_output,
)
from archcalc.formats import load_spec
from archcalc.quantities import parse_count
from archcalc.render import ChartFormat, Counting, OutputFormat, render_sweep


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
    output_format: ChartFormatOption = ChartFormat.TABLE,
    chart: Annotated[ChartFigure, typer.Option("--chart", help="What the terminal chart plots: params, macs or none.")] = ChartFigure.PARAMS,
    count: CountOption = Counting.MACS,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            "-b",
            help="Sweep the batch instead, e.g. 1,8,64: with --device, serving at each; without, a training step's MACs and memory at each.",
            show_default=False,
        ),
    ] = None,
    device: Annotated[str | None, typer.Option("--device", "-d", help="Serve on this device at each --batch.", show_default=False)] = None,
    prompt: PromptOption = None,
    generate: GenerateOption = None,
    weights: WeightsOption = WeightFormat.FP16,
    kv: CacheOption = None,
    efficiency: EfficiencyOption = 1.0,
    device_file: DeviceFileOption = None,
    optimizer: OptimizerOption = None,
    precision: PrecisionOption = None,
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Show how parameters and MACs grow with the input size.

    A table at each input side, the growth exponent k (figure ∝ side^k), and a log-log chart.
    An ANN's first layer grows as side²; a conv layer's weights do not grow at all. `--format svg`
    draws both figures on log-log axes, with k written on each line.

    With --device and --batch, serving at each batch instead: the first pass and a decode step,
    their time and what bounds them, tokens or images a second, memory. With --batch alone, a
    training step at each batch: its MACs and memory per GPU, as `archcalc train` counts them
    (`--format svg`: a stacked bar of memory each).

    Example: archcalc sweep archspecs/seed/ann.yaml archspecs/seed/cnn_224_first_layer.yaml --sizes 4,8,16,32,64,128,224

    Example: archcalc sweep archspecs/seed/ann.yaml --format svg -o growth.svg
    """
    check_output_file(output, force)  # before any work: a result is never computed to be thrown away
    if device is not None:
        cache = None if kv is None else kv.value
        served = serving_sweep(specs, device, batch, prompt, generate, weights.value, cache, efficiency, device_file, tabular(output_format), output)
        write_output(output, served, force)
        return
    if batch is not None:
        from archcalc.backward import TrainingSetup  # lazy: only a batch sweep loads it
        from archcalc.engine.training import spec_request, training_of  # lazy: only a batch sweep loads it
        from archcalc.render.training import render_trainings  # lazy: only a batch sweep loads it

        batches = sizes_option(batch)
        reports = analyze_all(specs)
        trainings = guarded(
            lambda: [training_of(report, spec_request(report, TrainingSetup(size, optimizer, precision), fits=False)) for report in reports for size in batches]
        )
        write_output(output, guarded(lambda: render_trainings(trainings, output_format, terminal(output=output), "a training step by batch size")), force)
        return
    from archcalc.engine.sweep import sweep as sweep_sizes  # lazy: only this command loads it

    chosen = sizes_option(sizes)
    paths = expanded(specs).specs
    sweeps = guarded(lambda: [sweep_sizes(load_spec(path), chosen) for path in paths])  # computed at the sizes swept, not at their own
    charted = None if chart is ChartFigure.NONE else chart.value
    write_output(output, guarded(lambda: render_sweep(sweeps, output_format, terminal(output=output), charted, count)), force)


def serving_sweep(
    specs: list[str],
    device: str | None,
    batch: str | None,
    prompt: int | None,
    generate: int | None,
    weights: str,
    kv: str | None,
    efficiency: float,
    device_file: str | None,
    output_format: OutputFormat,
    output: str | None = None,
) -> str:
    """`sweep SPEC --device NAME --batch 1,8,64`: one spec served at each batch, rendered for
    standard output or the `-o` file."""
    from archcalc.commands.serve import serve_request, served_runs  # lazy: only this command loads it
    from archcalc.engine.serving import BatchSweep  # lazy: only this command loads it
    from archcalc.render.serve import render_served  # lazy: only this command loads it

    if device is None or batch is None:
        raise typer.BadParameter("a serving sweep takes both --device and --batch (e.g. --device h100-sxm --batch 1,8,64,256)")
    try:
        batches = sorted({parse_count(part) for part in batch.split(",") if part.strip()})
    except ValueError as error:
        raise typer.BadParameter(f"{error}; --batch takes a list such as 1,8,64,256") from None
    if not batches or batches[0] < 1:
        raise typer.BadParameter("batches are positive whole numbers, e.g. 1,8,64,256", param_hint="'--batch'")
    if len(specs) != 1:
        raise typer.BadParameter(f"a serving sweep takes one spec, got {len(specs)}", param_hint="'SPEC'")
    request = guarded(lambda: serve_request(None, None, prompt, generate, weights, kv, efficiency))
    runs = served_runs(specs, [device], device_file, batches, request)
    return render_served(runs, output_format, terminal(output=output), swept=BatchSweep(tuple(runs)))
