"""Inputs written channels first or with a batch axis: a note on the spec, a hint on its shape errors,
and never either for an input written channels last."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.examples import example_specs, examples_directory
from archcalc.formats.layout import channels_last, layout_note
from tests.conftest import ROOT, spec_from

CONV = "layers:\n  - conv: {filters: 64, kernel: 3}\n"


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ((3, 224, 224), (224, 224, 3)),
        ((1, 28, 28), (28, 28, 1)),
        ((3, 32, 32), (32, 32, 3)),
        ((4, 17, 64), (17, 64, 4)),  # RGBA, not square
        ((3, 16, 112, 112), (16, 112, 112, 3)),  # a video clip, channels first
        ((1, 16, 16, 16), (16, 16, 16, 1)),  # a grey volume, channels first
        ((1, 3, 224, 224), (224, 224, 3)),  # a batch of one, channels first
        ((1, 224, 224, 3), (224, 224, 3)),  # a batch of one, channels last
    ],
)
def test_inputs_written_as_pytorch_writes_them(written: tuple[int, ...], meant: tuple[int, ...]) -> None:
    found = channels_last(written)
    assert found is not None and found[0] == meant


@pytest.mark.parametrize(
    "written",
    [
        (4, 4, 1),  # the seed
        (2, 2, 64),  # a late feature map: few positions, many channels
        (4, 16, 16),  # 16 is not more than four times 4
        (3, 12, 12),  # 12 is under 16
        (224, 224, 3),
        (7, 7, 512),
        (16, 112, 112, 3),  # a clip, channels last
        (4, 64, 64, 1),  # a volume 4 deep, channels last
        (1, 4, 4, 64),  # a batch of one late feature map: not an image
        (4, 512),  # four tokens of 512 features: a sequence
        (3, 224),
        (1, 1000),
        (784,),
    ],
)
def test_inputs_written_channels_last_are_left_alone(written: tuple[int, ...]) -> None:
    assert channels_last(written) is None
    assert layout_note(written) is None


def test_no_example_spec_is_taken_for_channels_first() -> None:
    found = example_specs(examples_directory())
    assert len(found) > 100
    assert [example.path for example in found if channels_last(spec_from((examples_directory() / example.path).read_text()).input_shape)] == []


def test_a_channels_first_spec_computes_as_written_and_says_what_it_likely_meant() -> None:
    """129,088 parameters, as the spec is written (224 channels of 3×224), and a note naming 224x224x3."""
    result = CliRunner().invoke(app, ["show", "-", "--format", "json"], input="input: [3, 224, 224]\n" + CONV)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["totals"]["params"] == 129_088
    assert document["notes"] == [
        "input 3×224×224 looks written channels first: archcalc reads an input channels last with no batch axis, so it reads "
        "224 channels at 3×224 positions; for a 224×224 image of 3 channels write input: 224x224x3"
    ]
    table = CliRunner().invoke(app, ["show", "-"], input="input: [3, 224, 224]\n" + CONV)
    assert "looks written channels first" in table.stdout
    meant = CliRunner().invoke(app, ["show", "-", "--format", "json"], input="input: 224x224x3\n" + CONV)
    assert json.loads(meant.stdout)["totals"]["params"] == 1_792 and "notes" not in json.loads(meant.stdout)


def test_a_shape_error_in_a_batched_channels_first_spec_names_the_input_it_likely_meant() -> None:
    result = CliRunner().invoke(app, ["show", "-"], input="input: [1, 3, 224, 224]\n" + CONV)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "archcalc: error: <stdin>:3:5: layer 1 (conv): the window (3 wide) is larger than the padded input (1) on spatial axis 1 of [1, 3, 224]; "
        "input 1×3×224×224 looks written with a batch axis and channels first, but archcalc reads an input channels last with no batch axis: "
        "for a 224×224 image of 3 channels write input: 224x224x3\n"
    )


def test_a_shape_error_in_a_channels_last_spec_has_no_such_hint() -> None:
    result = CliRunner().invoke(app, ["check", "-"], input="input: 2x2x64\n" + CONV)
    assert result.exit_code == 2
    said = result.stdout + result.stderr  # check's table says a spec's error in its notes (once)
    assert "the window (3 wide) is larger than the padded input (2)" in said and "channels" not in said


def test_the_seed_has_no_note() -> None:
    result = CliRunner().invoke(app, ["show", str(ROOT / "archspecs/seed/cnn.yaml"), "--format", "json"])
    assert "notes" not in json.loads(result.stdout)
