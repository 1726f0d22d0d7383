"""One layer's arguments, read from located YAML as its kind declares them; every error is located."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archcalc.errors import Origin, SpecError, suggestion
from archcalc.exhaustive import unreachable
from archcalc.formats.yaml.located import Entry, Located, Mapping
from archcalc.formats.yaml.shape import parse_shape
from archcalc.kinds.arguments import REQUIRED, Argument, Reading, default_of, field_name
from archcalc.model import Layer, Padding, PerAxis
from archcalc.printable import describe, printable, quoted
from archcalc.quantities import MAX_COUNT

ReadLayers = Callable[[Located, str], tuple[Layer, ...]]
"""Reads a list of layers at a position: arguments that hold layers (residual's) call back with it."""


class Arguments:
    """The arguments written for one layer, read against its kind's declarations."""

    def __init__(self, kind: type[Layer], reported: str, entries: Mapping, origin: Origin, position: str, read_layers: ReadLayers) -> None:
        self.kind = kind
        self.reported = reported
        self.entries = entries
        self.origin = origin
        self.position = position
        self.read_layers = read_layers

    def where(self) -> str:
        return f"layer {self.position} ({self.reported})"

    def error(self, problem: str, origin: Origin | None = None, hint: str | None = None) -> SpecError:
        return SpecError(problem, origin or self.origin, self.where(), hint)

    def name(self) -> str | None:
        entry = self.entries.get("name")
        if entry is None:
            return None
        if not isinstance(entry.value.value, str):
            raise self.error("'name' must be text", entry.value.origin)
        return printable(entry.value.value)  # it reaches labels, tables and logs

    def trainable(self) -> bool:
        """`trainable: false` freezes the layer (and every layer inside it) for `archcalc train`."""
        entry = self.entries.get("trainable")
        if entry is None:
            return True
        if not isinstance(entry.value.value, bool):
            raise self.error(f"'trainable' must be true or false, got {describe(entry.value.value)}", entry.value.origin)
        return entry.value.value

    def read(self) -> dict[str, Any]:
        """Every declared argument that was written, read and checked; unknown keys are refused and
        missing required ones reported. Arguments not written keep the layer's defaults."""
        declared = declarations(self.kind)
        entries = self.entries
        for key, entry in entries.items():
            if key not in declared and key not in ("name", "trainable"):
                hint = suggestion(key, declared) or f"{self.reported} takes: {', '.join(declared) or 'no arguments'}"
                raise self.error(f"unknown argument {quoted(key)}", entry.key_origin, hint)
        values: dict[str, Any] = {}
        for name, (argument, required, field) in declared.items():
            written = entries.get(name)
            if written is not None:
                values[field] = self.value(argument, written)
            elif required:
                raise self.error(f"missing required argument '{name}'")
        return values

    def value(self, argument: Argument, entry: Entry) -> object:
        located = entry.value
        match argument.reading:
            case Reading.COUNT:
                return self.whole(located, argument.name, argument.minimum)
            case Reading.PER_AXIS:
                return self.per_axis(located, argument.name, argument.minimum)
            case Reading.PADDING:
                return self.padding(located)
            case Reading.FLAG:
                if not isinstance(located.value, bool):
                    raise self.error(f"'{argument.name}' must be true or false, got {describe(located.value)}", located.origin)
                return located.value
            case Reading.FRACTION:
                number = located.value
                if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 <= number <= 1:
                    raise self.error(f"'{argument.name}' must be a number from 0 to 1, got {describe(number)}", located.origin)
                return float(number)
            case Reading.LAYERS:
                return self.read_layers(located, self.position if argument.name == "layers" else f"{self.position}.{argument.name}")
            case Reading.CHOICE:
                return self.choice(located, argument.name, argument.choices, dict(argument.synonyms))
            case Reading.BRANCHES:
                if not isinstance(located.value, list) or not located.value:
                    raise self.error(f"'{argument.name}' takes a non-empty list of branches, each a list of layers", located.origin)
                return tuple(self.read_layers(branch, f"{self.position}.branch{number}") for number, branch in enumerate(located.value, start=1))
            case Reading.SHAPE:
                return parse_shape(located)
            case Reading.INDEX:
                if isinstance(located.value, int) and located.value < -MAX_COUNT:
                    raise self.error(f"'{argument.name}' is too large ({located.value:.3g}); archcalc reads sizes up to 1e36", located.origin)
                return self.whole(located, argument.name, -MAX_COUNT)
            case Reading.LAYER_NAME:
                if not isinstance(located.value, str) or not located.value:
                    raise self.error(f"'{argument.name}' takes the name of an earlier layer, got {describe(located.value)}", located.origin)
                return printable(located.value)  # as the `name:` it refers to was read
            case Reading.LAYER_NAMES:
                return self.layer_names(located, argument.name)
            case _:
                unreachable(argument.reading)

    def whole(self, located: Located, key: str, minimum: int) -> int:
        number = located.value
        if isinstance(number, bool) or not isinstance(number, int):
            raise self.error(f"'{key}' must be a whole number, got {describe(number)}", located.origin)
        if number < minimum:
            raise self.error(f"'{key}' must be at least {minimum}, got {number}", located.origin)
        if number > MAX_COUNT:
            raise self.error(f"'{key}' is too large ({number:.3g}); archcalc reads sizes up to 1e36", located.origin)
        return number

    def choice(self, located: Located, key: str, choices: tuple[str, ...], synonyms: dict[str, str]) -> str:
        """One of a kind's words (an activation's name), in any case, or a synonym of one. YAML's
        true and false are the words "true" and "false", for a choice that has them (`bias: false`)."""
        written = located.value
        word = ("true" if written else "false") if isinstance(written, bool) else written.lower() if isinstance(written, str) else None
        word = synonyms.get(word, word) if word is not None else None
        if word is None or word not in choices:
            hint = suggestion(written.lower(), choices) if isinstance(written, str) else None
            raise self.error(f"'{key}' must be one of {', '.join(choices)}, got {describe(written)}", located.origin, hint)
        return word

    def layer_names(self, located: Located, key: str) -> tuple[str, ...]:
        """`with: down4` or `with: [p4, p5]`: one earlier layer's name, or a list of them."""
        items = located.value if isinstance(located.value, list) else [located]
        if not items:
            raise self.error(f"'{key}' takes the name of an earlier layer or a list of names, got an empty list", located.origin)
        names = []
        for item in items:
            if not isinstance(item.value, str) or not item.value:
                raise self.error(f"'{key}' takes the name of an earlier layer or a list of names, got {describe(item.value)}", item.origin)
            names.append(printable(item.value))  # as the `name:` each refers to was read
        return tuple(names)

    def per_axis(self, located: Located, key: str, minimum: int) -> PerAxis:
        """One value for every spatial axis, or a list of one per axis."""
        if isinstance(located.value, list):
            if not 1 <= len(located.value) <= 3:
                raise self.error(f"'{key}' must list 1 to 3 values (one per spatial axis)", located.origin)
            return tuple(self.whole(item, key, minimum) for item in located.value)
        return (self.whole(located, key, minimum),)

    def padding(self, located: Located) -> Padding:
        if isinstance(located.value, str):
            word = located.value.lower()
            if word in ("same", "valid"):
                return "same" if word == "same" else "valid"
            hint = suggestion(word, ("same", "valid")) or "write a number, a list, 'same' or 'valid'"
            raise self.error(f"padding {quoted(located.value)} is not known", located.origin, hint)
        return self.per_axis(located, "padding", 0)


_DECLARATIONS: dict[type[Layer], dict[str, tuple[Argument, bool, str]]] = {}


def declarations(kind: type[Layer]) -> dict[str, tuple[Argument, bool, str]]:
    """A kind's arguments by name, each with whether it must be written and the field it is stored
    in: worked out once per kind, not once per layer (a spec may have 100,000)."""
    found = _DECLARATIONS.get(kind)
    if found is None:
        found = _DECLARATIONS[kind] = {
            argument.name: (argument, default_of(kind, argument.name) is REQUIRED, field_name(argument.name)) for argument in kind.ARGUMENTS
        }
    return found
