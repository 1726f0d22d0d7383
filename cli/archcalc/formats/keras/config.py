"""Values read from a Keras config: each checked as a spec's are, a wrong one refused with the layer's name."""

from __future__ import annotations

import json
from typing import Any

from archcalc.errors import Origin, SpecError
from archcalc.formats.graph.windows import written_per_axis
from archcalc.model import Padding, PerAxis
from archcalc.printable import LONGEST_QUOTED, describe
from archcalc.quantities import MAX_COUNT


def class_name(layer: Any) -> str:
    return str(layer.get("class_name", "")) if isinstance(layer, dict) else ""


def layer_name(layer: dict[str, Any], origin: Origin) -> str:
    config = layer.get("config")
    name = layer.get("name") or (config.get("name") if isinstance(config, dict) else None)
    if not isinstance(name, str):
        written = f"a Keras {class_name(layer)} layer" if class_name(layer) else "a Keras layer"
        if config is not None and not isinstance(config, dict):
            raise SpecError(f"{written} whose 'config' is {describe(config)}, not a mapping", origin)
        raise SpecError(f"{written} without a name", origin)
    return name


def layer_config(layer: dict[str, Any], name: str, origin: Origin) -> dict[str, Any]:
    """A layer's `config`: a mapping (none written: no arguments)."""
    config = layer.get("config")
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise SpecError(f"Keras layer '{name}': its 'config' must be a mapping, got {describe(config)}", origin)
    return config


def whole(config: dict[str, Any], key: str, name: str, origin: Origin, default: int | None = None) -> int:
    """The readers' one rule for a count: a positive whole number (not a boolean, not 4.0), at most
    MAX_COUNT, as a spec's counts are; `default` when the config leaves it out."""
    value: Any = config.get(key, default)
    if not is_whole(value):
        raise SpecError(f"Keras layer '{name}': '{key}' must be a positive whole number, got {describe(value)}", origin)
    return int(value)


def flag(config: dict[str, Any], key: str, name: str, origin: Origin, default: bool) -> bool:
    """A switch (`use_bias`, `return_sequences`...): true or false as JSON writes them, `default` when
    the config leaves it out; a string "false" is refused, not read as true."""
    value: Any = config.get(key, default)
    if not isinstance(value, bool):
        raise SpecError(f"Keras layer '{name}': '{key}' must be true or false, got {describe(value)}", origin)
    return value


def is_whole(value: Any, minimum: int = 1) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= MAX_COUNT


def shown(value: Any) -> str:
    """A value from the file as JSON writes it, shortened for a message."""
    text = json.dumps(value)
    return text if len(text) <= LONGEST_QUOTED else f"{text[:24]}…{text[-8:]}"


def axes_value(value: Any, rank: int, name: str, origin: Origin, minimum: int = 1) -> PerAxis:
    """A per-axis setting (`kernel_size: 3` or `[3, 1]`) as a spec writes it: whole numbers, one or one per axis."""
    values = tuple(value) if isinstance(value, list) else (value,)
    if not values or not all(is_whole(item, minimum) for item in values) or len(values) not in (1, rank):
        kind = "positive" if minimum == 1 else "non-negative"
        raise SpecError(f"Keras layer '{name}': expected {kind} whole numbers, one or one per axis ({rank}), got {shown(value)}", origin)
    return written_per_axis(values)


def padding(config: dict[str, Any], name: str, origin: Origin) -> Padding:
    written = config.get("padding", "valid")
    if written not in ("valid", "same"):
        raise SpecError(f"Keras layer '{name}' pads {written!r}; archcalc reads 'valid' and 'same'", origin)
    return "same" if written == "same" else (0,)


def window(config: dict[str, Any], rank: int, name: str, origin: Origin) -> dict[str, Any]:
    """A convolution's window as a spec writes it: kernel, stride, padding and dilation."""
    return {
        "kernel": axes_value(config.get("kernel_size"), rank, name, origin),
        "stride": axes_value(config.get("strides", 1), rank, name, origin),
        "padding": padding(config, name, origin),
        "dilation": axes_value(config.get("dilation_rate", 1), rank, name, origin),
    }
