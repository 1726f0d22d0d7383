"""archcalc against PyTorch itself: output shape, parameters, batch-norm state and MACs.

Runs when torch is importable (`pip install '.[parity]'`), is skipped otherwise. Every archspec and
300 seeded random specs are built as torch modules (tests/torch_reference.py) and measured with
forward hooks; archcalc must agree to the last integer. Where archcalc refuses a layer, PyTorch must
refuse it too.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from archcalc.engine import analyze  # noqa: E402
from archcalc.errors import ShapeError  # noqa: E402
from archcalc.formats import load_spec, load_text  # noqa: E402
from tests.conftest import ARCHSPECS  # noqa: E402
from tests.random_specs import random_candidate, random_spec, spec_text  # noqa: E402
from tests.torch_reference import TorchFigures, measure  # noqa: E402

pytestmark = pytest.mark.parity
RANDOM_SPECS = 300


def archcalc_figures(report) -> TorchFigures:  # type: ignore[no-untyped-def]
    total = report.total
    return TorchFigures(report.output_shape, total.params, total.non_trainable, total.macs)


ON_THE_CPU = 2_000_000_000
"""Specs of more MACs than this are built on PyTorch's meta device: shapes without data, so Llama's
billions of parameters take no memory and its trillions of MACs no time."""


@pytest.mark.parametrize("path", sorted(ARCHSPECS.rglob("*.yaml")), ids=lambda path: path.stem)
def test_archspecs_match_pytorch(path) -> None:  # type: ignore[no-untyped-def]
    spec = load_spec(str(path))
    expected = archcalc_figures(analyze(spec))
    assert expected == measure(spec, "meta" if expected.macs > ON_THE_CPU else "cpu")


@pytest.mark.parametrize("seed", range(RANDOM_SPECS))
def test_random_specs_match_pytorch(seed: int) -> None:
    text = random_spec(seed)
    spec = load_text(text, f"<seed {seed}>", "random")
    assert archcalc_figures(analyze(spec)) == measure(spec), text


REFUSAL_CANDIDATES = 300


def test_the_refusal_check_sees_refusals() -> None:
    """Guards the next test against going vacuous: a fair share of its candidates must be refused."""
    refused = 0
    for seed in range(REFUSAL_CANDIDATES):
        shape, item = random_candidate(seed)
        try:
            analyze(load_text(spec_text(shape, [item]), "<candidate>", "random"))
        except ShapeError:
            refused += 1
    assert refused >= REFUSAL_CANDIDATES // 4


@pytest.mark.parametrize("seed", range(REFUSAL_CANDIDATES))
def test_what_archcalc_refuses_pytorch_refuses(seed: int) -> None:
    shape, item = random_candidate(seed)
    spec = load_text(spec_text(shape, [item]), f"<seed {seed}>", "random")
    try:
        expected = archcalc_figures(analyze(spec))
    except ShapeError as refusal:
        with pytest.raises(Exception):  # noqa: B017 - any torch error will do: PyTorch cannot build or run it either
            measure(spec)
        assert refusal.layer  # and archcalc said which layer
    else:
        assert expected == measure(spec)


def test_the_reference_builds_every_kind() -> None:
    from archcalc.kinds import KINDS
    from tests.torch_reference import BUILDERS

    assert [kind.__name__ for kind in KINDS if kind not in BUILDERS] == []


@pytest.mark.parametrize("training_only", [False, True])
def test_a_training_only_branch_counts_as_pytorch_runs_it(training_only: bool) -> None:
    """PyTorch in eval mode skips a training-only branch, as torchvision's Inception3 skips its AuxLogits:
    no hook sees its MACs, and its parameters are still the model's."""
    branch = "[{avgpool: {kernel: 5, stride: 3}}, {conv: {filters: 4, kernel: 1}}, global_avgpool, {dense: 10}]"
    flag = "true" if training_only else "false"
    text = f"input: 17x17x8\nlayers:\n  - branch: {{training_only: {flag}, layers: {branch}}}\n  - {{conv: {{filters: 2, kernel: 1}}}}\n"
    spec = load_text(text, "<side output>", "side")
    figures = measure(spec)
    assert figures == archcalc_figures(analyze(spec))
    assert figures.params == (8 * 4 + 4) + (4 * 10 + 10) + (8 * 2 + 2)
    assert figures.macs == 17 * 17 * 2 * 8 + (0 if training_only else 5 * 5 * 4 * 8 + 4 * 10)
