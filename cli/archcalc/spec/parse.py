"""Located YAML values -> a validated `Spec`: one builder per layer kind, every error located."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePath
from typing import TypedDict

from archcalc.errors import Origin, SpecError, suggestion
from archcalc.quantities import MAX_COUNT, parse_count
from archcalc.spec.model import (
    ACTIVATIONS,
    Activation,
    AdaptivePool,
    BatchNorm,
    Block,
    BudgetKind,
    Concat,
    Conv,
    Dense,
    Depthwise,
    Dropout,
    DType,
    Flatten,
    GlobalPool,
    Layer,
    LayerNorm,
    Limit,
    Padding,
    PerAxis,
    Pool,
    PoolMode,
    Repeat,
    Residual,
    Shape,
    Spec,
    SqueezeExcite,
)
from archcalc.spec.yaml_source import Entry, Located, Mapping
from archcalc.values import value

MAX_SIZE = MAX_COUNT

SPEC_KEYS = ("name", "description", "input", "layers", "chain", "budget", "defaults")


class Common(TypedDict):
    """What every layer carries, whatever its kind: where it was written and its display name."""

    origin: Origin
    position: str
    name: str | None


class Arguments:
    """The arguments of one layer, read one key at a time; every key must be used exactly once."""

    def __init__(self, kind: str, entries: Mapping, origin: Origin, position: str, context: Context) -> None:
        self.kind = kind
        self.entries = entries
        self.origin = origin
        self.position = position
        self.context = context
        name = entries.get("name")
        self.name = None if name is None else self.text(name)

    def where(self) -> str:
        return f"layer {self.position} ({self.kind})"

    def error(self, problem: str, origin: Origin | None = None, hint: str | None = None) -> SpecError:
        return SpecError(problem, origin or self.origin, self.where(), hint)

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for key, entry in self.entries.items():
            if key != "name" and key not in allowed:
                known = ", ".join(allowed) if allowed else "none"
                hint = suggestion(key, allowed) or f"{self.kind} takes: {known}"
                raise self.error(f"unknown argument '{key}'", entry.key_origin, hint)

    def text(self, entry: Entry) -> str:
        if not isinstance(entry.value.value, str):
            raise self.error(f"'{entry.key}' must be text", entry.value.origin)
        return entry.value.value

    def required(self, key: str) -> Entry:
        entry = self.entries.get(key)
        if entry is None:
            raise self.error(f"missing required argument '{key}'")
        return entry

    def count(self, key: str, default: int | None = None, minimum: int = 1) -> int:
        """A whole number; required when there is no default."""
        if default is None:
            return self.whole(self.required(key).value, key, minimum)
        entry = self.entries.get(key)
        return default if entry is None else self.whole(entry.value, key, minimum)

    def whole(self, value: Located, key: str, minimum: int = 1) -> int:
        number = value.value
        if isinstance(number, bool) or not isinstance(number, int):
            raise self.error(f"'{key}' must be a whole number, got {describe(number)}", value.origin)
        if number < minimum:
            raise self.error(f"'{key}' must be at least {minimum}, got {number}", value.origin)
        if number > MAX_SIZE:
            raise self.error(f"'{key}' is too large ({number:.3g}); archcalc reads sizes up to 1e36", value.origin)
        return number

    def per_axis(self, key: str, default: PerAxis | None = None, minimum: int = 1) -> PerAxis:
        """One value for every spatial axis, or a list of one per axis; required when there is no default."""
        entry = self.required(key) if default is None else self.entries.get(key)
        if entry is None:
            return default or ()
        value = entry.value.value
        if isinstance(value, list):
            if not 1 <= len(value) <= 3:
                raise self.error(f"'{key}' must list 1 to 3 values (one per spatial axis)", entry.value.origin)
            return tuple(self.whole(item, key, minimum) for item in value)
        return (self.whole(entry.value, key, minimum),)

    def padding(self) -> Padding:
        entry = self.entries.get("padding")
        if entry is not None and isinstance(entry.value.value, str):
            word = entry.value.value.lower()
            if word in ("same", "valid"):
                return "same" if word == "same" else "valid"
            hint = suggestion(word, ("same", "valid")) or "write a number, a list, 'same' or 'valid'"
            raise self.error(f"padding '{entry.value.value}' is not known", entry.value.origin, hint)
        return self.per_axis("padding", (0,), minimum=0)

    def flag(self, key: str, default: bool) -> bool:
        entry = self.entries.get(key)
        if entry is None:
            return default
        if not isinstance(entry.value.value, bool):
            raise self.error(f"'{key}' must be true or false, got {describe(entry.value.value)}", entry.value.origin)
        return entry.value.value

    def fraction(self, key: str, default: float) -> float:
        entry = self.entries.get(key)
        if entry is None:
            return default
        value = entry.value.value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise self.error(f"'{key}' must be a number from 0 to 1, got {describe(value)}", entry.value.origin)
        return float(value)

    def layers(self, key: str, required: bool = True) -> tuple[Layer, ...]:
        entry = self.required(key) if required else self.entries.get(key)
        if entry is None:
            return ()
        return self.context.layer_list(entry.value, f"{self.position}.{key}" if key != "layers" else self.position)

    @property
    def common(self) -> Common:
        return {"origin": self.origin, "position": self.position, "name": self.name}


def describe(value: object) -> str:
    """How an unexpected value is named in a message: its text, or its kind for lists and mappings."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing"
    return repr(value) if isinstance(value, str) else str(value)


