"""`archcalc devices`: the devices `serve` and `train` can size a model for, with their figures."""

from typing import Annotated

import typer

from archcalc.commands.shared import FormatOption, WideOption, emit, guarded, terminal
from archcalc.render import OutputFormat

DeviceFileOption = Annotated[
    str | None,
    typer.Option("--device-file", help="A YAML file of your own devices, laid out as archcalc/devices.yaml.", show_default=False),
]


def devices(device_file: DeviceFileOption = None, output_format: FormatOption = OutputFormat.TABLE, wide: WideOption = False) -> None:
    """List the devices and their figures.

    Memory, memory bandwidth and dense peak rates per number format. Every figure is the vendor's datasheet's, named in the source column. A file of your own
    adds devices (or replaces one of the same name).

    Example: archcalc devices --device-file my-gpus.yaml
    """
    from archcalc.devices import devices as all_devices
    from archcalc.devices import load_device_file
    from archcalc.render.devices import render_devices

    extra = guarded(lambda: load_device_file(device_file)) if device_file is not None else ()
    listed = guarded(lambda: all_devices(extra))
    emit(render_devices(listed, output_format, terminal(wide)))
