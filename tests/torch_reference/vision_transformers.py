"""The torch reference of the kinds the vision transformers brought: attention within windows (Swin's
shifted windows, MaxViT's block and grid attention) with its relative position bias, Swin's patch
merging, and ConvNeXt's layer scale.

Each module follows torchvision's own code (torchvision.models.swin_transformer, .maxvit, .convnext)
on an image laid out (1, C, H, W), as every kind of the reference is; the attention's projections
are nn.Linears, so their MACs are hooked, and its two matmuls are recorded from the tensors' shapes.
The bias MLP of Swin V2 is an nn.Sequential of nn.Linears, hooked like any other.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional

from archcalc.kinds.attention import Attention
from archcalc.kinds.elementwise import LayerScale
from archcalc.kinds.patches import PatchMerging
from tests.torch_reference import builds, record_backward_macs, record_macs
from tests.torch_reference.core import axes


def relative_position_index(height: int, width: int) -> torch.Tensor:
    """For every pair of a group's tokens, the row of their offset in a (2h−1)·(2w−1) table (torchvision's)."""
    coords = torch.stack(torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")).flatten(1)
    relative = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)
    return (relative[:, :, 0] + height - 1) * (2 * width - 1) + relative[:, :, 1] + width - 1


def log_spaced_offsets(height: int, width: int) -> torch.Tensor:
    """Swin V2's input to its bias MLP: every offset, scaled to ±8 and log-spaced, (1, 2h−1, 2w−1, 2)."""
    # a window one position wide has only the offset 0, which torchvision divides by 0; any divisor keeps it 0
    rows = torch.arange(-(height - 1), height, dtype=torch.float32) / max(height - 1, 1)
    columns = torch.arange(-(width - 1), width, dtype=torch.float32) / max(width - 1, 1)
    table = torch.stack(torch.meshgrid(rows, columns, indexing="ij")).permute(1, 2, 0).unsqueeze(0) * 8
    return torch.sign(table) * torch.log2(table.abs() + 1.0) / 3.0


