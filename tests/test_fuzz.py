"""A bounded, seeded fuzz run (tests/fuzz.py): every input gives a result or a clear error."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from tests.fuzz import mutate, run, seed_texts

LONG_BATCH = 1500
SHORT_BATCH = 150


@pytest.mark.slow
def test_a_long_seeded_fuzz_run_never_crashes() -> None:
    outcomes, crashes = run(seed=2026, count=LONG_BATCH)
    assert not crashes, crashes[0][0] + "\n" + crashes[0][1]
    assert outcomes["ok"] > 50 and outcomes["refused"] > 500  # the run exercised both paths


def test_a_short_seeded_fuzz_run_never_crashes() -> None:
    outcomes, crashes = run(seed=7, count=SHORT_BATCH)
    assert not crashes, crashes[0][0] + "\n" + crashes[0][1]
    assert outcomes["ok"] > 5 and outcomes["refused"] > 50


def test_mutated_specs_through_the_cli_exit_0_or_2_without_a_traceback(tmp_path: Path) -> None:
    rng = random.Random(11)
    seeds = seed_texts()
    runner = CliRunner()
    exits = {0: 0, 2: 0}
    for number in range(120):
        path = tmp_path / f"mutant{number}.yaml"
        path.write_text(mutate(rng.choice(seeds), rng), encoding="utf-8", errors="surrogatepass")
        result = runner.invoke(app, ["show", str(path), "--explain", "-r"])
        assert result.exit_code in exits, (path.read_text(), result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.stderr
        if result.exit_code == 2:
            assert result.stdout == "" and result.stderr.startswith("archcalc: error: ")
        exits[result.exit_code] += 1
    assert exits[0] and exits[2]
