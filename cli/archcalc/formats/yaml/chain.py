"""Arrow chains: `16->8->2`, `16 → 8 → 2`, `4x4x1 -> 8 -> 2`: an input, then one dense layer per arrow."""

from __future__ import annotations

import re

from archcalc.errors import Origin, SpecError
from archcalc.formats.yaml.located import Located
from archcalc.formats.yaml.shape import parse_shape, read_number
from archcalc.kinds.dense import Dense
from archcalc.kinds.reshape import Flatten
from archcalc.model import Layer, Spec
from archcalc.printable import quoted
from archcalc.quantities import MAX_COUNT

_ARROW = re.compile(r"->|→")


def is_chain(text: str) -> bool:
    return _ARROW.search(text) is not None


def parse_chain(text: str, origin: Origin, name: str) -> Spec:
    """An input shape, then one dense layer per arrow. Errors point at the token's column.

    An input with more than one axis (`224x224x3->100`) is flattened first, as an ANN reads an image."""
    tokens: list[tuple[str, Origin]] = []
    start = 0
    for match in [*_ARROW.finditer(text), None]:
        end = match.start() if match else len(text)
        raw = text[start:end]
        column = (origin.column or 1) + start + (len(raw) - len(raw.lstrip()))
        tokens.append((raw.strip(), Origin(origin.source, origin.line, column)))
        start = match.end() if match else start
    (first, first_origin), rest = tokens[0], tokens[1:]
    if not first:
        raise SpecError("a chain starts with the input size, e.g. '16->8->2'", first_origin)
    input_shape = parse_shape(Located.at(first, first_origin))
    layers: list[Layer] = []
    if len(input_shape) > 1:  # a chain is an ANN: like the seed's, it flattens the image first
        layers.append(Flatten(origin=first_origin, position="1"))
    for number, (token, where) in enumerate(rest, start=len(layers) + 1):
        try:
            units = read_number(token, where)
        except SpecError as error:
            raise error.at_layer(f"layer {number} (dense)") from None
        if not isinstance(units, int) or units < 1:
            problem = "an empty step" if not token else f"{quoted(token)} is not a positive number of units"
            raise SpecError(f"{problem} in the chain", where, f"layer {number} (dense)", "a chain is sizes joined by arrows, e.g. '16->8->2'")
        if units > MAX_COUNT:
            raise SpecError("too many units; archcalc reads sizes up to 1e36", where, f"layer {number} (dense)")
        layers.append(Dense(units=units, origin=where, position=str(number)))
    return Spec(name, input_shape, tuple(layers), origin)