# One builder per layer kind: it reads its arguments into the layer's typed value. Which arguments
# a kind takes, and which one may be written alone, is in LAYER_KINDS below: unknown ones are
# refused there, before a builder runs.


def build_dense(a: Arguments) -> Layer:
    return Dense(units=a.count("units"), bias=a.flag("bias", True), **a.common)


def build_conv(spatial_rank: int | None) -> Callable[[Arguments], Layer]:
    def build(a: Arguments) -> Layer:
        return Conv(
            filters=a.count("filters"),
            kernel=a.per_axis("kernel"),
            stride=a.per_axis("stride", (1,)),
            padding=a.padding(),
            dilation=a.per_axis("dilation", (1,)),
            groups=a.count("groups", 1),
            bias=a.flag("bias", True),
            spatial_rank=spatial_rank,
            **a.common,
        )

    return build


def build_depthwise(a: Arguments) -> Layer:
    return Depthwise(
        kernel=a.per_axis("kernel"),
        stride=a.per_axis("stride", (1,)),
        padding=a.padding(),
        dilation=a.per_axis("dilation", (1,)),
        multiplier=a.count("multiplier", 1),
        bias=a.flag("bias", True),
        **a.common,
    )


def build_pool(mode: PoolMode) -> Callable[[Arguments], Layer]:
    def build(a: Arguments) -> Layer:
        stride = a.per_axis("stride") if "stride" in a.entries else None
        return Pool(mode=mode, kernel=a.per_axis("kernel"), stride=stride, padding=a.padding(), ceil_mode=a.flag("ceil_mode", False), **a.common)

    return build


def build_global_pool(mode: PoolMode) -> Callable[[Arguments], Layer]:
    def build(a: Arguments) -> Layer:
        return GlobalPool(mode=mode, **a.common)

    return build


def build_adaptive_pool(mode: PoolMode) -> Callable[[Arguments], Layer]:
    def build(a: Arguments) -> Layer:
        return AdaptivePool(mode=mode, output=a.per_axis("output"), **a.common)

    return build


def build_flatten(a: Arguments) -> Layer:
    return Flatten(**a.common)


def build_batchnorm(a: Arguments) -> Layer:
    return BatchNorm(**a.common)


def build_layernorm(a: Arguments) -> Layer:
    return LayerNorm(**a.common)


def build_activation(function: str) -> Callable[[Arguments], Layer]:
    def build(a: Arguments) -> Layer:
        return Activation(function=function, **a.common)

    return build


