"""`archcalc show`: one network layer by layer."""

from typing import Annotated

import typer

from archcalc.backward import AttentionPath
from archcalc.commands.shared import SPEC_HELP, AttentionOption, CountOption, FormatOption, WideOption, analyze_one, emit, terminal
from archcalc.model import DType
from archcalc.render import Counting, OutputFormat, ShowOptions, render_show


def show(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False, metavar="SPEC")],
    output_format: FormatOption = OutputFormat.TABLE,
    depth: Annotated[int, typer.Option("--depth", "-d", min=0, help="How many levels inside residual, concat and repeat blocks to list.")] = 3,
    explain: Annotated[bool, typer.Option("--explain", "-e", help="Write out each layer's arithmetic: 3×3×1×2 = 18 weights + 2 biases = 20.")] = False,
    receptive_field: Annotated[bool, typer.Option("--receptive-field", "-r", help="Add each layer's receptive field and effective stride.")] = False,
    memory: Annotated[bool, typer.Option("--memory", "-m", help="Add parameter and output bytes per layer, and the peak, at --dtype.")] = False,
    dtype: Annotated[DType, typer.Option("--dtype", help="Number format for --memory.")] = DType.FLOAT32,
    count: CountOption = Counting.MACS,
    wide: WideOption = False,
    attention: AttentionOption = AttentionPath.FLASH,
) -> None:
    """Show one network layer by layer: shapes, parameters and MACs.

    Each layer's output shape, weights, biases, parameters and multiply-accumulates, and the totals.

    Example: archcalc show archspecs/seed/cnn.yaml --explain
    """
    from archcalc.engine.analysis import Request, analysis_of

    report = analyze_one(spec, "show")
    request = Request(receptive_field=receptive_field, memory=dtype if memory else None, eager_attention=attention is AttentionPath.EAGER)
    emit(render_show(analysis_of(report, request), output_format, terminal(wide), ShowOptions(depth, explain, count)))
