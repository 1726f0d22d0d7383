"""The command line: the Typer application, its commands (one module each under commands/), and
`main`, where an escaped exception becomes exit status 3. Each command imports the engine and render
modules it alone needs, so a cold start pays only for the command that runs.
"""

import os
import sys
from typing import Annotated

import typer

from archcalc import __version__
from archcalc.commands import check, compare, devices, diff, examples, import_model, layers, report, schema, serve, sharing, show, sweep, train
from archcalc.commands.shared import EXIT_INTERNAL_ERROR
from archcalc.errors import InternalError

app = typer.Typer(
    name="archcalc",
    help="Exact shapes, parameters and MACs of neural-network architectures, from a YAML spec or an arrow chain ('16->8->2'). No framework, no forward pass.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# In the order `archcalc --help` lists them.
app.command()(show.show)
app.command()(train.train)
app.command()(compare.compare)
app.command()(check.check)
app.command("import")(import_model.import_model)
app.command()(diff.diff)
app.command()(sharing.sharing)
app.command()(layers.layers)
app.command()(sweep.sweep)
app.command()(report.report)
app.command()(schema.schema)
app.command()(examples.examples)
app.command()(serve.serve)
app.command()(devices.devices)


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

      archcalc examples
    """


def main() -> None:
    """The command. An exception that escapes is a bug in archcalc, not a fault in the input: it gets
    one line and exit 3, never exit 1, which CI would read as a budget exceeded."""
    try:
        app()
    except Exception as error:
        if os.environ.get("ARCHCALC_DEBUG"):
            import traceback  # lazy: only with ARCHCALC_DEBUG set

            traceback.print_exc()
        sys.stderr.write(f"archcalc: {InternalError(error).message}\n")
        raise SystemExit(EXIT_INTERNAL_ERROR) from None