def build_dropout(a: Arguments) -> Layer:
    return Dropout(rate=a.fraction("rate", 0.5), **a.common)


def build_residual(a: Arguments) -> Layer:
    return Residual(layers=a.layers("layers"), shortcut=a.layers("shortcut", required=False), **a.common)


def build_concat(a: Arguments) -> Layer:
    entry = a.required("branches")
    if not isinstance(entry.value.value, list) or not entry.value.value:
        raise a.error("concat takes a non-empty list of branches, each a list of layers", entry.value.origin)
    branches = tuple(a.context.layer_list(branch, f"{a.position}.branch{number}") for number, branch in enumerate(entry.value.value, start=1))
    return Concat(branches=branches, **a.common)


def build_squeeze_excite(a: Arguments) -> Layer:
    return SqueezeExcite(channels=a.count("channels"), **a.common)


def build_repeat(a: Arguments) -> Layer:
    return Repeat(times=a.count("times"), layers=a.layers("layers"), **a.common)


def build_block(a: Arguments) -> Layer:
    return Block(layers=a.layers("layers"), **a.common)


@value
class LayerKind:
    """How a written layer name is read: its canonical kind, the arguments it takes (the first
    may be given alone as its main argument: `dense: 8`), its builder, and the rule it counts by."""

    kind: str
    build: Callable[[Arguments], Layer]
    arguments: tuple[str, ...] = ()
    main: str | None = None
    rule: str = "no parameters"


WINDOW = ("kernel", "stride", "padding", "dilation")
CONV = LayerKind("conv", build_conv(None), ("filters", *WINDOW, "groups", "bias"), rule="k·(C/groups)·filters + filters")
DENSE = LayerKind("dense", build_dense, ("units", "bias"), "units", "in·units + units, on the last axis")
SQUEEZE = LayerKind("squeeze_excite", build_squeeze_excite, ("channels",), "channels", "2·C·s + s + C")


def _pool(name: str, mode: PoolMode) -> LayerKind:
    return LayerKind(name, build_pool(mode), ("kernel", "stride", "padding", "ceil_mode"), "kernel")


def _conv_of_rank(rank: int) -> LayerKind:
    axes = "1 spatial axis" if rank == 1 else f"{rank} spatial axes"
    return LayerKind("conv", build_conv(rank), CONV.arguments, rule=f"{CONV.rule}; checks the input has {axes}")


LAYER_KINDS: dict[str, LayerKind] = {
    "dense": DENSE,
    "fc": DENSE,
    "linear": DENSE,
    "conv": CONV,
    "conv1d": _conv_of_rank(1),
    "conv2d": _conv_of_rank(2),
    "conv3d": _conv_of_rank(3),
    "depthwise": LayerKind("depthwise", build_depthwise, (*WINDOW, "multiplier", "bias"), rule="a conv with groups = C, filters = C·multiplier"),
    "maxpool": _pool("maxpool", PoolMode.MAX),
    "avgpool": _pool("avgpool", PoolMode.AVG),
    "global_maxpool": LayerKind("global_maxpool", build_global_pool(PoolMode.MAX), rule="no parameters; output [C]"),
    "global_avgpool": LayerKind("global_avgpool", build_global_pool(PoolMode.AVG), rule="no parameters; output [C]"),
    "adaptive_maxpool": LayerKind("adaptive_maxpool", build_adaptive_pool(PoolMode.MAX), ("output",), "output"),
    "adaptive_avgpool": LayerKind("adaptive_avgpool", build_adaptive_pool(PoolMode.AVG), ("output",), "output"),
    "flatten": LayerKind("flatten", build_flatten),
    "batchnorm": LayerKind("batchnorm", build_batchnorm, rule="2C, plus 2C running statistics (not trained)"),
    "layernorm": LayerKind("layernorm", build_layernorm, rule="2·(last axis)"),
    "dropout": LayerKind("dropout", build_dropout, ("rate",), "rate"),
    "residual": LayerKind("residual", build_residual, ("layers", "shortcut"), "layers", "its paths' layers; output = layers(x) + shortcut(x)"),
    "concat": LayerKind("concat", build_concat, ("branches",), "branches", "its branches' layers; joined on the channels"),
    "squeeze_excite": SQUEEZE,
    "se": SQUEEZE,
    "repeat": LayerKind("repeat", build_repeat, ("times", "layers"), rule="its layers, `times` times in a row"),
    "block": LayerKind("block", build_block, ("layers",), "layers", "its layers, in order"),
    **{function: LayerKind(function, build_activation(function), rule="no parameters; elementwise") for function in sorted(ACTIVATIONS)},
}


