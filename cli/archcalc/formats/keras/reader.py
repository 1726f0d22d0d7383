"""Keras models -> a `Spec`: a `.keras` archive's config.json, or the JSON of `model.to_json()`.

Plain JSON, no TensorFlow: each Keras layer of a kind archcalc has becomes that kind (an activation
written inside a layer, `Dense(64, activation="relu")`, becomes its own row), and the layers' graph is
nested as ONNX graphs are (formats/graph/nesting.py), so a Functional model's `Add` is a `residual` and its
`Concatenate` a `concat`. Sequential and Functional models, in the formats of Keras 2 (tf.keras) and
Keras 3, channels last. A layer of a kind archcalc does not have is refused by name: Keras does not
record what it counts, so there is nothing to carry in its place.

Recurrent layers are archcalc's `lstm`, `gru` and `rnn`, which count PyTorch's two bias vectors per
gate set. Keras's LSTM and SimpleRNN (and GRU with reset_after=False) keep one: the spec counts
PyTorch's, and its notes say how many parameters that adds to Keras's own count, layer by layer.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from archcalc.errors import Origin, SpecError
from archcalc.formats.graph.nesting import Graph, Join, Operation, applied, dependency_order, nest
from archcalc.kinds.attention import Attention
from archcalc.kinds.conv import Conv, Depthwise
from archcalc.kinds.dense import Dense
from archcalc.kinds.elementwise import ACTIVATIONS, Activation, Dropout
from archcalc.kinds.embedding import Embedding
from archcalc.kinds.norm import BatchNorm, GroupNorm, LayerNorm, RMSNorm
from archcalc.kinds.pool import GlobalPool, Pool, PoolMode
from archcalc.kinds.recurrent import GRU, LSTM, RNN, Recurrent
from archcalc.kinds.reshape import Flatten
from archcalc.kinds.upsampling import ConvTranspose, Upsample
from archcalc.model import NO_COST, Layer, Padding, PerAxis, Shape, Spec
from archcalc.printable import LONGEST_QUOTED, describe, printable
from archcalc.quantities import MAX_COUNT
from archcalc.values import replace

MAX_KERAS_BYTES = 2**31 - 1
"""A `.keras` archive holds its weights too; only its config.json is read."""

MAX_CONFIG_BYTES = 5_000_000
"""config.json is a page of JSON per layer; larger is not a model config."""

ACTIVATION_NAMES = {"swish": "silu", "hard_swish": "hardswish", "hard_silu": "hardswish", "hard_sigmoid": "hardsigmoid"}
NO_ACTIVATION = {"linear", None}
DROPOUTS = {"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout", "AlphaDropout"}
JOINS = {"Add": Join.ADD, "Concatenate": Join.CONCAT, "Multiply": Join.MUL}
RECURRENT: dict[str, type[Recurrent]] = {"LSTM": LSTM, "GRU": GRU, "SimpleRNN": RNN}
UPSAMPLING_MODES = {"nearest": "nearest", "bilinear": "bilinear", "bicubic": "bicubic"}
"""UpSampling2D's interpolations that archcalc's upsample has (Keras 3 also has lanczos and area)."""
SEQUENTIAL_INPUT = "<input>"
"""A Sequential model's input, as its first layer reads it: no Keras layer is named so (a layer named `input` may be)."""
ATTENTION_INPUTS = ("query", "value", "key")
"""The keyword arguments of a MultiHeadAttention call that name its inputs (a mask does not change its figures)."""


def read_keras_archive(data: bytes | Path, source: str, name: str) -> Spec:
    """A `.keras` archive (a zip: config.json, metadata.json, the weights) -> Spec, from its config alone."""
    try:
        with zipfile.ZipFile(data if isinstance(data, Path) else io.BytesIO(data)) as archive:
            try:
                entry = archive.getinfo("config.json")
            except KeyError:
                raise SpecError("this zip file holds no config.json; a .keras archive does", Origin(source)) from None
            if entry.file_size > MAX_CONFIG_BYTES:
                raise SpecError(f"the archive's config.json is larger than {MAX_CONFIG_BYTES // 1_000_000} MB", Origin(source))
            config = archive.read(entry)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise SpecError(f"not a readable .keras archive ({error})", Origin(source)) from None
    return read_keras_json(config, f"{source}:config.json", name)


