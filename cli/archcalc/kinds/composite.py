"""Layers made of layers: `residual`, `concat`, `split`, `block` and `repeat`. Each sums its
children's cost into its own row, and the tables list the children under it."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from archcalc.arithmetic import volume
from archcalc.kinds.arguments import Argument, ArgumentProblem, Reading
from archcalc.kinds.base import bracketed, ended_by
from archcalc.kinds.graph import CROP_HINT, JOIN_ARGUMENTS, as_joined, crop_text, joined_field, larger_spatially, read_by_name, sources_text, where_made
from archcalc.model import Layer, LayerResult, ReceptiveField, Shape, output_after, total_cost
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.model import ApplyContext, FieldContext

MAX_UNROLLED_ITERATIONS = 10_000
"""A `repeat` whose block keeps changing the shape is unrolled; past this many iterations it is refused."""

MAX_GROWING_ITERATIONS = 64
"""Past this many passes a repeat's field is not walked pass by pass: see Repeat.walked."""

COMPOSITE_MACS = "its layers' (joins are not MACs)"


def reads_by_name(results: tuple[LayerResult, ...]) -> bool:
    """Whether any of these results, at any depth, joins an output it read by name."""
    return any(result.joined or reads_by_name(result.children) for result in results)


def summed(layer: Layer, shape: Shape, output: Shape, children: tuple[LayerResult, ...]) -> LayerResult:
    return LayerResult(layer, shape, output, total_cost([child.cost * child.occurrences for child in children]), children)


@value(kw_only=True)
class Residual(Layer):
    """`layers` added to a shortcut (the identity, or `shortcut`'s layers), as in a ResNet block."""

    layers: tuple[Layer, ...]
    shortcut: tuple[Layer, ...] = ()  # empty: the identity

    NAMES = {"residual": "residual"}
    EXAMPLE = ("8x8x4", "residual: [{conv: {filters: 4, kernel: 3, padding: 1}}, relu]")
    ARGUMENTS = (
        Argument("layers", Reading.LAYERS, "the main path"),
        Argument("shortcut", Reading.LAYERS, "the shortcut's layers (default: the identity)"),
    )
    MAIN = "layers"
    PARAMETERS = "its paths' layers; output = layers(x) + shortcut(x)"
    MACS = COMPOSITE_MACS
    SERVED = "what its paths move, and its addition: reads both paths' outputs, writes the sum"

    def served_weights(self, result: LayerResult) -> int:
        return 0

    def served_values(self, result: LayerResult) -> tuple[int, int]:
        values = volume(result.output_shape)
        return 2 * values, values

    KEEPS = "its paths' layers' (the addition keeps nothing)"

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        """output = layers(x) + shortcut(x): both paths see x, and their shapes must be equal."""
        main = context.sequence(self.layers, shape)
        shortcut = context.sequence(self.shortcut, shape)
        main_shape, shortcut_shape = output_after(main, shape), output_after(shortcut, shape)
        if main_shape != shortcut_shape:
            raise self.error(
                f"cannot add the main path's {bracketed(main_shape)} ({ended_by(main)}) to the shortcut's {bracketed(shortcut_shape)} ({ended_by(shortcut)})"
            )
        return summed(self, shape, main_shape, main + shortcut)

    def paths(self, result: LayerResult) -> tuple[tuple[LayerResult, ...], ...]:
        split = len(self.layers)  # children: the main path's results, then the shortcut's
        return (result.children[:split], result.children[split:])

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        main, shortcut = self.paths(result)
        return context.sequence(main, field).joined(context.sequence(shortcut, field))

    def label(self, result: LayerResult) -> str:
        return "residual" + (" (projection shortcut)" if self.shortcut else "")

    def explain(self, result: LayerResult) -> list[str]:
        path = "the shortcut's layers" if self.shortcut else "the identity shortcut (nothing to learn)"
        return [f"main path + {path}: {result.cost.params:,} params, {result.cost.macs:,} MACs in the rows below", "the addition itself has no weights"]