class WindowAttention(nn.Module):
    """Self-attention within groups of an image's positions: windows (the map padded at the bottom and
    right to whole windows, cyclically shifted by half a window when `shifted` and the window does not
    cover the map, with Swin's mask between regions the shift joined) or the cells of a grid (one
    token from each cell, as MaxViT partitions it; the cells must divide the map)."""

    def __init__(self, layer: Attention, channels: int) -> None:
        super().__init__()
        heads = layer.heads
        if layer.head_dim is None and channels % heads:
            raise ValueError("the width must be divisible by the number of heads")
        kv_heads = heads if layer.kv_heads is None else layer.kv_heads
        head_dim = channels // heads if layer.head_dim is None else layer.head_dim
        self.query = nn.Linear(channels, heads * head_dim, bias=layer.bias)
        self.key = nn.Linear(channels, kv_heads * head_dim, bias=layer.bias)
        self.value = nn.Linear(channels, kv_heads * head_dim, bias=layer.bias)
        self.out = nn.Linear(heads * head_dim, channels, bias=layer.bias)
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, head_dim
        self.grid = layer.grid is not None
        cell = layer.window if layer.window is not None else layer.grid
        assert cell is not None
        self.cell = axes(cell, 2)
        self.shifted = layer.shifted
        self.position_bias = layer.position_bias
        height, width = self.cell
        self.register_buffer("index", relative_position_index(height, width))
        if layer.position_bias == "table":
            self.table = nn.Parameter(torch.zeros((2 * height - 1) * (2 * width - 1), heads))
        elif layer.position_bias == "mlp":
            self.bias_mlp = nn.Sequential(nn.Linear(2, 512), nn.ReLU(), nn.Linear(512, heads, bias=False))
            self.register_buffer("offsets", log_spaced_offsets(height, width))
        self.logit_scale = nn.Parameter(torch.log(10 * torch.ones(heads, 1, 1))) if layer.cosine else None

    def relative_bias(self) -> torch.Tensor | None:
        """(1, heads, n, n): each pair's bias, gathered from the table or from the MLP's output."""
        if self.position_bias == "none":
            return None
        table = self.table if self.position_bias == "table" else 16 * torch.sigmoid(self.bias_mlp(self.offsets).view(-1, self.heads))
        return table[self.index.flatten()].view(*self.index.shape, self.heads).permute(2, 0, 1).unsqueeze(0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            raise ValueError(f"attention within windows needs (1, C, H, W), got {tuple(x.shape)}")
        image = x.permute(0, 2, 3, 1)  # (1, H, W, C), as torchvision's Swin holds it
        height, width = image.shape[1:3]
        cell_height, cell_width = self.cell
        if self.grid:
            if height % cell_height or width % cell_width:
                raise ValueError("the grid's cells must divide the map")
            padded, shift = image, (0, 0)
        else:
            padded = functional.pad(image, (0, 0, 0, -width % cell_width, 0, -height % cell_height))
            covered = (cell_height >= padded.shape[1], cell_width >= padded.shape[2])
            shift = tuple(0 if covered[axis] or not self.shifted else self.cell[axis] // 2 for axis in range(2))
            padded = torch.roll(padded, shifts=(-shift[0], -shift[1]), dims=(1, 2))
        groups = self.partition(padded)  # (groups, n, C)
        attended = self.attend(groups, self.shift_mask(padded.shape[1:3], shift))
        restored = torch.roll(self.departition(attended, padded.shape), shifts=shift, dims=(1, 2))
        return restored[:, :height, :width, :].permute(0, 3, 1, 2)

    def partition(self, image: torch.Tensor) -> torch.Tensor:
        """(groups, n, C). Windows: the h×w positions of each window together. Grid: the map cut into
        h×w cells of H/h × W/w positions, a group taking the position at the same place in every cell."""
        batch, height, width, channels = image.shape
        cell_height, cell_width = self.cell
        if self.grid:
            grouped = image.view(batch, cell_height, height // cell_height, cell_width, width // cell_width, channels).permute(0, 2, 4, 1, 3, 5)
        else:
            grouped = image.view(batch, height // cell_height, cell_height, width // cell_width, cell_width, channels).permute(0, 1, 3, 2, 4, 5)
        return grouped.reshape(-1, cell_height * cell_width, channels)

    def departition(self, groups: torch.Tensor, shape: torch.Size) -> torch.Tensor:
        batch, height, width, channels = shape
        cell_height, cell_width = self.cell
        if self.grid:
            grouped = groups.view(batch, height // cell_height, width // cell_width, cell_height, cell_width, channels).permute(0, 3, 1, 4, 2, 5)
        else:
            grouped = groups.view(batch, height // cell_height, width // cell_width, cell_height, cell_width, channels).permute(0, 1, 3, 2, 4, 5)
        return grouped.reshape(batch, height, width, channels)

    def shift_mask(self, size: tuple[int, int], shift: tuple[int, ...]) -> torch.Tensor | None:
        """torchvision's mask for shifted windows: -100 between positions the cyclic shift brought together."""
        if not any(shift):
            return None
        regions = torch.zeros(size)
        cell_height, cell_width = self.cell
        count = 0
        for rows in ((0, -cell_height), (-cell_height, -shift[0]), (-shift[0], None)):
            for columns in ((0, -cell_width), (-cell_width, -shift[1]), (-shift[1], None)):
                regions[rows[0] : rows[1], columns[0] : columns[1]] = count
                count += 1
        windows = self.partition(regions.view(1, *size, 1)).squeeze(-1)  # (groups, n)
        differs = windows.unsqueeze(1) - windows.unsqueeze(2)
        return differs.masked_fill(differs != 0, -100.0).masked_fill(differs == 0, 0.0).unsqueeze(1)  # (groups, 1, n, n)

    def attend(self, tokens: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        count = tokens.shape[0]
        queries = self.query(tokens).unflatten(-1, (self.heads, self.head_dim)).transpose(1, 2)  # (groups, h, n, d)
        keys = self.key(tokens).unflatten(-1, (self.kv_heads, self.head_dim)).transpose(1, 2)
        values = self.value(tokens).unflatten(-1, (self.kv_heads, self.head_dim)).transpose(1, 2)
        keys = keys.repeat_interleave(self.heads // self.kv_heads, dim=1)
        values = values.repeat_interleave(self.heads // self.kv_heads, dim=1)
        if self.logit_scale is not None:  # Swin V2's scaled cosine attention
            scores = functional.normalize(queries, dim=-1) @ functional.normalize(keys, dim=-1).transpose(-2, -1)
            scores = scores * torch.clamp(self.logit_scale, max=math.log(100.0)).exp()
        else:
            scores = (queries * self.head_dim**-0.5) @ keys.transpose(-2, -1)
        record_macs(scores.numel() * self.head_dim)
        record_backward_macs(scores.numel() * self.head_dim * (queries.requires_grad + keys.requires_grad))
        bias = self.relative_bias()
        if bias is not None:
            scores = scores + bias
        if mask is not None:  # the mask is one sample's groups; the batch's follow each other
            scores = scores + mask.repeat(count // mask.shape[0], 1, 1, 1)
        weights = scores.softmax(-1)
        weighted = weights @ values  # (groups, h, n, d)
        record_macs(weighted.numel() * values.shape[-2])
        record_backward_macs(weighted.numel() * values.shape[-2] * (weights.requires_grad + values.requires_grad))
        return self.out(weighted.transpose(1, 2).reshape(count, tokens.shape[1], -1))


class PatchMergingModule(nn.Module):
    """torchvision's PatchMerging (norm on 4C, then the linear layer) or PatchMergingV2 (linear, then norm on 2C)."""

    def __init__(self, channels: int, norm_after: bool) -> None:
        super().__init__()
        self.reduction = nn.Linear(4 * channels, 2 * channels, bias=False)
        self.norm = nn.LayerNorm(2 * channels if norm_after else 4 * channels)
        self.norm_after = norm_after

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            raise ValueError(f"patch merging needs (1, C, H, W), got {tuple(x.shape)}")
        image = x.permute(0, 2, 3, 1)
        height, width = image.shape[1:3]
        image = functional.pad(image, (0, 0, 0, width % 2, 0, height % 2))
        merged = torch.cat([image[:, 0::2, 0::2], image[:, 1::2, 0::2], image[:, 0::2, 1::2], image[:, 1::2, 1::2]], -1)
        merged = self.norm(self.reduction(merged)) if self.norm_after else self.reduction(self.norm(merged))
        return merged.permute(0, 3, 1, 2)


class LayerScaleModule(nn.Module):
    """ConvNeXt's layer scale: a (C, 1, 1) parameter, started at 1e-6, times the input."""

    def __init__(self, channels: int, spatial_rank: int) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.full((channels, *(1,) * spatial_rank), 1e-6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale * x


def windowed_attention(layer: Attention, x: torch.Tensor) -> nn.Module:
    """The module for an `attention` with a window or a grid (sequences.py builds the others)."""
    return WindowAttention(layer, x.shape[1])


@builds(PatchMerging)
def patch_merging(layer: PatchMerging, x: torch.Tensor) -> nn.Module:
    return PatchMergingModule(x.shape[1], layer.norm == "after")


@builds(LayerScale)
def layer_scale(layer: LayerScale, x: torch.Tensor) -> nn.Module:
    return LayerScaleModule(x.shape[1], max(x.dim() - 2, 0))
