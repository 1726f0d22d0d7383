"""Windows sliding over the spatial axes, shared by convolutions and pooling: output lengths, the
receptive field they widen, and how their arguments read in labels and explanations."""

from __future__ import annotations

from archcalc.arithmetic import ceil_div, same_count, volume, window_count, window_span
from archcalc.backward import Kept, Which
from archcalc.errors import SizeLimit
from archcalc.kinds.base import bracketed, per_axis, per_spatial_axis
from archcalc.model import Layer, LayerResult, Padding, PerAxis, ReceptiveField, Shape
from archcalc.text import shape as shape_text


def same_padding(length: int, kernel: int, stride: int, dilation: int) -> int:
    """The zeros 'same' adds along one axis, TensorFlow's way: enough for ⌈n / s⌉ windows."""
    return max((-(-length // stride) - 1) * stride + dilation * (kernel - 1) + 1 - length, 0)


def kept_input_of_window(padding: Padding, kernel: PerAxis, stride: PerAxis, dilation: PerAxis, shape: Shape) -> tuple[Kept, ...]:
    """A window's input as kept for backward: the input itself, or with padding 'same' the padded
    input, a tensor of its own (padding is done by a separate F.pad, whose output is what is kept)."""
    if padding != "same":
        return (Kept(Which.INPUT, volume(shape)),)
    rank = len(shape) - 1
    padded = tuple(
        length + same_padding(length, k, s, d)
        for length, k, s, d in zip(shape[:-1], per_spatial_axis(kernel, rank), per_spatial_axis(stride, rank), per_spatial_axis(dilation, rank), strict=True)
    )
    return (Kept(Which.OWN, volume(padded) * shape[-1]),)


def windows(layer: Layer, spatial: Shape, kernel: PerAxis, stride: PerAxis, padding: Padding, dilation: PerAxis, ceil_mode: bool) -> Shape:
    """Output length along each spatial axis, or an error naming the axis where the window does not fit."""
    rank = len(spatial)
    kernel = per_axis(layer, "kernel", kernel, rank)
    stride = per_axis(layer, "stride", stride, rank)
    dilation = per_axis(layer, "dilation", dilation, rank)
    if padding == "same":
        return tuple(same_count(length, step) for length, step in zip(spatial, stride, strict=True))
    pads = per_axis(layer, "padding", (0,) if padding == "valid" else padding, rank)
    output = []
    for axis, (length, size, step, pad, spread) in enumerate(zip(spatial, kernel, stride, pads, dilation, strict=True), start=1):
        count = window_count(length, size, step, pad, spread, ceil_mode)
        if count < 1:
            reach = window_span(size, spread)
            padded = f"{length} + 2·{pad} = {length + 2 * pad}" if pad else str(length)
            raise layer.error(
                f"the window ({reach} wide) is larger than the padded input ({padded}) on spatial axis {axis} of {bracketed(spatial)}",
                size_limit=SizeLimit.TOO_SMALL,
            )
        output.append(count)
    return tuple(output)


def widened(field: ReceptiveField, kernel: PerAxis, stride: PerAxis, dilation: PerAxis) -> ReceptiveField:
    """The field after a window: it grows by the window's span, and the jump by its stride."""
    rank = len(field.jump)
    kernel, dilation = per_spatial_axis(kernel, rank), per_spatial_axis(dilation, rank)
    span = tuple(window_span(k, d) for k, d in zip(kernel, dilation, strict=True))
    return field.widened(span, per_spatial_axis(stride, rank))


def axes_text(values: PerAxis, rank: int) -> str:
    """(3,) on a 2-D input -> '3×3'; (3, 1) -> '3×1'."""
    return shape_text(per_spatial_axis(values, rank))


def compact(values: PerAxis, rank: int) -> str:
    """One number when every axis agrees ('2'), else one per axis ('2×1')."""
    expanded = per_spatial_axis(values, rank)
    return str(expanded[0]) if len(set(expanded)) == 1 else shape_text(expanded)


def window_extras(stride: PerAxis, padding: Padding, dilation: PerAxis, rank: int, default_stride: PerAxis = (1,)) -> str:
    """The window arguments that differ from their defaults, e.g. ', stride 2, pad 1'."""
    text = ""
    if per_spatial_axis(stride, rank) != per_spatial_axis(default_stride, rank):
        text += f", stride {compact(stride, rank)}"
    if padding == "same":
        text += ", same"
    elif isinstance(padding, tuple) and set(padding) != {0}:
        text += f", pad {compact(padding, rank)}"
    if set(dilation) != {1}:
        text += f", dilation {compact(dilation, rank)}"
    return text


def output_lengths(result: LayerResult, kernel: PerAxis, stride: PerAxis, padding: Padding, dilation: PerAxis, ceil_mode: bool) -> str:
    """`⌊(4 + 2·0 − (3−1) − 1) / 1⌋ + 1 = 2` per spatial axis; axes that agree are written once."""
    spatial = result.input_shape[:-1]
    rank = len(spatial)
    formulas = []
    for index, (length, output) in enumerate(zip(spatial, result.output_shape[:-1], strict=True)):
        step = per_spatial_axis(stride, rank)[index]
        if padding == "same":
            formulas.append(f"⌈{length} / {step}⌉ = {output}")
            continue
        pad = 0 if padding == "valid" else per_spatial_axis(padding, rank)[index]
        spread, size = per_spatial_axis(dilation, rank)[index], per_spatial_axis(kernel, rank)[index]
        reach = f"{spread}·({size}−1)" if spread > 1 else f"({size}−1)"
        bracket = ("⌈", "⌉") if ceil_mode else ("⌊", "⌋")
        formula = f"{bracket[0]}({length} + 2·{pad} − {reach} − 1) / {step}{bracket[1]} + 1"
        if ceil_mode and ceil_div(length + 2 * pad - spread * (size - 1) - 1, step) + 1 != output:
            formula += " − 1 (the last window would start in the padding)"
        formulas.append(f"{formula} = {output}")
    return per_axis_text(formulas)


def per_axis_text(formulas: list[str]) -> str:
    """One formula per spatial axis, written once when every axis agrees (`each axis: …`)."""
    distinct = list(dict.fromkeys(formulas))
    if len(distinct) == 1:
        return ("each axis: " if len(formulas) > 1 else "") + distinct[0]
    return "; ".join(f"axis {index}: {formula}" for index, formula in enumerate(formulas, start=1))


def check_groups(layer: Layer, channels: int, filters: int, groups: int) -> None:
    """Groups split both the input channels and the filters evenly, as PyTorch requires."""
    if channels % groups:
        raise layer.error(f"groups={groups} does not divide the {channels} input channels")
    if filters % groups:
        raise layer.error(f"groups={groups} does not divide the {filters} filters")
