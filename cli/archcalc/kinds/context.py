"""What a composite kind asks of the engine while it is applied: the engine implements these, so
kinds need not import it (and the engine can import every kind)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from archcalc.model import Field, Layer, LayerResult, Shape


class ApplyContext(Protocol):
    def sequence(self, layers: tuple[Layer, ...], shape: Shape) -> tuple[LayerResult, ...]:
        """Apply layers in order, each to the previous one's output."""
        ...

    def unrolled(self, layer: Layer, results: tuple[LayerResult, ...]) -> None:
        """Count layers a `repeat` unrolled; raises once one analysis has unrolled too many."""
        ...

    def only_in_training(self, branch: Layer, results: tuple[LayerResult, ...]) -> None:
        """Mark `branch` and the named layers in `results` as run only in training: a layer an
        inference pass runs cannot read them by name."""
        ...

    def named(self, name: str, asking: Layer) -> LayerResult:
        """The latest result of the layer written with `name:`, applied before `asking` (at any depth).
        A ShapeError located at `asking` when no layer has the name, when the layer comes after
        `asking` or contains it, or when two layers share the name."""
        ...


class FieldContext(Protocol):
    def sequence(self, results: tuple[LayerResult, ...], field: Field, record: bool = True) -> Field:
        """The field after these results in order; `record` keeps each one's for the table."""
        ...

    def field_of(self, result: LayerResult) -> Field:
        """The field after an earlier result: what a join or a branch reads by name."""
        ...
