"""The command line: read arguments, run spec -> engine -> render, print, choose the exit code.

Only this module imports typer, and only here does an error become an exit status:
0 success, 1 a budget exceeded, 2 bad input or usage.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from typing import Annotated, NoReturn, TypeVar

import typer

from archcalc import __version__
from archcalc.engine import Report, analyze
from archcalc.errors import ArchcalcError
from archcalc.render import OutputFormat, Terminal, render_compare, render_show
from archcalc.spec import load_spec

EXIT_OK = 0
EXIT_OVER_BUDGET = 1
EXIT_BAD_INPUT = 2

app = typer.Typer(
    name="archcalc",
    help="Exact shapes, parameters and MACs of neural-network architectures, from a YAML spec or an arrow chain like 16->8->2. No framework, no forward pass.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

SPEC_HELP = "A YAML spec file, '-' for standard input, or an arrow chain such as '16->8->2' (quoted: > is a redirection in shells)."

FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="table, json, csv or markdown.", case_sensitive=False)]

T = TypeVar("T")


def fail(error: ArchcalcError) -> NoReturn:
    """Bad input: one line on standard error, nothing on standard output, exit 2."""
    typer.echo(f"archcalc: error: {error.message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def guarded(work: Callable[[], T]) -> T:
    try:
        return work()
    except ArchcalcError as error:
        fail(error)


def analyze_all(arguments: list[str]) -> list[Report]:
    """Every spec read and computed before anything is printed, so an error leaves stdout empty."""
    return guarded(lambda: [analyze(load_spec(argument)) for argument in arguments])


def terminal() -> Terminal:
    """Colour and width only for a real terminal; NO_COLOR (no-color.org) turns colour off."""
    if not sys.stdout.isatty():
        return Terminal(color=False, width=None)
    color = "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
    return Terminal(color=color, width=shutil.get_terminal_size().columns)


def emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"archcalc {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", callback=version_callback, is_eager=True)] = False,
) -> None:
    """Exact shapes, parameters and MACs of neural-network architectures.

    Examples:

      archcalc show '16->8->2'

      archcalc compare archspecs/seed/ann.yaml archspecs/seed/cnn.yaml
    """


@app.command()
def show(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False)],
    output_format: FormatOption = OutputFormat.TABLE,
    depth: Annotated[int, typer.Option("--depth", "-d", min=0, help="How many levels inside residual, concat and repeat blocks to list.")] = 3,
) -> None:
    """One network layer by layer: output shape, weights, biases, parameters and MACs.

    Example: archcalc show archspecs/seed/cnn.yaml --format json
    """
    (report,) = analyze_all([spec])
    emit(render_show(report, output_format, terminal(), depth))


@app.command()
def compare(
    specs: Annotated[list[str], typer.Argument(help="Two or more specs; the first is the baseline. " + SPEC_HELP, show_default=False)],
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Totals side by side, with how many times fewer (or more) each has than the first.

    Example: archcalc compare archspecs/seed/ann.yaml archspecs/seed/cnn.yaml
    """
    reports = analyze_all(specs)
    emit(render_compare(reports, output_format, terminal()))


def main() -> None:
    app()
