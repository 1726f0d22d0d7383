"""`archcalc layers`: every layer kind, its arguments and what it counts."""

from archcalc.commands.shared import ForceOption, FormatOption, OutputOption, WideOption, check_output_file, terminal, write_output
from archcalc.render import OutputFormat, render_layers


def layers(output_format: FormatOption = OutputFormat.TABLE, wide: WideOption = False, output: OutputOption = None, force: ForceOption = False) -> None:
    """List every layer kind, its arguments and what it counts.

    The names each kind may be written as, its arguments (the main one marked, defaults after =),
    its parameters and its MACs.

    Example: archcalc layers --format markdown -o layers.md
    """
    check_output_file(output, force)
    write_output(output, render_layers(output_format, terminal(wide, output)), force)
