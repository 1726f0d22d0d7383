"""`devices`: the device table, each figure with its unit in tables and exact in JSON and CSV."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from archcalc.devices import FORMATS
from archcalc.render.formats import OutputFormat
from archcalc.render.grid import Column, Grid, Row, Shown

if TYPE_CHECKING:
    from archcalc.devices import Device
    from archcalc.render import Terminal

NONE = Shown("–", None)


def scaled(number: int, unit: int) -> str:
    """85899345920 in GiB -> '80', 362050000000000 in T -> '362.05': exact, as a decimal."""
    text = format((Decimal(number) / Decimal(unit)).normalize(), "f")
    whole, _, fraction = text.partition(".")
    return f"{int(whole):,}" + (f".{fraction}" if fraction else "")


def devices_grid(listed: Sequence[Device]) -> Grid:
    columns = (
        Column("device"),
        Column("description", optional=True),
        Column("memory", numeric=True, key="memory_bytes"),
        Column("bandwidth", numeric=True, key="bandwidth_bytes_per_second"),
        *(Column(f"{name} T/s", numeric=True, key=f"peak_{name}") for name in FORMATS),
        Column("source", optional=True),
    )
    rows = []
    for device in listed:
        memory = NONE if device.memory_bytes is None else Shown(f"{scaled(device.memory_bytes, 2**30)} GiB", device.memory_bytes)
        bandwidth = NONE if device.bandwidth is None else Shown(f"{scaled(device.bandwidth, 10**9)} GB/s", device.bandwidth)
        peaks = tuple(NONE if (rate := device.peak(name)) is None else Shown(scaled(rate, 10**12), rate) for name in FORMATS)
        rows.append(Row((device.name, device.description, memory, bandwidth, *peaks, device.source)))
    notes = (
        "peaks are dense (never 'with sparsity'), in 10^12 operations a second; – : the device has no unit for it, or its file gives none",
        "memory is the datasheet's GB × 2^30; bandwidth in 10^9 bytes a second; `--format json` gives every figure exact, with its source and note",
        "add your own with `--device-file my.yaml` (the layout of archcalc/devices.yaml)",
    )
    return Grid(f"{len(listed)} devices", columns, tuple(rows), None, notes)


def device_json(device: Device) -> dict[str, object]:
    return {
        "name": device.name,
        "description": device.description,
        "memory_bytes": device.memory_bytes,
        "bandwidth_bytes_per_second": device.bandwidth,
        "peak_flops": {name: device.peak(name) for name in FORMATS},
        "source": device.source,
        "note": device.note,
        "origin": str(device.origin),
    }


def render_devices(listed: Sequence[Device], output_format: OutputFormat, terminal: Terminal) -> str:
    if output_format is OutputFormat.JSON:
        from archcalc.render.json_format import SCHEMA_VERSION, dumps

        return dumps({"schema_version": SCHEMA_VERSION, "devices": [device_json(device) for device in listed]})
    from archcalc.render import render_grid

    return render_grid(devices_grid(listed), output_format, terminal)
