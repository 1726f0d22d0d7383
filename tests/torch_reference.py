"""A spec built as real torch modules, to check archcalc against PyTorch (used only by the parity test).

Shapes come from PyTorch itself: each module is built against a live tensor, so nothing here trusts
archcalc's shape arithmetic. archcalc is channels-last without a batch axis; torch is (1, C, *spatial).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil, prod

import torch
from torch import nn
from torch.nn import functional

from archcalc.kinds.composite import Block, Concat, Repeat, Residual
from archcalc.kinds.conv import Conv, Depthwise
from archcalc.kinds.dense import Dense
from archcalc.kinds.elementwise import Activation, Dropout
from archcalc.kinds.norm import BatchNorm, LayerNorm
from archcalc.kinds.pool import AdaptivePool, GlobalPool, Pool, PoolMode
from archcalc.kinds.reshape import Flatten
from archcalc.kinds.squeeze_excite import SqueezeExcite
from archcalc.model import Layer, Padding, PerAxis, Spec


@dataclass(frozen=True)
class TorchFigures:
    output_shape: tuple[int, ...]  # channels last, no batch axis, as archcalc writes shapes
    params: int
    non_trainable: int
    macs: int


def measure(spec: Spec) -> TorchFigures:
    """Build the spec in torch, run one sample through it, and count what PyTorch counts."""
    example = torch.zeros(1, *channels_first(spec.input_shape))
    with torch.no_grad():
        model, output = build_sequence(spec.layers, example)
        model.eval()
        macs = [0]
        hooks = [module.register_forward_hook(_count_macs(macs)) for module in model.modules() if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd))]
        output = model(example)
        for hook in hooks:
            hook.remove()
    params = sum(parameter.numel() for parameter in model.parameters())
    non_trainable = sum(buffer.numel() for name, buffer in model.named_buffers() if name.endswith(("running_mean", "running_var")))
    return TorchFigures(channels_last(tuple(output.shape[1:])), params, non_trainable, macs[0])


def _count_macs(total: list[int]):  # type: ignore[no-untyped-def]
    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        if isinstance(module, nn.Linear):
            total[0] += output.numel() * module.in_features
        else:
            total[0] += output.numel() * (module.in_channels // module.groups) * prod(module.kernel_size)

    return hook


def channels_first(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape if len(shape) == 1 else (shape[-1], *shape[:-1])


def channels_last(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape if len(shape) == 1 else (*shape[1:], shape[0])


def build_sequence(layers: tuple[Layer, ...], example: torch.Tensor) -> tuple[nn.Sequential, torch.Tensor]:
    modules = []
    for layer in layers:
        module = build(layer, example)
        module.eval()  # batch norm refuses one sample per channel in training mode
        example = module(example)
        modules.append(module)
    return nn.Sequential(*modules), example


class LastAxis(nn.Module):
    """Apply a module to the channels as the last axis (archcalc's dense and layernorm act there)."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            return self.inner(x)
        return self.inner(x.movedim(1, -1)).movedim(-1, 1)


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
    def __init__(self, branches: list[nn.Module]) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)


class SqueezeExciteModule(nn.Module):
    """As torchvision.ops.SqueezeExcitation: pool, 1×1 conv C→s, ReLU, 1×1 conv s→C, sigmoid, scale."""

    def __init__(self, channels: int, squeeze: int, rank: int) -> None:
        super().__init__()
        self.pool = ADAPTIVE[PoolMode.AVG][rank](1)
        self.reduce = CONVS[rank](channels, squeeze, 1)
        self.expand = CONVS[rank](squeeze, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = torch.sigmoid(self.expand(torch.relu(self.reduce(self.pool(x)))))
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
    """SPEC.md's per-axis rule, written again here on purpose: the reference must not share code
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


def build(layer: Layer, x: torch.Tensor) -> nn.Module:
    """One archcalc layer as a torch module, for an input like `x` (batch 1, channels first)."""
    channels = x.shape[1]
    rank = x.dim() - 2  # spatial axes
    match layer:
        case Dense():
            return LastAxis(nn.Linear(channels, layer.units, bias=layer.bias))
        case Conv():
            conv = CONVS[rank]
            return windowed(
                lambda **o: conv(channels, layer.filters, groups=layer.groups, bias=layer.bias, **o),  # type: ignore[arg-type]
                layer.padding, x, layer.kernel, layer.stride, layer.dilation,
            )  # fmt: skip
        case Depthwise():
            conv = CONVS[rank]
            return windowed(
                lambda **o: conv(channels, channels * layer.multiplier, groups=channels, bias=layer.bias, **o),  # type: ignore[arg-type]
                layer.padding, x, layer.kernel, layer.stride, layer.dilation,
            )  # fmt: skip
        case Pool():
            pool = POOLS[layer.mode][rank]
            return windowed(pool, layer.padding, x, layer.kernel, layer.stride or layer.kernel, (1,), ceil_mode=layer.ceil_mode)
        case GlobalPool():
            return nn.Sequential(ADAPTIVE[layer.mode][rank](1), nn.Flatten())
        case AdaptivePool():
            return ADAPTIVE[layer.mode][rank](axes(layer.output, rank))
        case Flatten():
            return nn.Flatten()
        case BatchNorm():
            return NORMS[x.dim() - 1 if x.dim() > 2 else 1](channels)
        case LayerNorm():
            return LastAxis(nn.LayerNorm(channels))
        case Activation():
            return nn.Softmax(dim=1) if layer.function == "softmax" else ACTIVATIONS[layer.function]()
        case Dropout():
            return nn.Dropout(layer.rate)
        case Residual():
            return Add(build_sequence(layer.layers, x)[0], build_sequence(layer.shortcut, x)[0])
        case Concat():
            return Cat([build_sequence(branch, x)[0] for branch in layer.branches])
        case SqueezeExcite():
            if rank < 1:
                raise ValueError("squeeze-excite needs spatial axes")
            return SqueezeExciteModule(channels, layer.channels, rank)
        case Repeat():
            return build_sequence(layer.layers * layer.times, x)[0]
        case Block():
            return build_sequence(layer.layers, x)[0]
    raise TypeError(layer)
