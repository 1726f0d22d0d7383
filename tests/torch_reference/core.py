"""The torch reference of archcalc's first kinds: dense (tied to an embedding too), conv, pooling, norms, activations, composites."""

from __future__ import annotations

from math import ceil

import torch
from torch import nn
from torch.nn import functional

from archcalc.kinds.composite import Block, Concat, Repeat, Residual
from archcalc.kinds.conv import Conv, Depthwise
from archcalc.kinds.dense import Dense
from archcalc.kinds.elementwise import Activation, PReLU
from archcalc.kinds.norm import BatchNorm, LayerNorm
from archcalc.kinds.pool import AdaptivePool, GlobalPool, Pool, PoolMode
from archcalc.kinds.reshape import Flatten
from archcalc.kinds.squeeze_excite import SqueezeExcite
from archcalc.model import Padding, PerAxis
from tests.torch_reference import NAMED, build_sequence, builds
from tests.torch_reference.graph import named_output


class LastAxis(nn.Module):
    """Apply a module to the channels as the last axis (archcalc's dense and layernorm act there)."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            return self.inner(x)
        return self.inner(x.movedim(1, -1)).movedim(-1, 1)


class PositionwiseLinear(nn.Linear):
    """nn.Linear on the last axis of a tensor held channels first (moved there by LastAxis). Where that
    view is not contiguous, the linear layer runs as the 1×1 convolution it is, on the tensor as held:
    nn.Linear would copy it (matmul's reshape) and keep the copy for backward, a copy no model that
    holds its features last makes. The same weights, MACs and output."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        held = x.movedim(-1, 1)
        if x.dim() <= 2 or x.is_contiguous() or not held.is_contiguous():
            return super().forward(x)
        spatial = x.dim() - 2
        weight = self.weight.view(*self.weight.shape, *(1,) * spatial)
        return CONVOLUTIONS[spatial](held, weight, self.bias).movedim(1, -1)


CONVOLUTIONS = {1: functional.conv1d, 2: functional.conv2d, 3: functional.conv3d}


class PadThen(nn.Module):
    """TensorFlow's `same`: pad so that ⌈n / s⌉ windows fit, the odd one on the right, then slide."""

    def __init__(self, pads: list[int], inner: nn.Module) -> None:
        super().__init__()
        self.pads = pads
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(functional.pad(x, self.pads))


class Add(nn.Module):
    def __init__(self, main: nn.Module, shortcut: nn.Module) -> None:
        super().__init__()
        self.main = main
        self.shortcut = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        main, shortcut = self.main(x), self.shortcut(x)
        if main.shape != shortcut.shape:  # torch would broadcast [1, 1, 8, 8] onto [1, 16, 8, 8]; a residual must not
            raise ValueError(f"residual shapes differ: {tuple(main.shape)} and {tuple(shortcut.shape)}")
        return main + shortcut


class Cat(nn.Module):
    """Branches of the same input, and named outputs (cropped to fit with `crop`), on the channels."""

    def __init__(self, branches: list[nn.Module], names: tuple[str, ...] = (), crop: bool = False) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)
        self.names = names
        self.crop = crop

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs = [branch(x) for branch in self.branches]
        outputs += [named_output(name, outputs[0], self.crop) for name in self.names]
        return torch.cat(outputs, dim=1)


class SqueezeExciteModule(nn.Module):
    """As torchvision.ops.SqueezeExcitation: pool, 1×1 conv C→s, activation, 1×1 conv s→C, gate, scale."""

    def __init__(self, channels: int, squeeze: int, rank: int, activation: nn.Module, gate: nn.Module) -> None:
        super().__init__()
        self.pool = ADAPTIVE[PoolMode.AVG][rank](1)
        self.reduce = CONVS[rank](channels, squeeze, 1)
        self.activation = activation
        self.expand = CONVS[rank](squeeze, channels, 1)
        self.gate = gate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.gate(self.expand(self.activation(self.reduce(self.pool(x)))))
        return x * scale


CONVS = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
POOLS = {PoolMode.MAX: {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}, PoolMode.AVG: {1: nn.AvgPool1d, 2: nn.AvgPool2d, 3: nn.AvgPool3d}}
ADAPTIVE = {
    PoolMode.MAX: {1: nn.AdaptiveMaxPool1d, 2: nn.AdaptiveMaxPool2d, 3: nn.AdaptiveMaxPool3d},
    PoolMode.AVG: {1: nn.AdaptiveAvgPool1d, 2: nn.AdaptiveAvgPool2d, 3: nn.AdaptiveAvgPool3d},
}
NORMS = {1: nn.BatchNorm1d, 2: nn.BatchNorm1d, 3: nn.BatchNorm2d, 4: nn.BatchNorm3d}
ACTIVATIONS = {
    "relu": nn.ReLU,
    "relu6": nn.ReLU6,
    "leaky_relu": nn.LeakyReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "hardswish": nn.Hardswish,
    "hardsigmoid": nn.Hardsigmoid,
    "identity": nn.Identity,
}


def axes(values: PerAxis, rank: int) -> tuple[int, ...]:
    """The spec's per-axis rule (docs/spec.md), written again here on purpose: the reference must not share code
    with what it checks."""
    return values * rank if len(values) == 1 else values


