"""The torch reference of `side_output`: a branch run for an extra output, as torchvision's Inception3
runs its auxiliary classifier (in training only, when the spec says so)."""

from __future__ import annotations

import torch
from torch import nn

from archcalc.kinds.side_output import SideOutput
from tests.torch_reference import build_sequence, builds


class SideBranch(nn.Module):
    """Runs `branch` on x for a side output and returns x itself; `training_only` skips the branch in
    eval mode, as Inception3.forward does with its AuxLogits (so no hook counts its MACs)."""

    def __init__(self, branch: nn.Module, training_only: bool) -> None:
        super().__init__()
        self.branch = branch
        self.training_only = training_only
        self.side: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training or not self.training_only:
            self.side = self.branch(x)
        return x


@builds(SideOutput)
def side_output(layer: SideOutput, x: torch.Tensor) -> nn.Module:
    return SideBranch(build_sequence(layer.layers, x)[0], layer.training_only)
