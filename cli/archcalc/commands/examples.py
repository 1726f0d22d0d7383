"""`archcalc examples`: the example specs that come with archcalc."""

from typing import Annotated

import typer

from archcalc.commands.shared import ForceOption, FormatOption, OutputOption, WideOption, check_output_file, fail, guarded, terminal, write_output
from archcalc.errors import ArchcalcError
from archcalc.printable import quoted
from archcalc.render import OutputFormat


def examples(
    contains: Annotated[str | None, typer.Argument(help="Only the examples whose path contains this text.", show_default=False, metavar="[TEXT]")] = None,
    output_format: FormatOption = OutputFormat.TABLE,
    wide: WideOption = False,
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """List the example specs that come with archcalc.

    The article's seed specs and exercises, and real architectures (the zoo), with where they are
    installed: run one, or copy it to start a spec of your own.

    A TEXT that no example's path contains is an error (exit 2, one line on standard error, nothing
    on standard output), as a glob that matches no file is for `check`: a script learns it from the
    status, a person from the line, and no empty table is printed.

    Example: archcalc examples resnet
    """
    from archcalc.examples import example_specs, examples_directory  # lazy: only this command loads it
    from archcalc.render.examples import render_examples

    check_output_file(output, force)
    directory = examples_directory()
    found = guarded(lambda: example_specs(directory, contains))
    if not found and contains is not None:
        fail(ArchcalcError(f"no example matches {quoted(contains)}", hint="`archcalc examples` lists them all"))
    write_output(output, render_examples(directory, found, output_format, terminal(wide, output)), force)
