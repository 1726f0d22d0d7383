"""`archcalc layers`: every layer kind, its arguments and what it counts."""

from archcalc.commands.shared import FormatOption, WideOption, emit, terminal
from archcalc.render import OutputFormat, render_layers


def layers(output_format: FormatOption = OutputFormat.TABLE, wide: WideOption = False) -> None:
    """List every layer kind, its arguments and what it counts.

    The names each kind may be written as, its arguments (the main one marked, defaults after =),
    its parameters and its MACs.

    Example: archcalc layers --format markdown
    """
    emit(render_layers(output_format, terminal(wide)))
