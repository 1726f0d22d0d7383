"""Layers that rearrange values without computing anything: `flatten`, `channel_shuffle`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.arithmetic import volume
from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import Pointwise, SeesWhole, ViewOfInput
from archcalc.model import NO_COST, LayerResult, Shape
from archcalc.text import shape as shape_text
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext


@value(kw_only=True)
class Flatten(ViewOfInput, SeesWhole):
    """Every axis into one, channels last."""

    NAMES = {"flatten": "flatten"}
    EXAMPLE = ("2x2x2", "flatten")
    KEEPS = "nothing new: its output is its input's storage"

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        return LayerResult(self, shape, (volume(shape),), NO_COST)

    def label(self, result: LayerResult) -> str:
        return self.kind

    def explain(self, result: LayerResult) -> list[str]:
        return [f"{shape_text(result.input_shape)} = {volume(result.input_shape):,} values in one vector"]


@value(kw_only=True)
class ChannelShuffle(Pointwise):
    """The channels dealt out of `groups` groups in turn (ShuffleNet's channel shuffle: view the
    channels as groups × C/groups, transpose, flatten), so that the next grouped or split layer
    mixes what came from different groups. Each position keeps its own values."""

    groups: int

    NAMES = {"channel_shuffle": "channel_shuffle", "shuffle": "channel_shuffle"}
    EXAMPLE = ("8x8x6", "shuffle: 2")
    ARGUMENTS = (Argument("groups", Reading.COUNT, "the groups whose channels are interleaved"),)
    MAIN = "groups"
    PARAMETERS = "no parameters; the channels reordered"
    MACS = "0"
    KEEPS = "nothing (a copy in another order; with 1 group, or one channel a group, the same order: its input's storage)"

    def passes_storage_on(self, result: LayerResult) -> bool:
        """A shuffle that leaves the order as it was is a view: PyTorch's .contiguous() copies nothing."""
        return self.groups in (1, result.input_shape[-1])

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        if shape[-1] % self.groups:
            raise self.error(f"groups={self.groups} does not divide the {shape[-1]:,} channels")
        return LayerResult(self, shape, shape, NO_COST)

    def label(self, result: LayerResult) -> str:
        return f"channel shuffle, {self.groups} groups"

    def explain(self, result: LayerResult) -> list[str]:
        channels = result.input_shape[-1]
        return [f"{channels:,} channels as {self.groups} groups of {channels // self.groups:,}, interleaved: no weights, no MACs"]
