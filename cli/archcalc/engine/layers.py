"""One rule per layer kind: (layer, input shape) -> output shape and exact cost. No I/O; the only state
is a guard that counts the layers `repeat`s unroll in one analysis."""

from __future__ import annotations

from contextvars import ContextVar

from archcalc.engine.arithmetic import same_count, volume, window_count, window_span
from archcalc.engine.report import Cost, LayerResult, total_cost
from archcalc.errors import ShapeError
from archcalc.exhaustive import unreachable
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
    Layer,
    LayerNorm,
    Padding,
    PerAxis,
    Pool,
    PoolMode,
    Repeat,
    Residual,
    Shape,
    SqueezeExcite,
    per_spatial_axis,
)

MAX_UNROLLED_ITERATIONS = 10_000
"""A `repeat` whose block keeps changing the shape is unrolled; past this many iterations it is refused."""

MAX_UNROLLED_LAYERS = 50_000
"""All `repeat`s of one analysis together unroll at most this many layers (nested repeats multiply)."""


class UnrollTally:
    """Layers unrolled by `repeat`s so far in one analysis: a guard against nested repeats that
    multiply into millions of layers, not part of any figure."""

    def __init__(self) -> None:
        self.layers = 0


UNROLLED: ContextVar[UnrollTally | None] = ContextVar("archcalc_unrolled", default=None)


def apply_layers(layers: tuple[Layer, ...], shape: Shape) -> tuple[LayerResult, ...]:
    """Apply layers in order, each to the previous one's output."""
    results = []
    for layer in layers:
        result = apply_layer(layer, shape)
        results.append(result)
        shape = result.output_shape
    return tuple(results)


def apply_layer(layer: Layer, shape: Shape) -> LayerResult:
    """The rule for this layer's kind, applied to `shape`."""
    match layer:
        case Dense():
            return dense(layer, shape)
        case Conv():
            return conv(layer, shape)
        case Depthwise():
            return depthwise(layer, shape)
        case Pool():
            return pool(layer, shape)
        case GlobalPool():
            spatial_axes(layer, shape)
            return LayerResult(layer, shape, (shape[-1],), Cost())
        case AdaptivePool():
            output = per_axis(layer, "output", layer.output, len(spatial_axes(layer, shape)))
            return LayerResult(layer, shape, (*output, shape[-1]), Cost())
        case Flatten():
            return LayerResult(layer, shape, (volume(shape),), Cost())
        case BatchNorm():
            channels = shape[-1]
            return LayerResult(layer, shape, shape, Cost(weights=channels, biases=channels, non_trainable=2 * channels))
        case LayerNorm():
            features = shape[-1]
            return LayerResult(layer, shape, shape, Cost(weights=features, biases=features))
        case Activation() | Dropout():
            return LayerResult(layer, shape, shape, Cost())
        case Residual():
            return residual(layer, shape)
        case Concat():
            return concat(layer, shape)
        case SqueezeExcite():
            return squeeze_excite(layer, shape)
        case Repeat():
            return repeat(layer, shape)
        case Block():
            return block(layer, shape)
        case _:
            unreachable(layer)


def dense(layer: Dense, shape: Shape) -> LayerResult:
    """Acts on the last axis, like torch.nn.Linear: every leading position reuses the same weights."""
    features = shape[-1]
    weights = features * layer.units
    cost = Cost(weights=weights, biases=layer.units if layer.bias else 0, macs=volume(shape[:-1]) * weights)
    return LayerResult(layer, shape, (*shape[:-1], layer.units), cost)


def conv(layer: Conv, shape: Shape) -> LayerResult:
    spatial = spatial_axes(layer, shape)
    if layer.spatial_rank is not None and layer.spatial_rank != len(spatial):
        raise error(layer, f"conv{layer.spatial_rank}d needs an input with {layer.spatial_rank} spatial axes and channels last, got {show(shape)}")
    return convolve(layer, shape, layer.filters, layer.groups, layer.kernel, layer.stride, layer.padding, layer.dilation, layer.bias)


