"""`archcalc examples`: the example specs that come with archcalc."""

from typing import Annotated

import typer

from archcalc.commands.shared import FormatOption, WideOption, emit, guarded, terminal
from archcalc.render import OutputFormat


def examples(
    contains: Annotated[str | None, typer.Argument(help="Only the examples whose path contains this text.", show_default=False, metavar="[TEXT]")] = None,
    output_format: FormatOption = OutputFormat.TABLE,
    wide: WideOption = False,
) -> None:
    """List the example specs that come with archcalc.

    The article's seed specs and exercises, and real architectures (the zoo), with where they are
    installed: run one, or copy it to start a spec of your own.

    Example: archcalc examples resnet
    """
    from archcalc.examples import example_specs, examples_directory  # lazy: only this command loads it
    from archcalc.render.examples import render_examples

    directory = examples_directory()
    found = guarded(lambda: example_specs(directory, contains))
    emit(render_examples(directory, found, output_format, terminal(wide)))
