"""The device table: memory, memory bandwidth and peak rates of the accelerators `serve` and `train`
size a model for. The figures live in devices.yaml next to this module, each with its source; a
user's own devices come from a file of the same layout (`--device-file my.yaml`).

Every figure is an exact int (bytes, bytes per second, operations per second), read as counts are
(`312T`, `2039G`, `85_899_345_920`). A figure may be absent or null (a device without an fp8 unit):
that is an error only when a run needs it, located where the device is written, exit 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from archcalc.errors import ArchcalcError, Origin, suggestion
from archcalc.printable import describe, printable, quoted
from archcalc.values import field, value

if TYPE_CHECKING:
    from archcalc.formats.yaml.located import Entry, Mapping

FORMATS = ("fp32", "tf32", "bf16", "fp16", "fp8", "int8")
"""The number formats a device's `peak:` gives a rate for."""

FIGURES = ("memory_bytes", "bandwidth", *FORMATS)
"""What `Device.need` can be asked for."""

DEVICE_KEYS = ("description", "memory_bytes", "bandwidth", "peak", "source", "note")

MAX_DEVICE_FILE_BYTES = 1_000_000
"""A device file is a few KB; a larger one is not one."""

BUILTIN = Path(__file__).with_name("devices.yaml")


class DeviceError(ArchcalcError):
    """A device file that cannot be read, an unknown device, or a figure a run needs that a device lacks."""


@value
class Device:
    """One device as its table writes it. `peaks` holds (format, rate) for each format written; a rate
    of None is a written null: the device has no unit for it."""

    name: str
    description: str
    memory_bytes: int | None
    bandwidth: int | None  # bytes per second
    peaks: tuple[tuple[str, int | None], ...]
    source: str
    note: str
    origin: Origin = field(compare=False)

    def peak(self, number_format: str) -> int | None:
        """The dense peak for `fp32`, `bf16`, ...: None when null or not written (`need` says which)."""
        return dict(self.peaks).get(number_format)

    def need(self, figure: str) -> int:
        """A figure a run cannot do without (`memory_bytes`, `bandwidth`, or a format's peak), or a
        DeviceError located at the device saying that it is null or missing."""
        if figure in ("memory_bytes", "bandwidth"):
            found = self.memory_bytes if figure == "memory_bytes" else self.bandwidth
            if found is None:
                raise DeviceError(f"device {quoted(self.name)} has no {figure}", self.origin, None, f"write its {figure} in the device file")
            return found
        if figure not in FORMATS:
            raise ValueError(f"not a device figure: {figure}")
        written = dict(self.peaks)
        if figure not in written:
            raise DeviceError(f"device {quoted(self.name)} has no {figure} peak", self.origin, None, f"write peak: {{{figure}: ...}} in the device file")
        rate = written[figure]
        if rate is None:
            raise DeviceError(f"device {quoted(self.name)} has no {figure} unit (its {figure} peak is null)", self.origin)
        return rate


def device(name: str, extra: Sequence[Device] = (), origin: Origin | None = None) -> Device:
    """The device called `name`, among the built-in ones and `extra` (a device file's, which win);
    `origin` is where the name was written (`Origin("--device")` for the flag)."""
    known = {found.name: found for found in devices(extra)}
    if name in known:
        return known[name]
    hint = suggestion(name.lower(), list(known)) or f"known devices: {', '.join(known)}"
    raise DeviceError(f"unknown device {quoted(name)}", origin, None, f"{hint}; `archcalc devices` lists them, `--device-file` adds your own")


def devices(extra: Sequence[Device] = ()) -> tuple[Device, ...]:
    """The built-in devices in their file's order, then `extra`'s; one of `extra` replaces a built-in of its name."""
    replaced = {found.name for found in extra}
    return tuple(found for found in builtin_devices() if found.name not in replaced) + tuple(extra)


@lru_cache(maxsize=1)
def builtin_devices() -> tuple[Device, ...]:
    return read_devices(BUILTIN.read_text(encoding="utf-8"), "archcalc/devices.yaml")


def load_device_file(path: str | Path) -> tuple[Device, ...]:
    """The devices a user's file (`--device-file`) declares; a DeviceError located in it otherwise."""
    source = printable(str(path))
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_DEVICE_FILE_BYTES + 1)
    except OSError as error:
        raise DeviceError(f"cannot read the device file: {error.strerror or error}", Origin(source)) from None
    if len(data) > MAX_DEVICE_FILE_BYTES:
        raise DeviceError(f"the device file is larger than {MAX_DEVICE_FILE_BYTES:,} bytes", Origin(source))
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise DeviceError(f"the device file is not UTF-8 text (byte {error.start})", Origin(source)) from None
    return read_devices(text, source)