def read_keras_json(data: bytes, source: str, name: str) -> Spec:
    """The JSON of `model.to_json()` (or a .keras archive's config.json) -> Spec."""
    origin = Origin(source)
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise SpecError(f"not readable JSON: {error}", origin) from None
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
        raise SpecError("a Keras model config is a mapping with 'class_name' and 'config'", origin)
    kind = document.get("class_name")
    if kind not in ("Sequential", "Functional", "Model"):
        raise SpecError(f"archcalc reads Keras Sequential and Functional models, not {describe(kind)}", origin)
    config = document["config"]
    layers = config.get("layers")
    if not isinstance(layers, list) or not layers:
        raise SpecError(f"the Keras {kind} config lists no layers", origin)
    reader = _Reader(origin)
    graph = reader.sequential(layers, document) if kind == "Sequential" else reader.functional(layers, config)
    spec_name = printable(config["name"]) if isinstance(config.get("name"), str) else name  # it reaches titles and logs
    version = document.get("keras_version")
    keras = printable(version) if isinstance(version, str) and version else "3"  # it reaches the description
    description = f"a Keras {kind} model (Keras {keras})"
    return Spec(spec_name or name, graph.input_shape, nest(graph, origin), origin, description, notes=tuple(reader.notes()), from_model=True)


