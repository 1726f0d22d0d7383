"""The spec format as a JSON Schema (draft 2020-12), for editors and validators: `archcalc schema`.

Generated from what the parser itself reads: the layer kinds of the registry (KINDS), each kind's
NAMES, ARGUMENTS (their `Reading`) and MAIN argument, the document's keys, the budget's kinds and
dtypes, and the patterns of shapes and counts. Nothing here lists a kind or an argument by hand, so a
new kind is in the schema as soon as it is registered.

The schema is a little stricter than the parser in one way: it lists names in lower case, as every
spec in this repository writes them (the parser also reads `Conv` or `SAME`). It is looser in two:
it does not require a kind's required arguments, since `defaults:` may give them (VGG's specs write
`conv: {filters: 64}` under `defaults: {conv: {kernel: 3}}`), and it cannot see what depends on
shapes (a kernel larger than its input). `archcalc show` finds both.
"""

from __future__ import annotations

import json
from typing import Any

from archcalc.backward import Optimizer, Precision
from archcalc.exhaustive import unreachable
from archcalc.formats.yaml.document import SPEC_KEYS
from archcalc.formats.yaml.shape import SHAPE_PATTERN
from archcalc.kinds import KINDS
from archcalc.kinds.arguments import REQUIRED, Argument, Reading, default_of
from archcalc.model import BudgetKind, DType, Layer
from archcalc.number_formats import spellings
from archcalc.quantities import COUNT_PATTERN
from archcalc.text import summary

Schema = dict[str, Any]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
CHAIN_PATTERN = "->|→"
MAX_PER_AXIS_VALUES = 3  # one per spatial axis, as formats/yaml/arguments.py reads them


def spec_schema() -> Schema:
    """The whole schema: a spec document, or a bare arrow chain."""
    return {
        "$schema": DRAFT,
        "title": "archcalc spec",
        "description": "A neural-network architecture for archcalc: an input shape and its layers, or an arrow chain such as '16->8->2'.",
        "anyOf": [{"$ref": "#/$defs/chain"}, {"$ref": "#/$defs/document"}],
        "$defs": {
            "chain": {"type": "string", "pattern": CHAIN_PATTERN, "description": "An arrow chain: an input size, then one dense layer per arrow."},
            "document": _document(),
            "shape": _shape(),
            "count_text": {"type": "string", "pattern": COUNT_PATTERN},
            "layers": {"type": "array", "items": {"$ref": "#/$defs/layer"}, "description": "Layers, applied in order."},
            "layer": {
                "anyOf": [{"enum": [written for kind in KINDS for written in kind.NAMES]}, *({"$ref": f"#/$defs/{_definition(kind)}"} for kind in KINDS)]
            },
            **{_definition(kind): _kind(kind) for kind in KINDS},
        },
    }


def _document() -> Schema:
    properties: Schema = {
        "name": {"type": "string", "description": "Shown in every table; defaults to the file's stem."},
        "description": {"type": "string"},
        "input": {"$ref": "#/$defs/shape"},
        "layers": {"$ref": "#/$defs/layers"},
        "chain": {"anyOf": [{"$ref": "#/$defs/chain"}, {"type": "integer", "minimum": 1}]},
        "budget": _budget(),
        "defaults": _defaults(),
        "training": _training(),
    }
    assert set(properties) == set(SPEC_KEYS), "every key the parser reads, and no other"
    return {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "oneOf": [
            {"required": ["input", "layers"], "not": {"required": ["chain"]}},
            {"required": ["chain"], "not": {"anyOf": [{"required": ["input"]}, {"required": ["layers"]}, {"required": ["defaults"]}]}},
        ],
    }


def _shape() -> Schema:
    return {
        "description": "Channels last, no batch axis: 16, 4x4x1, 4×4×1 or [4, 4, 1].",
        "anyOf": [
            {"type": "integer", "minimum": 1},
            {"type": "string", "pattern": SHAPE_PATTERN},
            {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1, "maxItems": 4},
        ],
    }


