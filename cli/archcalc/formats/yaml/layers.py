"""Located YAML -> layers: each item's kind looked up by name, its arguments read as the kind declares."""

from __future__ import annotations

from archcalc.errors import SpecError, suggestion
from archcalc.formats.yaml.arguments import Arguments
from archcalc.formats.yaml.located import Entry, Located, Mapping
from archcalc.kinds import COMMON_NAMES, WRITTEN_NAMES, reported_type
from archcalc.kinds.arguments import ArgumentProblem
from archcalc.model import Layer
from archcalc.printable import describe, quoted
from archcalc.values import replace

MAX_LAYERS = 100_000
"""Layers a spec may write, nested ones included (a `repeat` counts its block once): past it the spec
is refused before its layers are read, so the time a spec costs is bounded by this, not its size."""


class LayerReader:
    """Reads layer lists; holds what every layer of one spec starts from (its `defaults:`)."""

    def __init__(self, defaults: dict[str, Mapping]) -> None:
        self.defaults = defaults
        self.layers_written = 0

    def layer_list(self, node: Located, parent: str | None) -> tuple[Layer, ...]:
        if not isinstance(node.value, list):
            where = f"layer {parent}" if parent else None
            raise SpecError(f"expected a list of layers, got {describe(node.value)}", node.origin, where)
        self.layers_written += len(node.value)
        if self.layers_written > MAX_LAYERS:
            problem = f"the spec has more than {MAX_LAYERS:,} layers (aliases followed); archcalc reads at most that many"
            raise SpecError(problem, node.origin, f"layer {parent}" if parent else None, "a block written once with `repeat:` counts once")
        prefix = f"{parent}." if parent else ""
        return tuple(self.layer(item, f"{prefix}{number}") for number, item in enumerate(node.value, start=1))

    def layer(self, node: Located, position: str) -> Layer:
        written, value, name_entry = self._split(node, position)
        lowered = written.lower()
        kind = WRITTEN_NAMES.get(lowered)
        if kind is None:
            hint = COMMON_NAMES.get(lowered) or suggestion(lowered, WRITTEN_NAMES) or "see `archcalc layers` for the layer kinds"
            name_origin = node.origin if name_entry is None else name_entry.key_origin
            raise SpecError(f"unknown layer {quoted(written)}", name_origin, f"layer {position}", hint)
        reported = reported_type(lowered)
        entries = self._entries(kind, reported, written, value, position)
        merged = {**self.defaults.get(reported, {}), **entries} if self.defaults else entries
        origin = node.origin
        arguments = Arguments(kind, reported, merged, origin, position, self.layer_list)
        read = arguments.read()
        count = kind.COUNT_ARGUMENT  # where a repeat's `times:` is written, for the drift gate; nothing kept for other arguments
        if count is not None and isinstance(entry := merged.get(count), Entry):
            read["written_at"] = ((count, entry.key_origin),)
        layer = kind.build(lowered, read, origin, position, arguments.name())
        if not arguments.trainable():
            layer = replace(layer, trainable=False)
        try:
            layer.check()
        except ArgumentProblem as problem:
            entry = merged.get(problem.argument)
            raise arguments.error(problem.problem, entry.value.origin if entry else None) from None
        return layer

    def _split(self, node: Located, position: str) -> tuple[str, Located | None, Entry | None]:
        """A layer is written `name` or `name: value`; return the name, the value, and the entry
        that holds both (None for a bare name)."""
        if isinstance(node.value, str):
            return node.value.strip(), None, None
        if isinstance(node.value, dict) and len(node.value) == 1:
            (entry,) = node.value.values()
            return entry.key, entry.value, entry
        if isinstance(node.value, dict) and node.value:
            keys = ", ".join(quoted(key) for key in node.value)
            hint = "is a '-' missing, or are the arguments not indented under the name?"
            raise SpecError(f"a layer is one `name: arguments` entry, found {len(node.value)} keys ({keys})", node.origin, f"layer {position}", hint)
        raise SpecError(f"expected a layer, got {describe(node.value)}", node.origin, f"layer {position}")

    def _entries(self, kind: type[Layer], reported: str, written: str, value: Located | None, position: str) -> Mapping:
        """The arguments as a mapping: `dense: 8` is `dense: {units: 8}`."""
        if value is None or value.value is None:
            return {}
        if isinstance(value.value, dict):
            return value.value
        if kind.MAIN is None:
            raise SpecError(f"{written} takes a mapping of arguments, not {describe(value.value)}", value.origin, f"layer {position} ({reported})")
        return {kind.MAIN: Entry(kind.MAIN, value, value.line, value.column)}
