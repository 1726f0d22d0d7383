"""A node's attributes read as Python values, with the default ONNX gives one left out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from onnx import NodeProto


def attribute(node: NodeProto, name: str) -> Any:
    """The AttributeProto called `name`, or None."""
    for found in node.attribute:
        if found.name == name:
            return found
    return None


def int_attribute(node: NodeProto, name: str, default: int) -> int:
    found = attribute(node, name)
    return int(found.i) if found is not None else default


def ints_attribute(node: NodeProto, name: str) -> tuple[int, ...] | None:
    found = attribute(node, name)
    return tuple(int(value) for value in found.ints) if found is not None else None


def float_attribute(node: NodeProto, name: str, default: float) -> float:
    found = attribute(node, name)
    return float(found.f) if found is not None else default


def floats_attribute(node: NodeProto, name: str) -> tuple[float, ...] | None:
    found = attribute(node, name)
    return tuple(float(value) for value in found.floats) if found is not None else None


def string_attribute(node: NodeProto, name: str, default: str) -> str:
    found = attribute(node, name)
    return found.s.decode("utf-8", "replace") if found is not None else default