def _budget() -> Schema:
    count = {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "number", "minimum": 0}, {"$ref": "#/$defs/count_text"}]}
    properties: Schema = {kind.value: count for kind in BudgetKind if not kind.in_training}
    properties["dtype"] = {
        "enum": spellings(dtype.value for dtype in DType),  # float16 or fp16: number_formats.py's spellings
        "description": "Number format of the byte budgets (default float32).",
    }
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _training() -> Schema:
    """`training: {batch, optimizer, precision, device, budget: {total_bytes, activation_bytes}}` (archcalc train, check)."""
    size = {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}], "description": "bytes: 80GiB, 80G or 80GB"}
    return {
        "type": "object",
        "description": "How the spec is trained: `archcalc train`'s defaults (a flag overrides each) and `check`'s training budgets (docs/training.md).",
        "properties": {
            "batch": {"type": "integer", "minimum": 1},
            "optimizer": {"enum": [optimizer.value for optimizer in Optimizer]},
            "precision": {"enum": spellings(precision.value for precision in Precision)},
            "device": {"type": "string", "description": "a device of `archcalc devices`: its memory is the total's limit unless the budget gives one"},
            "budget": {
                "type": "object",
                "properties": {"total_bytes": size, "activation_bytes": size},
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    }


def _defaults() -> Schema:
    """`defaults: {conv: {bias: false}}`, keyed by any written name of a kind that takes arguments."""
    properties = {written: _arguments(kind) for kind in KINDS if kind.ARGUMENTS for written in kind.NAMES}
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _kind(kind: type[Layer]) -> Schema:
    """`name: value` for any of the kind's names: its arguments as a mapping, its main argument
    alone, or nothing (`relu:`). A layer may also be its name alone (`relu`): see `layer`."""
    forms = [_arguments(kind), {"type": "null"}]
    if kind.MAIN is not None:
        main = next(argument for argument in kind.ARGUMENTS if argument.name == kind.MAIN)
        forms.append(_argument(main))
    value = {"anyOf": forms}
    return {
        "type": "object",
        "description": summary(kind.__doc__),
        "properties": {written: value for written in kind.NAMES},
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": False,
    }


def _arguments(kind: type[Layer]) -> Schema:
    """The mapping of arguments: each as its `Reading` says, each described by its help and
    default; no other key than `name`."""
    properties: Schema = {argument.name: _argument(argument, default_of(kind, argument.name)) for argument in kind.ARGUMENTS}
    properties["name"] = {"type": "string", "description": "A display name, shown in tables and messages."}
    properties["trainable"] = {"type": "boolean", "description": "false freezes it and the layers inside it: no gradient, no optimizer state (archcalc train)."}
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _argument(argument: Argument, default: object = REQUIRED) -> Schema:
    """How one argument is written, as its `Reading` says the parser reads it."""
    whole = {"type": "integer", "minimum": argument.minimum}
    schema: Schema
    match argument.reading:
        case Reading.COUNT:
            schema = whole
        case Reading.PER_AXIS:
            schema = {"anyOf": [whole, {"type": "array", "items": whole, "minItems": 1, "maxItems": MAX_PER_AXIS_VALUES}]}
        case Reading.PADDING:
            per_axis = {"type": "array", "items": whole, "minItems": 1, "maxItems": MAX_PER_AXIS_VALUES}
            schema = {"anyOf": [whole, per_axis, {"enum": ["same", "valid"]}]}
        case Reading.FLAG:
            schema = {"type": "boolean"}
        case Reading.FRACTION:
            schema = {"type": "number", "minimum": 0, "maximum": 1}
        case Reading.LAYERS:
            schema = {"$ref": "#/$defs/layers"}
        case Reading.BRANCHES:
            schema = {"type": "array", "items": {"$ref": "#/$defs/layers"}, "minItems": 1}
        case Reading.SHAPE:
            schema = {"$ref": "#/$defs/shape"}
        case Reading.INDEX:
            schema = {"type": "integer"}
        case Reading.CHOICE:
            words = [*argument.choices, *(word for word, _ in argument.synonyms)]
            schema = {"enum": [*words, *(word == "true" for word in words if word in ("true", "false"))]}
        case Reading.LAYER_NAME:
            schema = {"type": "string", "minLength": 1}
        case Reading.LAYER_NAMES:
            name = {"type": "string", "minLength": 1}
            schema = {"anyOf": [name, {"type": "array", "items": name, "minItems": 1}]}
        case _:
            unreachable(argument.reading)
    if default is REQUIRED:
        described = f"{argument.help} (required)"
    elif default is None or default == ():
        described = argument.help
    else:
        written = default[0] if isinstance(default, tuple) and len(default) == 1 else default
        described = f"{argument.help} (default: {json.dumps(written)})"
    return {**schema, "description": described}


def _definition(kind: type[Layer]) -> str:
    """The kind's entry under $defs: its class name (`Dense`, `Conv`, `Activation`)."""
    return kind.__name__
