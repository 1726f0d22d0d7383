"""A config.json read as typed values, each defaulting to transformers' own default for its family,
each problem located at the key's line and column in the file."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Collection, Mapping
from typing import Any

from archcalc.errors import Origin, SpecError
from archcalc.kinds.arguments import ArgumentProblem
from archcalc.model import DType, Layer
from archcalc.printable import describe, quoted

MAX_CONFIG_BYTES = 5_000_000
"""A config.json is a few KB; the spec's own bound applies."""

MAX_SIZE = 10**9
"""No model's width, vocabulary, depth or head count comes near a billion: larger is a mistake (1e40)."""

MAX_LAYERS = 10_000
"""Layers in a stack: the deepest models have a few hundred (Llama-3.1-405B 126); each is built once."""

LAYER_COUNTS = ("num_hidden_layers", "n_layer", "num_layers", "num_decoder_layers")
"""The keys that count a stack's layers, held to MAX_LAYERS."""

MAX_KEYS_LOOKED_AT = 1_000
"""Keys archcalc does not read that are compared with those it reads: a real config has fewer than a
hundred; a hostile one of 500,000 keys would take seconds of difflib (35 µs a key)."""

MAX_NEAR_MISS_NOTES = 10
"""Near misses named one by one; past them, how many more."""

CONFIG_KEYS = ("model_type", "architectures", "torch_dtype", "dtype")
"""The keys the reader itself reads, whatever the family."""

DTYPES = {"float32": DType.FLOAT32, "float16": DType.FLOAT16, "bfloat16": DType.BFLOAT16, "int8": DType.INT8}
"""`torch_dtype` (or `dtype`) as transformers writes it, and archcalc's number formats."""


ARGUMENT_KEYS = {"per_token": "num_experts_per_tok", "kv_heads": "num_key_value_heads"}
"""The config key each checked argument is read from, where families agree on it."""

NEAR_MISS = 0.8
"""How alike (difflib's ratio) a key archcalc does not read must be to one it reads to be taken for a
misspelling of it: a letter or two wrong in a key of ten or more (`hiden_size` 0.95). A family's own
transformers keys that come as close are listed in its UNREAD_KEYS (tests/test_hf_parity.py finds
them); a key of another family that does is ignored by this family's transformers too, worth a note."""


def parse_json(data: bytes | str, source: str) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        where = Origin(source, error.lineno, error.colno) if isinstance(error, json.JSONDecodeError) else Origin(source)
        raise SpecError(f"not readable JSON: {getattr(error, 'msg', error)}", where) from None
    if not isinstance(document, dict):
        raise SpecError(f"a HuggingFace config.json is a JSON object of settings, not {describe(document)}", Origin(source, 1, 1))
    return document