@value(kw_only=True)
class Concat(Layer):
    """Branches applied to the same input, and the outputs of earlier layers named in `with`, joined
    along the channel axis: Inception's blocks, and U-Net's decoder joining its encoder."""

    branches: tuple[tuple[Layer, ...], ...] = ()  # an empty branch is the identity; none written: the identity alone
    with_: tuple[str, ...] = ()
    crop: bool = False

    NAMES = {"concat": "concat"}
    EXAMPLE = ("8x8x4", "concat: [[{conv: {filters: 2, kernel: 1}}], []]")
    ARGUMENTS: ClassVar[tuple[Argument, ...]] = (  # split, below, takes `branches` alone
        Argument("branches", Reading.BRANCHES, "a list of branches, each a list of layers ([] is the identity; default: the identity alone)"),
        *JOIN_ARGUMENTS,
    )
    MAIN = "branches"
    PARAMETERS = "its branches' layers; joined on the channels, with any outputs named in `with`"
    MACS = COMPOSITE_MACS
    SERVED = "what its branches move, and the joining copy: reads the branches' outputs, writes the joined tensor"

    def served_weights(self, result: LayerResult) -> int:
        return 0

    def served_values(self, result: LayerResult) -> tuple[int, int]:
        values = volume(result.output_shape)
        return values, values

    KEEPS = "its branches' layers' (the concatenation keeps nothing)"

    def check(self) -> None:
        if not self.with_ and not self.branches:
            raise ArgumentProblem("branches", "concat needs 'branches' to join, or 'with' naming earlier layers to join the current tensor with")
        if self.crop and not self.with_:
            raise ArgumentProblem("crop", "'crop' cuts the outputs named in 'with', and there are none")

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        """Every branch sees the same input; their outputs and the named ones are joined on the channel (last) axis."""
        branches = [context.sequence(branch, self.branch_input(shape)) for branch in self.branch_layers()]
        outputs = [output_after(branch, self.branch_input(shape)) for branch in branches]
        first = outputs[0]
        for number, (output, branch) in enumerate(zip(outputs, branches, strict=True), start=1):
            if len(output) != len(first) or output[:-1] != first[:-1]:
                raise self.error(
                    f"cannot join branch {number}'s {bracketed(output)} ({ended_by(branch)}) with branch 1's {bracketed(first)} ({ended_by(branches[0])}): "
                    "all axes but the channels must be equal"
                )
        joined = read_by_name(self, self.with_, context)
        for name, source in zip(self.with_, joined, strict=True):
            other = as_joined(self, name, source, first, self.crop)
            if len(other) != len(first) or other[:-1] != first[:-1]:
                hint = CROP_HINT if larger_spatially(other, first) else None
                raise self.error(
                    f"cannot join '{name}' {bracketed(other)} ({where_made(source)}) with the current {bracketed(first)}: "
                    "all axes but the channels must be equal",
                    hint,
                )
            outputs.append(other)
        children = tuple(child for branch in branches for child in branch)
        output = (*first[:-1], sum(output[-1] for output in outputs))
        return LayerResult(self, shape, output, total_cost([child.cost * child.occurrences for child in children]), children, joined=joined)

    def branch_input(self, shape: Shape) -> Shape:
        """What each branch sees: the whole input."""
        return shape

    def branch_layers(self) -> tuple[tuple[Layer, ...], ...]:
        """The branches written, or the identity alone when only `with` was."""
        return self.branches or ((),)

    def paths(self, result: LayerResult) -> tuple[tuple[LayerResult, ...], ...]:
        """The result's children, split back into their branches."""
        branches, start = [], 0
        for branch in self.branch_layers():
            branches.append(result.children[start : start + len(branch)])
            start += len(branch)
        return tuple(branches)

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        after = joined_field(result, field, context)
        for branch in self.paths(result):
            after = after.joined(context.sequence(branch, field))
        return after

    def label(self, result: LayerResult) -> str:
        if not self.with_:
            return f"concat {len(self.branches)} branches"
        named = f"with {sources_text(result)}" + (crop_text(result, result.output_shape) if self.crop else "")
        return f"concat {len(self.branches)} branches {named}" if self.branches else f"concat {named}"

    def explain(self, result: LayerResult) -> list[str]:
        widths = [str(output_after(branch, self.branch_input(result.input_shape))[-1]) for branch in self.paths(result)]
        widths += [f"{source.output_shape[-1]} ('{source.layer.name}')" for source in result.joined]
        return [
            f"channels joined: {' + '.join(widths)} = {result.output_shape[-1]:,}",
            f"{result.cost.params:,} params, {result.cost.macs:,} MACs in the branches below",
        ]


