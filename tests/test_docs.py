"""The documentation tells the truth: README.md and every page under docs/.

- Every ```console block holds `$ archcalc ...` lines, each followed by its output (standard output,
  then standard error), and every `<!-- pasted: archcalc ... -->` block holds what that command
  prints, pasted as Markdown (docs/spec.md's table of layer kinds). `pytest --update-golden`
  rewrites both from a fresh run.
- Every ```yaml block that is a spec computes; every relative link points at a file that exists.
- CI runs the README's test command, and no file leans on something outside the repository.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine import analyze
from archcalc.formats import load_text
from tests.conftest import ROOT

README = ROOT / "README.md"
DOCUMENTS = [README, *sorted((ROOT / "docs").glob("*.md"))]
CONSOLE_BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)
PASTED_BLOCK = re.compile(r"(<!-- pasted: (archcalc [^\n]*?) -->\n)(.*?)(<!-- end pasted -->)", re.DOTALL)
YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def name_of(document: Path) -> str:
    return str(document.relative_to(ROOT))


def run_example(command: str) -> str:
    arguments = shlex.split(command)
    assert arguments[0] == "archcalc", command
    result = CliRunner().invoke(app, arguments[1:])
    return result.stdout + result.stderr


def examples(text: str) -> list[tuple[str, str]]:
    """(command, pasted output) for every `$ archcalc` line and every pasted block of a document."""
    found = []
    for block in CONSOLE_BLOCK.findall(text):
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, _, output = chunk.partition("\n")
            found.append((command, output))
    found.extend((command, output) for _, command, output, _ in PASTED_BLOCK.findall(text))
    return found


def rerun(text: str) -> str:
    """The document with every example's output written afresh."""

    def console(block: re.Match[str]) -> str:
        commands = [chunk.partition("\n")[0] for chunk in re.split(r"^\$ ", block.group(1), flags=re.MULTILINE)[1:]]
        return "```console\n" + "".join(f"$ {command}\n{run_example(command)}" for command in commands) + "```"

    text = CONSOLE_BLOCK.sub(console, text)
    return PASTED_BLOCK.sub(lambda block: block.group(1) + run_example(block.group(2)) + block.group(4), text)


@pytest.mark.parametrize("document", DOCUMENTS, ids=name_of)
def test_pasted_output_is_what_archcalc_prints(document: Path, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # paths in the examples are as a user in the repository types them
    text = document.read_text()
    if update_golden:
        text = rerun(text)
        document.write_text(text)
    for command, output in examples(text):
        assert run_example(command) == output, f"{name_of(document)}: the output of `{command}` is stale; rerun pytest --update-golden"


def test_the_readme_shows_examples() -> None:
    assert examples(README.read_text())


@pytest.mark.parametrize("document", DOCUMENTS, ids=name_of)
def test_every_spec_in_the_docs_computes(document: Path) -> None:
    for number, block in enumerate(YAML_BLOCK.findall(document.read_text()), start=1):
        written = yaml.safe_load(block)
        if isinstance(written, dict) and ({"input", "chain"} & set(written)):
            analyze(load_text(block, f"{name_of(document)} yaml block {number}", "example"))


@pytest.mark.parametrize("document", DOCUMENTS, ids=name_of)
def test_every_link_points_at_a_file(document: Path) -> None:
    for target in LINK.findall(document.read_text()):
        if re.match(r"^[a-z]+:|^#", target):
            continue  # a web address, or a heading on the same page
        path = target.split("#")[0]
        assert (document.parent / path).exists(), f"{name_of(document)} links to {target}, which does not exist"


def test_ci_runs_the_readmes_test_command() -> None:
    (ci,) = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.startswith("python3 -m venv .venv && ")]
    assert ci.endswith("&& .venv/bin/pytest")
    assert f"```sh\n{ci}\n```" in README.read_text()


def test_the_readmes_command_table_lists_every_command() -> None:
    """It left out `import`."""
    from typer.main import get_command

    table = re.findall(r"^\| `(\w+)[^`]*` \|", README.read_text(), flags=re.MULTILINE)
    assert sorted(table) == sorted(get_command(app).commands)  # type: ignore[attr-defined]