class _Reader:
    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self.shapes: dict[str, Shape] = {}
        self.operations: list[Operation] = []
        self.second_biases: dict[str, int] = {}  # a recurrent layer that keeps one bias per gate set -> the biases PyTorch's second adds

    def sequential(self, layers: list[Any], document: dict[str, Any]) -> Graph:
        first = layers[0]
        shape = _input_shape(first, document, self.origin)
        tensor = SEQUENTIAL_INPUT
        self.shapes[tensor] = shape
        for index, layer in enumerate(layers):
            if _class(layer) == "InputLayer":
                continue
            if not isinstance(layer, dict):
                raise SpecError(f"layer {index + 1} of the Keras config is not a mapping", self.origin)
            tensor = self.layer(layer, [tensor])
        return Graph(SEQUENTIAL_INPUT, shape, tensor, _stacked(self.operations))

    def functional(self, layers: list[Any], config: dict[str, Any]) -> Graph:
        for index, layer in enumerate(layers):
            if not isinstance(layer, dict):
                raise SpecError(f"layer {index + 1} of the Keras config is not a mapping", self.origin)
        inputs = [layer for layer in layers if _class(layer) == "InputLayer"]
        if len(inputs) != 1:
            raise SpecError(f"archcalc reads models with one input; this Keras model has {len(inputs)}", self.origin)
        input_name = _name(inputs[0], self.origin)
        self.shapes[input_name] = _input_shape(inputs[0], {}, self.origin)
        outputs = config.get("output_layers")
        if isinstance(outputs, list) and outputs and isinstance(outputs[0], str):
            outputs = [outputs]  # Keras 3 writes a single output as ["name", 0, 0]
        if not isinstance(outputs, list) or len(outputs) != 1 or not isinstance(outputs[0], list) or not outputs[0]:
            raise SpecError("archcalc reads Keras models with one output", self.origin)
        output = str(outputs[0][0])
        rest = [layer for layer in layers if _class(layer) != "InputLayer"]
        names = [_name(layer, self.origin) for layer in rest]
        sources = [_inbound(layer, self.origin, _keywords(layer)) for layer in rest]
        produced: dict[str, str] = {input_name: input_name}
        for index in _in_order(names, sources, input_name, self.origin):
            produced[names[index]] = self.layer(rest[index], [produced[source] for source in sources[index]])
        if output not in produced:
            raise SpecError(f"the Keras model's output '{output}' is not one of its layers", self.origin)
        return Graph(input_name, self.shapes[input_name], produced[output], _stacked(self.operations))

    def layer(self, layer: dict[str, Any], inputs: list[str]) -> str:
        """Add one Keras layer's operations; return the tensor it outputs."""
        kind, name = _class(layer), _name(layer, self.origin)
        config = _config(layer, name, self.origin)
        if kind in JOINS:
            return self.join(kind, name, inputs, config)
        if kind == "MultiHeadAttention":
            inputs = list(dict.fromkeys(inputs))  # self-attention: query, value (and key) are one tensor
            if len(inputs) > 1:
                raise SpecError(f"Keras layer '{name}' attends to another sequence than its queries; archcalc reads self-attention", self.origin)
        if len(inputs) != 1:
            raise SpecError(f"Keras layer '{name}' ({kind}) reads {len(inputs)} inputs; archcalc reads it with one", self.origin)
        tensor = inputs[0]
        for number, made in enumerate(self.convert(kind, name, config, self.shapes[tensor])):
            tensor = self.add(made, tensor, name if number == 0 else f"{name}/{made.kind}")
        return tensor

    def add(self, layer: Layer, tensor: str, output: str) -> str:
        self.new_tensor(output)
        shape = self.shapes[tensor]
        result = applied(layer, shape)
        self.shapes[output] = result.output_shape
        self.operations.append(Operation(output, layer.kind, (tensor,), output, shape, result.output_shape, result.cost, layer))
        return output

    def join(self, kind: str, name: str, inputs: list[str], config: dict[str, Any]) -> str:
        if not inputs:
            raise SpecError(f"Keras layer '{name}' ({kind}) joins no inputs", self.origin)
        self.new_tensor(name)
        shapes = [self.shapes[tensor] for tensor in inputs]
        if JOINS[kind] is Join.CONCAT:
            if config.get("axis", -1) not in (-1, len(shapes[0])):
                raise SpecError(f"Keras layer '{name}' concatenates on axis {config.get('axis')}; archcalc joins on the channels (the last axis)", self.origin)
            output: Shape = (*shapes[0][:-1], sum(shape[-1] for shape in shapes))
        else:
            output = shapes[0]
        self.shapes[name] = output
        self.operations.append(Operation(name, kind, tuple(inputs), name, shapes[0], output, NO_COST, None, JOINS[kind]))
        return name

    def new_tensor(self, name: str) -> None:
        """A layer's output is known by its name, which no other layer may have (as Keras requires)."""
        if name in self.shapes:
            raise SpecError(f"two Keras layers are named '{name}'; a model's layer names are unique", self.origin)

    def convert(self, kind: str, name: str, config: dict[str, Any], shape: Shape) -> Iterator[Layer]:
        """The archcalc layers of one Keras layer, in order."""
        common: dict[str, Any] = {"origin": self.origin, "position": "", "name": name}
        rank = len(shape) - 1
        if kind == "Dense":
            yield Dense(**common, units=_whole(config, "units", name, self.origin), bias=_flag(config, "use_bias", name, self.origin, True))
        elif kind in ("Conv1D", "Conv2D", "Conv3D"):
            self.channels_last(config, name)
            window = _window(config, rank, name, self.origin)
            filters, groups = _whole(config, "filters", name, self.origin), _whole(config, "groups", name, self.origin, default=1)
            yield Conv(**common, **window, filters=filters, groups=groups, bias=_flag(config, "use_bias", name, self.origin, True))
        elif kind in ("DepthwiseConv1D", "DepthwiseConv2D"):
            self.channels_last(config, name)
            window = _window(config, rank, name, self.origin)
            multiplier = _whole(config, "depth_multiplier", name, self.origin, default=1)
            yield Depthwise(**common, **window, multiplier=multiplier, bias=_flag(config, "use_bias", name, self.origin, True))
        elif kind in ("SeparableConv1D", "SeparableConv2D"):
            self.channels_last(config, name)
            window = _window(config, rank, name, self.origin)
            multiplier = _whole(config, "depth_multiplier", name, self.origin, default=1)
            yield Depthwise(**common, **window, multiplier=multiplier, bias=False)
            yield Conv(
                origin=self.origin,
                position="",
                name=f"{name}/pointwise",
                kernel=(1,),
                filters=_whole(config, "filters", name, self.origin),
                bias=_flag(config, "use_bias", name, self.origin, True),
            )
        elif kind in ("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"):
            self.channels_last(config, name)
            yield self.conv_transpose(name, config, shape, common)
        elif kind in ("UpSampling1D", "UpSampling2D", "UpSampling3D"):
            self.channels_last(config, name)
            interpolation = config.get("interpolation", "nearest")
            if not isinstance(interpolation, str) or interpolation not in UPSAMPLING_MODES:
                raise SpecError(f"Keras layer '{name}' interpolates by {describe(interpolation)}, which archcalc's upsample does not", self.origin)
            factors = config.get("size", 2)
            yield Upsample(**common, scale=_per_axis(factors, rank, name, self.origin), mode=UPSAMPLING_MODES[interpolation])
        elif kind == "GroupNormalization":
            shift, scale = _flag(config, "center", name, self.origin, True), _flag(config, "scale", name, self.origin, True)
            if config.get("axis", -1) not in (-1, rank, [-1], [rank]) or shift != scale:
                raise SpecError(
                    f"Keras layer '{name}' normalises other than the last axis, or learns a scale without a shift (or the reverse); "
                    "archcalc's groupnorm learns both or neither",
                    self.origin,
                )
            yield GroupNorm(**common, groups=_whole(config, "groups", name, self.origin), affine=_flag(config, "scale", name, self.origin, True))
        elif kind in ("MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D"):
            self.channels_last(config, name)
            size = _per_axis(config.get("pool_size", 2), rank, name, self.origin)
            strides = config.get("strides")
            stride = None if strides is None else _per_axis(strides, rank, name, self.origin)
            mode = PoolMode.MAX if kind.startswith("Max") else PoolMode.AVG
            yield Pool(**common, mode=mode, kernel=size, stride=None if stride == size else stride, padding=_padding(config, name, self.origin))
        elif kind.startswith(("GlobalAveragePooling", "GlobalMaxPooling")):
            self.channels_last(config, name)
            if _flag(config, "keepdims", name, self.origin, False):
                raise SpecError(f"Keras layer '{name}' keeps its pooled axes (keepdims); archcalc's global pools give [C]", self.origin)
            yield GlobalPool(**common, mode=PoolMode.MAX if "Max" in kind else PoolMode.AVG)
        elif kind == "Flatten":
            yield Flatten(**common)
        elif kind == "BatchNormalization":
            shift, scale = _flag(config, "center", name, self.origin, True), _flag(config, "scale", name, self.origin, True)
            if config.get("axis", -1) not in (-1, rank, [-1], [rank]) or not shift or not scale:
                raise SpecError(
                    f"Keras layer '{name}' normalises other than the last axis with a scale and a shift; archcalc's batchnorm does that", self.origin
                )
            yield BatchNorm(**common)
        elif kind == "LayerNormalization":
            if config.get("axis", -1) not in (-1, rank, [-1], [rank]) or not _flag(config, "scale", name, self.origin, True):
                raise SpecError(f"Keras layer '{name}' normalises other than the last axis, or without a scale; archcalc's layernorm does not", self.origin)
            if _flag(config, "rms_scaling", name, self.origin, False):
                yield RMSNorm(**common)
            else:
                yield LayerNorm(**common, bias=_flag(config, "center", name, self.origin, True))
        elif kind == "Embedding":
            yield Embedding(**common, vocab=_whole(config, "input_dim", name, self.origin), dim=_whole(config, "output_dim", name, self.origin))
        elif kind in RECURRENT or kind == "Bidirectional":
            yield self.recurrent(kind, name, config, common)
        elif kind == "MultiHeadAttention":
            yield self.attention(name, config, shape, common)
        elif kind in DROPOUTS:
            rate = config.get("rate", 0.5)
            yield Dropout(**common, rate=float(rate) if isinstance(rate, (int, float)) and 0 <= rate <= 1 else 0.5)
        elif kind == "ReLU":
            yield Activation(**common, function="relu6" if config.get("max_value") == 6 else "relu")
        elif kind in ("LeakyReLU", "Softmax"):
            yield Activation(**common, function="leaky_relu" if kind == "LeakyReLU" else "softmax")
        elif kind == "Activation":
            function = self.activation(config.get("activation"), name)
            if function is not None:
                yield Activation(**common, function=self.known_activation(function, name))
        else:
            raise SpecError(f"Keras layer '{name}' is a {kind}, which archcalc has no kind for", self.origin)
        if kind not in ("Activation", "Bidirectional", *RECURRENT):  # a recurrent layer's activation is inside its cell
            function = self.activation(config.get("activation"), name)
            if function is not None:
                yield Activation(origin=self.origin, position="", name=f"{name}/{function}", function=self.known_activation(function, name))

    def recurrent(self, kind: str, name: str, config: dict[str, Any], common: dict[str, Any]) -> Recurrent:
        """LSTM, GRU, SimpleRNN, or one of them in Bidirectional (its two directions concatenated)."""
        bidirectional = kind == "Bidirectional"
        if bidirectional:
            if config.get("merge_mode", "concat") != "concat":
                merge = config.get("merge_mode")
                raise SpecError(f"Keras layer '{name}' joins its directions by {merge!r}; archcalc's bidirectional layers concatenate them", self.origin)
            inner = config.get("layer")
            kind, config = _class(inner), _config(inner, name, self.origin) if isinstance(inner, dict) else {}
            if kind not in RECURRENT:
                raise SpecError(f"Keras layer '{name}' is a Bidirectional {kind or 'layer'}; archcalc reads LSTM, GRU and SimpleRNN", self.origin)
        if _flag(config, "return_state", name, self.origin, False):
            raise SpecError(f"Keras layer '{name}' returns its states as well; archcalc reads layers with one output", self.origin)
        function = self.activation(config.get("activation", "tanh"), name)
        if kind == "SimpleRNN" and function != "tanh":
            raise SpecError(f"Keras layer '{name}' is a SimpleRNN of {function!r}; archcalc's rnn is tanh's", self.origin)
        units, bias = _whole(config, "units", name, self.origin), _flag(config, "use_bias", name, self.origin, True)
        sequences = _flag(config, "return_sequences", name, self.origin, False)
        layer = RECURRENT[kind](**common, hidden=units, bidirectional=bidirectional, bias=bias, sequences=sequences)
        if bias and (kind != "GRU" or not _flag(config, "reset_after", name, self.origin, True)):
            self.second_biases[name] = layer.directions * layer.GATES * units
        return layer

    def attention(self, name: str, config: dict[str, Any], shape: Shape, common: dict[str, Any]) -> Attention:
        """Keras's MultiHeadAttention over a sequence [N, D]: `key_dim` is the head width, values as wide."""
        heads, key_dim = _whole(config, "num_heads", name, self.origin), _whole(config, "key_dim", name, self.origin)
        if config.get("value_dim") not in (None, key_dim):
            value_dim = config.get("value_dim")
            raise SpecError(
                f"Keras layer '{name}' has values of width {value_dim} and keys of {key_dim}; archcalc's attention gives both one width", self.origin
            )
        if config.get("output_shape") not in (None, shape[-1:], list(shape[-1:]), shape[-1]) or config.get("attention_axes") not in (None, [1], 1):
            raise SpecError(f"Keras layer '{name}' attends over other axes or projects to another width; archcalc's attention does neither", self.origin)
        if _flag(config, "use_gate", name, self.origin, False):
            raise SpecError(f"Keras layer '{name}' gates its heads, with weights archcalc's attention does not have", self.origin)
        bias = _flag(config, "use_bias", name, self.origin, True)
        return Attention(**common, heads=heads, head_dim=None if heads * key_dim == shape[-1] else key_dim, bias=bias)

    def conv_transpose(self, name: str, config: dict[str, Any], shape: Shape, common: dict[str, Any]) -> ConvTranspose:
        """Keras's Conv*DTranspose as PyTorch's, which cuts `padding` from both sides of each axis and
        adds `output_padding` at the end. Keras's length is (n − 1)·s + k′ − 2·pad + output_padding, with
        k′ = d·(k − 1) + 1 and pad 0 (valid) or ⌊k′/2⌋ (same): that padding, and that output padding.
        Without output_padding it is n·s + max(k′ − s, 0) (valid), or n·s (same): the padding and output
        padding that give that length for every n. Same then cuts k′ − s positions in all; PyTorch's
        padding cuts an odd one at the start, which Keras's backends may cut at the end: the length and
        the figures are Keras's either way."""
        rank = len(shape) - 1
        window = _window(config, rank, name, self.origin)
        kernel, stride, dilation = (_spread(window[key], rank) for key in ("kernel", "stride", "dilation"))
        written = config.get("output_padding")
        extra = None if written is None else _spread(_per_axis(written, rank, name, self.origin, minimum=0), rank)
        same = window["padding"] == "same"
        padding, output_padding = [], []
        for axis, (k, s, d) in enumerate(zip(kernel, stride, dilation, strict=True)):
            span = d * (k - 1) + 1
            if extra is not None:
                pad, added = (span // 2 if same else 0), extra[axis]
            elif same:
                cut = span - s
                pad = max(-(-cut // 2), 0)
                added = 2 * pad - cut
            else:
                pad, added = 0, max(s - span, 0)
            if not 0 <= added < max(s, d):
                raise SpecError(
                    f"Keras layer '{name}' gives an output length that PyTorch's transposed convolution cannot "
                    f"(it would need an output padding of {added} with stride {s} and dilation {d})",
                    self.origin,
                )
            padding.append(pad)
            output_padding.append(added)
        return ConvTranspose(
            **common,
            filters=_whole(config, "filters", name, self.origin),
            kernel=window["kernel"],
            stride=window["stride"],
            padding=_compact(padding),
            output_padding=_compact(output_padding),
            dilation=window["dilation"],
            bias=_flag(config, "use_bias", name, self.origin, True),
        )

    def notes(self) -> Iterator[str]:
        if self.second_biases:
            extra = sum(self.second_biases.values())
            each = ", ".join(f"{name} {count:,}" for name, count in self.second_biases.items())
            yield (
                f"recurrent biases: Keras's LSTM and SimpleRNN (and GRU with reset_after=False) keep one bias vector per gate set, PyTorch's two; "
                f"archcalc counts PyTorch's, {extra:,} parameters more than Keras's count_params() ({each})"
            )

    def activation(self, value: Any, name: str) -> str | None:
        """The function's name: `"relu"`, or Keras 3's serialised form {"class_name": "function", "config": "relu"};
        None for none (`linear`). An activation that is a layer object or anything else is refused, not dropped."""
        written = value.get("config") if isinstance(value, dict) else value
        if not isinstance(written, str) and written is not None:
            raise SpecError(f"Keras layer '{name}' has an activation archcalc cannot read ({describe(value)})", self.origin)
        return None if written in NO_ACTIVATION else written

    def known_activation(self, function: str, name: str) -> str:
        function = ACTIVATION_NAMES.get(function, function)
        if function not in ACTIVATIONS:
            raise SpecError(f"Keras layer '{name}' uses the activation {function!r}, which archcalc has no kind for", self.origin)
        return function

    def channels_last(self, config: dict[str, Any], name: str) -> None:
        if config.get("data_format", "channels_last") != "channels_last":
            raise SpecError(f"Keras layer '{name}' is channels first; archcalc reads channels last, as Keras does by default", self.origin)


def _stacked(operations: list[Operation]) -> tuple[Operation, ...]:
    """A recurrent layer that reads every step of one like it (same kind, width, directions and bias)
    and nothing else reads is its next stacked layer, as PyTorch writes them: one layer of `layers: 2`."""
    readers: dict[str, int] = {}
    for operation in operations:
        for tensor in operation.inputs:
            readers[tensor] = readers.get(tensor, 0) + 1
    stacked: list[Operation] = []
    for operation in operations:
        below = stacked[-1] if stacked else None
        layer, previous = operation.layer, below.layer if below is not None else None
        if (
            below is not None
            and isinstance(layer, Recurrent)
            and isinstance(previous, Recurrent)
            and type(layer) is type(previous)
            and operation.inputs == (below.output,)
            and readers[below.output] == 1
            and previous.sequences
            and (layer.hidden, layer.bidirectional, layer.bias) == (previous.hidden, previous.bidirectional, previous.bias)
        ):
            merged = replace(previous, layers=previous.layers + layer.layers, sequences=layer.sequences)
            stacked[-1] = replace(below, output=operation.output, output_shape=operation.output_shape, cost=below.cost + operation.cost, layer=merged)
        else:
            stacked.append(operation)
    return tuple(stacked)


def _class(layer: Any) -> str:
    return str(layer.get("class_name", "")) if isinstance(layer, dict) else ""


def _name(layer: dict[str, Any], origin: Origin) -> str:
    config = layer.get("config")
    name = layer.get("name") or (config.get("name") if isinstance(config, dict) else None)
    if not isinstance(name, str):
        written = f"a Keras {_class(layer)} layer" if _class(layer) else "a Keras layer"
        if config is not None and not isinstance(config, dict):
            raise SpecError(f"{written} whose 'config' is {describe(config)}, not a mapping", origin)
        raise SpecError(f"{written} without a name", origin)
    return name


def _config(layer: dict[str, Any], name: str, origin: Origin) -> dict[str, Any]:
    """A layer's `config`: a mapping (none written: no arguments)."""
    config = layer.get("config")
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise SpecError(f"Keras layer '{name}': its 'config' must be a mapping, got {describe(config)}", origin)
    return config


def _in_order(names: list[str], sources: list[list[str]], input_name: str, origin: Origin) -> list[int]:
    """The layers in an order where each comes after the layers it reads, in the file's order where
    that allows: each layer waits only for its own sources (one pass, however the file orders them)."""
    makers = {name: index for index, name in enumerate(names)}
    if len(makers) < len(names) or input_name in makers:
        twice = next(name for index, name in enumerate(names) if makers[name] != index or name == input_name)
        raise SpecError(f"two Keras layers are named '{twice}'; a model's layer names are unique", origin)
    needs: list[list[int]] = []
    for index, read in enumerate(sources):
        needs.append([])
        for source in read:
            if source == input_name:
                continue
            maker = makers.get(source)
            if maker is None:
                raise SpecError(f"Keras layer '{names[index]}' reads '{source}', which is not one of the model's layers", origin)
            needs[index].append(maker)
    order, waiting = dependency_order(needs)
    if waiting:
        stuck = [f"'{names[index]}'" for index in waiting]
        raise SpecError(f"the Keras layers {', '.join(stuck[:3])}{', ...' if len(stuck) > 3 else ''} read each other in a cycle", origin)
    return order


def _keywords(layer: dict[str, Any]) -> tuple[str, ...]:
    """The keyword arguments of the layer's call that name inputs it reads."""
    return ATTENTION_INPUTS if _class(layer) == "MultiHeadAttention" else ()


def _inbound(layer: dict[str, Any], origin: Origin, keywords: tuple[str, ...] = ()) -> list[str]:
    """The layers this one reads, from `inbound_nodes` in Keras 2's form ([[["a", 0, 0, {}]]]) or Keras 3's;
    the `keywords` of the call name inputs too (MultiHeadAttention's value)."""
    nodes = layer.get("inbound_nodes") or []
    if not isinstance(nodes, list):
        raise SpecError(f"Keras layer '{_name(layer, origin)}': 'inbound_nodes' must be a list, got {describe(nodes)}", origin)
    if len(nodes) != 1:
        raise SpecError(f"Keras layer '{_name(layer, origin)}' is called {len(nodes)} times; archcalc reads layers called once", origin)
    node = nodes[0]
    if isinstance(node, list):  # Keras 2: [name, node, tensor, {keyword: [name, node, tensor]}]
        if not all(isinstance(entry, list) and entry for entry in node):
            raise SpecError(f"Keras layer '{_name(layer, origin)}': each inbound entry must be a list [layer, node, tensor, keywords]", origin)
        names = [str(entry[0]) for entry in node]
        for entry in node:
            arguments = entry[3] if len(entry) > 3 and isinstance(entry[3], dict) else {}
            names += [str(arguments[key][0]) for key in keywords if isinstance(arguments.get(key), list) and arguments[key]]
        return names
    if not isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        raise SpecError(f"Keras layer '{_name(layer, origin)}': an inbound node must be a list (Keras 2) or a mapping (Keras 3), got {describe(node)}", origin)
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            config = value.get("config") if value.get("class_name") == "__keras_tensor__" else None
            history = config.get("keras_history") if isinstance(config, dict) else None
            if isinstance(history, list) and history:  # [layer, node, tensor]
                found.append(str(history[0]))
                return
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(node.get("args", []))
    keyword_arguments = node.get("kwargs")
    if isinstance(keyword_arguments, dict):
        walk([keyword_arguments[key] for key in keywords if key in keyword_arguments])
    return found


def _input_shape(layer: Any, document: dict[str, Any], origin: Origin) -> Shape:
    config = layer.get("config") if isinstance(layer, dict) else None
    config = config if isinstance(config, dict) else {}
    build = document.get("build_config")
    shape = config.get("batch_shape") or config.get("batch_input_shape") or (build.get("input_shape") if isinstance(build, dict) else None)
    if not isinstance(shape, list) or len(shape) < 2 or not all(_is_whole(size) for size in shape[1:]):
        raise SpecError(
            f"the Keras model's input shape must be fixed, got {_shown(shape)}",
            origin,
            None,
            "build the model with a full input shape, e.g. keras.Input((224, 224, 3))",
        )
    return tuple(shape[1:])


def _whole(config: dict[str, Any], key: str, name: str, origin: Origin, default: int | None = None) -> int:
    """The readers' one rule for a count: a positive whole number (not a boolean, not 4.0), at most
    MAX_COUNT, as a spec's counts are; `default` when the config leaves it out."""
    value: Any = config.get(key, default)
    if not _is_whole(value):
        raise SpecError(f"Keras layer '{name}': '{key}' must be a positive whole number, got {describe(value)}", origin)
    return int(value)


def _flag(config: dict[str, Any], key: str, name: str, origin: Origin, default: bool) -> bool:
    """A switch (`use_bias`, `return_sequences`...): true or false as JSON writes them, `default` when
    the config leaves it out; a string "false" is refused, not read as true."""
    value: Any = config.get(key, default)
    if not isinstance(value, bool):
        raise SpecError(f"Keras layer '{name}': '{key}' must be true or false, got {describe(value)}", origin)
    return value


def _is_whole(value: Any, minimum: int = 1) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= MAX_COUNT


def _shown(value: Any) -> str:
    """A value from the file as JSON writes it, shortened for a message."""
    text = json.dumps(value)
    return text if len(text) <= LONGEST_QUOTED else f"{text[:24]}…{text[-8:]}"


def _per_axis(value: Any, rank: int, name: str, origin: Origin, minimum: int = 1) -> PerAxis:
    values = tuple(value) if isinstance(value, list) else (value,)
    if not values or not all(_is_whole(item, minimum) for item in values) or len(values) not in (1, rank):
        kind = "positive" if minimum == 1 else "non-negative"
        raise SpecError(f"Keras layer '{name}': expected {kind} whole numbers, one or one per axis ({rank}), got {_shown(value)}", origin)
    return _compact(values)


def _compact(values: Iterable[int]) -> PerAxis:
    """One value when every axis agrees (as a spec would write it), else one per axis."""
    written = tuple(values)
    return written[:1] if len(set(written)) == 1 else written


def _spread(values: Iterable[int], rank: int) -> tuple[int, ...]:
    """A per-axis value, one per axis."""
    written = tuple(values)
    return written * rank if len(written) == 1 else written


def _padding(config: dict[str, Any], name: str, origin: Origin) -> Padding:
    padding = config.get("padding", "valid")
    if padding not in ("valid", "same"):
        raise SpecError(f"Keras layer '{name}' pads {padding!r}; archcalc reads 'valid' and 'same'", origin)
    return "same" if padding == "same" else (0,)


def _window(config: dict[str, Any], rank: int, name: str, origin: Origin) -> dict[str, Any]:
    return {
        "kernel": _per_axis(config.get("kernel_size"), rank, name, origin),
        "stride": _per_axis(config.get("strides", 1), rank, name, origin),
        "padding": _padding(config, name, origin),
        "dilation": _per_axis(config.get("dilation_rate", 1), rank, name, origin),
    }
