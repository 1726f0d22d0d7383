"""Every layer's arithmetic written out as the seed article writes it:
`3×3×1×2 = 18 weights + 2 biases = 20` and `2×2 positions × 2 filters × 9 = 72 MACs`.

Each line ends on the figure the engine computed (tests hold the two equal), so the explanation
shows where a number comes from without computing it a second time.
"""

from __future__ import annotations

from archcalc.engine.arithmetic import ceil_div, volume
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


def explain(result: LayerResult, occurrences: int = 1) -> str:
    """Lines of arithmetic for one occurrence, and the count when the row stands for several."""
    lines = _lines(result)
    if occurrences > 1:
        lines.append(f"each of {occurrences:,} occurrences (the row counts all of them)")
    return "\n".join(lines)


def _lines(result: LayerResult) -> list[str]:
    layer = result.layer
    cost = result.cost
    match layer:
        case Dense():
            features = result.input_shape[-1]
            params = f"{features:,}×{layer.units:,} = {cost.weights:,} weights" + (f" + {cost.biases:,} biases = {cost.params:,}" if layer.bias else "")
            positions = volume(result.input_shape[:-1])
            macs = f"{features:,}×{layer.units:,} = {cost.macs:,} MACs"
            if positions > 1:
                macs = f"{shape(result.input_shape[:-1])} positions × {features:,}×{layer.units:,} = {cost.macs:,} MACs"
            return [params, macs]
        case Conv() | Depthwise():
            return _convolution(result)
        case Pool():
            stride = layer.stride if layer.stride is not None else layer.kernel
            return [
                _output_lengths(result, layer.kernel, stride, layer.padding, (1,), layer.ceil_mode),
                "no weights: a pool takes the max or mean of each window",
            ]
        case GlobalPool():
            return [f"{shape(result.input_shape[:-1])} positions → 1 value per channel: {result.output_shape[-1]:,}", "no weights"]
        case AdaptivePool():
            return [f"{shape(result.input_shape[:-1])} → {shape(result.output_shape[:-1])} windows sized to fit", "no weights"]
        case Flatten():
            return [f"{shape(result.input_shape)} = {volume(result.input_shape):,} values in one vector"]
        case BatchNorm():
            channels = result.input_shape[-1]
            return [f"2×{channels:,} = {cost.params:,} (scale γ and shift β per channel) + {cost.non_trainable:,} running statistics, not trained"]
        case LayerNorm():
            features = result.input_shape[-1]
            return [f"2×{features:,} = {cost.params:,} (scale γ and shift β per feature)"]
        case Activation() | Dropout():
            return ["elementwise: no weights, no MACs"]
        case SqueezeExcite():
            channels, squeeze = result.input_shape[-1], layer.channels
            return [
                f"2×{channels:,}×{squeeze:,} = {cost.weights:,} weights + {squeeze:,} + {channels:,} biases = {cost.params:,}",
                f"1×1 convs {channels:,}→{squeeze:,}→{channels:,}: 2×{channels:,}×{squeeze:,} = {cost.macs:,} MACs",
            ]
        case Residual():
            path = "the shortcut's layers" if layer.shortcut else "the identity shortcut (nothing to learn)"
            return [f"main path + {path}: {cost.params:,} params, {cost.macs:,} MACs in the rows below", "the addition itself has no weights"]
        case Concat():
            widths = " + ".join(str(child) for child in _branch_widths(result))
            return [f"channels joined: {widths} = {result.output_shape[-1]:,}", f"{cost.params:,} params, {cost.macs:,} MACs in the branches below"]
        case Repeat():
            return [f"the block {layer.times:,} times in a row: {cost.params:,} params, {cost.macs:,} MACs in the rows below"]
        case Block():
            return [f"{len(layer.layers)} layers in order: {cost.params:,} params, {cost.macs:,} MACs in the rows below"]
        case _:
            unreachable(layer)


def _convolution(result: LayerResult) -> list[str]:
    layer = result.layer
    assert isinstance(layer, (Conv, Depthwise))
    cost = result.cost
    channels = result.input_shape[-1]
    groups = channels if isinstance(layer, Depthwise) else layer.groups
    filters = result.output_shape[-1]
    rank = len(result.input_shape) - 1
    kernel = per_spatial_axis(layer.kernel, rank)
    per_filter = volume(kernel) * (channels // groups)
    weights = f"{shape(kernel)}×{channels // groups:,}×{filters:,} = {cost.weights:,} weights"
    params = weights + (f" + {cost.biases:,} biases = {cost.params:,}" if cost.biases else "")
    if groups > 1:
        params += f" ({groups:,} groups of {channels // groups:,} input channels)"
    positions = shape(result.output_shape[:-1])
    macs = f"{positions} positions × {filters:,} filters × {per_filter:,} = {cost.macs:,} MACs"
    output = _output_lengths(result, layer.kernel, layer.stride, layer.padding, layer.dilation, ceil_mode=False)
    return [output, params, macs]


def _output_lengths(result: LayerResult, kernel: PerAxis, stride: PerAxis, padding: Padding, dilation: PerAxis, ceil_mode: bool) -> str:
    """`⌊(4 + 2·0 − 1·(3−1) − 1) / 1⌋ + 1 = 2` per spatial axis; axes that agree are written once."""
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
    distinct = list(dict.fromkeys(formulas))
    prefix = "each axis: " if len(distinct) == 1 and rank > 1 else ""
    return prefix + "; ".join(distinct) if len(distinct) == 1 else "; ".join(f"axis {i + 1}: {f}" for i, f in enumerate(formulas))


def _branch_widths(result: LayerResult) -> list[int]:
    """Channels each concat branch gives: its last layer's, or the input's for an empty branch."""
    layer = result.layer
    assert isinstance(layer, Concat)
    widths = []
    remaining = list(result.children)
    for branch in layer.branches:
        taken, remaining = remaining[: len(branch)], remaining[len(branch) :]
        widths.append(taken[-1].output_shape[-1] if taken else result.input_shape[-1])
    return widths