def json_text(value: object) -> str:
    """A default as a config writes it: 4,096, true, null, 'silu'."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return f"{value:,}" if isinstance(value, int) else describe(value)


class Config:
    """The settings of one model: read from the file, else from `defaults` (transformers' for the
    family). A value written as null is None, as transformers reads it (a `head_dim` then computed, a
    `sliding_window` then none). `aliases` are the other names a family's keys may be written under
    (transformers' attribute_map: GPT-2's `n_embd` is `hidden_size`)."""

    def __init__(
        self, settings: Mapping[str, Any], defaults: Mapping[str, Any], text: str, source: str, start: int = 0, aliases: Mapping[str, str] | None = None
    ) -> None:
        self.settings = dict(settings)
        self.written = tuple(settings)  # the keys as the file writes them
        self.aliases = dict(aliases or {})
        self.spelled: dict[str, str] = {}  # a key read under another name -> the name the file writes
        for written, key in (aliases or {}).items():
            if written in self.settings and key not in self.settings:
                self.settings[key] = self.settings[written]
                self.spelled[key] = written
        self.defaults = defaults
        self.text = text
        self.source = source
        self.start = start  # where these settings begin in the text: a nested text_config's object
        self.tokens = 0  # the sequence's length, which T5's cross-attention reads
        self.read: set[str] = set()  # every key the family's reader asked for: those whose default can change a count

    def origin(self, key: str | None = None) -> Origin:
        """The key's line and column in the file (the file alone for a key it does not write)."""
        if key is None or key not in self.settings:
            return Origin(self.source)
        match = re.compile(r'"' + re.escape(self.spelled.get(key, key)) + r'"\s*:').search(self.text, self.start)
        if match is None:
            return Origin(self.source)
        line = self.text.count("\n", 0, match.start()) + 1
        column = match.start() - (self.text.rfind("\n", 0, match.start()) + 1) + 1
        return Origin(self.source, line, column)

    def error(self, key: str, problem: str, hint: str | None = None) -> SpecError:
        return SpecError(problem.replace(f"'{key}'", f"'{self.spelled.get(key, key)}'"), self.origin(key), None, hint)

    def value(self, key: str) -> Any:
        self.read.add(key)
        return self.settings[key] if key in self.settings else self.defaults.get(key)

    def near_misses(self, family: str, unread: Collection[str] = ()) -> tuple[str, ...]:
        """A note for each key the file writes that archcalc does not read and that is a near miss of
        one it read and the file leaves out, whose default was counted instead: transformers ignores
        such a key too, so the count is transformers', but the user meant something else. `unread`
        are the family's own keys that resemble a read one (UNREAD_KEYS): never a misspelling."""
        spellings = {written: key for written, key in self.aliases.items() if key in self.read}
        spellings.update((key, key) for key in self.read)
        left_out = sorted(written for written, key in spellings.items() if key not in self.settings)
        others = [written for written in self.written if written not in spellings and written not in unread and written not in CONFIG_KEYS]
        notes = []
        for written in others[:MAX_KEYS_LOOKED_AT] if left_out else ():
            close = difflib.get_close_matches(written, left_out, n=1, cutoff=NEAR_MISS)
            if close:
                meant = close[0]
                default = self.defaults.get(spellings[meant])
                notes.append(
                    f"{quoted(written)} is not a key of {family} configs; did you mean {quoted(meant)}? "
                    f"transformers ignores it too, and uses {meant}'s default, {json_text(default)}"
                )
        if len(notes) > MAX_NEAR_MISS_NOTES:
            notes[MAX_NEAR_MISS_NOTES:] = [f"and {len(notes) - MAX_NEAR_MISS_NOTES:,} more keys archcalc does not read, each a near miss of one it does"]
        if left_out and len(others) > MAX_KEYS_LOOKED_AT:
            notes.append(f"{len(others):,} keys archcalc does not read: the first {MAX_KEYS_LOOKED_AT:,} were looked at for misspellings, not the rest")
        return tuple(notes)

    def count(self, key: str, minimum: int = 1) -> int:
        """A whole number from `minimum` up to MAX_SIZE."""
        value = self.value(key)
        if value is None:
            problem = f"'{key}' must be a whole number, got null" if key in self.settings else f"missing required key '{key}'"
            raise self.error(key, problem)
        return self.checked_count(key, value, minimum)

    def checked_count(self, key: str, value: Any, minimum: int = 1) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            if not (isinstance(value, float) and value.is_integer()):
                raise self.error(key, f"'{key}' must be a whole number, got {describe(value)}")
            value = int(value)  # 4096.0: JSON writers may write a whole number with a point (and 1e40 is one too)
        if value < minimum:
            raise self.error(key, f"'{key}' must be at least {minimum}, got {value}")
        if value > MAX_SIZE:
            raise self.error(key, f"'{key}' is {describe(value)}: larger than any model's (archcalc reads sizes up to {MAX_SIZE:,})")
        if key in LAYER_COUNTS and value > MAX_LAYERS:
            raise self.error(key, f"'{key}' is {value:,}: deeper than any model (archcalc reads stacks of up to {MAX_LAYERS:,} layers)")
        return int(value)

    def optional_count(self, key: str, minimum: int = 1) -> int | None:
        value = self.value(key)
        return None if value is None else self.checked_count(key, value, minimum)

    def flag(self, key: str) -> bool:
        value = self.value(key)
        if not isinstance(value, bool):
            raise self.error(key, f"'{key}' must be true or false, got {describe(value)}")
        return value

    def word(self, key: str) -> str | None:
        value = self.value(key)
        if value is not None and not isinstance(value, str):
            raise self.error(key, f"'{key}' must be a string, got {describe(value)}")
        return value

    def counts(self, key: str, minimum: int = 0) -> list[int]:
        """A list of whole numbers (Qwen-MoE's mlp_only_layers)."""
        value = self.value(key) or []
        if not isinstance(value, list):
            raise self.error(key, f"'{key}' must be a list of whole numbers, got {describe(value)}")
        return [self.checked_count(key, item, minimum) for item in value]

    def words(self, key: str, length: int, choices: tuple[str, ...]) -> list[str] | None:
        """A list of `length` words from `choices` (layer_types), or None when left out."""
        value = self.value(key)
        if value is None:
            return None
        if not isinstance(value, list) or len(value) != length or any(item not in choices for item in value):
            allowed = " or ".join(f"'{choice}'" for choice in choices)
            raise self.error(key, f"'{key}' must list {length} entries, one per layer, each {allowed}")
        return list(value)

    def dtype(self) -> DType | None:
        """The weights' number format: `torch_dtype`, or `dtype` as transformers 5 writes it."""
        for key in ("torch_dtype", "dtype"):
            written = self.settings.get(key)
            if written is None:
                continue
            if written not in DTYPES:
                raise self.error(key, f"'{key}' is {describe(written)}; archcalc's number formats are {', '.join(DTYPES)}")
            return DTYPES[written]
        return None

    def made(self, kind: type[Layer], key: str, name: str | None, **arguments: Any) -> Layer:
        """A layer of `kind`, located at `key`, its arguments checked together as a spec's are; a
        problem with one argument is located at the key it was read from (ARGUMENT_KEYS)."""
        layer = kind(origin=self.origin(key), position="", name=name, **arguments)
        try:
            layer.check()
        except ArgumentProblem as problem:
            where = ARGUMENT_KEYS.get(problem.argument, key)
            raise self.error(where if where in self.settings else key, f"{name or layer.kind}: {problem.problem}") from None
        return layer
