"""The torch reference of `counted`: a module that holds exactly the figures the layer carries.

A counted layer's figures are whatever was counted where it was read; the reference checks that they
reach PyTorch's count unchanged: its weights and biases as parameters, its state as running statistics,
its MACs recorded, its output of the declared shape.
"""

from __future__ import annotations

import torch
from torch import nn

from archcalc.kinds.counted import Counted
from tests.torch_reference import builds, channels_first, record_macs


class CountedModule(nn.Module):
    def __init__(self, layer: Counted) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(layer.weights))
        self.bias = nn.Parameter(torch.zeros(layer.biases))
        self.register_buffer("running_mean", torch.zeros(layer.non_trainable))
        self.macs = layer.macs
        self.output = channels_first(layer.output)
        self.input = channels_first(layer.input)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if tuple(x.shape[1:]) != self.input:
            raise ValueError(f"counted for {self.input}, got {tuple(x.shape[1:])}")
        record_macs(self.macs)
        return torch.zeros(x.shape[0], *self.output)


@builds(Counted)
def counted(layer: Counted, x: torch.Tensor) -> nn.Module:
    return CountedModule(layer)
