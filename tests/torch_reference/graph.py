"""The torch reference of the layers that read earlier outputs by name: `add`, `multiply`, `branch`,
and `concat` with `with` (built in core.py, with the help of `named_output` here)."""

from __future__ import annotations

import torch
from torch import nn

from archcalc.kinds.graph import Add, Branch, Multiply
from tests.torch_reference import OUTPUTS, SIDE_OUTPUTS, build_sequence, builds


def named_output(name: str, like: torch.Tensor, crop: bool) -> torch.Tensor:
    """A named layer's latest output; with `crop`, its spatial axes cut to those of `like`, centred
    (U-Net's copy and crop: the offset on each axis is ⌊(larger − smaller) / 2⌋)."""
    output = OUTPUTS[name]
    if not crop:
        return output
    for axis, target in enumerate(like.shape[2:], start=2):
        if output.shape[axis] < target:
            raise ValueError(f"'{name}' is smaller than the tensor it is cropped to")
        output = output.narrow(axis, (output.shape[axis] - target) // 2, target)
    return output


class AddNamed(nn.Module):
    def __init__(self, names: tuple[str, ...], crop: bool) -> None:
        super().__init__()
        self.names = names
        self.crop = crop

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for name in self.names:
            other = named_output(name, x, self.crop)
            if other.shape != x.shape:  # torch would broadcast; archcalc's add must not
                raise ValueError(f"add: {tuple(other.shape)} and {tuple(x.shape)} differ")
            x = x + other
        return x


class MultiplyNamed(nn.Module):
    def __init__(self, names: tuple[str, ...], crop: bool) -> None:
        super().__init__()
        self.names = names
        self.crop = crop

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for name in self.names:
            other = named_output(name, x, self.crop)
            if other.dim() != x.dim():  # broadcasting only along axes of 1, never by adding axes
                raise ValueError(f"multiply: {tuple(other.shape)} and {tuple(x.shape)} differ in rank")
            x = x * other
        return x


class SideBranch(nn.Module):
    """Runs its layers on a named output (or its input), keeps the result in OUTPUTS under its own
    name, and passes its input on unchanged."""

    keeps_its_own_output = True  # build_sequence must not wrap it: its output is not what it returns

    def __init__(self, path: nn.Module, start: str | None, name: str | None, training_only: bool) -> None:
        super().__init__()
        self.path = path
        self.start = start
        self.name = name
        self.training_only = training_only

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training_only and not self.training:  # as Inception3.forward skips its AuxLogits in eval mode
            return x
        output = self.path(x if self.start is None else OUTPUTS[self.start])
        SIDE_OUTPUTS.append(output)  # an extra output: training adds it to the loss, as an auxiliary head's
        if self.name is not None:
            OUTPUTS[self.name] = output
        return x


@builds(Add)
def add(layer: Add, x: torch.Tensor) -> nn.Module:
    return AddNamed(layer.with_, layer.crop)


@builds(Multiply)
def multiply(layer: Multiply, x: torch.Tensor) -> nn.Module:
    return MultiplyNamed(layer.with_, layer.crop)


@builds(Branch)
def branch(layer: Branch, x: torch.Tensor) -> nn.Module:
    start = x if layer.from_ is None else OUTPUTS[layer.from_]
    return SideBranch(build_sequence(layer.layers, start)[0], layer.from_, layer.name, layer.training_only)
