"""`archcalc devices`: the devices `serve` and `train` can size a model for, with their figures."""

from typing import Annotated

import typer

from archcalc.commands.shared import ForceOption, FormatOption, OutputOption, WideOption, check_output_file, guarded, terminal, write_output
from archcalc.render import OutputFormat

DeviceFileOption = Annotated[
    str | None,
    typer.Option("--device-file", help="A YAML file of your own devices, laid out as archcalc/devices.yaml.", show_default=False),
]


def devices(
    device_file: DeviceFileOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
    wide: WideOption = False,
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """List the devices and their figures.

    Memory, memory bandwidth and dense peak rates per number format. Every figure is the vendor's datasheet's, named in the source column. A file of your own
    adds devices (or replaces one of the same name).

    Example: archcalc devices --device-file my-gpus.yaml
    """
    from archcalc.devices import devices as all_devices  # lazy: only this command reads the table
    from archcalc.devices import load_device_file  # lazy: only this command reads the table
    from archcalc.render.devices import render_devices  # lazy: only this command loads it

    check_output_file(output, force)  # before the device file is read: a bad -o is said first
    extra = guarded(lambda: load_device_file(device_file)) if device_file is not None else ()
    listed = guarded(lambda: all_devices(extra))
    write_output(output, render_devices(listed, output_format, terminal(wide, output)), force)
