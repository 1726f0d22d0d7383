"""`archcalc diff`: what changed between two specs, layer by layer."""

from typing import Annotated

import typer

from archcalc.commands.shared import (
    SPEC_HELP,
    CountOption,
    ForceOption,
    FormatOption,
    OutputOption,
    TokensOption,
    WideOption,
    analyze_one,
    check_output_file,
    guarded,
    terminal,
    write_output,
)
from archcalc.formats import ReadOptions
from archcalc.formats.expansion import check_arguments
from archcalc.render import Counting, OutputFormat, render_diff


def diff(
    base: Annotated[str, typer.Argument(help="The spec before the change. " + SPEC_HELP, show_default=False, metavar="BASE")],
    head: Annotated[str, typer.Argument(help="The spec after the change.", show_default=False, metavar="HEAD")],
    output_format: FormatOption = OutputFormat.TABLE,
    depth: Annotated[int, typer.Option("--depth", "-d", min=0, help="Compare the layers this many levels inside composite blocks.")] = 0,
    show_all: Annotated[bool, typer.Option("--all", "-a", help="List unchanged layers too.")] = False,
    count: CountOption = Counting.MACS,
    wide: WideOption = False,
    tokens: TokensOption = None,
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Show what changed between two specs, layer by layer.

    Parameters, MACs and shapes, in numbers and percent. Layers are matched like lines in a text
    diff, so inserted and removed layers line up.

    Example: archcalc diff archspecs/zoo/torchvision/resnet18.yaml archspecs/zoo/torchvision/resnet34.yaml
    """
    from archcalc.engine.diff import diff_reports  # lazy: only this command loads it

    guarded(lambda: check_arguments([base, head]))
    check_output_file(output, force)  # before any work: a result is never computed to be thrown away
    before, after = analyze_one(base, "diff", ReadOptions(tokens=tokens)), analyze_one(head, "diff", ReadOptions(tokens=tokens))
    write_output(output, render_diff(diff_reports(before, after, depth), output_format, terminal(wide, output), show_all, count), force)
