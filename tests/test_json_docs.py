"""docs/json.md names every key each command's JSON prints, and names no key it does not print.

Each command is run with the options and specs that bring out every key it has (receptive fields,
memory, a key/value cache, joins by name, side branches, notes, repeats, errors, --against); every
key at any depth must be written in backticks in that command's section, or in the introduction
(the five figures, `schema_version`). Backticked words in a section that are not keys are values
the section explains, listed here, so a key the docs invent is caught too.
"""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from tests.conftest import ROOT

DOCUMENT = ROOT / "docs/json.md"
SPECS = ROOT / "archspecs"

RUNS: dict[str, list[tuple[list[str], str | None]]] = {
    "show": [
        (["show", str(SPECS / "zoo/unet.yaml"), "--receptive-field", "--memory", "--explain", "--count", "flops"], None),
        (["show", str(SPECS / "zoo/torchvision/segmentation/fcn_resnet50.yaml"), "--memory"], None),
        (["show", str(SPECS / "zoo/language/gpt2.yaml"), "--memory"], None),
        (["show", "-"], "input: [3, 32, 32]\nlayers: [{repeat: {times: 2, layers: [relu]}}]\n"),  # notes, times
        (["show", str(ROOT / "tests/data/tiny.safetensors")], None),  # checkpoint
    ],
    "compare": [
        (["compare", str(SPECS / "seed/ann.yaml"), str(SPECS / "seed/cnn.yaml"), "--count", "flops"], None),
        (["compare", str(SPECS / "seed/cnn.yaml"), str(SPECS / "zoo/language/gpt2.yaml"), "--device", "t4", "--prompt", "8"], None),
        (["compare", str(SPECS / "zoo/hf/mixtral-8x7b-v0.1.json"), str(SPECS / "zoo/language/gpt2.yaml")], None),  # per_token
        (["compare", str(SPECS / "seed/ann.yaml"), str(SPECS / "zoo/language/gpt2.yaml"), "--memory"], None),
        (["compare", str(SPECS / "seed/ann.yaml"), str(SPECS / "seed/cnn.yaml"), "--train"], None),
    ],
    "train": [
        (["train", str(SPECS / "seed/cnn.yaml"), "--batch", "2", "--device", "t4"], None),
        (["train", str(SPECS / "zoo/language/gpt2.yaml"), "--checkpointing", "full", "--memory-limit", "80GiB", "--attention", "eager"], None),
    ],
    "check": [
        (["check", str(SPECS / "seed/cnn.yaml"), "-"], "input: 2x2x1\nlayers: [{conv: {filters: 1, kernel: 3}}]\n"),
        (["check", "4->2", "--against", "4->3"], None),
    ],
    "diff": [(["diff", str(SPECS / "seed/cnn.yaml"), str(SPECS / "seed/cnn_pooled.yaml"), "--count", "flops"], None)],
    "sweep": [
        (["sweep", str(SPECS / "seed/cnn.yaml"), "--sizes", "2,4,8"], None),
        (["sweep", str(SPECS / "exercises/gpt2_any_length.yaml"), "--sizes", "8,16"], None),
        (["sweep", str(SPECS / "zoo/language/gpt2.yaml"), "--device", "t4", "--batch", "1,2", "--prompt", "8"], None),
        (["sweep", str(SPECS / "seed/cnn.yaml"), "--batch", "1,8"], None),
    ],
    "serve": [
        (["serve", str(SPECS / "zoo/language/gpt2.yaml"), "--device", "t4", "--prompt", "8", "--generate", "2"], None),
        (["serve", str(SPECS / "seed/cnn.yaml"), "--device", "t4"], None),
    ],
    "devices": [(["devices"], None)],
    "sharing": [(["sharing", str(SPECS / "seed/cnn.yaml")], None)],
    "layers": [(["layers"], None)],
    "examples": [(["examples", "seed"], None)],
}

VALUES = {
    # backticked words a section explains that are values (or names of commands and kinds), not keys
    "show": {"residual", "concat", "repeat", "block", "types", "weight_scale_inv", "inv_freq", "flash", "eager"},
    "train": {"flash", "eager", "none", "full", "peak_activation_bytes"},
    "compare": {"serve", "compare", "last_step", "show", "train"},
    "check": {"param_bytes", "activation_bytes", "flag"},
    "diff": {"same", "changed", "renamed", "added", "removed"},
    "sweep": {"side", "length", "compare", "sweep", "train"},
    "serve": {"flash", "eager", "compute", "memory", "repeat"},
    "devices": set(),
    "sharing": set(),
    "layers": {"pool", "activation", "avgpool", "maxpool", "show", "type"},
    "examples": set(),
}


BORROWS = {"compare": ("serve", "train"), "sweep": ("serve", "train")}
"""Sections whose documents may carry other commands' keys: with --device, `compare` and `sweep` print
`serve`'s runs; `compare --train` and `sweep --batch` alone print `train`'s documents."""


def printed_keys(document: object) -> set[str]:
    if isinstance(document, dict):
        return set(document) | {key for value in document.values() for key in printed_keys(value)}
    if isinstance(document, list):
        return {key for item in document for key in printed_keys(item)}
    return set()


def sections() -> tuple[str, dict[str, str]]:
    """The JSON part's introduction, and each `### \\`command\\`` section, code blocks left out (their
    keys are examples, not the documentation of them)."""
    text = DOCUMENT.read_text().split("## JSON", 1)[1].split("\n## CSV", 1)[0]
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    introduction, *rest = re.split(r"^### ", text, flags=re.MULTILINE)
    return introduction, {re.match(r"`(\w+)`", part).group(1): part.split("\n", 1)[1] for part in rest}  # type: ignore[union-attr]


def named(text: str) -> set[str]:
    return set(re.findall(r"`([a-z_][a-z0-9_]*)`", text))


def printed(command: str) -> set[str]:
    keys: set[str] = set()
    for arguments, standard_input in RUNS[command]:
        result = CliRunner().invoke(app, [*arguments, "--format", "json"], input=standard_input)
        assert result.exit_code in (0, 1, 2) and result.stdout, result.output
        keys |= printed_keys(json.loads(result.stdout))
    return keys


@pytest.mark.parametrize("command", sorted(RUNS))
def test_every_key_printed_is_documented_and_every_key_documented_is_printed(command: str) -> None:
    introduction, documented = sections()
    common = named(introduction)
    assert {"schema_version", "params", "weights", "biases", "non_trainable", "macs", "flops"} <= common
    keys = printed(command)
    section = named(documented[command])
    borrowed = set().union(*(named(documented[lender]) for lender in BORROWS.get(command, ())))
    assert keys - section - common - borrowed == set(), f"printed by {command} but not in docs/json.md"
    assert section - keys - VALUES[command] == set(), f"in docs/json.md's {command} section but never printed"


def test_every_command_with_a_json_format_has_a_section() -> None:
    _, documented = sections()
    assert set(documented) == {*RUNS, "schema"}


@pytest.mark.parametrize("command", sorted(RUNS))
def test_every_document_but_the_schema_has_the_schema_version(command: str) -> None:
    arguments, standard_input = RUNS[command][0]
    result = CliRunner().invoke(app, [*arguments, "--format", "json"], input=standard_input)
    assert json.loads(result.stdout)["schema_version"] == 1
