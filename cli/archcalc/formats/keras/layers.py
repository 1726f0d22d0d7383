"""Each Keras layer class archcalc has a kind for, and the small function that reads one layer's config.

LAYERS is the one table from Keras class to reader (as formats/onnx/operators.py is for ONNX's
operators): a function gets the layer's name, config and input shape (a `Site`) and yields the
archcalc layers it is, in order. An activation written inside a layer (`Dense(64, activation="relu")`)
becomes its own row after them. A class not in the table is refused by name: Keras does not record
what it counts, so there is nothing to carry in its place.

Recurrent layers are archcalc's `lstm`, `gru` and `rnn` with the bias vectors the file holds: Keras's
LSTM and SimpleRNN (and GRU with reset_after=False) keep one per gate set (`bias: keras`); GRU with
reset_after=True, Keras's default, keeps two, a [2, 3H] bias, PyTorch's count (`bias: pytorch`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from archcalc.arithmetic import window_span
from archcalc.errors import Origin, SpecError
from archcalc.formats.graph.windows import written_per_axis
from archcalc.formats.keras.config import axes_value, class_name, flag, layer_config, padding, whole, window
from archcalc.kinds.attention import Attention
from archcalc.kinds.base import per_spatial_axis
from archcalc.kinds.conv import Conv, Depthwise
from archcalc.kinds.dense import Dense
from archcalc.kinds.elementwise import ACTIVATIONS, Activation, Dropout
from archcalc.kinds.embedding import Embedding
from archcalc.kinds.norm import BatchNorm, GroupNorm, LayerNorm, RMSNorm
from archcalc.kinds.pool import GlobalPool, Pool, PoolMode
from archcalc.kinds.recurrent import GRU, LSTM, RNN, Recurrent
from archcalc.kinds.reshape import Flatten
from archcalc.kinds.upsampling import ConvTranspose, Upsample, output_padding_fits
from archcalc.model import Layer, PerAxis, Shape
from archcalc.printable import describe
from archcalc.values import value

ACTIVATION_NAMES = {"swish": "silu", "hard_swish": "hardswish", "hard_silu": "hardswish", "hard_sigmoid": "hardsigmoid"}
NO_ACTIVATION = {"linear", None}
RECURRENT: dict[str, type[Recurrent]] = {"LSTM": LSTM, "GRU": GRU, "SimpleRNN": RNN}
UPSAMPLING_MODES = {"nearest": "nearest", "bilinear": "bilinear", "bicubic": "bicubic"}
"""UpSampling2D's interpolations that archcalc's upsample has (Keras 3 also has lanczos and area)."""


@value
class Site:
    """One Keras layer to read: its class, name and config, the shape it reads (channels last, no batch)."""

    kind: str
    name: str
    config: dict[str, Any]
    shape: Shape
    origin: Origin

    @property
    def rank(self) -> int:
        """The spatial axes (or steps) the layer slides over."""
        return len(self.shape) - 1

    def common(self) -> dict[str, Any]:
        return {"origin": self.origin, "position": "", "name": self.name}

    def whole(self, key: str, default: int | None = None) -> int:
        return whole(self.config, key, self.name, self.origin, default)

    def flag(self, key: str, default: bool) -> bool:
        return flag(self.config, key, self.name, self.origin, default)

    def axes(self, written: Any, minimum: int = 1) -> PerAxis:
        return axes_value(written, self.rank, self.name, self.origin, minimum)

    def window(self) -> dict[str, Any]:
        return window(self.config, self.rank, self.name, self.origin)

    def channels_last(self) -> None:
        if self.config.get("data_format", "channels_last") != "channels_last":
            raise SpecError(f"Keras layer '{self.name}' is channels first; archcalc reads channels last, as Keras does by default", self.origin)

    def activation(self, written: Any) -> str | None:
        """The function's name: `"relu"`, or Keras 3's serialised form {"class_name": "function", "config": "relu"};
        None for none (`linear`). An activation that is a layer object or anything else is refused, not dropped."""
        function = written.get("config") if isinstance(written, dict) else written
        if not isinstance(function, str) and function is not None:
            raise SpecError(f"Keras layer '{self.name}' has an activation archcalc cannot read ({describe(written)})", self.origin)
        return None if function in NO_ACTIVATION else function

    def known_activation(self, function: str) -> str:
        function = ACTIVATION_NAMES.get(function, function)
        if function not in ACTIVATIONS:
            raise SpecError(f"Keras layer '{self.name}' uses the activation {function!r}, which archcalc has no kind for", self.origin)
        return function


def dense(site: Site) -> Iterator[Layer]:
    yield Dense(**site.common(), units=site.whole("units"), bias=site.flag("use_bias", True))


def conv(site: Site) -> Iterator[Layer]:
    site.channels_last()
    yield Conv(**site.common(), **site.window(), filters=site.whole("filters"), groups=site.whole("groups", 1), bias=site.flag("use_bias", True))


def depthwise(site: Site) -> Iterator[Layer]:
    site.channels_last()
    yield Depthwise(**site.common(), **site.window(), multiplier=site.whole("depth_multiplier", 1), bias=site.flag("use_bias", True))


def separable(site: Site) -> Iterator[Layer]:
    """A depthwise convolution, then a pointwise one (which holds the bias)."""
    site.channels_last()
    yield Depthwise(**site.common(), **site.window(), multiplier=site.whole("depth_multiplier", 1), bias=False)
    pointwise: dict[str, Any] = {"origin": site.origin, "position": "", "name": f"{site.name}/pointwise"}
    yield Conv(**pointwise, kernel=(1,), filters=site.whole("filters"), bias=site.flag("use_bias", True))


def conv_transpose(site: Site) -> Iterator[Layer]:
    """Keras's Conv*DTranspose as PyTorch's, which cuts `padding` from both sides of each axis and
    adds `output_padding` at the end. Keras's length is (n − 1)·s + k′ − 2·pad + output_padding, with
    k′ = d·(k − 1) + 1 and pad 0 (valid) or ⌊k′/2⌋ (same): that padding, and that output padding.
    Without output_padding it is n·s + max(k′ − s, 0) (valid), or n·s (same): the padding and output
    padding that give that length for every n. Same then cuts k′ − s positions in all; PyTorch's
    padding cuts an odd one at the start, which Keras's backends may cut at the end: the length and
    the figures are Keras's either way."""
    site.channels_last()
    rank, name = site.rank, site.name
    written = site.window()
    kernel, stride, dilation = (per_spatial_axis(written[key], rank) for key in ("kernel", "stride", "dilation"))
    output_padding = site.config.get("output_padding")
    extra = None if output_padding is None else per_spatial_axis(site.axes(output_padding, minimum=0), rank)
    same = written["padding"] == "same"
    pads, added_pads = [], []
    for axis, (k, s, d) in enumerate(zip(kernel, stride, dilation, strict=True)):
        span = window_span(k, d)
        if extra is not None:
            pad, added = (span // 2 if same else 0), extra[axis]
        elif same:
            cut = span - s
            pad = max(-(-cut // 2), 0)
            added = 2 * pad - cut
        else:
            pad, added = 0, max(s - span, 0)
        if not output_padding_fits(added, s, d):
            raise SpecError(
                f"Keras layer '{name}' gives an output length that PyTorch's transposed convolution cannot "
                f"(it would need an output padding of {added} with stride {s} and dilation {d})",
                site.origin,
            )
        pads.append(pad)
        added_pads.append(added)
    yield ConvTranspose(
        **site.common(),
        filters=site.whole("filters"),
        kernel=written["kernel"],
        stride=written["stride"],
        padding=written_per_axis(pads),
        output_padding=written_per_axis(added_pads),
        dilation=written["dilation"],
        bias=site.flag("use_bias", True),
    )


def upsampling(site: Site) -> Iterator[Layer]:
    site.channels_last()
    interpolation = site.config.get("interpolation", "nearest")
    if not isinstance(interpolation, str) or interpolation not in UPSAMPLING_MODES:
        raise SpecError(f"Keras layer '{site.name}' interpolates by {describe(interpolation)}, which archcalc's upsample does not", site.origin)
    yield Upsample(**site.common(), scale=site.axes(site.config.get("size", 2)), mode=UPSAMPLING_MODES[interpolation])


def pool(site: Site) -> Iterator[Layer]:
    site.channels_last()
    size = site.axes(site.config.get("pool_size", 2))
    strides = site.config.get("strides")
    stride = None if strides is None else site.axes(strides)
    mode = PoolMode.MAX if site.kind.startswith("Max") else PoolMode.AVG
    yield Pool(**site.common(), mode=mode, kernel=size, stride=None if stride == size else stride, padding=padding(site.config, site.name, site.origin))


def global_pool(site: Site) -> Iterator[Layer]:
    site.channels_last()
    if site.flag("keepdims", False):
        raise SpecError(f"Keras layer '{site.name}' keeps its pooled axes (keepdims); archcalc's global pools give [C]", site.origin)
    yield GlobalPool(**site.common(), mode=PoolMode.MAX if "Max" in site.kind else PoolMode.AVG)


def flatten(site: Site) -> Iterator[Layer]:
    yield Flatten(**site.common())


def last_axis(site: Site) -> bool:
    """A norm's `axis` is the last (the channels), as archcalc's norms read it."""
    return site.config.get("axis", -1) in (-1, site.rank, [-1], [site.rank])


def batch_norm(site: Site) -> Iterator[Layer]:
    shift, scale = site.flag("center", True), site.flag("scale", True)
    if not last_axis(site) or not shift or not scale:
        raise SpecError(f"Keras layer '{site.name}' normalises other than the last axis with a scale and a shift; archcalc's batchnorm does that", site.origin)
    yield BatchNorm(**site.common())


def layer_norm(site: Site) -> Iterator[Layer]:
    if not last_axis(site) or not site.flag("scale", True):
        raise SpecError(f"Keras layer '{site.name}' normalises other than the last axis, or without a scale; archcalc's layernorm does not", site.origin)
    if site.flag("rms_scaling", False):
        yield RMSNorm(**site.common())
    else:
        yield LayerNorm(**site.common(), bias=site.flag("center", True))


def group_norm(site: Site) -> Iterator[Layer]:
    shift, scale = site.flag("center", True), site.flag("scale", True)
    if not last_axis(site) or shift != scale:
        raise SpecError(
            f"Keras layer '{site.name}' normalises other than the last axis, or learns a scale without a shift (or the reverse); "
            "archcalc's groupnorm learns both or neither",
            site.origin,
        )
    yield GroupNorm(**site.common(), groups=site.whole("groups"), affine=scale)


def embedding(site: Site) -> Iterator[Layer]:
    yield Embedding(**site.common(), vocab=site.whole("input_dim"), dim=site.whole("output_dim"))


def recurrent(site: Site) -> Iterator[Layer]:
    """LSTM, GRU, SimpleRNN, or one of them in Bidirectional (its two directions concatenated, each
    as the other: a backward layer of another class, width or bias is refused, not read as the forward one)."""
    kind, name, config, origin = site.kind, site.name, site.config, site.origin
    bidirectional = kind == "Bidirectional"
    if bidirectional:
        if config.get("merge_mode", "concat") != "concat":
            merge = config.get("merge_mode")
            raise SpecError(f"Keras layer '{name}' joins its directions by {merge!r}; archcalc's bidirectional layers concatenate them", origin)
        backward = config.get("backward_layer")
        kind, config = wrapped_layer(config.get("layer"), name, origin)
        if backward is not None:
            backward_kind, backward_config = wrapped_layer(backward, name, origin)
            if (backward_kind, one_direction(site, backward_kind, backward_config)) != (kind, one_direction(site, kind, config)):
                raise SpecError(f"Keras layer '{name}' has a backward layer unlike its forward one; archcalc's bidirectional layers have two alike", origin)
    units, bias, sequences = one_direction(site, kind, config)
    yield RECURRENT[kind](**site.common(), hidden=units, bidirectional=bidirectional, bias=bias, sequences=sequences)


def wrapped_layer(layer: Any, name: str, origin: Origin) -> tuple[str, dict[str, Any]]:
    """The class and config of a layer a Bidirectional wraps: an LSTM, a GRU or a SimpleRNN."""
    kind = class_name(layer)
    if kind not in RECURRENT:
        raise SpecError(f"Keras layer '{name}' is a Bidirectional {kind or 'layer'}; archcalc reads LSTM, GRU and SimpleRNN", origin)
    return kind, layer_config(layer, name, origin)


def one_direction(site: Site, kind: str, config: dict[str, Any]) -> tuple[int, str, bool]:
    """One direction's width, bias vectors and whether it outputs every step, checked."""
    name, origin = site.name, site.origin
    if flag(config, "return_state", name, origin, False):
        raise SpecError(f"Keras layer '{name}' returns its states as well; archcalc reads layers with one output", origin)
    function = site.activation(config.get("activation", "tanh"))
    if kind == "SimpleRNN" and function != "tanh":
        raise SpecError(f"Keras layer '{name}' is a SimpleRNN of {function!r}; archcalc's rnn is tanh's", origin)
    return whole(config, "units", name, origin), recurrent_bias(kind, config, name, origin), flag(config, "return_sequences", name, origin, False)


def recurrent_bias(kind: str, config: dict[str, Any], name: str, origin: Origin) -> str:
    """The bias vectors the layer holds: none without use_bias; two per gate set for a GRU that
    resets after the recurrent product (its bias is [2, 3H]: the input's and the recurrent one, as
    PyTorch's b_ih and b_hh); one otherwise (LSTM, SimpleRNN, GRU with reset_after=False)."""
    if not flag(config, "use_bias", name, origin, True):
        return "false"
    return "pytorch" if kind == "GRU" and flag(config, "reset_after", name, origin, True) else "keras"


def attention(site: Site) -> Iterator[Layer]:
    """Keras's MultiHeadAttention over a sequence [N, D]: `key_dim` is the head width, values as wide."""
    config, name, shape = site.config, site.name, site.shape
    heads, key_dim = site.whole("num_heads"), site.whole("key_dim")
    if config.get("value_dim") not in (None, key_dim):
        value_dim = config.get("value_dim")
        raise SpecError(f"Keras layer '{name}' has values of width {value_dim} and keys of {key_dim}; archcalc's attention gives both one width", site.origin)
    if config.get("output_shape") not in (None, shape[-1:], list(shape[-1:]), shape[-1]) or config.get("attention_axes") not in (None, [1], 1):
        raise SpecError(f"Keras layer '{name}' attends over other axes or projects to another width; archcalc's attention does neither", site.origin)
    if site.flag("use_gate", False):
        raise SpecError(f"Keras layer '{name}' gates its heads, with weights archcalc's attention does not have", site.origin)
    yield Attention(**site.common(), heads=heads, head_dim=None if heads * key_dim == shape[-1] else key_dim, bias=site.flag("use_bias", True))


def dropout(site: Site) -> Iterator[Layer]:
    rate = site.config.get("rate", 0.5)
    yield Dropout(**site.common(), rate=float(rate) if isinstance(rate, (int, float)) and 0 <= rate <= 1 else 0.5)


def relu(site: Site) -> Iterator[Layer]:
    yield Activation(**site.common(), function="relu6" if site.config.get("max_value") == 6 else "relu")


def leaky_relu(site: Site) -> Iterator[Layer]:
    yield Activation(**site.common(), function="leaky_relu")


def softmax(site: Site) -> Iterator[Layer]:
    yield Activation(**site.common(), function="softmax")


def activation(site: Site) -> Iterator[Layer]:
    function = site.activation(site.config.get("activation"))
    if function is not None:
        yield Activation(**site.common(), function=site.known_activation(function))


LAYERS: dict[str, Callable[[Site], Iterator[Layer]]] = {
    "Dense": dense,
    **dict.fromkeys(["Conv1D", "Conv2D", "Conv3D"], conv),
    **dict.fromkeys(["DepthwiseConv1D", "DepthwiseConv2D"], depthwise),
    **dict.fromkeys(["SeparableConv1D", "SeparableConv2D"], separable),
    **dict.fromkeys(["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"], conv_transpose),
    **dict.fromkeys(["UpSampling1D", "UpSampling2D", "UpSampling3D"], upsampling),
    **dict.fromkeys(["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D"], pool),
    **dict.fromkeys(["GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D"], global_pool),
    **dict.fromkeys(["GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D"], global_pool),
    "Flatten": flatten,
    "BatchNormalization": batch_norm,
    "LayerNormalization": layer_norm,
    "GroupNormalization": group_norm,
    "Embedding": embedding,
    **dict.fromkeys([*RECURRENT, "Bidirectional"], recurrent),
    "MultiHeadAttention": attention,
    **dict.fromkeys(["Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout", "AlphaDropout"], dropout),
    "ReLU": relu,
    "LeakyReLU": leaky_relu,
    "Softmax": softmax,
    "Activation": activation,
}
"""Every Keras layer class of one input archcalc reads (Add, Concatenate and Multiply join several:
formats/keras/graph.py), and its reader."""

NOT_READ = {
    "stored": "a checkpoint's kind (formats/safetensors): a Keras config has shapes, so its weights are read as the layers that hold them",
    "adaptive_maxpool": "Keras has no adaptive pool: its global pools give [C] (global_avgpool)",
    "prelu": "Keras's PReLU learns a slope for every position by default (all axes but its shared_axes), archcalc's one or one per channel: refused",
    "block": "a spec's name for layers it repeats; nesting finds what a model repeats as `repeat`",
    "add": "an Add of two paths nests as `residual`",
    "branch": "paths that split and meet nest as `residual`, `concat` or `multiply`; a path read again later by name is counted",
    "tokens": "Keras reshapes with Reshape, which is not taught yet: refused by name",
    "class_token": "Keras has no layer class for it: models write it as a layer of their own, which a config holds as code: refused",
    "position_embedding": "Keras has no layer class for it (keras_hub's is a layer of its own, held as code): refused",
    "segment_embedding": "read by the token-type ids, a second input, and written as a layer of its own: refused",
    "gated_mlp": "written as two Dense layers and a Multiply: nested as paths and a `multiply`, not recognised as one layer yet",
    "take": "Keras takes a token with a slicing op layer, held as code: refused",
    "split": "Keras splits with op layers, held as code: refused",
    "channel_shuffle": "written with Reshape and Permute, which are not taught yet: refused by name",
    "stochastic_depth": "not a Keras layer (keras_cv's is a layer of its own, held as code): refused",
    "pixel_shuffle": "Keras writes it as depth_to_space inside a Lambda, held as code: refused",
    "instancenorm": "Keras has no InstanceNormalization class: its GroupNormalization of one group per channel is read as that groupnorm",
    "layer_scale": "a layer of its own in Keras's models (keras_cv's LayerScale), held as code: refused",
    "patch_merging": "a layer of its own in Keras's Swin models, held as code: refused",
    "moe": "Keras has no layer class for a mixture of experts (keras_hub's are layers of their own, held as code): refused",
    "mla": "Keras has no layer class for latent attention: refused",
}
"""Kinds no Keras class is read as, and why: a decision, not an accident (tests/test_readers.py)."""

ACTIVATION_INSIDE = {"Activation", "Bidirectional", *RECURRENT}
"""Classes whose `activation` is not a row of its own: the layer itself, or a recurrent cell's."""


def converted(site: Site) -> Iterator[Layer]:
    """The archcalc layers of one Keras layer, in order, its activation last."""
    rule = LAYERS.get(site.kind)
    if rule is None:
        raise SpecError(f"Keras layer '{site.name}' is a {site.kind}, which archcalc has no kind for", site.origin)
    yield from rule(site)
    if site.kind not in ACTIVATION_INSIDE:
        function = site.activation(site.config.get("activation"))
        if function is not None:
            yield Activation(origin=site.origin, position="", name=f"{site.name}/{function}", function=site.known_activation(function))
