"""The model's input and every tensor's shape: the batch axis fixed at 1, then ONNX's shape inference,
with the exporter's shape arithmetic folded where it stops (folding.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.errors import Origin, SpecError
from archcalc.formats.onnx.load import MAX_RANK, first_line

if TYPE_CHECKING:
    from onnx import GraphProto, ModelProto, ValueInfoProto

    from archcalc.formats.onnx.load import Node

Shapes = dict[str, tuple[int, ...]]


PREFERRED_INPUTS = ("input_ids", "pixel_values", "input_features")
"""The inputs HuggingFace's exports start from (text, images, audio), in the order one is chosen; the
others (attention_mask, position_ids, token_type_ids) select or mask and add no layer."""


def model_input(graph: GraphProto, constants: set[str], origin: Origin, asked: str | None = None) -> tuple[ValueInfoProto, str | None]:
    """The input the spec starts from (an input that is also an initializer is a constant), and a note
    saying which was chosen of several: `asked` (--input), else the first of PREFERRED_INPUTS."""
    inputs = [value for value in graph.input if value.name not in constants]
    names = ", ".join(f"'{value.name}'" for value in inputs) or "none"
    if asked is not None:
        chosen = next((value for value in inputs if value.name == asked), None)
        if chosen is None:
            raise SpecError(f"--input '{asked}' is not one of the model's inputs ({names})", origin)
    elif len(inputs) == 1:
        return inputs[0], None
    else:
        chosen = next((value for name in PREFERRED_INPUTS for value in inputs if value.name == name), None)
        if chosen is None:
            hint = "give the one its layers start from: --input NAME" if inputs else None
            written = ", ".join(value.name for value in inputs) or "none"
            raise SpecError(f"archcalc reads models with one input; this one has {len(inputs)} ({written})", origin, None, hint)
    others = [value.name for value in inputs if value is not chosen]
    if not others:
        return chosen, None
    how = "as --input asks" if asked is not None else "the first of " + ", ".join(PREFERRED_INPUTS) + " it has"
    note = (
        f"inputs: the model reads {len(inputs)} ({names}); the spec starts from '{chosen.name}' ({how}). "
        f"The others ({', '.join(repr(name) for name in others)}) add no layer: what is computed from them alone is read as a constant, "
        f"and a table they select from is counted where it is read"
    )
    for value in inputs:
        if value is not chosen:
            _fix_other_batch(value)
    return chosen, note


def _fix_other_batch(value: ValueInfoProto) -> None:
    """An input the spec does not start from (a mask) gets batch 1 too, so that the shapes it meets agree."""
    dims = value.type.tensor_type.shape.dim
    if value.type.tensor_type.HasField("shape") and dims and not dims[0].HasField("dim_value"):
        dims[0].dim_value = 1


def model_output(graph: GraphProto, origin: Origin) -> str:
    if len(graph.output) != 1:
        names = ", ".join(value.name for value in graph.output)
        raise SpecError(f"archcalc reads models with one output; this one has {len(graph.output)} ({names})", origin)
    return str(graph.output[0].name)


def fix_batch(value: ValueInfoProto, origin: Origin) -> None:
    """The batch axis: a symbolic one becomes 1; a fixed one must be 1 (figures are per sample)."""
    dims = value.type.tensor_type.shape.dim
    if not value.type.tensor_type.HasField("shape") or len(dims) < 2:
        raise SpecError(f"the input '{value.name}' has no batch axis and shape; archcalc needs [batch, ...] with fixed sizes", origin)
    batch = dims[0]
    if batch.HasField("dim_value") and batch.dim_value not in (0, 1):
        raise SpecError(f"the input '{value.name}' has a batch of {batch.dim_value}; archcalc reads models exported with batch 1", origin)
    batch.dim_value = 1
    for axis, dim in enumerate(dims[1:], start=1):
        if dim.HasField("dim_value") and dim.dim_value < 1:  # written, and wrong: say what is written
            raise SpecError(f"axis {axis} of the input '{value.name}' has the size {dim.dim_value}; a size is 1 or more", origin)
        if not dim.HasField("dim_value"):
            written = dim.dim_param or "unknown"
            raise SpecError(
                f"axis {axis} of the input '{value.name}' has no fixed size ({written})",
                origin,
                None,
                "export with a fixed input shape (torch.onnx.export without dynamic axes other than the batch)",
            )


def inferred_shapes(model: ModelProto, nodes: list[Node], origin: Origin) -> Shapes:
    """Every tensor's shape ONNX's inference gives (batch 1), its failures said as the file's."""
    from archcalc.formats.onnx.folding import Refused  # lazy: folding imports onnx and numpy, which only an ONNX file needs
    from archcalc.formats.onnx.folding import inferred_shapes as folded_inference  # lazy: it imports onnx, which load.import_onnx has found present by now
    from archcalc.formats.onnx.isolated import Aborted

    try:
        shapes = folded_inference(model, nodes)
    except Refused as error:  # a shape only arithmetic past folding's bounds would give
        raise SpecError(str(error), origin) from None
    except Aborted as error:
        hint = "it does so where a size comes out negative, as for a window larger than its input (onnx/onnx#8481)"
        raise SpecError(f"ONNX shape inference aborts on this model ({error})", origin, None, hint) from None
    except Exception as error:  # onnx.shape_inference.InferenceError, or a C++ error
        raise SpecError(f"ONNX shape inference fails on this model: {first_line(error)}", origin) from None
    for name, dims in shapes.items():
        if len(dims) > MAX_RANK:  # the file declares none such (load.py), but its nodes may make one
            raise SpecError(f"ONNX shape inference gives '{name}' {len(dims):,} axes; archcalc reads tensors of at most {MAX_RANK}", origin)
    return shapes
