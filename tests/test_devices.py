"""The device table (archcalc/devices.yaml): its figures as the datasheets give them, dense, and the
errors a device file of one's own can make, each located, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.devices import FORMATS, DeviceError, device, devices, load_device_file

NAMES = ("a100-40gb", "a100-80gb", "h100-sxm", "h100-pcie", "h200", "l4", "l40s", "rtx-4090", "rtx-3090", "t4", "mi300x", "cpu")
GIB = 2**30


def run(*arguments: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(argument) for argument in arguments])
    return result.exit_code, result.stdout, result.stderr


def test_every_named_device_is_there_with_every_figure_and_a_source() -> None:
    assert tuple(found.name for found in devices()) == NAMES
    for found in devices():
        assert found.need("memory_bytes") > 0 and found.need("bandwidth") > 0
        assert tuple(name for name, _ in found.peaks) == FORMATS
        assert found.source and found.description


@pytest.mark.parametrize(
    ("name", "memory_gb", "bandwidth", "bf16"),
    [
        ("a100-40gb", 40, 1_555 * 10**9, 312 * 10**12),
        ("a100-80gb", 80, 2_039 * 10**9, 312 * 10**12),
        ("h100-sxm", 80, 3_350 * 10**9, 1_979 * 10**12 // 2),  # the datasheet's 1,979 is with sparsity
        ("h200", 141, 4_800 * 10**9, 1_979 * 10**12 // 2),
        ("mi300x", 192, 5_300 * 10**9, 13_074 * 10**11),
    ],
)
def test_figures_are_the_datasheets(name: str, memory_gb: int, bandwidth: int, bf16: int) -> None:
    """An "80 GB" card holds 80 GiB (issue 21); bandwidth is decimal, as datasheets print it."""
    found = device(name)
    assert found.memory_bytes == memory_gb * GIB
    assert found.bandwidth == bandwidth
    assert found.peak("bf16") == bf16


def test_devices_without_a_unit_have_null_peaks() -> None:
    for name in ("a100-40gb", "a100-80gb", "rtx-3090", "t4"):
        assert device(name).peak("fp8") is None
    assert device("t4").peak("bf16") is None and device("t4").peak("fp16") == 65 * 10**12
    with pytest.raises(DeviceError, match=r"devices.yaml:\d+:3: device 't4' has no bf16 unit"):
        device("t4").need("bf16")


def test_an_unknown_device_is_named_with_a_suggestion() -> None:
    with pytest.raises(DeviceError, match=r"unknown device 'h100-sx'; did you mean 'h100-sxm'"):
        device("h100-sx")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my.yaml"
    path.write_text(text)
    return path


def test_a_device_file_adds_devices_and_replaces_one_of_the_same_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "devices:\n  mine:\n    memory_bytes: 8_589_934_592\n    bandwidth: 100G\n    peak: {fp16: 20T}\n  t4:\n    memory_bytes: 1\n",
    )
    extra = load_device_file(path)
    assert device("mine", extra).need("bandwidth") == 100 * 10**9
    assert device("t4", extra).memory_bytes == 1
    assert len(devices(extra)) == len(NAMES) + 1
    with pytest.raises(DeviceError, match=r"my.yaml:2:3: device 'mine' has no fp32 peak"):
        device("mine", extra).need("fp32")
    with pytest.raises(DeviceError, match=r"my.yaml:6:3: device 't4' has no bandwidth"):
        device("t4", extra).need("bandwidth")


@pytest.mark.parametrize(
    ("text", "located", "problem"),
    [
        ("devices:\n  g:\n    bandwidth: -5G\n", "3:16", "bandwidth of device 'g' must be positive"),
        ("devices:\n  g:\n    bandwidth: 0\n", "3:16", "bandwidth of device 'g' must be positive, got 0"),
        ("devices:\n  g:\n    memory_bytes: -1\n", "3:19", "must be positive, got -1"),
        ("devices:\n  g:\n    peak: {fp16: 0}\n", "3:18", "fp16 of device 'g' must be positive"),
        ("devices:\n  g:\n    peak: {fp16: 1.5}\n", "3:18", "is not a whole number"),
        ("devices:\n  g:\n    peak: {fp61: 1T}\n", "3:12", "unknown number format 'fp61' in device 'g'; did you mean 'fp16'?"),
        ("devices:\n  g:\n    bandwith: 1T\n", "3:5", "unknown key 'bandwith' in device 'g'; did you mean 'bandwidth'?"),
        ("devices:\n  g:\n    memory_bytes: null\n", "3:19", "memory_bytes of device 'g' is null"),
        ("devices:\n  g:\n    bandwidth: fast\n", "3:16", "is not a count"),
        ("devices:\n  g: 5\n", "2:6", "device 'g' must be a mapping"),
        ("gpus: {}\n", "1:1", "a device file is a mapping with one key, 'devices'"),
        ("devices: [1, 2\n", "1:10", "invalid YAML"),
    ],
)
def test_a_bad_device_file_is_a_located_error_exit_2(tmp_path: Path, text: str, located: str, problem: str) -> None:
    path = write(tmp_path, text)
    code, out, err = run("devices", "--device-file", path)
    assert code == 2 and out == ""
    assert f"my.yaml:{located}: " in err and problem in err, err


def test_a_missing_device_file_is_exit_2(tmp_path: Path) -> None:
    code, _, err = run("devices", "--device-file", tmp_path / "none.yaml")
    assert code == 2 and "none.yaml: cannot read the device file" in err


@pytest.mark.parametrize("output_format", ["table", "json", "csv", "markdown"])
def test_devices_in_every_format(output_format: str) -> None:
    code, out, err = run("devices", "--format", output_format)
    assert code == 0 and err == ""
    for name in NAMES:
        assert name in out
    if output_format == "json":
        listed = json.loads(out)["devices"]
        assert listed[1]["memory_bytes"] == 80 * GIB and listed[1]["peak_flops"]["fp8"] is None
    if output_format == "csv":
        assert "a100-80gb,NVIDIA A100 80GB SXM4,85899345920,2039000000000,19500000000000," in out
    if output_format == "table":
        assert "2,039 GB/s" in out and "80 GiB" in out
