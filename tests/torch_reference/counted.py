"""The torch reference of `counted`: a module that holds exactly the figures the layer carries.

A counted layer's figures are whatever was counted where it was read; the reference checks that they
reach PyTorch's count unchanged: its weights and biases as parameters, its state as running statistics,
its MACs recorded, its output of the declared shape.
"""

from __future__ import annotations

import torch
from torch import nn

from archcalc.kinds.counted import Counted
from tests.torch_reference import builds, channels_first, record_backward_macs, record_macs


class CountedModule(nn.Module):
    def __init__(self, layer: Counted) -> None:
        super().__init__()
        # only tensors that hold something, each used in forward, so that an optimizer keeps state for it
        self.counted = nn.ParameterList([nn.Parameter(torch.zeros(count)) for count in (layer.weights, layer.biases) if count])
        self.register_buffer("running_mean", torch.zeros(layer.non_trainable))
        self.macs = layer.macs
        self.output = channels_first(layer.output)
        self.input = channels_first(layer.input)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if tuple(x.shape[1:]) != self.input:
            raise ValueError(f"counted for {self.input}, got {tuple(x.shape[1:])}")
        record_macs(self.macs * x.shape[0])
        record_backward_macs(self.macs * x.shape[0] * (x.requires_grad + any(parameter.requires_grad for parameter in self.counted)))
        output = torch.zeros(x.shape[0], *self.output, device=x.device)
        return output + sum((parameter.sum() * 0 for parameter in self.counted), torch.zeros((), device=x.device))


@builds(Counted)
def counted(layer: Counted, x: torch.Tensor) -> nn.Module:
    return CountedModule(layer)
