"""`archcalc sharing`: what each conv layer's weight sharing saves."""

from typing import Annotated

import typer

from archcalc.commands.shared import (
    SPEC_HELP,
    ForceOption,
    FormatOption,
    OutputOption,
    TokensOption,
    WideOption,
    analyze_one,
    check_output_file,
    terminal,
    write_output,
)
from archcalc.formats import ReadOptions
from archcalc.render import OutputFormat, render_sharing


def sharing(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False, metavar="SPEC")],
    output_format: FormatOption = OutputFormat.TABLE,
    wide: WideOption = False,
    tokens: TokensOption = None,
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Show what each conv layer's weight sharing saves.

    The positions each weight is reused at, and what the same mapping costs unshared (a locally
    connected layer) or fully connected (a dense layer).

    Example: archcalc sharing archspecs/exercises/ex2_diagonal_filter.yaml
    """
    from archcalc.engine.analysis import Request, analysis_of  # lazy: only this command loads it

    check_output_file(output, force)  # before any work: a result is never computed to be thrown away
    report = analyze_one(spec, "sharing", ReadOptions(tokens=tokens))
    write_output(output, render_sharing(analysis_of(report, Request(sharing=True)), output_format, terminal(wide, output)), force)