class Context:
    """What layer parsing needs from the whole spec: the per-kind `defaults:`."""

    def __init__(self, defaults: dict[str, Mapping]) -> None:
        self.defaults = defaults

    def layer_list(self, node: Located, parent: str | None) -> tuple[Layer, ...]:
        if not isinstance(node.value, list):
            where = f"layer {parent}" if parent else None
            raise SpecError(f"expected a list of layers, got {describe(node.value)}", node.origin, where)
        prefix = f"{parent}." if parent else ""
        return tuple(self.layer(item, f"{prefix}{number}") for number, item in enumerate(node.value, start=1))

    def layer(self, node: Located, position: str) -> Layer:
        written, name_origin, value = self._split(node, position)
        lowered = written.lower()
        if lowered not in LAYER_KINDS:
            hint = suggestion(lowered, LAYER_KINDS) or "see `archcalc layers` for the layer kinds"
            raise SpecError(f"unknown layer '{written}'", name_origin, f"layer {position}", hint)
        kind = LAYER_KINDS[lowered]
        entries = self._arguments(kind, written, value, node.origin, position)
        merged = {**self.defaults.get(kind.kind, {}), **entries}
        arguments = Arguments(kind.kind, merged, node.origin, position, self)
        arguments.check_keys(kind.arguments)
        return kind.build(arguments)

    def _split(self, node: Located, position: str) -> tuple[str, Origin, Located | None]:
        """A layer is written `name` or `name: value`; return the name, its origin and the value."""
        if isinstance(node.value, str):
            return node.value.strip(), node.origin, None
        if isinstance(node.value, dict) and len(node.value) == 1:
            (entry,) = node.value.values()
            return entry.key, entry.key_origin, entry.value
        if isinstance(node.value, dict) and node.value:
            keys = ", ".join(node.value)
            hint = "is a '-' missing, or are the arguments not indented under the name?"
            raise SpecError(f"a layer is one `name: arguments` entry, found {len(node.value)} keys ({keys})", node.origin, f"layer {position}", hint)
        raise SpecError(f"expected a layer, got {describe(node.value)}", node.origin, f"layer {position}")

    def _arguments(self, kind: LayerKind, written: str, value: Located | None, origin: Origin, position: str) -> Mapping:
        if value is None or value.value is None:
            return {}
        if isinstance(value.value, dict):
            return value.value
        if kind.main is None:
            raise SpecError(f"{written} takes a mapping of arguments, not {describe(value.value)}", value.origin, f"layer {position} ({kind.kind})")
        return {kind.main: Entry(kind.main, value.origin, value)}


# The whole spec.


