"""The model's input and every tensor's shape: the batch axis fixed at 1, then ONNX's shape inference,
with the exporter's shape arithmetic folded where it stops (folding.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archcalc.errors import Origin, SpecError
from archcalc.formats.onnx.load import first_line

if TYPE_CHECKING:
    from onnx import GraphProto, ModelProto, NodeProto, ValueInfoProto

Shapes = dict[str, tuple[int, ...]]


def model_input(graph: GraphProto, constants: set[str], origin: Origin) -> ValueInfoProto:
    """The one input the spec starts from (an input that is also an initializer is a constant)."""
    inputs = [value for value in graph.input if value.name not in constants]
    if len(inputs) != 1:
        names = ", ".join(value.name for value in inputs) or "none"
        raise SpecError(f"archcalc reads models with one input; this one has {len(inputs)} ({names})", origin)
    chosen: ValueInfoProto = inputs[0]
    return chosen


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
        if not dim.HasField("dim_value") or dim.dim_value < 1:
            written = dim.dim_param or "unknown"
            raise SpecError(
                f"axis {axis} of the input '{value.name}' has no fixed size ({written})",
                origin,
                None,
                "export with a fixed input shape (torch.onnx.export without dynamic axes other than the batch)",
            )


def inferred_shapes(model: ModelProto, nodes: list[NodeProto], origin: Origin) -> Shapes:
    """Every tensor's shape ONNX's inference gives (batch 1), its failures said as the file's."""
    from archcalc.formats.onnx.folding import inferred_shapes as folded_inference  # lazy: it imports onnx, which load.import_onnx has found present by now
    from archcalc.formats.onnx.isolated import Aborted

    try:
        return folded_inference(model, nodes)
    except Aborted as error:
        hint = "it does so where a size comes out negative, as for a window larger than its input (onnx/onnx#8481)"
        raise SpecError(f"ONNX shape inference aborts on this model ({error})", origin, None, hint) from None
    except Exception as error:  # onnx.shape_inference.InferenceError, or a C++ error
        raise SpecError(f"ONNX shape inference fails on this model: {first_line(error)}", origin) from None
