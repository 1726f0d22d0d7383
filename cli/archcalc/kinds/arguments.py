"""How a layer kind declares its arguments: pure data that the parser reads YAML by, `archcalc layers`
lists and `archcalc schema` turns into JSON Schema. A default is the layer field's own default."""

from __future__ import annotations

import enum
import keyword
from typing import Any

from archcalc.values import value


class Reading(enum.Enum):
    """What an argument's value is, and so how it is read and checked."""

    COUNT = "count"  # a whole number, at least `minimum`
    PER_AXIS = "per_axis"  # a whole number for every spatial axis, or a list of one per axis
    PADDING = "padding"  # per-axis numbers from 0, or 'same' or 'valid'
    FLAG = "flag"  # true or false
    FRACTION = "fraction"  # a number from 0 to 1
    LAYERS = "layers"  # a list of layers
    BRANCHES = "branches"  # a list of branches, each a list of layers
    SHAPE = "shape"  # a shape as `input:` is written: 8x8x4, [8, 8, 4] or 16
    INDEX = "index"  # a whole number, counted from the end when negative (-1: the last)
    CHOICE = "choice"  # one of the words in `choices` (YAML's true and false read as the words "true" and "false")
    LAYER_NAME = "layer_name"  # the `name:` of an earlier layer
    LAYER_NAMES = "layer_names"  # the `name:` of an earlier layer, or a list of them


@value
class Argument:
    """One argument a kind takes: its key, how it is read, and one line of help."""

    name: str
    reading: Reading
    help: str
    minimum: int = 1
    choices: tuple[str, ...] = ()  # for CHOICE
    synonyms: tuple[tuple[str, str], ...] = ()  # for CHOICE: (word, the choice it is read as), kept for specs written before


class ArgumentProblem(Exception):
    """Raised by a kind's `check()` when arguments that are each valid do not go together; the
    parser locates it at the argument's key."""

    def __init__(self, argument: str, problem: str) -> None:
        super().__init__(problem)
        self.argument = argument
        self.problem = problem


REQUIRED: Any = object()
"""The default of an argument that must be written."""


def field_name(argument: str) -> str:
    """The layer field an argument is stored in: its own name, or with PEP 8's trailing underscore
    when the name is a Python keyword (`with`, `from` read best in a spec)."""
    return argument + "_" if keyword.iskeyword(argument) else argument


def default_of(kind: type, argument: str) -> Any:
    """The layer field's default for this argument, or REQUIRED."""
    defaults: dict[str, object] = getattr(kind, "__value_defaults__", {})
    return defaults.get(field_name(argument), REQUIRED)
