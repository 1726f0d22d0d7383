"""A `Spec` -> YAML text a person can read and edit, as `archcalc import` writes it.

Written by hand rather than by a YAML library, for the layout a spec author would choose: one line
per simple layer, blocks for composites, arguments at their defaults left out. Every kind is written
from what it declares (its ARGUMENTS), so a new kind needs nothing here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from archcalc.kinds.arguments import REQUIRED, Reading, default_of, field_name
from archcalc.model import Layer, Spec
from archcalc.printable import printable

INDENT = "  "


def spec_yaml(spec: Spec, header: Iterable[str] = ()) -> str:
    """The spec as YAML, `header` lines first as comments, each kept on its line (archcalc/printable.py):
    a newline in a file name or a note would end the comment and start YAML."""
    lines = [f"# {printable(line)}" if line else "#" for line in header]
    lines.append(f"name: {_text(spec.name)}")
    if spec.description:
        lines.append(f"description: {_text(spec.description)}")
    lines.append(f"input: {_shape(spec.input_shape)}")
    lines.append("layers:" if spec.layers else "layers: []")  # a model of Identity nodes alone has none
    lines.extend(_layer_lines(spec.layers, 1))
    return "\n".join(lines) + "\n"


def _layer_lines(layers: Iterable[Layer], level: int) -> list[str]:
    lines: list[str] = []
    for layer in layers:
        lines.extend(_layer(layer, level))
    return lines


def _layer(layer: Layer, level: int) -> list[str]:
    """`- relu`, `- conv: {filters: 8, kernel: 3}`, or a composite's block with its layers under it."""
    pad = INDENT * level
    kind = type(layer)
    written = _written_arguments(layer)
    nested = [argument for argument in kind.ARGUMENTS if argument.reading in (Reading.LAYERS, Reading.BRANCHES) and argument.name in written]
    scalars = {name: value for name, value in written.items() if name not in {argument.name for argument in nested}}
    if layer.name is not None:
        scalars = {"name": _text(layer.name), **scalars}
    if not layer.trainable:
        scalars["trainable"] = "false"
    if not nested:
        if not scalars:
            return [f"{pad}- {layer.kind}"]
        return [f"{pad}- {layer.kind}: {{{', '.join(f'{key}: {text}' for key, text in scalars.items())}}}"]
    lines = [f"{pad}- {layer.kind}:"]
    inner = pad + INDENT * 2
    lines.extend(f"{inner}{key}: {text}" for key, text in scalars.items())
    for argument in nested:
        value = getattr(layer, field_name(argument.name))
        if argument.reading is Reading.LAYERS:
            lines.append(f"{inner}{argument.name}:" + ("" if value else " []"))
            lines.extend(_layer_lines(value, level + 3))
        else:
            lines.append(f"{inner}{argument.name}:")
            for branch in value:
                if not branch:
                    lines.append(f"{inner}{INDENT}- []")
                    continue
                branch_lines = _layer_lines(branch, level + 4)
                first = branch_lines[0].lstrip()
                lines.append(f"{inner}{INDENT}- {first}")
                lines.extend(branch_lines[1:])
    return lines


def _written_arguments(layer: Layer) -> dict[str, str]:
    """Each argument whose value is not its default, as YAML text (nested layers as themselves)."""
    written: dict[str, str] = {}
    for argument in type(layer).ARGUMENTS:
        value = getattr(layer, field_name(argument.name))
        default = default_of(type(layer), argument.name)
        if default is not REQUIRED and value == default:
            continue
        match argument.reading:
            case Reading.LAYERS | Reading.BRANCHES:
                written[argument.name] = ""
            case Reading.PER_AXIS | Reading.PADDING:
                written[argument.name] = _per_axis_text(value)
            case Reading.SHAPE:
                written[argument.name] = _shape(value)
            case Reading.FLAG:
                written[argument.name] = "true" if value else "false"
            case Reading.COUNT | Reading.FRACTION | Reading.CHOICE | Reading.INDEX:
                written[argument.name] = str(value)
            case Reading.LAYER_NAME:
                written[argument.name] = _text(value)
            case Reading.LAYER_NAMES:
                written[argument.name] = _text(value[0]) if len(value) == 1 else "[" + ", ".join(_text(name) for name in value) + "]"
    return written


def _shape(shape: tuple[int, ...]) -> str:
    """(224, 224, 3) -> 224x224x3, as `input:` is written."""
    return "x".join(str(size) for size in shape)


def _per_axis_text(value: object) -> str:
    """A per-axis argument as YAML writes it: `3`, or `[3, 1]`."""
    if isinstance(value, str):
        return value
    assert isinstance(value, tuple)
    return str(value[0]) if len(value) == 1 else "[" + ", ".join(str(item) for item in value) + "]"


def _text(value: str) -> str:
    """Double-quoted, as JSON writes strings: valid YAML whatever the text holds (`onnx::Conv_21`, `#`).
    Printable first (archcalc/printable.py), as the YAML reader makes every name: a C1 control, an
    override or a lone surrogate from a model file, which YAML does not allow, is written as its escape."""
    return json.dumps(printable(value), ensure_ascii=False)
