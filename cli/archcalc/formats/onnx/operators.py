"""Each ONNX operator archcalc has a kind for, and the small function that reads one node as that kind.

OPERATORS is the one table from operator to reader, as fvcore keeps one handle per operator and
onnx-tool one class: a function gets the node with what the reader knows around it (a `Site`) and
gives the layer that describes it, PASSES for a node that changes nothing archcalc shows, or None
when no kind does (the node is then `counted`, with the file's figures). Nothing here decides figures:
the reader keeps a layer only when applying it gives exactly the file's shape and figures.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from archcalc.errors import Origin
from archcalc.formats.graph.windows import written_per_axis
from archcalc.formats.onnx.attributes import float_attribute, floats_attribute, int_attribute, ints_attribute, string_attribute
from archcalc.formats.onnx.layout import ACTIVATIONS, Layout, layout_transpose, positions_merged
from archcalc.formats.onnx.windows import Pads, padding, transposed_padding, zero_padding
from archcalc.kinds.conv import Conv, Depthwise
from archcalc.kinds.dense import Dense
from archcalc.kinds.elementwise import Activation
from archcalc.kinds.embedding import ClassToken, Embedding, PositionEmbedding, Take, Tokens
from archcalc.kinds.norm import BatchNorm, GroupNorm, InstanceNorm, LayerNorm
from archcalc.kinds.pool import AdaptivePool, GlobalPool, Pool, PoolMode
from archcalc.kinds.reshape import Flatten
from archcalc.kinds.upsampling import ConvTranspose, PixelShuffle, Upsample
from archcalc.model import Layer
from archcalc.values import value

if TYPE_CHECKING:
    from archcalc.formats.onnx.load import Node
    from archcalc.formats.onnx.shapes import Shapes
    from archcalc.formats.onnx.weights import Weights

INTERPOLATIONS = {"nearest": {1: "nearest", 2: "nearest", 3: "nearest"}, "linear": {1: "linear", 2: "bilinear", 3: "trilinear"}, "cubic": {2: "bicubic"}}
"""Resize's modes as upsample writes them, by the number of spatial axes (Upsample-7 also wrote `bilinear`)."""


class Through(enum.Enum):
    PASSES = "passes"
    """The node changes nothing archcalc shows (Identity, a transpose to channels last)."""


PASSES = Through.PASSES

Reading = Layer | Through | None


@value
class Site:
    """One node on activations, with what the reader knows around it."""

    node: Node
    follower: Node | None  # the node after it, taken into it (a Conv after a Pad, the bias Add after a MatMul)
    tensor: str  # the one activation it reads
    in_dims: tuple[int, ...]  # ONNX's dimensions, batch first
    out_dims: tuple[int, ...]
    layout: Layout  # its input's
    shapes: Shapes
    weights: Weights
    opset: int
    origin: Origin

    @property
    def channels_first(self) -> bool:
        """Reading [1, C, ...] with spatial axes, as convolutions do."""
        return self.layout is Layout.FIRST and len(self.in_dims) >= 3

    @property
    def features_last(self) -> bool:
        """Reading [1, F], or features last, as dense layers and norms do."""
        return len(self.in_dims) == 2 or self.layout is Layout.LAST

    @property
    def on_sequence(self) -> bool:
        """Reading a sequence [1, N, D], its features last."""
        return self.layout is Layout.LAST and len(self.in_dims) == 3

    def common(self, name: str | None = None) -> dict[str, Any]:
        """Every layer's first arguments: named after the node (or `name`), positioned later by nesting."""
        return {"origin": self.origin, "position": "", "name": name or self.node.name or None}


def conv(site: Site) -> Reading:
    return conv_layer(site, site.node) if site.channels_first else None


