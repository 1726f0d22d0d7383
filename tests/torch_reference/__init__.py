"""A spec built as real torch modules, to check archcalc against PyTorch (used only by the parity tests).

Shapes come from PyTorch itself: each module is built against a live tensor, so nothing here trusts
archcalc's shape arithmetic. archcalc is channels-last without a batch axis; torch is (1, C, *spatial).

Each family module here registers one builder per archcalc kind with `@builds(Kind)`; the reference
shares no code with what it checks beyond reading the spec's layer values. MACs are counted by hooks
on every nn.Linear and convolution, plus whatever a module records itself with `record_macs` (the
matmuls of attention, measured from the tensors' runtime shapes). A transposed convolution is
counted as PyTorch computes it: every input value times every weight of its group.

A layer written with `name:` is kept in `NAMED` while the model is built, so that a later layer can
share its parameters (a dense layer tied to an embedding), as PyTorch models tie them; and its latest
output is kept in `OUTPUTS` as the model runs, where the layers that read it by name (joins,
branches) find it. Models too large to hold in memory (Llama's billions of parameters) are built on
PyTorch's meta device, where tensors have shapes and no data: every shape, parameter and hook is as
on the CPU.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import prod
from typing import Any, TypeVar

import torch
from torch import nn

from archcalc.model import Layer, Spec

Builder = Callable[[Any, torch.Tensor], nn.Module]
BUILDERS: dict[type[Layer], Builder] = {}
K = TypeVar("K", bound=type[Layer])


def builds(*kinds: type[Layer]) -> Callable[[Builder], Builder]:
    """Register a builder: (layer, example input) -> a torch module for it."""

    def register(builder: Builder) -> Builder:
        for kind in kinds:
            BUILDERS[kind] = builder
        return builder

    return register


@dataclass(frozen=True)
class TorchFigures:
    output_shape: tuple[int, ...]  # channels last, no batch axis, as archcalc writes shapes
    params: int
    non_trainable: int
    macs: int


_recorded: list[int] = []
NAMED: dict[str, nn.Module] = {}
"""The module built for each `name:`d layer of the model being built (the latest, as archcalc's `tie` finds it)."""

OUTPUTS: dict[str, torch.Tensor] = {}
SIDE_OUTPUTS: list[torch.Tensor] = []
"""Every side branch's output, as the model runs: a training step's loss adds them (an auxiliary head's)."""
"""The latest output of each named layer, as the model runs (and as it is built, against live tensors)."""


class Remember(nn.Module):
    """A named layer's module: it keeps its output in OUTPUTS for the layers that read it by name."""

    def __init__(self, inner: nn.Module, name: str) -> None:
        super().__init__()
        self.inner = inner
        self.name = name

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output = self.inner(x)
        OUTPUTS[self.name] = output
        return output


def record_macs(count: int) -> None:
    """Called by reference modules for multiply-accumulates no hook sees (attention's matmuls)."""
    if _recorded:
        _recorded[-1] += count


_recorded_backward: list[int] = []


def record_backward_macs(count: int) -> None:
    """Called by reference modules, in a training forward pass, for the backward MACs of what no hook
    sees, from whether their tensors require grad at run time (tests/torch_reference/training.py)."""
    if _recorded_backward:
        _recorded_backward[-1] += count


def measure(spec: Spec, device: str = "cpu") -> TorchFigures:
    """Build the spec in torch, run one sample through it, and count what PyTorch counts."""
    NAMED.clear()
    OUTPUTS.clear()
    with torch.no_grad(), torch.device(device):
        example = torch.zeros(1, *channels_first(spec.input_shape))
        model, output = build_sequence(spec.layers, example)
        model.eval()
        macs = [0]
        hooks = [module.register_forward_hook(_count_macs(macs)) for module in model.modules() if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd))]
        _recorded.append(0)
        try:
            output = model(example)
        finally:
            recorded = _recorded.pop()
            for hook in hooks:
                hook.remove()
    params = sum(parameter.numel() for parameter in model.parameters())
    non_trainable = sum(buffer.numel() for name, buffer in model.named_buffers() if name.endswith(("running_mean", "running_var", "e_score_correction_bias")))
    return TorchFigures(channels_last(tuple(output.shape[1:])), params, non_trainable, macs[0] + recorded)


def _count_macs(total: list[int]):  # type: ignore[no-untyped-def]
    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        if isinstance(module, nn.Linear):
            total[0] += output.numel() * module.in_features
        elif isinstance(module, nn.modules.conv._ConvTransposeNd):  # the products PyTorch computes, whatever padding cuts
            total[0] += inputs[0].numel() * (module.out_channels // module.groups) * prod(module.kernel_size)
        else:
            total[0] += output.numel() * (module.in_channels // module.groups) * prod(module.kernel_size)

    return hook


def channels_first(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape if len(shape) == 1 else (shape[-1], *shape[:-1])


def channels_last(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape if len(shape) == 1 else (*shape[1:], shape[0])


def build(layer: Layer, x: torch.Tensor) -> nn.Module:
    """One archcalc layer as a torch module, for an input like `x` (batch 1, channels first)."""
    builder = BUILDERS.get(type(layer))
    if builder is None:
        raise TypeError(f"the torch reference cannot build {type(layer).__name__}")
    return builder(layer, x)


def build_sequence(layers: tuple[Layer, ...], example: torch.Tensor) -> tuple[nn.Sequential, torch.Tensor]:
    modules = []
    for layer in layers:
        module = build(layer, example)
        if layer.name is not None:
            NAMED[layer.name] = module
            if not getattr(module, "keeps_its_own_output", False):  # a side branch keeps its own
                module = Remember(module, layer.name)
        if not layer.trainable:  # `trainable: false`: frozen, as requires_grad_(False) freezes a module
            module.requires_grad_(False)
        module.eval()  # batch norm refuses one sample per channel in training mode
        example = module(example)
        if 0 in example.shape:  # some of PyTorch's kernels (a dilated ConvTranspose3d) return an empty tensor rather than refuse
            raise ValueError(f"{type(module).__name__} gives an empty output {tuple(example.shape)}")
        modules.append(module)
    return nn.Sequential(*modules), example


from tests.torch_reference import (  # noqa: E402  (each family module registers its builders)
    core,  # noqa: F401
    counted,  # noqa: F401
    dropout,  # noqa: F401
    graph,  # noqa: F401
    mobile,  # noqa: F401
    norm,  # noqa: F401
    sequences,  # noqa: F401
    stored,  # noqa: F401
    upsampling,  # noqa: F401
    vision_transformers,  # noqa: F401
)
