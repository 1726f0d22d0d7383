"""The torch reference of the kinds the mobile networks brought: ShuffleNetV2's channel split and
shuffle, and EfficientNet's stochastic depth."""

from __future__ import annotations

import torch
from torch import nn

from archcalc.kinds.composite import Split
from archcalc.kinds.elementwise import StochasticDepth
from archcalc.kinds.reshape import ChannelShuffle
from tests.torch_reference import build_sequence, builds


class Chunked(nn.Module):
    """As ShuffleNetV2's unit: `x.chunk(parts, dim=1)`, each chunk through its branch, then torch.cat."""

    def __init__(self, branches: list[nn.Module]) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        chunks = x.chunk(len(self.branches), dim=1)
        if any(chunk.shape[1] != chunks[0].shape[1] for chunk in chunks) or len(chunks) != len(self.branches):
            raise ValueError(f"{x.shape[1]} channels do not split into {len(self.branches)} equal chunks")
        return torch.cat([branch(chunk) for branch, chunk in zip(self.branches, chunks, strict=True)], dim=1)


class Shuffle(nn.Module):
    """torchvision.models.shufflenetv2.channel_shuffle, for any number of spatial axes."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, *spatial = x.shape
        grouped = x.view(batch, self.groups, channels // self.groups, *spatial)
        return torch.transpose(grouped, 1, 2).contiguous().view(batch, channels, *spatial)


class DropPath(nn.Module):
    """torchvision.ops.stochastic_depth in "row" mode: in training, each sample is zeroed at `rate`
    and the survivors scaled by 1 / (1 − rate); at inference, the identity."""

    def __init__(self, rate: float) -> None:
        super().__init__()
        self.rate = rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.rate == 0.0:
            return x
        survival = 1.0 - self.rate
        keep = torch.empty((x.shape[0],) + (1,) * (x.dim() - 1), dtype=x.dtype).bernoulli_(survival)
        return x * keep / survival if survival > 0.0 else x * keep


@builds(Split)
def split(layer: Split, x: torch.Tensor) -> nn.Module:
    parts = len(layer.branches)
    if x.shape[1] % parts:
        raise ValueError(f"{x.shape[1]} channels do not split into {parts} equal chunks")
    share = x[:, : x.shape[1] // parts]
    return Chunked([build_sequence(branch, share)[0] for branch in layer.branches])


@builds(ChannelShuffle)
def channel_shuffle(layer: ChannelShuffle, x: torch.Tensor) -> nn.Module:
    return Shuffle(layer.groups)


@builds(StochasticDepth)
def stochastic_depth(layer: StochasticDepth, x: torch.Tensor) -> nn.Module:
    return DropPath(layer.rate)
