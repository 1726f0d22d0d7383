"""Which kinds each model-file reader can produce, derived from its tables (formats/onnx/operators.py's
OPERATORS, pattern_layers.py's PATTERNS, formats/keras/layers.py's LAYERS, and the composites nesting makes): every
kind is made by a reader or written down as one it does not make, with the reason."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import pytest

from archcalc.formats.graph import nesting
from archcalc.formats.keras import layers as keras_layers
from archcalc.formats.onnx import operators as onnx_operators
from archcalc.formats.onnx import pattern_layers as onnx_patterns
from archcalc.kinds import KINDS
from archcalc.model import Layer


def _kind_of(value: Any) -> list[type[Layer]]:
    """The kinds a module-level name stands for: a kind, or a table whose values are kinds."""
    if value in KINDS:
        return [value]
    if isinstance(value, dict):
        return [item for item in value.values() if item in KINDS]
    return []


def _made(functions: Iterable[Callable[..., Any]], module: ModuleType) -> set[type[Layer]]:
    """The kinds these functions can make, following the module's own functions they call: a kind or
    a table of kinds named in their code (`Conv(...)`, `kind = Concat if ... else Multiply`,
    `RECURRENT[kind](...)`). A kind named only to be matched against (`case AdaptivePool()`,
    `isinstance(layer, Counted)`) is not made."""
    made: set[type[Layer]] = set()
    pending, seen = list(functions), set()
    while pending:
        function = pending.pop()
        if function in seen:
            continue
        seen.add(function)
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
        matched = {id(node.cls) for node in ast.walk(tree) if isinstance(node, ast.MatchClass)}
        matched |= {
            id(argument)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("isinstance", "issubclass")
            for argument in ast.walk(node.args[1])
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and id(node) not in matched:
                named = getattr(module, node.id, None)
                made.update(_kind_of(named))
                if inspect.isfunction(named) and named.__module__ == module.__name__:
                    pending.append(named)
    return made


def _mapping(table: dict[str, Callable[..., Any]], module: ModuleType) -> dict[type[Layer], list[str]]:
    """Each kind -> the table's entries (operators, Keras classes, patterns) that can make it."""
    found: dict[type[Layer], list[str]] = {}
    for entry, function in table.items():
        for kind in _made([function], module):
            found.setdefault(kind, []).append(entry)
    return found


def _nested() -> set[type[Layer]]:
    """The composites nesting makes from a file's graph, for either reader."""
    return _made([function for _, function in inspect.getmembers(nesting, inspect.isfunction) if function.__module__ == nesting.__name__], nesting) | {
        kind for _, cls in inspect.getmembers(nesting, inspect.isclass) if cls.__module__ == nesting.__name__ for kind in _made(_methods(cls), nesting)
    }


def _methods(cls: type) -> list[Callable[..., Any]]:
    return [member for _, member in inspect.getmembers(cls, inspect.isfunction)]


_OPERATORS = _mapping(onnx_operators.OPERATORS, onnx_operators)
_PATTERNS = _mapping(onnx_patterns.PATTERNS, onnx_patterns)
ONNX = {
    kind: [*_OPERATORS.get(kind, []), *(f"pattern {name}" for name in _PATTERNS.get(kind, []))] for kind in KINDS if kind in _OPERATORS or kind in _PATTERNS
}
KERAS = _mapping(keras_layers.LAYERS, keras_layers)
NESTED = _nested()


def test_the_tables_are_read_as_they_are_written() -> None:
    """The derivation itself, on entries whose kinds are known: a check that it could find nothing."""
    from archcalc.kinds.conv import Conv, Depthwise
    from archcalc.kinds.recurrent import GRU, LSTM, RNN

    assert _made([onnx_operators.conv], onnx_operators) == {Conv, Depthwise}
    assert _made([onnx_operators.identity], onnx_operators) == set()
    assert _made([keras_layers.separable], keras_layers) == {Conv, Depthwise}
    assert _made([keras_layers.recurrent], keras_layers) == {LSTM, GRU, RNN}
    assert "GlobalAveragePool" not in [name for kind, names in ONNX.items() if kind.__name__ == "Conv" for name in names]


def _decided(kind: type[Layer], decisions: dict[str, str]) -> bool:
    """Whether the reader's NOT_READ names the kind (by any type it reports: `maxpool` or `avgpool`)."""
    return bool(set(kind.NAMES.values()) & set(decisions))


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: next(iter(kind.NAMES.values())))
def test_every_kind_is_read_from_onnx_or_its_absence_is_a_decision(kind: type[Layer]) -> None:
    made = ONNX.get(kind) or (["nesting"] if kind in NESTED else [])
    decided = _decided(kind, onnx_operators.NOT_READ)
    assert bool(made) != decided, f"made by {made}, yet in NOT_READ" if made else "no ONNX operator makes it: teach the reader, or say why in NOT_READ"


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: next(iter(kind.NAMES.values())))
def test_every_kind_is_read_from_keras_or_its_absence_is_a_decision(kind: type[Layer]) -> None:
    made = KERAS.get(kind) or (["nesting"] if kind in NESTED else [])
    decided = _decided(kind, keras_layers.NOT_READ)
    assert bool(made) != decided, f"made by {made}, yet in NOT_READ" if made else "no Keras class makes it: teach the reader, or say why in NOT_READ"


def test_the_decisions_name_kinds_that_exist() -> None:
    names = {name for kind in KINDS for name in kind.NAMES.values()}
    assert set(onnx_operators.NOT_READ) <= names
    assert set(keras_layers.NOT_READ) <= names


def test_the_mappings_as_a_table() -> None:
    """The listing (`pytest tests/test_readers.py -s -k table`): each kind, and what each reader reads it from or why not."""
    rows = []
    for kind in KINDS:
        name = next(iter(kind.NAMES.values()))
        cells = []
        for reader, made, decisions in (("ONNX", ONNX, onnx_operators.NOT_READ), ("Keras", KERAS, keras_layers.NOT_READ)):
            found = made.get(kind, ["nesting"] if kind in NESTED else [])
            reasons = [decisions[written] for written in kind.NAMES.values() if written in decisions]
            cells.append(f"{reader}: {', '.join(found) if found else 'not read, ' + reasons[0]}")
        rows.append(f"{name}: {'; '.join(cells)}")
    print("\n".join(rows))
    assert len(rows) == len(KINDS)