def pad(site: Site) -> Reading:
    """A Pad of zeros taken into the Conv after it, or one that pads nothing."""
    if not site.channels_first:
        return None
    pads = zero_padding(site.node, len(site.in_dims), site.opset, site.weights, site.shapes)
    if site.follower is not None:
        return conv_layer(site, site.follower, pads)
    return PASSES if pads == ((0,) * (len(site.in_dims) - 2),) * 2 else None


def conv_layer(site: Site, node: Node, added: Pads | None = None) -> Layer | None:
    """A Conv as `conv` or `depthwise`; `added`: the (begin, end) pads of a zero Pad before it."""
    weight = site.weights.weight_dims(node.input[1], site.shapes)
    if weight is None:
        return None
    rank = len(site.in_dims) - 2
    kernel = tuple(weight[2:])
    strides = ints_attribute(node, "strides") or (1,) * rank
    dilations = ints_attribute(node, "dilations") or (1,) * rank
    written = padding(node, rank, kernel, (site.in_dims[2:], strides, dilations), added)
    if written is None:
        return None
    filters, channels, groups = weight[0], site.in_dims[1], int_attribute(node, "group", 1)
    bias = len(node.input) > 2 and bool(node.input[2])
    window: dict[str, Any] = {
        "kernel": written_per_axis(kernel),
        "stride": written_per_axis(strides),
        "padding": written,
        "dilation": written_per_axis(dilations),
        "bias": bias,
    }
    common: dict[str, Any] = {"origin": site.origin, "position": "", "name": node.name or None}  # a Pad before it is not named
    if groups == channels > 1 and filters % channels == 0:
        return Depthwise(**common, **window, multiplier=filters // channels)
    return Conv(**common, **window, filters=filters, groups=groups)


def conv_transpose(site: Site) -> Reading:
    """A ConvTranspose as `conv_transpose`, its cuts as PyTorch's padding and output padding."""
    if not site.channels_first:
        return None
    node, in_dims, out_dims = site.node, site.in_dims, site.out_dims
    weight = site.weights.weight_dims(node.input[1], site.shapes)
    rank = len(in_dims) - 2
    if weight is None or len(weight) != rank + 2 or len(out_dims) != rank + 2:
        return None
    kernel, groups = tuple(weight[2:]), int_attribute(node, "group", 1)
    strides, dilations = ints_attribute(node, "strides") or (1,) * rank, ints_attribute(node, "dilations") or (1,) * rank
    if any(len(values) != rank for values in (strides, dilations)) or min(*kernel, *strides, *dilations, groups) < 1:
        return None
    cuts = transposed_padding(node, in_dims, out_dims, kernel, strides, dilations)
    if cuts is None:
        return None
    return ConvTranspose(
        **site.common(),
        filters=weight[1] * groups,
        kernel=written_per_axis(kernel),
        stride=written_per_axis(strides),
        padding=cuts[0],
        output_padding=cuts[1],
        dilation=written_per_axis(dilations),
        groups=groups,
        bias=len(node.input) > 2 and bool(node.input[2]),
    )


def resize(site: Site) -> Reading:
    """Resize (or the older Upsample) of the spatial axes alone, by interpolation: `upsample` by its
    whole-number scales, else to the output's size."""
    node, in_dims, out_dims = site.node, site.in_dims, site.out_dims
    if not site.channels_first:
        return None
    rank = len(in_dims) - 2
    mode = INTERPOLATIONS.get(string_attribute(node, "mode", "nearest").replace("bilinear", "linear"), {}).get(rank)
    cropped = string_attribute(node, "coordinate_transformation_mode", "half_pixel") == "tf_crop_and_resize"
    if mode is None or cropped or int_attribute(node, "antialias", 0) or out_dims[:2] != in_dims[:2] or len(out_dims) != len(in_dims):
        return None  # antialias widens the window a downsampling reads; a crop and resize reads a region
    if node.op_type == "Upsample" and site.opset < 9:
        scales = floats_attribute(node, "scales")
    else:
        index = 2 if node.op_type == "Resize" and site.opset >= 11 else 1
        scales = site.weights.floats(node.input[index]) if len(node.input) > index and node.input[index] else None
    spatial_in, spatial_out = in_dims[2:], out_dims[2:]
    if scales is not None and len(scales) == len(in_dims) and all(math.isfinite(scale) and scale == round(scale) >= 1 for scale in scales[2:]):
        factors = tuple(round(scale) for scale in scales[2:])
        if all(n * factor == out for n, factor, out in zip(spatial_in, factors, spatial_out, strict=True)):
            return Upsample(**site.common(), scale=written_per_axis(factors), mode=mode)
    return Upsample(**site.common(), size=written_per_axis(spatial_out), mode=mode)


def depth_to_space(site: Site) -> Reading:
    """CRD is PyTorch's PixelShuffle order; DCR (TensorFlow's) is another."""
    factor = int_attribute(site.node, "blocksize", 0)
    if site.channels_first and len(site.in_dims) == 4 and string_attribute(site.node, "mode", "DCR") == "CRD" and factor >= 1:
        return PixelShuffle(**site.common(), factor=factor)
    return None


def instance_norm(site: Site) -> Reading:
    return InstanceNorm(**site.common(), affine=not site.weights.unlearned_affine(site.node)) if site.channels_first else None


def group_norm(site: Site) -> Reading:
    groups = int_attribute(site.node, "num_groups", 0)
    if site.channels_first and groups >= 1:
        return GroupNorm(**site.common(), groups=groups, affine=not site.weights.unlearned_affine(site.node))
    return None


def batch_norm(site: Site) -> Reading:
    return BatchNorm(**site.common()) if site.channels_first or len(site.in_dims) == 2 else None


def pool(site: Site) -> Reading:
    node = site.node
    kernel = ints_attribute(node, "kernel_shape")
    if not site.channels_first or kernel is None or any(size != 1 for size in ints_attribute(node, "dilations") or ()):
        return None
    rank = len(kernel)
    strides = ints_attribute(node, "strides") or (1,) * rank
    written = padding(node, rank, kernel)
    if written is None or written == "same":
        return None
    mode = PoolMode.MAX if node.op_type == "MaxPool" else PoolMode.AVG
    stride = None if strides == kernel else written_per_axis(strides)
    ceil_mode = bool(int_attribute(node, "ceil_mode", 0))
    return Pool(**site.common(), mode=mode, kernel=written_per_axis(kernel), stride=stride, padding=written, ceil_mode=ceil_mode)


def global_pool(site: Site) -> Reading:
    """GlobalAveragePool or GlobalMaxPool: `global_pool` when a Flatten to [1, C] follows, else [1, C, 1, 1]."""
    if not site.channels_first:
        return None
    mode = PoolMode.AVG if site.node.op_type == "GlobalAveragePool" else PoolMode.MAX
    if site.follower is not None and len(site.out_dims) == 2:
        return GlobalPool(**site.common(), mode=mode)
    return AdaptivePool(**site.common(), mode=mode, output=(1,))


def reduce(site: Site) -> Reading:
    """ReduceMean or ReduceMax over every spatial axis: a global pool."""
    rank = len(site.in_dims)
    if not site.channels_first or site.weights.reduced_axes(site.node, rank) != tuple(range(2, rank)):
        return None
    mode = PoolMode.AVG if site.node.op_type == "ReduceMean" else PoolMode.MAX
    if len(site.out_dims) == 2:
        return GlobalPool(**site.common(), mode=mode)
    return AdaptivePool(**site.common(), mode=mode, output=(1,))


def activation(site: Site) -> Reading:
    return Activation(**site.common(), function=ACTIVATIONS[site.node.op_type])


def clip(site: Site) -> Reading:
    return Activation(**site.common(), function="relu6") if site.weights.clip_range(site.node) == (0.0, 6.0) else None


def softmax(site: Site) -> Reading:
    if site.features_last and int_attribute(site.node, "axis", -1) in (-1, len(site.in_dims) - 1):
        return Activation(**site.common(), function="softmax")
    return None


def identity(site: Site) -> Reading:
    return PASSES


def transpose(site: Site) -> Reading:
    """Passes through when it only moves the channels as the layout says (to channels last)."""
    moved = layout_transpose(ints_attribute(site.node, "perm"), len(site.in_dims))
    return PASSES if moved is not None and moved[0] is site.layout else None


def reshape(site: Site) -> Reading:
    """Flatten, Reshape or Squeeze: an image's positions into tokens, or anything into [1, F]."""
    in_dims, out_dims = site.in_dims, site.out_dims
    if site.node.op_type != "Squeeze" and site.channels_first and len(in_dims) >= 4 and positions_merged(in_dims, out_dims):
        return Tokens(**site.common())
    if len(out_dims) == 2:
        return PASSES if len(in_dims) == 2 else Flatten(**site.common())
    return None


def concat(site: Site) -> Reading:
    """A learned token put in front of a sequence [1, N, D]."""
    node = site.node
    constants = [name for name in node.input if name and name != site.tensor]
    if not site.on_sequence or list(node.input) != [*constants, site.tensor] or len(constants) != 1 or int_attribute(node, "axis", 0) % 3 != 1:
        return None
    token = site.weights.weight_dims(constants[0], site.shapes)
    return ClassToken(**site.common()) if token is not None and math.prod(token) == site.in_dims[2] == token[-1] else None


def add(site: Site) -> Reading:
    """A learned table added to a sequence [1, N, D]: a position embedding (of more positions than N read)."""
    constants = [name for name in site.node.input if name and name != site.tensor]
    if not site.on_sequence or len(constants) != 1 or site.in_dims[2] < 1:
        return None
    table = site.weights.weight_dims(constants[0], site.shapes)
    length, rest = divmod(site.weights.stored_values(constants[0]), site.in_dims[2])
    if table is not None and tuple(table[-2:]) == site.in_dims[1:] and math.prod(table[:-2]) == 1 and not rest and length >= site.in_dims[1]:
        return PositionEmbedding(**site.common(), length=None if length == site.in_dims[1] else length)
    return None


def gather(site: Site) -> Reading:
    """One token taken from a sequence [1, N, D]; or rows of a table by the token ids: an embedding."""
    node = site.node
    if site.on_sequence:
        if node.input[0] != site.tensor or int_attribute(node, "axis", 0) != 1 or len(site.out_dims) != 2:
            return None
        index = site.weights.scalar(node.input[1])
        return Take(**site.common(), index=int(index)) if index is not None and math.isfinite(index) and index == int(index) else None
    if node.input[1:2] != (site.tensor,) or int_attribute(node, "axis", 0) != 0:
        return None
    table = site.weights.weight_dims(node.input[0], site.shapes)
    if table is None or len(table) != 2:
        return None
    name = node.name or node.output[0]  # a tied dense names it
    for source in site.weights.sources.get(node.input[0], set()):
        site.weights.embeddings[source] = name
    return Embedding(**site.common(name), vocab=table[0], dim=table[1])


def gemm(site: Site) -> Reading:
    node = site.node
    if len(site.in_dims) != 2 or node.input[0] != site.tensor or int_attribute(node, "transA", 0):
        return None
    weight = site.weights.weight_dims(node.input[1], site.shapes)
    if weight is None or len(weight) != 2 or float_attribute(node, "alpha", 1.0) != 1.0 or float_attribute(node, "beta", 1.0) != 1.0:
        return None
    units = weight[0] if int_attribute(node, "transB", 0) else weight[1]
    return Dense(**site.common(), units=units, bias=len(node.input) > 2 and bool(node.input[2]), tie=site.weights.tie(node.input[1]))


def matmul(site: Site) -> Reading:
    """A product by a weight matrix (and the bias Add taken into it): a dense layer."""
    node = site.node
    if not site.features_last or node.input[0] != site.tensor:
        return None
    weight = site.weights.weight_dims(node.input[1], site.shapes)
    if weight is None or len(weight) != 2:
        return None
    return Dense(**site.common(), units=weight[1], bias=site.follower is not None, tie=site.weights.tie(node.input[1]))


def layer_norm(site: Site) -> Reading:
    node = site.node
    if site.features_last and int_attribute(node, "axis", -1) in (-1, len(site.in_dims) - 1):
        return LayerNorm(**site.common(), bias=len(node.input) > 2 and bool(node.input[2]))
    return None


OPERATORS: dict[str, Callable[[Site], Reading]] = {
    "Conv": conv,
    "Pad": pad,
    "ConvTranspose": conv_transpose,
    "Resize": resize,
    "Upsample": resize,
    "DepthToSpace": depth_to_space,
    "InstanceNormalization": instance_norm,
    "GroupNormalization": group_norm,
    "BatchNormalization": batch_norm,
    "LayerNormalization": layer_norm,
    "MaxPool": pool,
    "AveragePool": pool,
    "GlobalAveragePool": global_pool,
    "GlobalMaxPool": global_pool,
    "ReduceMean": reduce,
    "ReduceMax": reduce,
    **dict.fromkeys(ACTIVATIONS, activation),
    "Clip": clip,
    "Softmax": softmax,
    "Identity": identity,
    "Dropout": identity,
    "Transpose": transpose,
    "Flatten": reshape,
    "Reshape": reshape,
    "Squeeze": reshape,
    "Concat": concat,
    "Add": add,
    "Gather": gather,
    "Gemm": gemm,
    "MatMul": matmul,
}
"""Every operator a one-input node may be read as a layer from; any other is counted."""


NOT_READ = {
    "stored": "a checkpoint's kind (formats/safetensors): a graph has shapes, so its weights are read as the layers that hold them",
    "dropout": "an exported graph is the model at inference: a Dropout node passes its input through, or the exporter left it out",
    "stochastic_depth": "a layer of training alone: at inference it passes its input through, and exporters leave it out",
    "block": "a spec's name for layers it repeats; nesting finds what a file repeats as `repeat`",
    "add": "a sum of two paths nests as `residual`; a sum with an earlier layer read by name is not recognised yet",
    "branch": "paths that split and meet nest as `residual`, `concat` or `multiply`; a path read again later by name is counted",
    "segment_embedding": "its table is read by the token-type ids, a second input, which archcalc reads none of",
    "gated_mlp": "its two projections and their product nest as paths and a `multiply`, or are counted: not recognised as one layer yet",
    "prelu": "not taught yet: a PRelu node is a `counted` layer with the file's figures",
    "split": "not taught yet: the paths after a Split node are counted with the file's figures",
    "channel_shuffle": "exporters write it as Reshape, Transpose, Reshape: not recognised yet, counted with the file's figures",
    "layer_scale": "a Mul by a learned table is counted with the file's figures: not recognised as a layer of its own yet",
    "patch_merging": "exported as slices, a concat, a norm and a dense: not recognised as one layer yet, counted with the file's figures",
    "moe": "a language model reaches archcalc as a HuggingFace config.json (formats/hf), not as ONNX: its experts are counted there",
    "mla": "a language model reaches archcalc as a HuggingFace config.json (formats/hf), not as ONNX: DeepSeek's attention is read there",
}
"""Kinds no ONNX operator or pattern is read as, and why: a decision, not an accident (tests/test_readers.py)."""


def read_node(site: Site) -> Reading:
    """The node's layer by OPERATORS, PASSES, or None (counted)."""
    rule = OPERATORS.get(site.node.op_type)
    return rule(site) if rule is not None else None