def test_the_readme_says_what_it_claims() -> None:
    """Which commands take directories and globs, and --format; and how to run the slow and parity tests."""
    text = " ".join(README.read_text().split())
    assert "`.venv/bin/pytest -m slow`" in text and "`.venv/bin/pytest -m parity`" in text
    assert "`check`, `compare` and `sweep` also take directories and globs" in text
    for command in ("check", "compare", "sweep"):
        result = CliRunner().invoke(app, [command, str(ROOT / "archspecs/seed"), "--format", "json"])
        assert result.exit_code == 0 and len(json.loads(result.stdout)["specs"]) > 3
    assert "Every command but `schema` (JSON always), `import` (a YAML spec) and `report` (HTML) prints a table, or `--format json`, `csv`" in text
    for command in ("show", "compare", "check", "diff", "sweep", "sharing", "layers", "examples"):
        assert "--format" in CliRunner().invoke(app, [command, "--help"]).stdout
    assert "`show`, `compare` and `sweep` also draw a chart, `--format svg`" in text
    for command in ("show", "compare", "sweep"):
        assert "svg (a chart" in " ".join(CliRunner().invoke(app, [command, "--help"]).stdout.split())


def test_the_peak_of_activations_is_what_the_spec_reference_says() -> None:
    """It said "the largest input plus output of any one layer"; tensors held for later joins count too."""
    from archcalc.engine.memory import peak_activations, working_set
    from archcalc.engine.report import walk
    from archcalc.formats import load_spec

    text = " ".join((ROOT / "docs/spec.md").read_text().split())
    assert "the largest input plus output of any one layer" not in text
    assert "every tensor held across it for later" in text and "it is reported apart" in text
    unet = analyze(load_spec(str(ROOT / "archspecs/zoo/unet.yaml")))
    assert peak_activations(unet) > max(working_set(result) for result, _ in walk(unet.layers))


def test_the_contributor_steps_say_what_ci_and_mypy_need() -> None:
    text = " ".join((ROOT / "docs/README.md").read_text().split())
    assert "rm -rf .venv" in (ROOT / ".ci/run").read_text() and "`.ci/run` deletes `.venv`" in text
    extras = (ROOT / "pyproject.toml").read_text().split("[project.optional-dependencies]")[1]
    assert "mypy" not in extras.split("test = [")[1].split("]")[0]  # so the dev extra it needs must be named
    assert "installs the `dev` extra: the tests, and mypy and ruff, which the `test` extra the README installs does not carry" in text


@pytest.mark.parametrize("document", [README, ROOT / "docs/ci.md"], ids=name_of)
def test_the_owner_and_version_placeholders_are_explained(document: Path) -> None:
    text = " ".join(document.read_text().split())
    assert "OWNER/archcalc@v1" in text or "rev: v1" in text
    assert "`OWNER`" in text and "commit SHA" in text


SKIPPED = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", "build", "dist", "wheel-venv"}


def test_the_repository_stands_alone() -> None:
    """Nothing cites a contract file that only its authors had, or the machine it was written on:
    the spec reference (docs/spec.md) is the contract, and every figure says how it was measured."""
    contract, machine = "SPEC" + ".md", "this " + "machine"
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if path.is_dir() or parts & SKIPPED or any(part.endswith(".egg-info") for part in parts):
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        assert contract not in text, f"{path.relative_to(ROOT)} cites {contract}"  # docs/spec.md is this repository's own
        assert machine not in text.lower(), f"{path.relative_to(ROOT)} says {machine!r}"


def test_every_install_line_works_from_a_checkout() -> None:
    """Issue 26 item 9: docs/onnx.md opened with `pip install 'archcalc[onnx]'`, and archcalc is not on
    the package index. Each extra an install line names exists, and what it installs is what the
    error message asks for."""
    from archcalc.formats.onnx.load import ONNX_EXTRA

    extras = (ROOT / "pyproject.toml").read_text().split("[project.optional-dependencies]")[1].split("\n[")[0]
    documents = [README, *sorted((ROOT / "docs").glob("*.md"))]
    for document in documents:
        for line in document.read_text().splitlines():
            assert "install 'archcalc[" not in line and 'install "archcalc[' not in line, (document.name, line)
            for extra in re.findall(r"pip install -?e? ?'\.\[([a-z]+)\]'", line):
                assert f"\n{extra} = [" in extras, (document.name, extra)
    assert "pip install '.[onnx]'" in (ROOT / "docs/onnx.md").read_text().split("```")[1]  # the opening example
    required = extras.split("onnx = [")[1].split("]")[0].strip().strip(",").strip('"')
    assert f"pip install '{required}'" in ONNX_EXTRA and "pip install '.[onnx]'" in ONNX_EXTRA
