"""Patches merged into fewer, wider ones: Swin's patch merging, which halves an image's sides between stages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.arithmetic import ceil_div
from archcalc.backward import Backward, Kept, Needs, ParameterTensor, Stored, Which
from archcalc.kinds.arguments import Argument, Reading
from archcalc.kinds.base import bracketed
from archcalc.model import Cost, Layer, LayerResult, ReceptiveField, Shape
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext, FieldContext

NORM_PLACES = ("before", "after")
"""Where the layer norm sits: on the 4C joined channels before the projection (Swin), or on the 2C
after it (Swin V2)."""


@value(kw_only=True)
class PatchMerging(Layer):
    """Swin's patch merging: each 2×2 group of neighbouring positions joined into one position of 4C
    channels (an odd side padded with zeros first, as torchvision pads it), a layer norm, and a linear
    layer without bias from 4C to 2C: [H, W, C] → [⌈H/2⌉, ⌈W/2⌉, 2C]. Swin V2 puts the norm after the
    linear layer, on 2C."""

    norm: str = "before"  # one of NORM_PLACES

    NAMES = {"patch_merging": "patch_merging"}
    EXAMPLE = ("8x8x16", "patch_merging")
    ARGUMENTS = (Argument("norm", Reading.CHOICE, "the layer norm before the linear layer, on 4C (Swin), or after it, on 2C (Swin V2)", choices=NORM_PLACES),)
    PARAMETERS = "4C·2C (the linear layer, no bias), and the layer norm's 2·4C (norm before) or 2·2C (norm after)"
    MACS = "⌈H/2⌉·⌈W/2⌉·4C·2C (the norm is not counted)"
    KEEPS = "the merged 4C (a copy), the norm's input and 2 float32 statistics per position, the linear layer's input"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        """Norm before: the merged tensor (the norm's input) and the normalised one (the linear's).
        Norm after: the merged tensor (the linear's input) and the linear's output (the norm's)."""
        positions = result.output_shape[0] * result.output_shape[1]
        channels = result.input_shape[-1]
        statistics = Kept(Which.OWN, 2 * positions, Stored.FLOAT32)
        if self.norm == "before":
            return (Kept(Which.OWN, positions * 4 * channels * (1 + needs.trains)), statistics)
        return (Kept(Which.OWN, positions * (4 * channels * needs.trains + 2 * channels)), statistics)

    def backward(self, result: LayerResult, needs: Needs) -> Backward:
        linear = result.cost.macs
        linear_input_grad = needs.any if self.norm == "before" else needs.input_grad
        return Backward(linear if linear_input_grad else 0, linear if needs.trains else 0)

    def parameter_tensors(self, result: LayerResult) -> tuple[ParameterTensor, ...]:
        channels = result.input_shape[-1]
        normalised = 4 * channels if self.norm == "before" else 2 * channels
        return (ParameterTensor((2 * channels, 4 * channels)), ParameterTensor((normalised,), 2))

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        if len(shape) != 3:
            raise self.error(f"patch merging joins 2×2 neighbours of an image [H, W, C], got {bracketed(shape)}")
        height, width, channels = shape
        merged = (ceil_div(height, 2), ceil_div(width, 2), 2 * channels)
        normalised = 4 * channels if self.norm == "before" else 2 * channels
        linear = 4 * channels * 2 * channels
        return LayerResult(self, shape, merged, Cost(weights=linear + normalised, biases=normalised, macs=merged[0] * merged[1] * linear))

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        return field.widened((2, 2), (2, 2))

    def label(self, result: LayerResult) -> str:
        return "patch merging" + (", norm after" if self.norm == "after" else "")

    def explain(self, result: LayerResult) -> list[str]:
        height, width, channels = result.input_shape
        merged_height, merged_width, _ = result.output_shape
        cost = result.cost
        normalised = cost.biases
        padded = f" (padded to {2 * merged_height:,}×{2 * merged_width:,})" if (height % 2 or width % 2) else ""
        place = f"before the linear layer, on {4 * channels:,}" if self.norm == "before" else f"after it, on {2 * channels:,}"
        return [
            f"{height:,}×{width:,} positions{padded} in 2×2 groups: {merged_height:,}×{merged_width:,} positions of 4×{channels:,} = {4 * channels:,} channels",
            f"linear {4 * channels:,}→{2 * channels:,}, no bias: {4 * channels:,}×{2 * channels:,} = {cost.weights - normalised:,} weights",
            f"layer norm {place}: 2×{normalised:,} = {2 * normalised:,}",
            f"{cost.weights - normalised:,} + {2 * normalised:,} = {cost.params:,} params",
            f"{merged_height:,}×{merged_width:,} positions × {4 * channels:,}×{2 * channels:,} = {cost.macs:,} MACs",
        ]
