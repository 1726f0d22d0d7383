"""`import -o`: written whole, never through a planted link, never over what is not a regular file,
and of many writers at once exactly one wins (issue 27: S1, L1, L2, W5, W6)."""

from __future__ import annotations

import multiprocessing
import os
import stat
import subprocess
import sys
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.safe_write import OutputError, write_file
from tests.conftest import ROOT

runner = CliRunner()
MODEL = ROOT / "tests" / "data" / "keras" / "sequential_cnn.json"


def imported(*arguments: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["import", str(MODEL), *[str(argument) for argument in arguments]])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("flags", [[], ["--force"]])
def test_a_planted_link_at_the_old_temporary_name_is_never_followed(tmp_path: Path, flags: list[str]) -> None:
    """S1: `specs/.model.yaml.partial` -> a victim overwrote the victim and left `model.yaml` a link to it."""
    specs = tmp_path / "specs"
    specs.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (specs / ".model.yaml.partial").symlink_to(victim)
    code, out, err = imported("-o", specs / "model.yaml", *flags)
    assert (code, out, err) == (0, "", f"archcalc: wrote {specs / 'model.yaml'}\n")
    assert victim.read_text() == "precious\n"
    target = specs / "model.yaml"
    assert not target.is_symlink() and target.read_text().startswith("# Imported by archcalc")
    assert sorted(path.name for path in specs.iterdir()) == [".model.yaml.partial", "model.yaml"]  # no temporary file left