def parse_spec(root: Located, default_name: str) -> Spec:
    """A spec document (a mapping, or a bare chain string) -> Spec."""
    if isinstance(root.value, str) and is_chain(root.value):
        return parse_chain(root.value, root.origin, default_name)
    if not isinstance(root.value, dict):
        raise SpecError(f"a spec is a mapping with 'input' and 'layers' (or 'chain'), got {describe(root.value)}", root.origin)
    entries: Mapping = root.value
    for key, entry in entries.items():
        if key not in SPEC_KEYS:
            raise SpecError(f"unknown key '{key}'", entry.key_origin, None, suggestion(key, SPEC_KEYS) or f"a spec has: {', '.join(SPEC_KEYS)}")
    name = _text(entries["name"]) if "name" in entries else default_name
    description = _text(entries["description"]) if "description" in entries else None
    budget, budget_dtype = parse_budget(entries["budget"].value) if "budget" in entries else ((), DType.FLOAT32)
    if "chain" in entries:
        for clash in ("input", "layers", "defaults"):
            if clash in entries:
                raise SpecError(f"'chain' replaces 'input' and 'layers'; remove '{clash}'", entries[clash].key_origin)
        chain = entries["chain"].value
        if not isinstance(chain.value, (str, int)):
            raise SpecError("'chain' must be an arrow chain such as 16->8->2", chain.origin)
        spec = parse_chain(str(chain.value), chain.origin, name)
    else:
        for needed in ("input", "layers"):
            if needed not in entries:
                raise SpecError(f"missing '{needed}'", root.origin, None, "a spec needs 'input' and 'layers', or a 'chain'")
        defaults = parse_defaults(entries["defaults"].value) if "defaults" in entries else {}
        input_shape = parse_shape(entries["input"].value)
        layers = Context(defaults).layer_list(entries["layers"].value, None)
        spec = Spec(name, input_shape, layers, root.origin)
    return Spec(name, spec.input_shape, spec.layers, root.origin, description, budget, budget_dtype)


def _text(entry: Entry) -> str:
    if entry.value.value is None or isinstance(entry.value.value, (list, dict)):
        raise SpecError(f"'{entry.key}' must be text", entry.value.origin)
    return str(entry.value.value)


def parse_defaults(node: Located) -> dict[str, Mapping]:
    """`defaults: {conv: {bias: false}}`: arguments every layer of that kind starts from."""
    if not isinstance(node.value, dict):
        raise SpecError("'defaults' maps a layer kind to its default arguments, e.g. conv: {bias: false}", node.origin)
    defaults: dict[str, Mapping] = {}
    for written, entry in node.value.items():
        kind = LAYER_KINDS.get(written.lower())
        if kind is None:
            raise SpecError(f"unknown layer '{written}' in defaults", entry.key_origin, None, suggestion(written.lower(), LAYER_KINDS))
        if not isinstance(entry.value.value, dict):
            raise SpecError(f"defaults for {written} must be a mapping of arguments", entry.value.origin)
        for key, argument in entry.value.value.items():
            if key not in kind.arguments:
                hint = suggestion(key, kind.arguments) or f"{kind.kind} takes: {', '.join(kind.arguments) or 'none'}"
                raise SpecError(f"unknown argument '{key}' for {kind.kind} in defaults", argument.key_origin, None, hint)
        defaults[kind.kind] = {**defaults.get(kind.kind, {}), **entry.value.value}
    return defaults


_SHAPE_SEPARATORS = re.compile(r"\s*[x×*,]\s*", re.IGNORECASE)


def parse_shape(node: Located) -> Shape:
    """`4x4x1`, `4×4×1`, `[4, 4, 1]` or `16` -> (4, 4, 1) / (16,)."""
    value = node.value
    if isinstance(value, bool) or value is None or isinstance(value, (dict, float)):
        raise SpecError(f"an input shape is written 4x4x1, [4, 4, 1] or 16, got {describe(value)}", node.origin)
    if isinstance(value, int):
        items: list[object] = [value]
    elif isinstance(value, str):
        items = [int(part) if is_number(part) else part for part in _SHAPE_SEPARATORS.split(value.strip().strip("[]"))]
    elif isinstance(value, list):
        items = [item.value if isinstance(item, Located) else item for item in value]
    else:
        raise SpecError(f"an input shape is written 4x4x1, [4, 4, 1] or 16, got {describe(value)}", node.origin)
    if not 1 <= len(items) <= 4:
        raise SpecError(f"an input shape has 1 to 4 axes (channels last), got {len(items)}", node.origin)
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int) or item < 1:
            raise SpecError(f"every axis of the input shape must be a positive whole number, got {describe(item)}", node.origin)
        if item > MAX_SIZE:
            raise SpecError("an axis of the input shape is too large; archcalc reads sizes up to 1e36", node.origin)
    return tuple(item for item in items if isinstance(item, int))


