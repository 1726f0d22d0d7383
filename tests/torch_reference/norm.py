"""The torch reference of the normalisations that compute statistics per sample: groupnorm and instancenorm."""

from __future__ import annotations

import torch
from torch import nn

from archcalc.kinds.norm import GroupNorm, InstanceNorm
from tests.torch_reference import builds

INSTANCE_NORMS = {1: nn.InstanceNorm1d, 2: nn.InstanceNorm2d, 3: nn.InstanceNorm3d}


@builds(GroupNorm)
def groupnorm(layer: GroupNorm, x: torch.Tensor) -> nn.Module:
    return nn.GroupNorm(layer.groups, x.shape[1], affine=layer.affine)


@builds(InstanceNorm)
def instancenorm(layer: InstanceNorm, x: torch.Tensor) -> nn.Module:
    if x.dim() < 3:
        raise ValueError("instance norm needs spatial axes")
    return INSTANCE_NORMS[x.dim() - 2](x.shape[1], affine=layer.affine)
