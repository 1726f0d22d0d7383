"""What a wheel carries: every package of archcalc, py.typed, and the example specs users copy,
which `archcalc examples` lists. (.ci/run builds the sdist and the wheel, checks them with twine
and runs the installed wheel.)"""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.examples import examples_directory
from tests.conftest import ARCHSPECS, ROOT

PYPROJECT = (ROOT / "pyproject.toml").read_text()


def listed_packages() -> list[str]:
    match = re.search(r"^packages = \[(.*?)\]$", PYPROJECT, re.MULTILINE)
    assert match, "pyproject.toml lists no packages"
    return re.findall(r'"([^"]+)"', match.group(1))


def test_every_package_under_cli_is_shipped() -> None:
    """pyproject.toml lists the packages (mapping archspecs/ into the package needs that): a new
    subpackage left off the list would be missing from the wheel."""
    found = sorted(".".join(path.parent.relative_to(ROOT / "cli").parts) for path in (ROOT / "cli/archcalc").rglob("__init__.py"))
    assert sorted(package for package in listed_packages() if package != "archcalc.archspecs") == found


def test_the_wheel_carries_py_typed_and_the_archspecs() -> None:
    assert re.search(r'^archcalc = \["py.typed", "devices.yaml"\]$', PYPROJECT, re.MULTILINE)
    assert (ROOT / "cli/archcalc/devices.yaml").is_file()  # the device table `serve` and `train` read
    assert re.search(r'^"archcalc.archspecs" = \["\*\*/\*.yaml"\]$', PYPROJECT, re.MULTILINE)
    assert '"archcalc.archspecs" = "archspecs"' in PYPROJECT
    assert (ROOT / "cli/archcalc/py.typed").is_file()


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


@pytest.mark.parametrize("text", ["seed", "RESNET", "nothing-like-this"])
def test_examples_filters_by_path(text: str) -> None:
    result = CliRunner().invoke(app, ["examples", text, "--format", "csv"])
    assert result.exit_code == 0, result.output
    expected = sorted(path.relative_to(ARCHSPECS).as_posix() for path in ARCHSPECS.rglob("*.yaml") if text.lower() in str(path.relative_to(ARCHSPECS)).lower())
    assert [line.split(",")[0] for line in result.stdout.splitlines()[1:]] == expected
    assert text != "seed" or len(expected) == 5
