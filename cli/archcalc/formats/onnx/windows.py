"""An ONNX node's window attributes (pads, auto_pad, a Pad or Slice before or after it) as archcalc
writes a window: padding equal on both sides of each axis, or `same`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.formats.graph.windows import same_pads, written_per_axis
from archcalc.formats.onnx.attributes import float_attribute, ints_attribute, string_attribute
from archcalc.kinds.upsampling import output_padding_fits, transposed_length
from archcalc.model import Padding, PerAxis

if TYPE_CHECKING:
    from archcalc.formats.onnx.load import Node
    from archcalc.formats.onnx.shapes import Shapes
    from archcalc.formats.onnx.weights import Weights

Pads = tuple[tuple[int, ...], tuple[int, ...]]
"""(begin, end) positions added on each spatial axis."""


def padding(
    node: Node,
    rank: int,
    kernel: tuple[int, ...],
    window: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]] | None = None,
    added: Pads | None = None,
) -> Padding | None:
    """ONNX pads (begin…, end…), plus the `added` (begin, end) of a zero Pad before the node, as
    archcalc writes padding: equal on both sides per axis, or `same`. Given a convolution's `window`
    (spatial lengths, strides, dilations), unequal pads that are exactly TensorFlow's SAME are `same` too."""
    auto = string_attribute(node, "auto_pad", "NOTSET")
    if auto == "SAME_UPPER" and added is None:
        return "same"
    if auto not in ("NOTSET", "VALID"):
        return None  # SAME_LOWER puts the odd padding first, which archcalc's `same` does not
    pads = (0,) * (2 * rank) if auto == "VALID" else ints_attribute(node, "pads") or (0,) * (2 * rank)
    if len(pads) != 2 * rank:
        return None
    begin, end = pads[:rank], pads[rank:]
    if added is not None:
        begin, end = tuple(a + b for a, b in zip(begin, added[0], strict=True)), tuple(a + b for a, b in zip(end, added[1], strict=True))
    if begin == end:
        return written_per_axis(begin)
    if window is not None and all(len(values) == rank for values in window) and (begin, end) == same_pads(*window, kernel):
        return "same"
    return None


def transposed_padding(
    node: Node, in_dims: tuple[int, ...], out_dims: tuple[int, ...], kernel: tuple[int, ...], strides: tuple[int, ...], dilations: tuple[int, ...]
) -> tuple[PerAxis, PerAxis] | None:
    """A ConvTranspose's cuts as PyTorch's (padding, output_padding). ONNX cuts `begin` and `end`
    positions from the two sides of each axis (its pads, or those its auto_pad or output_shape work
    out); PyTorch cuts `padding` from both and adds `output_padding` at the end: padding = begin,
    output_padding = its own + begin − end. None when PyTorch's cannot cut the same positions."""
    rank = len(kernel)
    extra = ints_attribute(node, "output_padding") or (0,) * rank
    if len(extra) != rank or min(extra) < 0:
        return None
    auto = string_attribute(node, "auto_pad", "NOTSET")
    pads = ints_attribute(node, "pads") or (0,) * (2 * rank)
    if auto == "VALID":
        pads = (0,) * (2 * rank)
    elif auto != "NOTSET" or ints_attribute(node, "output_shape") is not None:  # ONNX works the pads out from the output's size
        totals = [
            transposed_length(n, k, s, 0, e, d) - out for n, out, k, s, d, e in zip(in_dims[2:], out_dims[2:], kernel, strides, dilations, extra, strict=True)
        ]
        smaller = [total // 2 for total in totals]
        larger = [total - half for total, half in zip(totals, smaller, strict=True)]
        pads = (*smaller, *larger) if auto == "SAME_UPPER" else (*larger, *smaller)
    if len(pads) != 2 * rank:
        return None
    begin, end = pads[:rank], pads[rank:]
    added = tuple(e + b - f for e, b, f in zip(extra, begin, end, strict=True))
    if min(begin) < 0 or not all(output_padding_fits(a, s, d) for a, s, d in zip(added, strides, dilations, strict=True)):
        return None
    return written_per_axis(begin), written_per_axis(added)


def zero_padding(node: Node, rank: int, opset: int, weights: Weights, shapes: Shapes) -> Pads | None:
    """A Pad of zeros on the spatial axes alone: its (begin, end) pads per spatial axis."""
    if string_attribute(node, "mode", "constant") != "constant" or rank < 3:
        return None
    value: float | None = 0.0
    if opset < 11:
        pads, value = ints_attribute(node, "pads"), float_attribute(node, "value", 0.0)
    else:
        pads = weights.integers(node.input[1], shapes) if len(node.input) > 1 and node.input[1] else None
        value = weights.scalar(node.input[2]) if len(node.input) > 2 and node.input[2] else 0.0
        if len(node.input) > 3 and node.input[3]:  # opset 18: pads for the listed axes alone
            axes = weights.integers(node.input[3], shapes)
            if axes is None or pads is None or len(pads) != 2 * len(axes) or len({axis % rank for axis in axes}) != len(axes):
                return None
            every = [0] * (2 * rank)
            for position, axis in enumerate(axes):
                every[axis % rank], every[axis % rank + rank] = pads[position], pads[position + len(axes)]
            pads = tuple(every)
    if pads is None or value != 0.0 or len(pads) != 2 * rank or any(pads[axis] or pads[axis + rank] for axis in (0, 1)) or min(pads) < 0:
        return None
    return tuple(pads[2:rank]), tuple(pads[rank + 2 :])


def spatial_cut(node: Node, in_dims: tuple[int, ...], out_dims: tuple[int, ...], opset: int, weights: Weights, shapes: Shapes) -> tuple[int, ...] | None:
    """A Slice that cuts spatial axes alone, step by step: where its window starts on each spatial axis."""
    rank = len(in_dims)
    if opset < 10:
        starts, ends, axes, steps = ints_attribute(node, "starts"), ints_attribute(node, "ends"), ints_attribute(node, "axes"), None
    else:
        starts, ends = (weights.integers(name, shapes) for name in (node.input[1:3] if len(node.input) >= 3 else ("", "")))
        axes, steps = (weights.integers(node.input[index], shapes) if len(node.input) > index and node.input[index] else None for index in (3, 4))
    if starts is None or ends is None or rank < 3 or len(out_dims) != rank or out_dims[:2] != in_dims[:2]:
        return None
    axes = axes if axes is not None else tuple(range(len(starts)))
    steps = steps if steps is not None else (1,) * len(starts)
    if not len(starts) == len(ends) == len(axes) == len(steps) or len({axis % rank for axis in axes}) != len(axes):
        return None
    offsets = [0] * (rank - 2)
    for axis, start, end, step in zip(axes, starts, ends, steps, strict=True):
        axis %= rank
        length = in_dims[axis]
        first, last = (min(max(bound + length if bound < 0 else bound, 0), length) for bound in (start, end))
        if axis < 2 or step != 1 or last - first != out_dims[axis]:
            return None
        offsets[axis - 2] = first
    return tuple(offsets)
