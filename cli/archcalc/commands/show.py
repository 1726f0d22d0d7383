"""`archcalc show`: one network layer by layer."""

from typing import Annotated

import typer

from archcalc.backward import AttentionPath
from archcalc.commands.shared import (
    SPEC_HELP,
    AttentionOption,
    ChartFormatOption,
    CountOption,
    ForceOption,
    InputOption,
    OutputOption,
    TokensOption,
    UntieOption,
    WideOption,
    analyze_one,
    check_output_file,
    fail,
    guarded,
    number_format,
    refuse_idle_attention,
    terminal,
    write_output,
)
from archcalc.errors import ArchcalcError
from archcalc.formats import ReadOptions
from archcalc.model import DType
from archcalc.render import ChartFormat, Counting, ShowOptions, render_show


def show(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False, metavar="SPEC")],
    output_format: ChartFormatOption = ChartFormat.TABLE,
    depth: Annotated[int, typer.Option("--depth", "-d", min=0, help="How many levels inside residual, concat and repeat blocks to list.")] = 3,
    explain: Annotated[bool, typer.Option("--explain", "-e", help="Write out each layer's arithmetic: 3×3×1×2 = 18 weights + 2 biases = 20.")] = False,
    receptive_field: Annotated[bool, typer.Option("--receptive-field", "-r", help="Add each layer's receptive field and effective stride.")] = False,
    memory: Annotated[bool, typer.Option("--memory", "-m", help="Add parameter and output bytes per layer, and the peak, at --dtype.")] = False,
    dtype: Annotated[
        DType | None,
        typer.Option(
            "--dtype", help="Number format for --memory (default: a model config's torch_dtype, else float32).", show_default=False, **number_format(DType)
        ),
    ] = None,
    batch: Annotated[
        int | None,
        typer.Option(
            "--batch",
            min=1,
            help="Samples (sequences) at once, for --memory: each layer's output bytes, the peak activations and the key/value cache "
            "are the batch's; parameters and MACs stay one sample's (default 1).",
            show_default=False,
        ),
    ] = None,
    tokens: TokensOption = None,
    count: CountOption = Counting.MACS,
    wide: WideOption = False,
    untie: UntieOption = False,
    input_name: InputOption = None,
    no_fold: Annotated[
        bool, typer.Option("--no-fold", help="List every layer: without it, tables write a run of identical layers as one row (dense 8 × 100,000).")
    ] = False,
    attention: AttentionOption = AttentionPath.FLASH,
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Show one network layer by layer: shapes, parameters and MACs.

    Each layer's output shape, weights, biases, parameters and multiply-accumulates, and the totals.

    `--format svg` draws it: a bar per layer of parameters, MACs and output bytes (at --dtype).

    Example: archcalc show archspecs/seed/cnn.yaml --explain

    Example: archcalc show archspecs/seed/cnn.yaml --format svg -o cnn.svg
    """
    from archcalc.engine.analysis import Request, analysis_of  # lazy: only this command loads it

    check_output_file(output, force)  # before any work: a result is never computed to be thrown away
    drawn = output_format is ChartFormat.SVG  # the chart has a bar of output bytes per layer, and draws identical layers in a row as one
    for flag, given, counts in (
        ("--dtype", dtype is not None, drawn),
        ("--batch", batch is not None, drawn),
        ("--attention eager", attention is AttentionPath.EAGER, False),
    ):
        if given and not memory and not counts:  # as a misplaced --tokens is refused: an option that would change nothing
            fail(ArchcalcError(f"{flag} sets what --memory counts, and --memory is not given", hint="add --memory"))
    report = analyze_one(spec, "show", ReadOptions(untie, input_name, tokens))
    refuse_idle_attention(attention, [report])
    stored = dtype or report.spec.memory_dtype
    folded = drawn or (not no_fold and not explain and output_format in (ChartFormat.TABLE, ChartFormat.MARKDOWN))  # tables fold runs of identical layers
    eager = attention is AttentionPath.EAGER
    request = Request(receptive_field=receptive_field, memory=stored if memory or drawn else None, batch=batch or 1, folded=folded, eager_attention=eager)
    analysis = guarded(lambda: analysis_of(report, request))  # a checkpoint's activations are refused, not invented
    options = ShowOptions(depth, explain, count, fold=not no_fold)
    write_output(output, guarded(lambda: render_show(analysis, output_format, terminal(wide, output), options)), force)
