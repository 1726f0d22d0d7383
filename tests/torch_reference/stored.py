"""The torch reference of `stored`: a module holding exactly the parameters and state the layer carries, passing its input on."""

from __future__ import annotations

import torch
from torch import nn

from archcalc.kinds.stored import Stored
from tests.torch_reference import builds


class StoredModule(nn.Module):
    def __init__(self, layer: Stored) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(layer.weights))
        self.bias = nn.Parameter(torch.zeros(layer.biases))
        self.register_buffer("state", torch.zeros(layer.non_trainable))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x  # no MACs: a checkpoint's module as archcalc knows it computes nothing it could count


@builds(Stored)
def stored(layer: Stored, x: torch.Tensor) -> nn.Module:
    return StoredModule(layer)