def test_a_link_at_the_target_is_refused_with_or_without_force(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    target = tmp_path / "model.yaml"
    target.symlink_to(victim)
    for flags in ([], ["--force"]):
        code, out, err = imported("-o", target, *flags)
        assert (code, out) == (2, "")
        assert err == f"archcalc: error: {target} is a symbolic link, not a regular file; archcalc writes only regular files; give -o another name\n"
    assert victim.read_text() == "precious\n" and target.is_symlink()


def test_a_device_is_never_replaced(tmp_path: Path) -> None:
    """L1: --force replaced a device node with a regular file. The node is made here (a null device,
    as root can): a test must not risk the machine's own /dev/null."""
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")
    code, out, err = imported("-o", device, "--force")
    assert (code, out) == (2, "")
    assert err == f"archcalc: error: {device} is a device, not a regular file; archcalc writes only regular files; give -o another name\n"
    assert stat.S_ISCHR(device.lstat().st_mode)


def test_a_link_to_a_descriptor_is_never_replaced() -> None:
    """L1: --force replaced /proc/self/fd/1 (a link to standard output) with a regular file."""
    if not os.path.lexists("/proc/self/fd/1"):
        pytest.skip("no /proc here")
    code, out, err = imported("-o", "/proc/self/fd/1", "--force")
    assert (code, out) == (2, "")
    assert err == "archcalc: error: /proc/self/fd/1 is a symbolic link, not a regular file; archcalc writes only regular files; give -o another name\n"


def test_a_fifo_is_refused_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    code, _, err = imported("-o", fifo, "--force")
    assert code == 2 and "is a FIFO, not a regular file" in err


def test_an_empty_output_is_a_usage_error() -> None:
    """W5: `-o ''` said " is a directory"."""
    code, out, err = imported("-o", "")
    assert (code, out) == (2, "")
    assert err == "archcalc: error: an empty -o names no file (is a variable unset?); give the file's name, or '-' for standard output\n"


def test_an_empty_against_is_a_usage_error(tmp_path: Path) -> None:
    """W5: `--against ''` said " is a directory"."""
    spec = tmp_path / "net.yaml"
    spec.write_text("input: 4\nlayers: [{dense: 2}]\n")
    result = runner.invoke(app, ["check", str(spec), "--against", ""])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "archcalc: error: an empty --against names no model file (is a variable unset?); give the model file's name\n"


def test_dash_is_standard_output_not_a_file_named_dash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """W6: `-o -` wrote a file named `-`."""
    monkeypatch.chdir(tmp_path)
    code, out, err = imported("-o", "-")
    assert (code, err) == (0, "")
    assert out == runner.invoke(app, ["import", str(MODEL)]).stdout
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    code, out, err = imported("-o", tmp_path / "no" / "model.yaml")
    assert (code, out) == (2, "")
    assert err == f"archcalc: error: cannot write {tmp_path / 'no' / 'model.yaml'}: No such file or directory\n"


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk: no target, no temporary file."""

    def full(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError, match="No space left on device"):
        write_file(str(tmp_path / "model.yaml"), "text\n", force=False)
    assert list(tmp_path.iterdir()) == []


def test_without_hard_links_the_target_is_still_created_exclusively(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file system without hard links (FAT says EPERM): created with O_EXCL instead, still never over a file."""

    def no_links(source: str, target: str) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "model.yaml"
    write_file(str(target), "first\n", force=False)
    with pytest.raises(OutputError, match="exists already"):
        write_file(str(target), "second\n", force=False)
    assert target.read_text() == "first\n" and list(tmp_path.iterdir()) == [target]


def test_a_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    """Not a temporary file's 0600: 0666 less the umask, as the shell's `>` would make it."""
    mask = os.umask(0o022)
    try:
        write_file(str(tmp_path / "model.yaml"), "text\n", force=False)
    finally:
        os.umask(mask)
    assert (tmp_path / "model.yaml").stat().st_mode & 0o777 == 0o644


def _write_at_once(target: Path, flags: list[str], barrier: Barrier, results: Queue[tuple[int, str]]) -> None:
    """One writer, in a process of its own, let go with the others at the barrier."""
    barrier.wait()
    result = runner.invoke(app, ["import", str(MODEL), "-o", str(target), *flags])
    results.put((result.exit_code, result.stderr))


def _race(target: Path, flags: list[str], count: int = 20) -> list[tuple[int, str]]:
    """`count` processes (forked: no interpreter start each) that each import to `target` at once."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(count)
    results: Queue[tuple[int, str]] = context.Queue()
    writers = [context.Process(target=_write_at_once, args=(target, flags, barrier, results)) for _ in range(count)]
    for writer in writers:
        writer.start()
    outcomes = [results.get(timeout=120) for _ in writers]
    for writer in writers:
        writer.join(timeout=120)
    return outcomes


def test_of_twenty_writers_at_once_exactly_one_wins(tmp_path: Path) -> None:
    """L2: 15-20 of 20 parallel imports said "wrote"; with --force some failed with "No such file"."""
    target = tmp_path / "same.yaml"
    outcomes = _race(target, [])
    refused = (2, f"archcalc: error: {target} exists already; give --force to overwrite it\n")
    assert sorted(outcomes) == [(0, f"archcalc: wrote {target}\n")] + [refused] * 19
    assert [path.name for path in tmp_path.iterdir()] == ["same.yaml"]
    assert target.read_text() == _reference(tmp_path, target)


def test_twenty_forced_writers_at_once_all_write_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "same.yaml"
    target.write_text("old\n")
    assert _race(target, ["--force"]) == [(0, f"archcalc: wrote {target}\n")] * 20
    assert [path.name for path in tmp_path.iterdir()] == ["same.yaml"]
    assert target.read_text() == _reference(tmp_path, target)


@pytest.mark.slow
def test_twenty_archcalc_processes_started_at_once_one_wins(tmp_path: Path) -> None:
    """The issue's own case: twenty `archcalc import M -o same.yaml` started from a shell at once."""
    target = tmp_path / "same.yaml"
    command = [sys.executable, "-m", "archcalc", "import", str(MODEL), "-o", str(target)]
    writers = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8") for _ in range(20)]
    outcomes = sorted((writer.wait(timeout=120), writer.communicate()[1]) for writer in writers)
    assert outcomes == [(0, f"archcalc: wrote {target}\n")] + [(2, f"archcalc: error: {target} exists already; give --force to overwrite it\n")] * 19
    assert target.read_text() == _reference(tmp_path, target)


def _reference(folder: Path, target: Path) -> str:
    """What one writer alone writes to `target`."""
    alone = folder / "alone"
    alone.mkdir()
    assert runner.invoke(app, ["import", str(MODEL), "-o", str(alone / target.name)]).exit_code == 0
    return (alone / target.name).read_text().replace(str(alone / target.name), str(target))
