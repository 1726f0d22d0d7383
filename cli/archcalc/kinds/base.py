"""What many kinds share: the shapes they check, and the receptive-field rules most of them follow."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.model import Field, Layer, LayerResult, PerAxis, Shape, output_after, per_spatial_axis

if TYPE_CHECKING:
    from archcalc.kinds.context import FieldContext


class Pointwise(Layer):
    """A kind that maps each position on its own (dense on channels, norms, activations): its
    receptive field is the one before it."""

    def receptive_field(self, result: LayerResult, field: Field, context: FieldContext) -> Field:
        return field


class SeesWhole(Layer):
    """A kind whose every output depends on every input position (flatten, global pooling)."""

    def receptive_field(self, result: LayerResult, field: Field, context: FieldContext) -> Field:
        return field.whole()


def spatial_axes(layer: Layer, shape: Shape) -> Shape:
    """The axes a window slides over: all but the channels. A flat vector has none."""
    if len(shape) < 2:
        raise layer.error(f"{layer.kind} needs spatial axes and channels (e.g. 28x28x1), got the flat vector {bracketed(shape)}")
    return shape[:-1]


def per_axis(layer: Layer, key: str, values: PerAxis, rank: int) -> PerAxis:
    """One value per spatial axis: a single value is used on every axis."""
    if len(values) not in (1, rank):
        raise layer.error(f"'{key}' gives {len(values)} values but the input has {rank} spatial axes")
    return per_spatial_axis(values, rank)


def bracketed(shape: Shape) -> str:
    """[2, 2, 8]: a shape in an error message."""
    return "[" + ", ".join(str(size) for size in shape) + "]"


def ended_by(results: tuple[LayerResult, ...]) -> str:
    """Where a path's output shape was made, for messages about shapes that cannot be joined."""
    made = [result.layer for result in results if not result.layer.SIDE_BRANCH]
    if not made:
        return "the identity"
    last = made[-1]
    return f"{last.where}, line {last.origin.line}" if last.origin.line else last.where


def output_of(results: tuple[LayerResult, ...], shape: Shape) -> Shape:
    """The shape after a path: its last result's output (side branches aside), or its input for an empty path."""
    return output_after(results, shape)
