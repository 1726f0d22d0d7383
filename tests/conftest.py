"""Shared fixtures: spec building from text, the CLI runner, and `--update-golden`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from archcalc.engine import Report, analyze
from archcalc.formats import load_text
from archcalc.model import Spec

ROOT = Path(__file__).resolve().parent.parent
ARCHSPECS = ROOT / "archspecs"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current output")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def spec_from(text: str, source: str = "test.yaml") -> Spec:
    return load_text(textwrap.dedent(text), source, "test")


def report_from(text: str) -> Report:
    return analyze(spec_from(text))
