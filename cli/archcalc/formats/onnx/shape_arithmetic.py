"""Shape arithmetic on known values: what one node computes from small integer tensors (a Reshape's
target from a Shape, a Gather, a Concat...), with a fixed set of operators written here; nothing in a
file is executed. Only shape arithmetic is folded: integer and boolean tensors of at most
MAX_FOLDED_VALUES values, and single floating-point numbers; each value exact in its type (an integer
that would wrap round, a NaN cast to an integer, text or a complex number is not folded: Unfoldable).
folding.py walks the graph with it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from archcalc.formats.onnx.load import Node

MAX_FOLDED_VALUES = 4096
"""The most values a folded tensor may hold: a shape, an index list or a mask of a few dims, never data."""

Shapes = dict[str, tuple[int, ...]]
Values = dict[str, np.ndarray]


class Unfoldable(ValueError):
    """A node's result past folding's bounds: too many values, an integer out of its type's range, a
    number an integer cannot hold. Not folded; a shape that needs it is refused."""


FOLDED_TYPES = {
    TensorProto.BOOL, TensorProto.INT8, TensorProto.INT16, TensorProto.INT32, TensorProto.INT64,
    TensorProto.UINT8, TensorProto.UINT16, TensorProto.UINT32, TensorProto.UINT64,
}  # fmt: skip
"""Element types folded as tensors of a few values; floating-point ones only as single numbers, and never
text or complex numbers (a Cast to text made Python integers that squared without end)."""

FLOATING_TYPES = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE}


def foldable(tensor: TensorProto) -> bool:
    """A stored tensor read as shape arithmetic: integers or booleans of a few values, or one number."""
    if tensor.data_location == TensorProto.EXTERNAL:
        return False
    size = math.prod(tensor.dims)
    return bool(size <= 1 if tensor.data_type in FLOATING_TYPES else tensor.data_type in FOLDED_TYPES and size <= MAX_FOLDED_VALUES)


def small(result: np.ndarray) -> bool:
    """Shape arithmetic's values: numpy's integers and booleans, a few, or one floating-point number."""
    return bool(result.size <= MAX_FOLDED_VALUES and (result.dtype.kind in "iub" or (result.dtype.kind == "f" and result.size <= 1)))


def fold_node(node: Node, values: Values, shapes: Shapes) -> list[np.ndarray | None]:
    """The node's outputs when it is shape arithmetic on known values; [] when it is not. Its
    attributes are read only then: most nodes of a long graph are not."""
    op, inputs = node.op_type, node.input
    if op in ("Shape", "Size"):
        dims = shapes.get(inputs[0])
        if dims is None:
            return []
        if op == "Size":
            return [_size(dims)]
        attributes = _attributes(node)
        start, end = attributes.get("start", 0), attributes.get("end", len(dims))
        return [np.array(dims[slice(start, end)], dtype=np.int64)]
    if op == "Constant":
        return [_constant(_attributes(node))]
    fold = FOLDERS.get(op)
    if fold is None or any(name and name not in values for name in inputs):
        return []
    result = fold([values[name] if name else None for name in inputs], _attributes(node))
    return list(result) if isinstance(result, list) else [result]


def _attributes(node: Node) -> dict[str, Any]:
    return {attribute.name: helper.get_attribute_value(attribute) for attribute in node.attribute}


def _constant(attributes: dict[str, Any]) -> np.ndarray | None:
    if "value" in attributes:
        tensor = attributes["value"]
        return numpy_helper.to_array(tensor) if foldable(tensor) else None
    if "value_int" in attributes:
        return np.array(attributes["value_int"], dtype=np.int64)
    if "value_ints" in attributes:
        return np.array(attributes["value_ints"], dtype=np.int64)
    if "value_float" in attributes:
        return np.array(attributes["value_float"], dtype=np.float32)
    return None


def _bounded(shape: Iterable[int]) -> tuple[int, ...]:
    """A shape about to be made: refused before any memory is taken when it is not shape arithmetic."""
    dims = tuple(int(size) for size in shape)
    if any(size < 0 for size in dims):
        raise ValueError("a negative size")
    _at_most(math.prod(dims))
    return dims


def _at_most(count: int) -> None:
    if count > MAX_FOLDED_VALUES:
        raise Unfoldable(f"would hold {count:,} values, more than the {MAX_FOLDED_VALUES:,} of shape arithmetic")


def _elementwise(function: Callable[..., np.ndarray], exact: bool = False) -> Callable[[list[Any], dict[str, Any]], np.ndarray]:
    """`exact`: integer results are checked against the same arithmetic on Python's integers, which
    never wrap round: an int64 product past 2**63 is refused, where numpy (and an ONNX runtime) wraps."""

    def fold(inputs: list[Any], attributes: dict[str, Any]) -> np.ndarray:
        _bounded(np.broadcast_shapes(*(value.shape for value in inputs)))
        with np.errstate(all="raise"):
            result = np.asarray(function(*inputs))
        if exact and result.dtype.kind in "iu":
            _in_range(np.asarray(function(*(value.astype(object) for value in inputs))).reshape(-1), result.dtype)
        return result

    return fold


def _in_range(exact: Iterable[Any], dtype: np.dtype[Any]) -> None:
    """Every exact value fits the integer type it is folded in, or Unfoldable names the first that does not."""
    limits = np.iinfo(dtype)
    for value in exact:
        if not limits.min <= int(value) <= limits.max:
            raise Unfoldable(f"gives {int(value):,}, which {dtype.name} cannot hold (it would wrap round)")


def _divide(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """ONNX divides integers as C does, towards zero."""
    if left.dtype.kind in "iu" and right.dtype.kind in "iu":
        return np.asarray(np.sign(left) * np.sign(right) * (np.abs(left) // np.abs(right))).astype(np.result_type(left, right))
    return np.asarray(left / right)


def _axes(inputs: list[Any], attributes: dict[str, Any], rank: int) -> list[int]:
    axes = inputs[1] if len(inputs) > 1 and inputs[1] is not None else attributes.get("axes")
    return sorted(int(axis) % rank for axis in (axes if axes is not None else []))


def _unsqueeze(inputs: list[Any], attributes: dict[str, Any]) -> np.ndarray:
    data = inputs[0]
    rank = data.ndim + len(inputs[1] if len(inputs) > 1 and inputs[1] is not None else attributes.get("axes", []))
    result = data
    for axis in _axes(inputs, attributes, rank):
        result = np.expand_dims(result, axis)
    return np.asarray(result)


def _squeeze(inputs: list[Any], attributes: dict[str, Any]) -> np.ndarray:
    data = inputs[0]
    axes = _axes(inputs, attributes, data.ndim) if (len(inputs) > 1 and inputs[1] is not None) or "axes" in attributes else None
    return np.asarray(np.squeeze(data, axis=tuple(axes) if axes is not None else None))


def _reshape(inputs: list[Any], attributes: dict[str, Any]) -> np.ndarray:
    data, target = inputs[0], [int(size) for size in inputs[1]]
    if not attributes.get("allowzero", 0):
        target = [data.shape[axis] if size == 0 else size for axis, size in enumerate(target)]
    return np.asarray(data.reshape(target))


def _slice(inputs: list[Any], attributes: dict[str, Any]) -> np.ndarray:
    data = inputs[0]
    if len(inputs) == 1:  # before opset 10, the bounds are attributes
        starts, ends, axes, steps = attributes["starts"], attributes["ends"], attributes.get("axes"), None
    else:
        starts, ends = inputs[1], inputs[2]
        axes = inputs[3] if len(inputs) > 3 and inputs[3] is not None else None
        steps = inputs[4] if len(inputs) > 4 and inputs[4] is not None else None
    axes = list(range(len(starts))) if axes is None else list(axes)
    steps = [1] * len(starts) if steps is None else list(steps)
    index = [slice(None)] * data.ndim
    for axis, start, end, step in zip(axes, starts, ends, steps, strict=True):
        size = data.shape[int(axis)]
        first, last = (max(-size - 1, min(size, int(bound))) for bound in (start, end))
        index[int(axis)] = slice(first, last, int(step))
    return np.asarray(data[tuple(index)])


def _constant_of_shape(inputs: list[Any], attributes: dict[str, Any]) -> np.ndarray:
    value = attributes.get("value")
    filler = numpy_helper.to_array(value).reshape(-1) if value is not None else np.zeros(1, dtype=np.float32)
    return np.full(_bounded(inputs[0]), filler[0], dtype=filler.dtype)


def _expand(inputs: list[Any], attributes: dict[str, Any]) -> np.ndarray:
    data, shape = inputs
    target = np.broadcast_shapes(data.shape, tuple(int(size) for size in shape))
    return np.asarray(np.broadcast_to(data, _bounded(target)).copy())


def _gather(inputs: list[Any], attributes: dict[str, Any]) -> np.ndarray:
    data, indices = inputs
    axis = attributes.get("axis", 0)
    _at_most(data.size // max(data.shape[axis], 1) * indices.size)
    return np.asarray(np.take(data, indices, axis=axis))


def _concat(inputs: list[Any], attributes: dict[str, Any]) -> np.ndarray:
    parts = [value for value in inputs if value is not None]
    _at_most(sum(value.size for value in parts))
    return np.concatenate(parts, axis=attributes["axis"])


def _size(dims: tuple[int, ...]) -> np.ndarray:
    count = math.prod(dims)
    _in_range([count], np.dtype(np.int64))
    return np.array(count, dtype=np.int64)


def _range(inputs: list[Any], attributes: dict[str, Any]) -> np.ndarray:
    start, limit, delta = (value.item() for value in inputs)
    _bounded([max(0, math.ceil((limit - start) / delta))])
    return np.arange(start, limit, delta, dtype=inputs[0].dtype)


def _cast(inputs: list[Any], attributes: dict[str, Any]) -> np.ndarray:
    """Only to the types folded, and only values the target holds exactly: a NaN or 1e30 cast to int64
    is the runtime's choice (numpy warns and gives INT64_MIN), never a size."""
    if attributes["to"] not in FOLDED_TYPES | FLOATING_TYPES:
        raise ValueError("not a type shape arithmetic is folded in")
    source, target = np.asarray(inputs[0]), np.dtype(helper.tensor_dtype_to_np_dtype(attributes["to"]))
    if target.kind in "iu" and source.dtype.kind == "f":
        if not np.isfinite(source).all():
            raise Unfoldable(f"casts {source.reshape(-1)[~np.isfinite(source.reshape(-1))][0]} to {target.name}, which holds no such value")
        _in_range(np.trunc(source).reshape(-1), target)
    elif target.kind in "iu" and source.dtype.kind in "iu":
        _in_range(source.reshape(-1), target)
    with np.errstate(all="raise"):
        return source.astype(target)