@value(kw_only=True)
class Split(Concat):
    """The channels cut into equal consecutive shares, one per branch (torch.chunk), each branch run
    on its own share, the outputs joined on the channels: ShuffleNetV2's channel split."""

    NAMES = {"split": "split"}
    EXAMPLE = ("8x8x4", "split: [[], [{conv: {filters: 2, kernel: 1}}, relu]]")
    ARGUMENTS = (Argument("branches", Reading.BRANCHES, "a list of branches, each a list of layers run on its share ([] passes it on)"),)
    PARAMETERS = "its branches' layers, each on C / branches channels; joined on the channels"
    KEEPS = "its branches' layers' (each share is a view of the input's storage)"

    def check(self) -> None:
        if not self.branches:  # concat's default (none written) would otherwise read as the identity
            raise ArgumentProblem("branches", "missing required argument 'branches'")

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        parts = len(self.branches)
        if shape[-1] % parts:
            raise self.error(f"cannot split {shape[-1]:,} channels into {parts} equal shares, one per branch")
        return super().apply(shape, context)

    def branch_input(self, shape: Shape) -> Shape:
        """What each branch sees: its share of the channels."""
        return (*shape[:-1], shape[-1] // len(self.branches))

    def label(self, result: LayerResult) -> str:
        parts = len(self.branches)
        return f"split into {parts} × {result.input_shape[-1] // parts:,} channels"

    def explain(self, result: LayerResult) -> list[str]:
        parts, channels = len(self.branches), result.input_shape[-1]
        return [f"{channels:,} channels split into {parts} shares of {channels // parts:,}", *super().explain(result)]


class LayersInOrder(Layer):
    """A kind that only applies its layers one after another (block, repeat): its MACs, its weights and
    the values it moves are its layers', with no join of its own."""

    MACS = COMPOSITE_MACS
    SEQUENTIAL = True
    SERVED = "what its layers move, nothing of its own"

    def served_weights(self, result: LayerResult) -> int:
        return 0

    def served_values(self, result: LayerResult) -> tuple[int, int]:
        return 0, 0


@value(kw_only=True)
class Block(LayersInOrder):
    """A named group of layers applied in order: shown as one row with its layers inside."""

    layers: tuple[Layer, ...]

    NAMES = {"block": "block"}
    EXAMPLE = ("8x8x4", "block: [{conv: {filters: 8, kernel: 1}}, relu]")
    ARGUMENTS = (Argument("layers", Reading.LAYERS, "the layers, in order"),)
    MAIN = "layers"
    PARAMETERS = "its layers, in order"
    KEEPS = "its layers'"

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        children = context.sequence(self.layers, shape)
        return summed(self, shape, output_after(children, shape), children)

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        return context.sequence(result.children, field)

    def label(self, result: LayerResult) -> str:
        return f"block of {len(self.layers)}"

    def explain(self, result: LayerResult) -> list[str]:
        return [f"{len(self.layers)} layers in order: {result.cost.params:,} params, {result.cost.macs:,} MACs in the rows below"]


@value(kw_only=True)
class Repeat(LayersInOrder):
    """`layers` applied `times` times in order."""

    times: int
    layers: tuple[Layer, ...]

    NAMES = {"repeat": "repeat"}
    COUNT_ARGUMENT = "times"
    EXAMPLE = ("8x8x4", "repeat: {times: 3, layers: [{conv: {filters: 4, kernel: 3, padding: 1}}]}")
    ARGUMENTS = (
        Argument("times", Reading.COUNT, "how many times in a row"),
        Argument("layers", Reading.LAYERS, "the block repeated"),
    )
    PARAMETERS = "its layers, `times` times in a row"
    KEEPS = "its layers', each pass's own"

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        """The block `times` in a row. Once an iteration leaves the shape unchanged, every later one is
        identical to it, so it is computed once and counted for all the rest: a billion repeats cost one."""
        children: list[LayerResult] = []
        remaining = self.times
        current = shape
        while remaining:
            if self.times - remaining >= MAX_UNROLLED_ITERATIONS:
                raise self.error(f"the block keeps changing the shape after {MAX_UNROLLED_ITERATIONS:,} iterations; archcalc unrolls at most that many")
            iteration = context.sequence(self.layers, current)
            context.unrolled(self, iteration)
            output = output_after(iteration, current)
            if output == current:
                for result in iteration:
                    result.stand_for(remaining)
                children.extend(iteration)
                break
            children.extend(iteration)
            current = output
            remaining -= 1
        return summed(self, shape, output_after(tuple(children), shape), tuple(children))

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        """The unrolled iterations in order; then the settled block (children with times > 1), whose
        field after n more passes is computed in closed form when it does not stride."""
        settled = tuple(child for child in result.children if child.occurrences > 1)
        field = context.sequence(tuple(child for child in result.children if child.occurrences == 1), field)
        if not settled:
            return field
        passes = settled[0].occurrences
        if field.size is None:
            return context.sequence(settled, field)
        if reads_by_name(settled):  # a pass joins a field that does not grow with the passes: walk them
            return self.walked(settled, passes, field, context)
        unit = (1,) * len(field.jump)
        once = context.sequence(settled, ReceptiveField(unit, unit), record=False)  # one pass from a single position
        if once.size is None:
            return context.sequence(settled, field.whole())
        growth = tuple(size - 1 for size in once.size)  # per pass, in units of the jump before the pass
        if all(step == 1 for step in once.jump):
            before_last = ReceptiveField(
                tuple(f + (passes - 1) * g * j for f, g, j in zip(field.size, growth, field.jump, strict=True)), field.jump, field.approximate
            )
            return context.sequence(settled, before_last)
        return self.walked(settled, passes, field, context)

    def walked(self, settled: tuple[LayerResult, ...], passes: int, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        """The settled block's field after `passes` passes, one at a time (the last one recorded).
        Past MAX_GROWING_ITERATIONS passes it is not walked: the field is taken as the whole input,
        marked approximate (a striding block's jump has passed 2^64 by then, and any other block's
        field has grown by at least a position a pass)."""
        if passes - 1 > MAX_GROWING_ITERATIONS:
            return context.sequence(settled, ReceptiveField(None, field.jump, approximate=True))
        for _ in range(passes - 1):
            field = context.sequence(settled, field, record=False)
        return context.sequence(settled, field)

    def pass_length(self) -> int | None:
        return len(self.layers)

    def label(self, result: LayerResult) -> str:
        return f"repeat ×{self.times:,}"

    def explain(self, result: LayerResult) -> list[str]:
        return [f"the block {self.times:,} times in a row: {result.cost.params:,} params, {result.cost.macs:,} MACs in the rows below"]