def parse_budget(node: Located) -> tuple[tuple[Limit, ...], DType]:
    """`budget: {params: 25.6M, macs: 4.1G, param_bytes: 50M, dtype: float16}`."""
    if not isinstance(node.value, dict):
        raise SpecError("'budget' is a mapping such as {params: 25.6M, macs: 4.1G}", node.origin)
    limits = []
    dtype = DType.FLOAT32
    names = [kind.value for kind in BudgetKind]
    for key, entry in node.value.items():
        value = entry.value.value
        if key == "dtype":
            dtype = parse_dtype(entry)
            continue
        if key not in names:
            raise SpecError(f"unknown budget '{key}'", entry.key_origin, None, suggestion(key, [*names, "dtype"]) or f"budgets: {', '.join(names)}")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise SpecError(f"budget '{key}' must be a count such as 25.6M, got {describe(value)}", entry.value.origin)
        try:
            maximum = parse_count(value)
        except ValueError as error:
            raise SpecError(f"budget '{key}': {error}", entry.value.origin) from None
        limits.append(Limit(BudgetKind(key), maximum, entry.key_origin))
    return tuple(limits), dtype


def parse_dtype(entry: Entry) -> DType:
    names = [dtype.value for dtype in DType]
    value = entry.value.value
    if not isinstance(value, str) or value.lower() not in names:
        hint = suggestion(str(value).lower(), names) or f"one of {', '.join(names)}"
        raise SpecError(f"unknown dtype {describe(value)}", entry.value.origin, None, hint)
    return DType(value.lower())


# Arrow chains: `16->8->2`, `16 → 8 → 2`, `4x4x1 -> 8 -> 2`.

_ARROW = re.compile(r"->|→")


def is_number(text: str) -> bool:
    """Plain ASCII digits: `int()` accepts other scripts' digits, which no spec means."""
    return text.isascii() and text.isdigit()


def is_chain(text: str) -> bool:
    return _ARROW.search(text) is not None


def parse_chain(text: str, origin: Origin, name: str) -> Spec:
    """An input shape, then one dense layer per arrow. Errors point at the token's column.

    An input with more than one axis (`224x224x3->100`) is flattened first, as an ANN reads an image."""
    tokens: list[tuple[str, Origin]] = []
    start = 0
    for match in [*_ARROW.finditer(text), None]:
        end = match.start() if match else len(text)
        raw = text[start:end]
        column = (origin.column or 1) + start + (len(raw) - len(raw.lstrip()))
        tokens.append((raw.strip(), Origin(origin.source, origin.line, column)))
        start = match.end() if match else start
    (first, first_origin), rest = tokens[0], tokens[1:]
    if not first:
        raise SpecError("a chain starts with the input size, e.g. 16->8->2", first_origin)
    input_shape = parse_shape(Located(int(first) if is_number(first) else first, first_origin))
    layers: list[Layer] = []
    if len(input_shape) > 1:  # a chain is an ANN: like the seed's, it flattens the image first
        layers.append(Flatten(origin=first_origin, position="1"))
    for number, (token, where) in enumerate(rest, start=len(layers) + 1):
        if not is_number(token) or int(token) < 1:
            problem = "an empty step" if not token else f"'{token}' is not a positive number of units"
            raise SpecError(f"{problem} in the chain", where, f"layer {number} (dense)", "a chain is sizes joined by arrows, e.g. 16->8->2")
        if int(token) > MAX_SIZE:
            raise SpecError("too many units; archcalc reads sizes up to 1e36", where, f"layer {number} (dense)")
        layers.append(Dense(units=int(token), origin=where, position=str(number)))
    return Spec(name, input_shape, tuple(layers), origin)


def default_name(source: str) -> str:
    """A spec's name when it does not give one: the file's stem."""
    return PurePath(source).stem or source
