"""What a wheel carries, read from one built here: every module of archcalc, py.typed, the command,
and the example specs users copy, which `archcalc examples` lists. (.ci/run also builds the sdist,
checks both with twine and runs the installed wheel.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.examples import examples_directory
from tests.conftest import ARCHSPECS, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """A wheel built from this checkout's files as they are now (a copy, so the build leaves nothing
    in the tree), with the setuptools already installed: no download, about 3 s of CPU."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("cli", "archspecs"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    built = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index", "-q", "-w", str(built), str(source)]
    subprocess.run(command, check=True, capture_output=True, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    (path,) = built.glob("archcalc-*.whl")
    return zipfile.ZipFile(path)


def test_every_module_under_cli_is_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    """pyproject.toml lists the packages (mapping archspecs/ into the package needs that): a new
    subpackage left off the list would be missing from the wheel."""
    shipped = {name for name in wheel.namelist() if name.endswith(".py")}
    assert shipped == {path.relative_to(ROOT / "cli").as_posix() for path in (ROOT / "cli/archcalc").rglob("*.py")}


def test_the_wheel_carries_py_typed_the_archspecs_and_the_command(wheel: zipfile.ZipFile) -> None:
    assert "archcalc/py.typed" in wheel.namelist()
    assert "archcalc/devices.yaml" in wheel.namelist()  # the device table `serve` and `train` read
    copies = {name.removeprefix("archcalc/archspecs/"): wheel.read(name) for name in wheel.namelist() if name.startswith("archcalc/archspecs/")}
    assert copies == {path.relative_to(ARCHSPECS).as_posix(): path.read_bytes() for path in ARCHSPECS.rglob("*.yaml")}
    (entry_points,) = [name for name in wheel.namelist() if name.endswith(".dist-info/entry_points.txt")]
    assert "archcalc = archcalc.__main__:main" in wheel.read(entry_points).decode()


def test_the_examples_are_the_repositorys_archspecs() -> None:
    """Installed editable, the examples are the checkout's archspecs/; installed from the wheel (as
    .ci/run installs it), a copy of every one of them inside the package."""
    directory = examples_directory()
    assert directory.resolve() == ARCHSPECS.resolve() or directory.parent.name == "archcalc"
    copies = {path.relative_to(directory): path.read_bytes() for path in directory.rglob("*.yaml")}
    assert copies == {path.relative_to(ARCHSPECS): path.read_bytes() for path in ARCHSPECS.rglob("*.yaml")}


def test_examples_lists_every_archspec() -> None:
    result = CliRunner().invoke(app, ["examples", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    expected = sorted(path.relative_to(ARCHSPECS).as_posix() for path in ARCHSPECS.rglob("*.yaml"))
    assert [example["path"] for example in document["examples"]] == expected
    cnn = next(example for example in document["examples"] if example["path"] == "seed/cnn.yaml")
    assert (cnn["name"], cnn["description"]) == ("seed-cnn", "one 3x3 conv, 2 filters, flattened into a 2-way classifier")


@pytest.mark.parametrize("text", ["seed", "RESNET"])  # one that matches nothing is exit 2: tests/test_app.py
def test_examples_filters_by_path(text: str) -> None:
    result = CliRunner().invoke(app, ["examples", text, "--format", "csv"])
    assert result.exit_code == 0, result.output
    expected = sorted(path.relative_to(ARCHSPECS).as_posix() for path in ARCHSPECS.rglob("*.yaml") if text.lower() in str(path.relative_to(ARCHSPECS)).lower())
    assert [line.split(",")[0] for line in result.stdout.splitlines()[1:]] == expected
    assert text != "seed" or len(expected) == 5
