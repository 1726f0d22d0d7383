"""The torch reference of the layers that widen the spatial axes: conv_transpose, upsample, pixel_shuffle."""

from __future__ import annotations

import torch
from torch import nn

from archcalc.kinds.upsampling import ConvTranspose, PixelShuffle, Upsample
from archcalc.model import PerAxis
from tests.torch_reference import OUTPUTS, builds

CONV_TRANSPOSES = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}


def axes(values: PerAxis, rank: int) -> tuple[int, ...]:
    """The spec's per-axis rule, written again here on purpose (see core.axes)."""
    return values * rank if len(values) == 1 else values


@builds(ConvTranspose)
def conv_transpose(layer: ConvTranspose, x: torch.Tensor) -> nn.Module:
    rank = x.dim() - 2
    if layer.spatial_rank not in (None, rank):
        raise ValueError("conv_transposeNd on an input of another rank")
    return CONV_TRANSPOSES[rank](
        x.shape[1],
        layer.filters,
        axes(layer.kernel, rank),
        stride=axes(layer.stride, rank),
        padding=axes(layer.padding, rank),
        output_padding=axes(layer.output_padding, rank),
        groups=layer.groups,
        bias=layer.bias,
        dilation=axes(layer.dilation, rank),
    )


@builds(Upsample)
def upsample(layer: Upsample, x: torch.Tensor) -> nn.Module:
    rank = x.dim() - 2
    if layer.scale is not None:
        return nn.Upsample(scale_factor=tuple(float(factor) for factor in axes(layer.scale, rank)), mode=layer.mode)
    size = axes(layer.size, rank) if layer.size is not None else tuple(OUTPUTS[str(layer.like)].shape[2:])
    return nn.Upsample(size=size, mode=layer.mode)


@builds(PixelShuffle)
def pixel_shuffle(layer: PixelShuffle, x: torch.Tensor) -> nn.Module:
    if x.dim() != 4:
        raise ValueError("pixel shuffle works on two spatial axes")
    return nn.PixelShuffle(layer.factor)
