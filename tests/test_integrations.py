"""The GitHub Action (action.yml), the example workflow that uses it, and the pre-commit hook.

GitHub does not run here, so the action's own shell steps are run as a runner would run them: in a
git repository with a base commit and a pull request's head, with the environment a runner sets.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
ARCHCALC = Path(sys.executable).parent / "archcalc"
BUDGETED = "input: 16\nlayers: [{dense: 8}, {dense: 2}]\nbudget:\n  params: 200\n"


def step(name: str) -> dict[str, Any]:
    (found,) = [step for step in ACTION["runs"]["steps"] if step["name"] == name]
    return found  # type: ignore[no-any-return]


def git(repository: Path, *arguments: str) -> str:
    result = subprocess.run(["git", *arguments], cwd=repository, capture_output=True, text=True, check=True)
    return result.stdout.strip()


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, str]:
    """A repository whose base commit has one spec within budget; the head makes it grow past the
    budget and adds a second spec."""
    repository = tmp_path / "repository"
    (repository / "archspecs").mkdir(parents=True)
    git(repository, "init", "--quiet")
    git(repository, "config", "user.email", "ci@example.com")
    git(repository, "config", "user.name", "CI")
    (repository / "archspecs/mlp.yaml").write_text(BUDGETED)
    git(repository, "add", ".")
    git(repository, "commit", "--quiet", "-m", "base")
    base = git(repository, "rev-parse", "HEAD")
    (repository / "archspecs/mlp.yaml").write_text(BUDGETED.replace("{dense: 8}", "{dense: 16}"))
    (repository / "archspecs/new.yaml").write_text("chain: 4->2\n")
    git(repository, "add", ".")
    git(repository, "commit", "--quiet", "-m", "head")
    return repository, base


def run_step(name: str, repository: Path, base: str, specs: str = "archspecs/") -> subprocess.CompletedProcess[str]:
    if shutil.which("bash") is None:
        pytest.skip("the action's steps are bash")
    runner = repository.parent / "runner"
    runner.mkdir(exist_ok=True)
    environment = {
        **os.environ,
        "ARCHCALC": str(ARCHCALC),
        "SPECS": specs,
        "ARGS": "",
        "BASE": base,
        "RUNNER_TEMP": str(runner),
        "GITHUB_STEP_SUMMARY": str(runner / "summary.md"),
    }
    return subprocess.run(["bash", "-e", "-c", step(name)["run"]], cwd=repository, env=environment, capture_output=True, text=True, check=False)


def test_the_action_takes_specs_and_args() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert ACTION["inputs"]["specs"]["required"] is True
    assert ACTION["inputs"]["args"]["default"] == ""
    for name in ("Check budgets", "Summary"):
        assert step(name)["env"]["SPECS"] == "${{ inputs.specs }}"  # inputs reach the shell as variables, never as code
        assert "${{" not in step(name)["run"]
    assert "check $SPECS $ARGS --format github" in step("Check budgets")["run"]
    assert '>> "$GITHUB_STEP_SUMMARY"' in step("Summary")["run"]
    assert '/bin/pip" install --quiet "$GITHUB_ACTION_PATH"' in step("Install archcalc")["run"]


@pytest.mark.slow
def test_the_install_step_installs_this_checkout(tmp_path: Path) -> None:
    """The action installs archcalc from its own checkout into a venv, and says where for the later steps."""
    if shutil.which("bash") is None:
        pytest.skip("the action's steps are bash")
    environment = {**os.environ, "PYTHON": sys.executable, "RUNNER_TEMP": str(tmp_path), "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_ENV": str(tmp_path / "env")}
    result = subprocess.run(["bash", "-e", "-c", step("Install archcalc")["run"]], env=environment, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "env").read_text() == f"ARCHCALC={tmp_path}/archcalc/bin/archcalc\n"
    shown = subprocess.run([str(tmp_path / "archcalc/bin/archcalc"), "show", "16->8->2", "-f", "csv"], capture_output=True, text=True, check=True)
    assert shown.stdout.splitlines()[-1] == ",total,2,144,10,154,144,"


def test_the_check_step_fails_with_an_annotation_on_the_budget_line(pull_request: tuple[Path, str]) -> None:
    repository, base = pull_request
    result = run_step("Check budgets", repository, base)
    assert result.returncode == 1, result.stderr
    assert "::error file=archspecs/mlp.yaml,line=4,col=3,title=archcalc budget exceeded::mlp: params 306 exceeds the budget of 200" in result.stdout


def test_a_glob_in_specs_is_expanded_by_archcalc_not_by_the_shell(pull_request: tuple[Path, str]) -> None:
    """bash without globstar reads `**` as `*`: archspecs/**/*.yaml would miss archspecs/mlp.yaml."""
    repository, base = pull_request
    (repository / "archspecs/deep/er").mkdir(parents=True)
    (repository / "archspecs/deep/second.yaml").write_text("chain: 4->2\n")  # what bash alone would match
    (repository / "archspecs/deep/er/third.yaml").write_text("chain: 4->2\n")
    result = run_step("Check budgets", repository, base, specs="archspecs/**/*.yaml")
    assert "mlp: params 306 exceeds the budget of 200" in result.stdout
    assert "4 specs" in result.stdout, result.stdout  # mlp, new, deep/second and deep/er/third


def test_the_summary_shows_what_the_pull_request_changed(pull_request: tuple[Path, str]) -> None:
    repository, base = pull_request
    result = run_step("Summary", repository, base)
    assert result.returncode == 0, result.stderr
    summary = (repository.parent / "runner/summary.md").read_text()
    assert "**mlp → mlp**" in summary and "params 154 → 306 (+98.7%)" in summary  # diff --format markdown
    assert "**4->2 · input 4 → output 2**" not in summary and "**new · input 4 → output 2**" in summary  # show, for a new spec
    assert "| mlp | params | 200 | 306 |" in summary and "| new | – |" in summary  # the budget table


def test_the_summary_keeps_a_spec_whose_path_has_a_space_or_any_letter(pull_request: tuple[Path, str]) -> None:
    """Issue 27: `for path in $(git diff …)` split "my model.yaml" in two, and git quoted "é" as
    "\\303\\251": those specs were left out of the summary. A path that starts with `-` is no option."""
    repository, base = pull_request
    names = ["my model.yaml", "modèle.YAML", "-dash.yaml", 'quote".yml']
    for name in names:
        (repository / "archspecs" / name).write_text(BUDGETED)
    git(repository, "add", ".")
    git(repository, "commit", "--quiet", "-m", "base, again")
    base = git(repository, "rev-parse", "HEAD")
    for name in names:
        (repository / "archspecs" / name).write_text(BUDGETED.replace("{dense: 8}", "{dense: 4}"))
    (repository / "archspecs/new spec.yaml").write_text("chain: 4->2\n")
    git(repository, "add", ".")
    git(repository, "commit", "--quiet", "-m", "head, again")
    result = run_step("Summary", repository, base)
    assert result.returncode == 0, result.stderr
    summary = (repository.parent / "runner/summary.md").read_text()
    for stem in ("my model", "modèle", "-dash", 'quote"'):
        assert f"**{stem} → {stem}**" in summary, (stem, summary)
    assert summary.count("params 154 → 78") == 4
    assert "**new spec · input 4 → output 2**" in summary


def test_the_example_workflow_uses_the_action() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/budgets.yml").read_text())
    steps = workflow["jobs"]["budgets"]["steps"]
    (uses,) = [step for step in steps if step.get("uses") == "./"]
    assert uses["with"]["specs"] == "archspecs/"
    assert workflow[True]["pull_request"]["paths"] == ["archspecs/**", ".github/workflows/budgets.yml"]  # YAML 1.1 reads `on` as true


def test_the_pre_commit_hook_checks_specs() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert (hook["id"], hook["entry"], hook["language"]) == ("archcalc-check", "archcalc check", "python")
    files = re.compile(hook["files"])
    assert files.search("archspecs/seed/cnn.yaml") and files.search("models/archspecs/net.yml")
    assert not files.search(".github/workflows/budgets.yml") and not files.search(".pre-commit-hooks.yaml")
    result = subprocess.run([str(ARCHCALC), *hook["entry"].split()[1:], "archspecs/seed/cnn.yaml"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
