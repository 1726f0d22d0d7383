"""`archcalc schema`: a JSON Schema of the spec format that every archspec meets and typos fail."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.errors import SpecError
from archcalc.formats.yaml.located import Located
from archcalc.formats.yaml.shape import SHAPE_PATTERN, parse_shape
from archcalc.kinds import KINDS
from tests.conftest import ARCHSPECS, ROOT


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def problems(validator: jsonschema.Draft202012Validator, document: Any) -> list[str]:
    return [error.message for error in validator.iter_errors(document)]


@pytest.mark.parametrize("spec", sorted(ARCHSPECS.rglob("*.yaml")), ids=lambda path: str(path.relative_to(ARCHSPECS)))
def test_every_archspec_meets_the_schema(spec: Path, validator: jsonschema.Draft202012Validator) -> None:
    assert problems(validator, yaml.safe_load(spec.read_text())) == []


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_every_kinds_example_meets_the_schema(kind: type, validator: jsonschema.Draft202012Validator) -> None:
    shape, layer = kind.EXAMPLE  # type: ignore[attr-defined]
    document = yaml.safe_load(f"input: {shape}\nlayers:\n  - {layer}\n")
    assert problems(validator, document) == []


def test_the_readme_typo_fails(validator: jsonschema.Draft202012Validator) -> None:
    """`kernal` for `kernel`: the schema refuses it, as the parser does."""
    assert problems(validator, yaml.safe_load((ROOT / "tests/data/typo.yaml").read_text()))


@pytest.mark.parametrize(
    "text",
    [
        "input: 4x4x1\nlayers: [{maxpol: 2}]",  # unknown layer
        "input: 4x4x1\nlayers: [{conv: {filters: 2.5, kernel: 3}}]",  # not a whole number
        "input: 4x4x1\nlayers: [{conv: {filters: 2, kernel: 3, padding: sam}}]",
        "input: 4x0x1\nlayers: [relu]",
        "input: 4x4x1\nlayers: [{dropout: 1.5}]",
        "input: 16\nlayers: [{dense: 8, relu: null}]",  # two layers in one entry
        "input: 16\nlayer: [{dense: 8}]",  # unknown key
        "input: 16\nchain: 16->8",  # chain replaces input and layers
        "input: 16\nlayers: []\nbudget: {parms: 10}",
        "input: 16\nlayers: []\nbudget: {params: 25.6Q}",
        "input: 16\nlayers: []\ndefaults: {conv: {biass: false}}",
        "input: 8x8x4\nlayers: [{repeat: {times: 2, layers: [{relu: 2}]}}]",  # relu takes no argument
        "input: 8x8x4\nlayers: [{conv: {filters: 2, kernel: [3, 3, 3, 3]}}]",  # at most one value per spatial axis
    ],
)
def test_mistakes_fail(text: str, validator: jsonschema.Draft202012Validator) -> None:
    assert problems(validator, yaml.safe_load(text)), text


@pytest.mark.parametrize(
    "text",
    [
        "16->8->2",
        "chain: 4x4x1 -> 8 -> 2",
        "input: [4, 4, 1]\nlayers: [{conv: {filters: 2, kernel: [3, 1], padding: same, name: first}}, relu, flatten, {dense: 2}]",
        "input: 16\nlayers: [{dense: {units: 8, bias: false}}, {dropout: 0.1}]\nbudget: {params: 25.6M, macs: 1e6, param_bytes: 100, dtype: float16}",
        "input: 16\nlayers: [{dense: 8}]\nbudget: {param_bytes: 100, dtype: fp16}\ntraining: {precision: amp-bfloat16}",  # either spelling of a format
        "input: 8x8x4\ndefaults: {conv2d: {bias: false}}\nlayers: [{residual: [{conv2d: {filters: 4, kernel: 3, padding: 1}}, batchnorm]}, {se: 2}]",
        "input: 8x8x4\nlayers: [{concat: [[{conv: {filters: 2, kernel: 1}}], []]}, {repeat: {times: 2, layers: [relu]}}, {block: [relu]}]",
        "input: 8x8x4\nlayers: [relu:, {global_avgpool: null}]",
    ],
)
def test_what_the_parser_reads_meets_it(text: str, validator: jsonschema.Draft202012Validator) -> None:
    assert problems(validator, yaml.safe_load(text)) == [], text


def test_every_kind_and_argument_is_in_it(validator: jsonschema.Draft202012Validator) -> None:
    assert isinstance(validator.schema, dict)
    definitions = validator.schema["$defs"]
    for kind in KINDS:
        entry = definitions[kind.__name__]
        assert set(entry["properties"]) == set(kind.NAMES)
        for written in kind.NAMES:
            text = json.dumps(entry["properties"][written])
            for argument in kind.ARGUMENTS:
                assert f'"{argument.name}"' in text, (written, argument.name)


@pytest.mark.parametrize(
    "text", ["4x4x1", "4×4×1", "4 X 4 * 1", "[4, 4, 1]", "16", "07x3", "4x4x4x4x4", "4x0x1", "4xx1", "four", "4x4x1]", "-4x4", "1_000x3", "1__0x3"]
)
def test_the_shape_pattern_agrees_with_the_parser(text: str) -> None:
    try:
        parse_shape(Located(text, "<test>"))
        parsed = True
    except SpecError:
        parsed = False
    assert bool(re.match(SHAPE_PATTERN, text)) == parsed, text