def read_devices(text: str, source: str) -> tuple[Device, ...]:
    """A device table's text -> its devices, every error located in `source`."""
    from archcalc.formats.yaml.located import load_located  # lazy: YAML only when a device is asked for

    root = load_located(text, source)
    if not isinstance(root.value, dict) or "devices" not in root.value:
        raise DeviceError("a device file is a mapping with one key, 'devices', of devices by name", root.origin)
    for key, entry in root.value.items():
        if key != "devices":
            raise DeviceError(f"unknown key {quoted(key)}", entry.key_origin, None, "a device file has one key, 'devices'")
    listed = root.value["devices"].value
    if not isinstance(listed.value, dict) or not listed.value:
        raise DeviceError(f"'devices' must map device names to their figures, got {describe(listed.value)}", listed.origin)
    named: Mapping = listed.value
    return tuple(_device(name, entry) for name, entry in named.items())


def _device(name: str, entry: Entry) -> Device:
    written = entry.value
    if not isinstance(written.value, dict):
        raise DeviceError(f"device {quoted(name)} must be a mapping of its figures, got {describe(written.value)}", written.origin)
    for key, item in written.value.items():
        if key not in DEVICE_KEYS:
            hint = suggestion(key, DEVICE_KEYS) or f"a device has: {', '.join(DEVICE_KEYS)}"
            raise DeviceError(f"unknown key {quoted(key)} in device {quoted(name)}", item.key_origin, None, hint)
    figures: Mapping = written.value
    peaks: list[tuple[str, int | None]] = []
    if "peak" in figures:
        peak = figures["peak"].value
        if not isinstance(peak.value, dict):
            raise DeviceError(f"'peak' must map number formats ({', '.join(FORMATS)}) to FLOP/s, got {describe(peak.value)}", peak.origin)
        for key, item in peak.value.items():
            if key not in FORMATS:
                hint = suggestion(key, FORMATS) or f"formats: {', '.join(FORMATS)}"
                raise DeviceError(f"unknown number format {quoted(key)} in device {quoted(name)}", item.key_origin, None, hint)
            peaks.append((key, _figure(item, name, nullable=True)))
    return Device(
        name=printable(name),
        description=_text(figures, "description"),
        memory_bytes=_figure(figures["memory_bytes"], name) if "memory_bytes" in figures else None,
        bandwidth=_figure(figures["bandwidth"], name) if "bandwidth" in figures else None,
        peaks=tuple(peaks),
        source=_text(figures, "source"),
        note=_text(figures, "note"),
        origin=entry.key_origin,
    )


def _figure(entry: Entry, device_name: str, nullable: bool = False) -> int | None:
    """A positive count (`2039G`, `85_899_345_920`); null only where `nullable` (a missing unit)."""
    from archcalc.quantities import parse_count

    written = entry.value.value
    where = f"{entry.key} of device {quoted(device_name)}"
    if written is None:
        if nullable:
            return None
        raise DeviceError(f"{where} is null", entry.value.origin, None, "give a positive figure, or leave the key out")
    if isinstance(written, bool) or not isinstance(written, (str, int, float)):
        raise DeviceError(f"{where} must be a number, got {describe(written)}", entry.value.origin)
    if (isinstance(written, (int, float)) and written <= 0) or (isinstance(written, str) and written.strip().startswith("-")):
        raise DeviceError(f"{where} must be positive, got {written}", entry.value.origin)
    try:
        figure = parse_count(written)
    except ValueError as error:
        raise DeviceError(f"{where}: {error}", entry.value.origin, None, "write e.g. 2039G, 312T or 85_899_345_920") from None
    if figure <= 0:
        raise DeviceError(f"{where} must be positive, got {written}", entry.value.origin)
    return figure


def _text(figures: Mapping, key: str) -> str:
    entry = figures.get(key)
    if entry is None:
        return ""
    if isinstance(entry.value.value, (list, dict)) or entry.value.value is None:
        raise DeviceError(f"'{key}' must be text", entry.value.origin)
    return printable(str(entry.value.value))
