"""A bounded, seeded fuzz run of the model-file readers (tests/model_fuzz.py): every mutated ONNX file
and Keras config is a result (exit 0) or one error line (exit 2), never a traceback."""

from __future__ import annotations

import pytest

from tests.model_fuzz import run

SHORT_BATCH = 300
LONG_BATCH = 4000


def test_a_short_seeded_run_of_mutated_models_never_crashes() -> None:
    outcomes, crashes = run(seed=15, count=SHORT_BATCH)
    assert not crashes, crashes[0][0] + "\n" + crashes[0][1]
    assert outcomes["ok"] > 30 and outcomes["refused"] > 100  # the run exercised both paths


@pytest.mark.slow
def test_a_long_seeded_run_of_mutated_models_never_crashes() -> None:
    outcomes, crashes = run(seed=2026, count=LONG_BATCH)
    assert not crashes, crashes[0][0] + "\n" + crashes[0][1]
    assert outcomes["ok"] > 400 and outcomes["refused"] > 1000