def depthwise(layer: Depthwise, shape: Shape) -> LayerResult:
    """A conv with one group per input channel: groups = C, filters = C · multiplier."""
    channels = shape[-1]
    return convolve(layer, shape, channels * layer.multiplier, channels, layer.kernel, layer.stride, layer.padding, layer.dilation, layer.bias)


def convolve(
    layer: Conv | Depthwise,
    shape: Shape,
    filters: int,
    groups: int,
    kernel: PerAxis,
    stride: PerAxis,
    padding: Padding,
    dilation: PerAxis,
    bias: bool,
) -> LayerResult:
    """Each filter sees C/groups channels through a k-window; its weights are reused at every position."""
    spatial = spatial_axes(layer, shape)
    channels = shape[-1]
    if channels % groups:
        raise error(layer, f"groups={groups} does not divide the {channels} input channels")
    if filters % groups:
        raise error(layer, f"groups={groups} does not divide the {filters} filters")
    output = windows(layer, spatial, kernel, stride, padding, dilation, ceil_mode=False)
    weights_per_filter = volume(per_axis(layer, "kernel", kernel, len(spatial))) * (channels // groups)
    cost = Cost(
        weights=weights_per_filter * filters,
        biases=filters if bias else 0,
        macs=volume(output) * filters * weights_per_filter,
    )
    return LayerResult(layer, shape, (*output, filters), cost)


def pool(layer: Pool, shape: Shape) -> LayerResult:
    spatial = spatial_axes(layer, shape)
    kernel = per_axis(layer, "kernel", layer.kernel, len(spatial))
    if isinstance(layer.padding, tuple):
        for axis, (size, pad) in enumerate(zip(kernel, per_axis(layer, "padding", layer.padding, len(spatial)), strict=True), start=1):
            if 2 * pad > size:  # PyTorch refuses this: "pad should be at most half of kernel size"
                raise error(layer, f"padding {pad} is more than half the kernel {size} on axis {axis}; PyTorch refuses it")
    if layer.mode is PoolMode.AVG and len(spatial) == 3:
        for axis, (length, size) in enumerate(zip(spatial, kernel, strict=True), start=1):
            if length < size:  # PyTorch's avg_pool3d alone checks the unpadded input (pool3d_shape_check)
                raise error(layer, f"a 3-D average pool needs each input axis at least as long as the kernel; axis {axis} is {length}, the kernel {size}")
    stride = layer.stride if layer.stride is not None else kernel
    output = windows(layer, spatial, kernel, stride, layer.padding, (1,), layer.ceil_mode)
    return LayerResult(layer, shape, (*output, shape[-1]), Cost())


def windows(
    layer: Layer,
    spatial: Shape,
    kernel: PerAxis,
    stride: PerAxis,
    padding: Padding,
    dilation: PerAxis,
    ceil_mode: bool,
) -> Shape:
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
            raise error(layer, f"the window ({reach} wide) is larger than the padded input ({padded}) on spatial axis {axis} of {show(spatial)}")
        output.append(count)
    return tuple(output)


def residual(layer: Residual, shape: Shape) -> LayerResult:
    """output = layers(x) + shortcut(x): both paths see x, and their shapes must be equal."""
    main = apply_layers(layer.layers, shape)
    shortcut = apply_layers(layer.shortcut, shape)
    main_shape = main[-1].output_shape if main else shape
    shortcut_shape = shortcut[-1].output_shape if shortcut else shape
    if main_shape != shortcut_shape:
        raise error(layer, f"cannot add the main path's {show(main_shape)} ({ended_by(main)}) to the shortcut's {show(shortcut_shape)} ({ended_by(shortcut)})")
    children = main + shortcut
    return LayerResult(layer, shape, main_shape, total_cost([child.cost for child in children]), children)


def concat(layer: Concat, shape: Shape) -> LayerResult:
    """Every branch sees the same input; outputs are joined on the channel (last) axis."""
    branches = [apply_layers(branch, shape) for branch in layer.branches]
    outputs = [branch[-1].output_shape if branch else shape for branch in branches]
    first = outputs[0]
    for number, (output, branch) in enumerate(zip(outputs, branches, strict=True), start=1):
        if len(output) != len(first) or output[:-1] != first[:-1]:
            raise error(
                layer,
                f"cannot join branch {number}'s {show(output)} ({ended_by(branch)}) with branch 1's {show(first)} ({ended_by(branches[0])}): "
                "all axes but the channels must be equal",
            )
    children = tuple(child for branch in branches for child in branch)
    output_shape = (*first[:-1], sum(output[-1] for output in outputs))
    return LayerResult(layer, shape, output_shape, total_cost([child.cost for child in children]), children)


def squeeze_excite(layer: SqueezeExcite, shape: Shape) -> LayerResult:
    """Global average pool, 1×1 conv C→s, 1×1 conv s→C (both with bias), sigmoid, scale."""
    spatial_axes(layer, shape)
    channels, squeeze = shape[-1], layer.channels
    cost = Cost(weights=2 * channels * squeeze, biases=squeeze + channels, macs=2 * channels * squeeze)
    return LayerResult(layer, shape, shape, cost)


def block(layer: Block, shape: Shape) -> LayerResult:
    """A named group: its layers in order, summed into one row."""
    children = apply_layers(layer.layers, shape)
    output = children[-1].output_shape if children else shape
    return LayerResult(layer, shape, output, total_cost([child.cost for child in children]), children)


def repeat(layer: Repeat, shape: Shape) -> LayerResult:
    """The block `times` in a row. Once an iteration leaves the shape unchanged, every later one is
    identical to it, so it is computed once and counted for all the rest: a billion repeats cost one."""
    children: list[LayerResult] = []
    remaining = layer.times
    current = shape
    while remaining:
        if layer.times - remaining >= MAX_UNROLLED_ITERATIONS:
            raise error(layer, f"the block keeps changing the shape after {MAX_UNROLLED_ITERATIONS:,} iterations; archcalc unrolls at most that many")
        iteration = apply_layers(layer.layers, current)
        tally = UNROLLED.get()
        if tally is not None:
            tally.layers += count_results(iteration)
            if tally.layers > MAX_UNROLLED_LAYERS:
                raise error(layer, f"the repeats unroll into more than {MAX_UNROLLED_LAYERS:,} layers; archcalc stops there")
        output = iteration[-1].output_shape if iteration else current
        if output == current:
            children.extend(LayerResult(r.layer, r.input_shape, r.output_shape, r.cost, r.children, r.times * remaining) for r in iteration)
            break
        children.extend(iteration)
        current = output
        remaining -= 1
    cost = total_cost([child.cost * child.times for child in children])
    output_shape = children[-1].output_shape if children else shape
    return LayerResult(layer, shape, output_shape, cost, tuple(children))


def count_results(results: tuple[LayerResult, ...]) -> int:
    """Layers in these results, their children included."""
    return sum(1 + count_results(result.children) for result in results)


def spatial_axes(layer: Layer, shape: Shape) -> Shape:
    """The axes a window slides over: all but the channels. A flat vector has none."""
    if len(shape) < 2:
        raise error(layer, f"{layer.kind} needs spatial axes and channels (e.g. 28x28x1), got the flat vector {show(shape)}")
    return shape[:-1]


def per_axis(layer: Layer, key: str, values: PerAxis, rank: int) -> PerAxis:
    """One value per spatial axis: a single value is used on every axis."""
    if len(values) not in (1, rank):
        raise error(layer, f"'{key}' gives {len(values)} values but the input has {rank} spatial axes")
    return per_spatial_axis(values, rank)


def ended_by(results: tuple[LayerResult, ...]) -> str:
    """Where a path's output shape was made, for messages about shapes that cannot be joined."""
    if not results:
        return "the identity"
    last = results[-1].layer
    return f"{last.where}, line {last.origin.line}" if last.origin.line else last.where


def show(shape: Shape) -> str:
    return "[" + ", ".join(str(size) for size in shape) + "]"


def error(layer: Layer, problem: str) -> ShapeError:
    return ShapeError(problem, layer.origin, layer.where)
