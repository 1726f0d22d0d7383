"""Input shapes as users write them: `4x4x1`, `4×4×1`, `[4, 4, 1]` or `16`."""

from __future__ import annotations

import re

from archcalc.errors import Origin, SpecError
from archcalc.formats.yaml.located import Located
from archcalc.model import Shape
from archcalc.printable import describe
from archcalc.quantities import MAX_COUNT, NUMBER_LIKE, whole_number

_SEPARATOR = r"\s*[xX×*,]\s*"
_SEPARATORS = re.compile(_SEPARATOR)
_AXIS = r"[1-9][0-9]*(?:_[0-9]+)*"  # a positive whole number by the one rule: no leading zero
SHAPE_PATTERN = rf"^\s*\[?\s*{_AXIS}(?:{_SEPARATOR}{_AXIS}){{0,3}}\s*\]?\s*$"
"""The shapes `parse_shape` reads from text (`4x4x1`, `4×4×1`, `[4, 4, 1]`), for `archcalc schema`;
tests/test_schema.py holds the two to the same answers."""


def read_number(text: str, origin: Origin) -> int | str:
    """A whole number by archcalc's one rule (quantities.whole_number), located when it breaks the
    rule; text that is no number at all stays text, for the caller to say what was expected."""
    if NUMBER_LIKE.match(text) is None:
        return text
    try:
        return whole_number(text)
    except ValueError as error:
        raise SpecError(str(error), origin) from None


def parse_shape(node: Located) -> Shape:
    """`4x4x1`, `4×4×1`, `[4, 4, 1]` or `16` -> (4, 4, 1) / (16,)."""
    value = node.value
    if isinstance(value, bool) or value is None or isinstance(value, (dict, float)):
        raise SpecError(f"an input shape is written 4x4x1, [4, 4, 1] or 16, got {describe(value)}", node.origin)
    if isinstance(value, int):
        items: list[object] = [value]
    elif isinstance(value, str):
        items = [read_number(part, node.origin) for part in _SEPARATORS.split(value.strip().strip("[]"))]
    elif isinstance(value, list):
        items = [item.value if isinstance(item, Located) else item for item in value]
    else:
        raise SpecError(f"an input shape is written 4x4x1, [4, 4, 1] or 16, got {describe(value)}", node.origin)
    if not 1 <= len(items) <= 4:
        raise SpecError(f"an input shape has 1 to 4 axes (channels last), got {len(items)}", node.origin)
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int) or item < 1:
            raise SpecError(f"every axis of the input shape must be a positive whole number, got {describe(item)}", node.origin)
        if item > MAX_COUNT:
            raise SpecError("an axis of the input shape is too large; archcalc reads sizes up to 1e36", node.origin)
    return tuple(item for item in items if isinstance(item, int))
