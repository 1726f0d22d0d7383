"""The torch reference of `dropout`: a dropout that keeps a 1-byte mask for its backward pass.

CUDA's fused dropout kernel keeps a bool mask; PyTorch on the CPU keeps a float mask of the input's
dtype (4 bytes a value in fp32). archcalc counts the GPU's byte, so the reference replaces
nn.Dropout's forward with a function that keeps a bool mask, as the fused kernel does
(docs/training.md). In eval mode, and at rate 0, it is the identity and keeps nothing.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from archcalc.kinds.elementwise import Dropout
from tests.torch_reference import builds


class BoolMaskDropoutFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, rate: float) -> torch.Tensor:
        mask = torch.rand_like(x) >= rate  # a bool tensor: one byte a value
        ctx.save_for_backward(mask)  # what saved_tensors_hooks sees, as it sees autograd's own
        ctx.scale = 1.0 / (1.0 - rate)
        return x * mask * ctx.scale

    @staticmethod
    def backward(ctx: Any, *grads: torch.Tensor) -> tuple[torch.Tensor, None]:
        (mask,) = ctx.saved_tensors
        return grads[0] * mask * ctx.scale, None


class BoolMaskDropout(nn.Dropout):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        return BoolMaskDropoutFunction.apply(x, self.p)  # type: ignore[no-any-return]


@builds(Dropout)
def dropout(layer: Dropout, x: torch.Tensor) -> nn.Module:
    return BoolMaskDropout(layer.rate)
