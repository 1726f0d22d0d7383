"""A layer as a reader recognises it: `conv 3×3, 2 filters`, `maxpool 2×2, stride 2`, `dense 8`."""

from __future__ import annotations

from archcalc.engine.report import LayerResult
from archcalc.exhaustive import unreachable
from archcalc.render.text import shape
from archcalc.spec.model import (
    Activation,
    AdaptivePool,
    BatchNorm,
    Block,
    Concat,
    Conv,
    Dense,
    Depthwise,
    Dropout,
    Flatten,
    GlobalPool,
    LayerNorm,
    Padding,
    PerAxis,
    Pool,
    Repeat,
    Residual,
    SqueezeExcite,
    per_spatial_axis,
)


def label(result: LayerResult, occurrences: int = 1) -> str:
    """The layer's kind and key arguments, its display name first, and `(×N)` when the row stands
    for N identical occurrences (inside a `repeat`)."""
    text = _describe(result)
    if result.layer.name:
        text = f"{result.layer.name}: {text}"
    if occurrences > 1:
        text += f" (×{occurrences:,})"
    return text


def _describe(result: LayerResult) -> str:
    layer = result.layer
    rank = max(len(result.input_shape) - 1, 1)
    match layer:
        case Dense():
            return f"dense {layer.units:,}" + ("" if layer.bias else ", no bias")
        case Conv():
            text = f"conv {_axes(layer.kernel, rank)}, {layer.filters:,} filter{'s' if layer.filters != 1 else ''}"
            text += _window_extras(layer.stride, layer.padding, layer.dilation, rank)
            return text + (f", groups {layer.groups}" if layer.groups > 1 else "") + ("" if layer.bias else ", no bias")
        case Depthwise():
            text = f"depthwise {_axes(layer.kernel, rank)}" + (f", ×{layer.multiplier}" if layer.multiplier > 1 else "")
            return text + _window_extras(layer.stride, layer.padding, layer.dilation, rank) + ("" if layer.bias else ", no bias")
        case Pool():
            stride = layer.stride if layer.stride is not None else layer.kernel
            text = f"{layer.kind} {_axes(layer.kernel, rank)}" + _window_extras(stride, layer.padding, (1,), rank, default_stride=layer.kernel)
            return text + (", ceil" if layer.ceil_mode else "")
        case AdaptivePool():
            return f"{layer.kind} → {_axes(layer.output, rank)}"
        case GlobalPool() | Flatten() | BatchNorm() | LayerNorm() | Activation():
            return layer.kind
        case Dropout():
            return f"dropout {layer.rate:g}"
        case Residual():
            return "residual" + (" (projection shortcut)" if layer.shortcut else "")
        case Concat():
            return f"concat {len(layer.branches)} branches"
        case SqueezeExcite():
            return f"squeeze-excite → {layer.channels:,}"
        case Repeat():
            return f"repeat ×{layer.times:,}"
        case Block():
            return f"block of {len(layer.layers)}"
        case _:
            unreachable(layer)


def _axes(values: PerAxis, rank: int) -> str:
    """(3,) on a 2-D input -> '3×3'; (3, 1) -> '3×1'."""
    return shape(per_spatial_axis(values, rank))


def _compact(values: PerAxis, rank: int) -> str:
    """One number when every axis agrees ('2'), else one per axis ('2×1')."""
    expanded = per_spatial_axis(values, rank)
    return str(expanded[0]) if len(set(expanded)) == 1 else shape(expanded)


def _window_extras(stride: PerAxis, padding: Padding, dilation: PerAxis, rank: int, default_stride: PerAxis = (1,)) -> str:
    """The window arguments that differ from their defaults, e.g. ', stride 2, pad 1'."""
    text = ""
    if per_spatial_axis(stride, rank) != per_spatial_axis(default_stride, rank):
        text += f", stride {_compact(stride, rank)}"
    if padding == "same":
        text += ", same"
    elif isinstance(padding, tuple) and set(padding) != {0}:
        text += f", pad {_compact(padding, rank)}"
    if set(dilation) != {1}:
        text += f", dilation {_compact(dilation, rank)}"
    return text