FOLDERS: dict[str, Callable[[list[Any], dict[str, Any]], np.ndarray | list[np.ndarray]]] = {
    "Identity": lambda inputs, attributes: inputs[0],
    "Cast": _cast,
    "Gather": _gather,
    "Slice": _slice,
    "Concat": _concat,
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Reshape": _reshape,
    "Transpose": lambda inputs, attributes: np.transpose(inputs[0], attributes.get("perm")),
    "ConstantOfShape": _constant_of_shape,
    "Expand": _expand,
    "Range": _range,
    "Add": _elementwise(np.add, exact=True),
    "Sub": _elementwise(np.subtract, exact=True),
    "Mul": _elementwise(np.multiply, exact=True),
    "Div": _elementwise(_divide, exact=True),
    "Mod": lambda inputs, attributes: _elementwise(np.fmod if attributes.get("fmod", 0) else np.mod)(inputs, attributes),
    "Neg": _elementwise(np.negative, exact=True),
    "Abs": _elementwise(np.abs, exact=True),
    "Min": _elementwise(lambda *values: functools.reduce(np.minimum, values)),
    "Max": _elementwise(lambda *values: functools.reduce(np.maximum, values)),
    "Sqrt": _elementwise(np.sqrt),
    "Floor": _elementwise(np.floor),
    "Ceil": _elementwise(np.ceil),
    "Equal": _elementwise(np.equal),
    "Less": _elementwise(np.less),
    "Greater": _elementwise(np.greater),
    "Not": _elementwise(np.logical_not),
    "And": _elementwise(np.logical_and),
    "Or": _elementwise(np.logical_or),
    "Where": _elementwise(np.where),
}
"""The shape arithmetic folded, by operator: what exporters write between a `Shape` and a `Reshape`."""
