"""A node's attributes read as Python values, with the default ONNX gives one left out."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from archcalc.formats.onnx.load import Node

T = TypeVar("T")
D = TypeVar("D")


def attribute(node: Node, name: str) -> Any:
    """The AttributeProto called `name`, or None."""
    for found in node.attribute:
        if found.name == name:
            return found
    return None


def _read(node: Node, name: str, read: Callable[[Any], T], default: D) -> T | D:
    found = attribute(node, name)
    return default if found is None else read(found)


def int_attribute(node: Node, name: str, default: int) -> int:
    return _read(node, name, lambda found: int(found.i), default)


def ints_attribute(node: Node, name: str) -> tuple[int, ...] | None:
    return _read(node, name, lambda found: tuple(int(value) for value in found.ints), None)


def float_attribute(node: Node, name: str, default: float) -> float:
    return _read(node, name, lambda found: float(found.f), default)


def floats_attribute(node: Node, name: str) -> tuple[float, ...] | None:
    return _read(node, name, lambda found: tuple(float(value) for value in found.floats), None)


def string_attribute(node: Node, name: str, default: str) -> str:
    return _read(node, name, lambda found: str(found.s.decode("utf-8", "replace")), default)