def windowed(make: type[nn.Module], padding: Padding, x: torch.Tensor, kernel: PerAxis, stride: PerAxis, dilation: PerAxis, **options: object) -> nn.Module:
    """A conv or pool module with archcalc's padding forms: numbers, `valid`, or `same` (padded by hand)."""
    rank = x.dim() - 2
    kernel, stride, dilation = axes(kernel, rank), axes(stride, rank), axes(dilation, rank)
    if padding != "same":
        pad = (0,) * rank if padding == "valid" else axes(padding, rank)
        return make(kernel_size=kernel, stride=stride, padding=pad, **({"dilation": dilation} if dilation != (1,) * rank else {}), **options)
    pads: list[int] = []
    for size, k, s, d in reversed(list(zip(x.shape[2:], kernel, stride, dilation, strict=True))):  # F.pad lists the last axis first
        total = max((ceil(size / s) - 1) * s + d * (k - 1) + 1 - size, 0)
        pads += [total // 2, total - total // 2]
    inner = make(kernel_size=kernel, stride=stride, padding=0, **({"dilation": dilation} if dilation != (1,) * rank else {}), **options)
    return PadThen(pads, inner)


@builds(Dense)
def dense(layer: Dense, x: torch.Tensor) -> nn.Module:
    linear = PositionwiseLinear(x.shape[1], layer.units, bias=layer.bias)
    if layer.tie is not None:  # as PyTorch models tie a head to an embedding; a wrong shape fails in forward
        linear.weight = NAMED[layer.tie].embedding.weight
    return LastAxis(linear)


@builds(Conv)
def conv(layer: Conv, x: torch.Tensor) -> nn.Module:
    make = CONVS[x.dim() - 2]
    return windowed(
        lambda **o: make(x.shape[1], layer.filters, groups=layer.groups, bias=layer.bias, **o),  # type: ignore[arg-type]
        layer.padding, x, layer.kernel, layer.stride, layer.dilation,
    )  # fmt: skip


@builds(Depthwise)
def depthwise(layer: Depthwise, x: torch.Tensor) -> nn.Module:
    make, channels = CONVS[x.dim() - 2], x.shape[1]
    return windowed(
        lambda **o: make(channels, channels * layer.multiplier, groups=channels, bias=layer.bias, **o),  # type: ignore[arg-type]
        layer.padding, x, layer.kernel, layer.stride, layer.dilation,
    )  # fmt: skip


@builds(Pool)
def pool(layer: Pool, x: torch.Tensor) -> nn.Module:
    make = POOLS[layer.mode][x.dim() - 2]
    return windowed(make, layer.padding, x, layer.kernel, layer.stride or layer.kernel, (1,), ceil_mode=layer.ceil_mode)


@builds(GlobalPool)
def global_pool(layer: GlobalPool, x: torch.Tensor) -> nn.Module:
    return nn.Sequential(ADAPTIVE[layer.mode][x.dim() - 2](1), nn.Flatten())


@builds(AdaptivePool)
def adaptive_pool(layer: AdaptivePool, x: torch.Tensor) -> nn.Module:
    rank = x.dim() - 2
    return ADAPTIVE[layer.mode][rank](axes(layer.output, rank))


@builds(Flatten)
def flatten(layer: Flatten, x: torch.Tensor) -> nn.Module:
    return nn.Flatten()


@builds(BatchNorm)
def batchnorm(layer: BatchNorm, x: torch.Tensor) -> nn.Module:
    return NORMS[x.dim() - 1 if x.dim() > 2 else 1](x.shape[1])


@builds(LayerNorm)
def layernorm(layer: LayerNorm, x: torch.Tensor) -> nn.Module:
    return LastAxis(nn.LayerNorm(x.shape[1], bias=layer.bias))


@builds(Activation)
def activation(layer: Activation, x: torch.Tensor) -> nn.Module:
    return nn.Softmax(dim=1) if layer.function == "softmax" else ACTIVATIONS[layer.function]()


@builds(PReLU)
def prelu(layer: PReLU, x: torch.Tensor) -> nn.Module:
    return nn.PReLU(x.shape[1] if layer.per_channel else 1)  # PyTorch's channel axis is 1, archcalc's the last


@builds(Residual)
def residual(layer: Residual, x: torch.Tensor) -> nn.Module:
    return Add(build_sequence(layer.layers, x)[0], build_sequence(layer.shortcut, x)[0])


@builds(Concat)
def concat(layer: Concat, x: torch.Tensor) -> nn.Module:
    return Cat([build_sequence(branch, x)[0] for branch in layer.branches or ((),)], layer.with_, layer.crop)


@builds(SqueezeExcite)
def squeeze_excite(layer: SqueezeExcite, x: torch.Tensor) -> nn.Module:
    rank = x.dim() - 2
    if rank < 1:
        raise ValueError("squeeze-excite needs spatial axes")
    return SqueezeExciteModule(x.shape[1], layer.channels, rank, ACTIVATIONS[layer.activation](), ACTIVATIONS[layer.gate]())


@builds(Repeat)
def repeat(layer: Repeat, x: torch.Tensor) -> nn.Module:
    return build_sequence(layer.layers * layer.times, x)[0]


@builds(Block)
def block(layer: Block, x: torch.Tensor) -> nn.Module:
    return build_sequence(layer.layers, x)[0]
