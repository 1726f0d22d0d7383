"""What many kinds share: the shapes they check, and the receptive-field rules most of them follow."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from archcalc.kinds.arguments import Reading, field_name
from archcalc.model import NO_COST, Layer, LayerResult, PerAxis, ReceptiveField, Shape
from archcalc.values import compared_fields, replace

if TYPE_CHECKING:
    from archcalc.model import ApplyContext, FieldContext


def per_spatial_axis(values: PerAxis, rank: int) -> PerAxis:
    """The spec's rule: a single value applies to every spatial axis; a list gives one per axis.
    Unchecked: for values `per_axis` has already checked in `apply` (labels, receptive fields), and
    for readers that check the length themselves."""
    return values * rank if len(values) == 1 else values


class Pointwise(Layer):
    """A kind that maps each position on its own (dense on channels, norms, activations): its
    receptive field is the one before it."""

    ANY_LAYOUT = True

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        return field


class Unchanged(Pointwise):
    """A kind whose output is its input, to the value, as far as counting goes (activations, dropout):
    the same shape, nothing counted."""

    def apply(self, shape: Shape, context: ApplyContext) -> LayerResult:
        return LayerResult(self, shape, shape, NO_COST)


class ViewOfInput(Layer):
    """A kind whose output is a view of its input's storage (flatten, tokens, take): no parameters, no
    MACs, nothing kept for backward and nothing moved when serving."""

    PARAMETERS = "no parameters"
    MACS = "0"
    VIEW = True
    SERVED = "nothing: a view of its input, or the identity in inference"

    def served_weights(self, result: LayerResult) -> int:
        return 0

    def served_values(self, result: LayerResult) -> tuple[int, int]:
        return 0, 0


class SeesWhole(Layer):
    """A kind whose every output depends on every input position (flatten, global pooling)."""

    ANY_LAYOUT = True

    def receptive_field(self, result: LayerResult, field: ReceptiveField, context: FieldContext) -> ReceptiveField:
        return field.whole()


def spatial_axes(layer: Layer, shape: Shape) -> Shape:
    """The axes a window slides over: all but the channels. A flat vector has none."""
    if len(shape) < 2:
        raise layer.error(f"{layer.kind} needs spatial axes and channels (e.g. 28x28x1), got the flat vector {bracketed(shape)}")
    return shape[:-1]


def sequence_of(layer: Layer, shape: Shape) -> tuple[int, int]:
    """A sequence [N, D]: its N tokens and their width D."""
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) == 1:
        advice = "token ids need an `embedding` first"
    else:
        advice = "`tokens` turns the positions of an image into a sequence"
    raise layer.error(f"{layer.kind} needs a sequence [N, D] (N tokens of width D), got {bracketed(shape)}; {advice}")


def per_axis(layer: Layer, key: str, values: PerAxis, rank: int) -> PerAxis:
    """One value per spatial axis, as `per_spatial_axis` gives them, after checking that a list has one
    for each axis: a wrong length is the layer's error, located where it is written."""
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
    return made[-1].where_written


_NESTED_FIELDS: dict[type[Layer], tuple[tuple[str, str, bool], ...]] = {}


def nested_fields(kind: type[Layer]) -> tuple[tuple[str, str, bool], ...]:
    """Each argument of a kind that holds layers, in the order it declares them: its name, its field,
    and whether it holds branches (lists of lists) rather than one list. Read once a kind: a model
    file of 100,000 layers asks for each of them."""
    found = _NESTED_FIELDS.get(kind)
    if found is None:
        holding = [argument for argument in kind.ARGUMENTS if argument.reading in (Reading.LAYERS, Reading.BRANCHES)]
        found = tuple((argument.name, field_name(argument.name), argument.reading is Reading.BRANCHES) for argument in holding)
        _NESTED_FIELDS[kind] = found
    return found


def inner_layer_lists(layer: Layer) -> Iterator[tuple[Layer, ...]]:
    """Each list of layers a layer holds (a residual's path, then its shortcut; each branch of a
    concat), in the order its kind declares them: the order the engine applies them in."""
    for _, field, branches in nested_fields(type(layer)):
        if branches:
            yield from getattr(layer, field)
        else:
            yield getattr(layer, field)


def with_inner_layers(layer: Layer, change: Callable[[Layer], Layer], **changes: object) -> Layer:
    """The layer with `change` made to each layer it holds, at every depth, and `changes` to its own fields."""
    for _, field, branches in nested_fields(type(layer)):
        if branches:
            changes[field] = tuple(tuple(change(inner) for inner in branch) for branch in getattr(layer, field))
        else:
            changes[field] = tuple(change(inner) for inner in getattr(layer, field))
    return replace(layer, **changes)


def unnamed(layer: Layer) -> Layer:
    """The layer as written without names, its inner layers' included: what two repeats share."""
    return with_inner_layers(layer, unnamed, name=None)


def unnamed_key(layer: Layer) -> tuple[object, ...]:
    """What `unnamed(layer)` is compared by, without making it: its kind, and each compared field but
    its name, the layers it holds by their own keys. Numbering a run of 50,000 imported blocks by these
    makes no copy of them."""
    nested = {field: branches for _, field, branches in nested_fields(type(layer))}
    key: list[object] = [type(layer)]
    for field in compared_fields(type(layer)):
        if field != "name":
            held = getattr(layer, field)
            if field in nested:
                held = tuple(tuple(map(unnamed_key, branch)) for branch in held) if nested[field] else tuple(map(unnamed_key, held))
            key.append(held)
    return tuple(key)
