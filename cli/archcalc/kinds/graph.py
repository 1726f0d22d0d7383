"""Layers that read an earlier layer's output by its `name:`: the joins `add` and `multiply` (and
`concat`'s `with`), and `branch`, a side path whose output is an extra one.

A spec stays a list read top to bottom; a skip is written where it is joined, naming the layer it
comes from, so a reader follows the graph by names rather than by counting layers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.arithmetic import volume
from archcalc.backward import Kept, Needs, Which
from archcalc.kinds.arguments import Argument, ArgumentProblem, Reading
from archcalc.kinds.base import bracketed
from archcalc.model import NO_COST, Cost, Layer, LayerResult, ReceptiveField, Shape, output_after, total_cost
from archcalc.text import shape as shape_text
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext, FieldContext

JOIN_ARGUMENTS = (
    Argument("with", Reading.LAYER_NAMES, "the earlier layer (its `name:`) whose output is joined, or a list of them"),
    Argument("crop", Reading.FLAG, "first cut a larger output to this one's spatial size, centred (U-Net's copy and crop)"),
)

CROP_HINT = "`crop: true` cuts the larger output to size first, centred, as U-Net's copy and crop"


def where_made(result: LayerResult) -> str:
    """`layer 5 (conv 'down4') on line 12`: where a named output was made, for messages about joins."""
    return result.layer.where_written


def read_by_name(layer: Layer, names: tuple[str, ...], context: ApplyContext) -> tuple[LayerResult, ...]:
    return tuple(context.named(name, layer) for name in names)


def as_joined(layer: Layer, name: str, source: LayerResult, shape: Shape, crop: bool) -> Shape:
    """The named output's shape as it is joined to `shape`: with `crop`, its spatial axes cut to those
    of `shape` (which it must cover), its channels kept."""
    output = source.output_shape
    if not crop:
        return output
    if len(output) != len(shape) or len(shape) < 2:
        raise layer.error(
            f"cannot crop '{name}' {bracketed(output)} ({where_made(source)}) to {bracketed(shape)}: cropping needs the same spatial axes on both"
        )
    if any(have < need for have, need in zip(output[:-1], shape[:-1], strict=True)):
        raise layer.error(
            f"cannot crop '{name}' {bracketed(output)} ({where_made(source)}) to {bracketed(shape)}: it is smaller on a spatial axis, and cropping only cuts"
        )
    return (*shape[:-1], output[-1])


def larger_spatially(output: Shape, shape: Shape) -> bool:
    """Whether a crop would make `output` fit `shape`: the hint for a join that forgot `crop`."""
    return len(output) == len(shape) >= 2 and output[:-1] != shape[:-1] and all(a >= b for a, b in zip(output[:-1], shape[:-1], strict=True))


def joined_field(result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
    """Where a path meets named outputs, an output sees what any of them saw."""
    for source in result.joined:
        field = field.joined(context.field_of(source))
    return field


def sources_text(result: LayerResult) -> str:
    """`down4 (#5)`: the names read, each with the row it was made on, so a reader can follow the graph."""
    return ", ".join(f"{source.layer.name} (#{source.layer.position})" for source in result.joined)


def crop_text(result: LayerResult, shape: Shape) -> str:
    """`, cropped 64×64 → 56×56` for each named output that was cut to size."""
    cuts = [f"{shape_text(source.output_shape[:-1])} → {shape_text(shape[:-1])}" for source in result.joined if source.output_shape[:-1] != shape[:-1]]
    return f", cropped {', '.join(cuts)}" if cuts else ""


@value(kw_only=True)
class Join(Layer):
    """What `add` and `multiply` share: the current tensor and named outputs, element by element."""

    with_: tuple[str, ...]
    crop: bool = False

    ARGUMENTS = JOIN_ARGUMENTS
    MAIN = "with"
    EXAMPLE_BEFORE = ("conv: {filters: 4, kernel: 1, name: skip}",)
    MACS = "0 (element by element, with no weights)"
    SERVED = "reads its input and every tensor it joins, writes its output"

    def served_values(self, result: LayerResult) -> tuple[int, int]:
        return volume(result.input_shape) + sum(volume(source.output_shape) for source in result.joined), volume(result.output_shape)

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        return joined_field(result, field, context)


@value(kw_only=True)
class Add(Join):
    """The current tensor plus the outputs of the earlier layers named in `with`, element by element:
    a skip joined by a sum (a feature pyramid's top-down path, LR-ASPP's two classifiers)."""

    NAMES = {"add": "add"}
    EXAMPLE = ("8x8x4", "add: skip")
    PARAMETERS = "no parameters; the shapes must be equal"
    KEEPS = "nothing (an addition)"

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        joined = read_by_name(self, self.with_, context)
        for name, source in zip(self.with_, joined, strict=True):
            other = as_joined(self, name, source, shape, self.crop)
            if other != shape:
                hint = CROP_HINT if larger_spatially(other, shape) else None
                raise self.error(
                    f"cannot add '{name}' {bracketed(other)} ({where_made(source)}) to the current {bracketed(shape)}: an addition needs equal shapes", hint
                )
        return LayerResult(self, shape, shape, NO_COST, joined=joined)

    def label(self, result: LayerResult) -> str:
        return f"add {sources_text(result)}" + (crop_text(result, result.output_shape) if self.crop else "")

    def explain(self, result: LayerResult) -> list[str]:
        terms = " + ".join([shape_text(result.input_shape), *(f"'{source.layer.name}'" for source in result.joined)])
        return [f"{terms}, element by element = {shape_text(result.output_shape)}", "an addition: no weights, no MACs"]


@value(kw_only=True)
class Multiply(Join):
    """The current tensor times the outputs of the earlier layers named in `with`, element by element.
    An axis of 1 on either side is repeated along the other's (PyTorch's broadcasting), so a gate of
    1×1×C scales every position and one of H×W×1 every channel (LR-ASPP's attention)."""

    NAMES = {"multiply": "multiply"}
    EXAMPLE = ("8x8x4", "multiply: skip")
    PARAMETERS = "no parameters; each axis equal, or 1 on one side"
    KEEPS = "its operands: the current tensor, the named outputs, and each product before the last"

    def kept(self, result: LayerResult, needs: Needs) -> tuple[Kept, ...]:
        """A product keeps each operand for the other's gradient, where the other needs one; past the
        first name, the running product is an operand too (kept whenever anything needs a gradient)."""
        if len(result.joined) > 1:
            return (
                Kept(Which.INPUT, volume(result.input_shape)),
                Kept(Which.JOINED, 0),
                Kept(Which.OWN, volume(result.output_shape) * (len(result.joined) - 1)),
            )
        current = (Kept(Which.INPUT, volume(result.input_shape)),) if needs.joined_grad else ()
        return (*current, Kept(Which.JOINED, 0)) if needs.current_grad else current

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        joined = read_by_name(self, self.with_, context)
        output = shape
        for name, source in zip(self.with_, joined, strict=True):
            other = as_joined(self, name, source, output, self.crop)
            if len(other) != len(output) or any(a != b and 1 not in (a, b) for a, b in zip(other, output, strict=True)):
                hint = CROP_HINT if larger_spatially(other, output) else "a gate may have 1 on any axis: 1×1×C scales the channels, H×W×1 the positions"
                raise self.error(
                    f"cannot multiply the current {bracketed(output)} by '{name}' {bracketed(other)} ({where_made(source)}): "
                    "each axis must be equal, or 1 on one side",
                    hint,
                )
            output = tuple(max(a, b) for a, b in zip(other, output, strict=True))
        return LayerResult(self, shape, output, NO_COST, joined=joined)

    def label(self, result: LayerResult) -> str:
        return f"multiply by {sources_text(result)}" + (crop_text(result, result.output_shape) if self.crop else "")

    def explain(self, result: LayerResult) -> list[str]:
        terms = " × ".join([shape_text(result.input_shape), *(f"'{source.layer.name}' {shape_text(source.output_shape)}" for source in result.joined)])
        return [f"{terms}, element by element = {shape_text(result.output_shape)}", "a product with no weights: no MACs"]


@value(kw_only=True)
class Branch(Layer):
    """A side path: its layers run on the output of the earlier layer named in `from` (or on the
    current tensor), and its output is an extra one (an auxiliary classifier, a feature-pyramid
    level) unless a later layer reads it by name. The layer after a branch sees the tensor before it.
    With `training_only` the path runs only while training, as torchvision's Inception3 skips its
    auxiliary classifier in eval mode: its parameters count, its MACs do not."""

    from_: str | None = None  # None: the current tensor
    layers: tuple[Layer, ...] = ()  # none: the named output itself, as an extra output
    training_only: bool = False

    NAMES = {"branch": "branch"}
    EXAMPLE = ("8x8x4", "branch: [{conv: {filters: 2, kernel: 1}}, global_avgpool]")
    ARGUMENTS = (
        Argument("from", Reading.LAYER_NAME, "the earlier layer (its `name:`) the branch starts from (default: the current tensor)"),
        Argument("layers", Reading.LAYERS, "the branch's layers, in order"),
        Argument("training_only", Reading.FLAG, "the branch runs only in training: its parameters count, its MACs do not"),
    )
    MAIN = "layers"
    SIDE_BRANCH = True
    PARAMETERS = "its layers'; an extra output, counted in the totals"
    KEEPS = "its layers' (a training-only branch's too: it runs in training)"
    MACS = "its layers', or none with `training_only` (an inference pass does not run the branch)"

    SERVED = "what its layers move, nothing of its own"

    def served_weights(self, result: LayerResult) -> int:
        return 0

    def served_values(self, result: LayerResult) -> tuple[int, int]:
        return 0, 0

    def check(self) -> None:
        if not self.layers and self.from_ is None:
            raise ArgumentProblem("layers", "a branch needs layers, or `from:` to make a named layer's output an extra output")

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        joined = read_by_name(self, (self.from_,), context) if self.from_ is not None else ()
        start = joined[0].output_shape if joined else shape
        children = context.sequence(self.layers, start)
        if self.training_only:
            context.only_in_training(self, children)
            children = without_macs(children, {})
        cost = total_cost([child.cost * child.occurrences for child in children])
        return LayerResult(self, start, output_after(children, start), cost, children, joined=joined)

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        start = context.field_of(result.joined[0]) if result.joined else field
        return context.sequence(result.children, start)

    def label(self, result: LayerResult) -> str:
        text = f"branch from {sources_text(result)}" if result.joined else "branch"
        return text + (", training only" if self.training_only else "")

    def explain(self, result: LayerResult) -> list[str]:
        start = f"'{self.from_}' {shape_text(result.input_shape)}" if self.from_ else f"the current {shape_text(result.input_shape)}"
        if self.training_only:
            in_training = sum(child.in_training.cost.macs * child.occurrences for child in result.children if child.in_training is not None)
            counted = f"{result.cost.params:,} params in the rows below; it runs only in training ({in_training:,} MACs there): an inference pass does 0 MACs"
        else:
            counted = f"{result.cost.params:,} params, {result.cost.macs:,} MACs in the rows below"
        return [f"a side path from {start}: {counted}", "the next layer sees the tensor before the branch"]


def without_macs(results: tuple[LayerResult, ...], copies: dict[int, LayerResult]) -> tuple[LayerResult, ...]:
    """The results as an inference pass has them, for layers that run only in training: their
    parameters, no MACs (their children's likewise), and each result as it runs in training kept for
    its explanation. A join among them reads the copy of what it read (`copies`, by the original's
    id), so the copies stand for each other as the originals did."""
    inference = []
    for result in results:
        cost = result.cost
        children = without_macs(result.children, copies)
        joined = tuple(copies.get(id(source), source) for source in result.joined)
        copy = LayerResult(
            result.layer,
            result.input_shape,
            result.output_shape,
            Cost(cost.weights, cost.biases, cost.non_trainable),
            children,
            result.occurrences,
            joined,
            in_training=result,
        )
        copies[id(result)] = copy
        inference.append(copy)
    return tuple(inference)
