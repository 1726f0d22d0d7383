"""`archcalc compare`: several specs side by side, each against the first."""

import enum
from typing import Annotated

import typer

from archcalc.backward import AttentionPath
from archcalc.commands.devices import DeviceFileOption
from archcalc.commands.serve import CacheOption, EfficiencyOption, GenerateOption, PromptOption, WeightFormat, WeightsOption
from archcalc.commands.shared import (
    SPEC_HELP,
    AttentionOption,
    ChartFormatOption,
    CountOption,
    ForceOption,
    InputOption,
    OptimizerOption,
    OutputOption,
    PrecisionOption,
    TokensOption,
    UntieOption,
    WideOption,
    analyze_all,
    check_output_file,
    fail,
    guarded,
    number_format,
    refuse_idle_attention,
    tabular,
    terminal,
    write_output,
)
from archcalc.errors import ArchcalcError
from archcalc.formats import ReadOptions
from archcalc.model import DType
from archcalc.render import ChartFormat, Counting, render_compare
from archcalc.values import replace


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
    memory: Annotated[bool, typer.Option("--memory", "-m", help="Add each spec's parameter bytes, peak activation bytes and KV cache, at --dtype.")] = False,
    dtype: Annotated[
        DType | None,
        typer.Option(
            "--dtype",
            help="Number format for --memory (default: each spec's, a model config's torch_dtype, else float32).",
            show_default=False,
            **number_format(DType),
        ),
    ] = None,
    untie: UntieOption = False,
    input_name: InputOption = None,
    device: Annotated[
        list[str] | None, typer.Option("--device", "-d", help="Serve on this device (repeatable): every spec on every device side by side.", show_default=False)
    ] = None,
    batch: Annotated[
        int | None,
        typer.Option(
            "--batch",
            "-b",
            min=1,
            help="With --device: sequences (or images) served at once (default 1). "
            "With --train: samples per GPU (default: each spec's training: batch, else 1).",
            show_default=False,
        ),
    ] = None,
    prompt: PromptOption = None,
    generate: GenerateOption = None,
    weights: WeightsOption = WeightFormat.FP16,
    kv: CacheOption = None,
    efficiency: EfficiencyOption = 1.0,
    device_file: DeviceFileOption = None,
    tokens: TokensOption = None,
    train: Annotated[bool, typer.Option("--train", help="Compare a training step instead: MACs and memory per GPU, as `archcalc train` counts them.")] = False,
    optimizer: OptimizerOption = None,
    precision: PrecisionOption = None,
    attention: AttentionOption = AttentionPath.FLASH,
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Compare the totals of several specs, each against the first.

    How many times fewer (or more) parameters, weights and MACs each has than the first spec; a
    difference under 1.1× is written as a percentage. `--format svg` draws them as grouped bars.

    With --device, serving side by side instead: time to first token, decode time a token, tokens
    or images a second, memory and the largest batch, for every spec on every device. With --train,
    a training step side by side: its MACs and memory per GPU at --batch samples (`--format svg`:
    a stacked bar of memory each).

    Example: archcalc compare archspecs/seed/ann.yaml archspecs/seed/cnn.yaml

    Example: archcalc compare archspecs/seed/ann.yaml archspecs/seed/cnn.yaml --format markdown -o compared.md
    """
    if device and train:
        raise typer.BadParameter("--device serves and --train trains: ask for one of them", param_hint="'--train'")
    check_output_file(output, force)  # before any work: a result is never computed to be thrown away
    if attention is AttentionPath.EAGER and not (train or device):  # as a misplaced --tokens is refused: it would change nothing
        fail(ArchcalcError("--attention eager sets how --train and --device run attention, and neither is given", hint="add --train or --device"))
    if device:
        from archcalc.commands.serve import serve_request, served_runs  # lazy: only this command loads it
        from archcalc.render.serve import render_served  # lazy: only this command loads it

        request = guarded(lambda: serve_request(batch, None, prompt, generate, weights.value, None if kv is None else kv.value, efficiency, attention))
        runs = served_runs(specs, device, device_file, [batch or 1], request)
        write_output(output, render_served(runs, tabular(output_format), terminal(wide, output)), force)
        return
    reports = analyze_all(specs, ReadOptions(untie, input_name, tokens))
    if sort is not SortOrder.AS_GIVEN:
        reports.sort(key=lambda report: report.total.params if sort is SortOrder.PARAMS else report.total.macs)  # stable: ties keep their order
    if train:
        refuse_idle_attention(attention, reports)
        from archcalc.backward import TrainingSetup  # lazy: only --train loads it
        from archcalc.engine.training import spec_request, training_of  # lazy: only --train loads it
        from archcalc.render.training import render_trainings  # lazy: only --train loads it

        flags = TrainingSetup(batch, optimizer, precision)
        trainings = guarded(lambda: [training_of(report, replace(spec_request(report, flags, fits=False), attention=attention)) for report in reports])
        title = "a training step compared" + ("" if batch is None else f", batch {batch:,}")
        write_output(output, guarded(lambda: render_trainings(trainings, output_format, terminal(wide, output), title)), force)
        return
    from archcalc.engine.comparison import comparison  # lazy: only this command loads it

    compared = comparison(reports, memory, dtype)
    write_output(output, guarded(lambda: render_compare(compared, output_format, terminal(wide, output), count)), force)
