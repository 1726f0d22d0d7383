"""YAML text -> a tree of values that remember their line and column. The only place yaml is used.

libyaml's parser (PyYAML's CSafeLoader) reads the text into a stream of events, and one loop here
turns the events straight into `Located` values: no node graph, no PyYAML resolver or constructor.
That loop is all of archcalc's reading of YAML, so its rules are written here once:
- scalars: YAML 1.1's nulls, booleans and floats, and archcalc's one rule for whole numbers
  (quantities.whole_number): `010` and `0_10`, which YAML 1.1 reads as octal, are refused where
  written; hex, sexagesimal and dates stay text, as written (a spec means what it shows);
- keys are the text as written (`on:` is "on", not True); duplicate keys are refused;
- only the standard tags (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!seq`, `!!map`):
  `!!python/...` and every other tag is refused, never constructed;
- anchors, aliases and `<<` merge keys; an alias shares the value it names instead of copying it;
- bounds that keep hostile input cheap, checked as the events arrive: the values written, the
  values aliases copy (a billion laughs is refused at its first few aliases) and the nesting depth.
A position is kept as two ints and becomes an `Origin` only when an error or a layer asks for one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml
from yaml.events import AliasEvent, MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent

from archcalc.errors import Origin, SpecError
from archcalc.printable import quoted
from archcalc.quantities import MAX_DIGITS, NUMBER_LIKE, whole_number

Scalar = str | int | float | bool | None

MAX_VALUES = 1_000_000
"""Values a spec may hold, aliases followed: a 100,000-layer spec of convs with three arguments
each holds 900,000. Past it the spec is refused before any layer is read."""

MAX_COPIED_VALUES = 25_000
"""Values that aliases may copy in one spec: far more than a block reused by aliases needs, and few
enough that a spec of a few KB never costs more than a second however its aliases multiply."""

MAX_DEPTH = 100
"""Deeper nesting than any real spec; keeps every later step far from Python's recursion limit."""


class Located:
    """A YAML value and where it starts. `value` is a Scalar, a list of Located or a Mapping.

    A plain class with slots and the position as ints: a 100,000-layer spec holds a million of these."""

    __slots__ = ("column", "line", "source", "value")

    def __init__(self, value: object, source: str, line: int | None = None, column: int | None = None) -> None:
        self.value = value
        self.source = source
        self.line = line
        self.column = column

    @classmethod
    def at(cls, value: object, origin: Origin) -> Located:
        return cls(value, origin.source, origin.line, origin.column)

    @property
    def origin(self) -> Origin:
        return Origin(self.source, self.line, self.column)

    def __repr__(self) -> str:
        return f"Located({self.value!r}, {self.origin})"


class Entry:
    """One `key: value` of a mapping, with the key's own position (for 'unknown key' errors)."""

    __slots__ = ("key", "key_column", "key_line", "value")

    def __init__(self, key: str, value: Located, key_line: int | None, key_column: int | None) -> None:
        self.key = key
        self.value = value
        self.key_line = key_line
        self.key_column = key_column

    @property
    def key_origin(self) -> Origin:
        return Origin(self.value.source, self.key_line, self.key_column)

    def __repr__(self) -> str:
        return f"Entry({self.key!r}: {self.value!r})"


Mapping = dict[str, Entry]

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's C parser when PyYAML was built with it; PyYAML's own parser gives the same events."""

_STANDARD = "tag:yaml.org,2002:"
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLEANS = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_TEXT: Any = object()
_WORDS: dict[str, Any] = {**_BOOLEANS, **dict.fromkeys(_NULLS)}
_NUMBER_STARTS = frozenset("0123456789+-.")
_FLOAT = re.compile(r"[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?\Z")  # YAML 1.1's, as PyYAML reads it
_SPECIAL_FLOATS = {
    **{sign + infinity: float(sign + "inf") for sign in ("", "+", "-") for infinity in (".inf", ".Inf", ".INF")},
    **dict.fromkeys((".nan", ".NaN", ".NAN"), float("nan")),
}
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""What YAML does not allow in a document (its c-printable set)."""


def load_located(text: str, source: str) -> Located:
    """Parse one YAML document safely; raise SpecError located at the problem."""
    loader = SafeLoader(text)
    try:
        return _Builder(source).document(loader.get_event)
    except yaml.MarkedYAMLError as error:
        raise yaml_error(error, source, text) from None
    except (yaml.YAMLError, UnicodeEncodeError) as error:  # the reader refused a character (NUL, a lone surrogate)
        raise unreadable_character(text, source) or SpecError(f"invalid YAML: {' '.join(str(error).split())}", Origin(source)) from None
    finally:
        loader.dispose()


def unreadable_character(text: str, source: str) -> SpecError | None:
    """The first character YAML does not allow, located on its line, as one line of message."""
    found = _NOT_PRINTABLE.search(text)
    if found is None:
        return None
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    problem = f"the character U+{ord(found.group()):04X} is not allowed in YAML"
    return SpecError(problem, Origin(source, line, column), None, "a spec is plain UTF-8 text; is this a binary file?")


def yaml_error(error: yaml.MarkedYAMLError, source: str, text: str = "") -> SpecError:
    """Located where the broken construct began (an unclosed `{` on line 3), when the parser says,
    and where it noticed, which for an unclosed bracket is often the end of the file. A tab where
    the parser stopped is said as what it is: the parser's own words ("found character that cannot
    start any token") do not name it."""
    mark = error.problem_mark
    if mark is not None and _character_at(text, mark.line, mark.column) == "\t":
        return SpecError("a tab: tabs are not allowed in YAML indentation", _origin(mark, source), None, "indent with spaces")
    problem = error.problem or "invalid YAML"
    if error.context and error.context_mark is not None:
        noticed = "" if error.problem_mark is None else f" (noticed at line {error.problem_mark.line + 1}, column {error.problem_mark.column + 1})"
        return SpecError(f"invalid YAML {error.context}: {problem}{noticed}", _origin(error.context_mark, source))
    return SpecError(f"invalid YAML: {problem}", _origin(error.problem_mark, source))


def _character_at(text: str, line: int, column: int) -> str | None:
    """The character at a 0-based line and column of `text`, or None past its end."""
    lines = text.split("\n")
    if line >= len(lines) or column >= len(lines[line]):
        return None
    return lines[line][column]


def _origin(mark: yaml.Mark | None, source: str) -> Origin:
    return Origin(source) if mark is None else Origin(source, mark.line + 1, mark.column + 1)


def plain_scalar(text: str) -> Scalar:
    """An untagged, unquoted scalar: YAML 1.1's null, booleans and floats; whole numbers by
    archcalc's rule (ValueError for `010`); anything else is the text as written."""
    if text.isdigit() and text.isascii() and (text[0] != "0" or len(text) == 1) and len(text) <= MAX_DIGITS:
        return int(text)  # the commonest scalar, 16 or 224, read without a regular expression
    if text[:1] in _NUMBER_STARTS:
        if NUMBER_LIKE.match(text):
            return whole_number(text)
        if _FLOAT.match(text) and any(character.isdigit() for character in text):
            return float(text.replace("_", ""))
        special = _SPECIAL_FLOATS.get(text)
        return text if special is None else special
    word = _WORDS.get(text, _TEXT)
    return text if word is _TEXT else word


def tagged_scalar(tag: str, text: str) -> Scalar:
    """A scalar with one of the standard tags (`!!int 8`), read as that type or refused (ValueError)."""
    match tag[len(_STANDARD) :] if tag.startswith(_STANDARD) else tag:
        case "str" | "!":
            return text
        case "int":
            return whole_number(text)
        case "float":
            number = plain_scalar(text)
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                raise ValueError(f"cannot read {quoted(text)} as a float")
            return float(number)
        case "bool":
            if text not in _BOOLEANS:
                raise ValueError(f"cannot read {quoted(text)} as true or false")
            return _BOOLEANS[text]
        case "null":
            if text not in _NULLS:
                raise ValueError(f"cannot read {quoted(text)} as null")
            return None
        case _:
            raise TypeError(tag)


def shown_tag(tag: str) -> str:
    """A tag as the resolver names it (`tag:yaml.org,2002:python/name:os.system`), a long one cut short."""
    return tag if len(tag) <= 80 else tag[:60] + "…"


class _Open:
    """A sequence or mapping whose events are still arriving."""

    __slots__ = ("anchor", "height", "is_mapping", "items", "key", "key_column", "key_line", "located", "merges", "merging", "start")

    def __init__(self, located: Located, is_mapping: bool, anchor: str | None, start: int) -> None:
        self.located = located
        self.items: Any = located.value  # the list, or the mapping of the keys written here
        self.is_mapping = is_mapping
        self.anchor = anchor
        self.start = start  # values counted before this one: its size is the count at its end less this
        self.height = 1  # levels of nesting, this one included (scalars add none)
        self.key = ""  # a mapping's key whose value comes next
        self.merging = False  # that key is `<<`: the value is merged
        self.key_line = 0
        self.key_column = 0
        self.merges: list[Located] = []  # `<<` values, in the order written


class _Builder:
    """Turns one document's events into Located values, counting as it goes."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.anchors: dict[str, tuple[Located, int, int, str | None]] = {}  # value, size, height, a scalar's text
        self.copied = 0  # values aliases copied

    def error(self, problem: str, event: Any, hint: str | None = None) -> SpecError:
        return SpecError(problem, _origin(event.start_mark, self.source), None, hint)

    def document(self, get: Callable[[], Any]) -> Located:
        """StreamStart, DocumentStart, the root value's events, DocumentEnd, then StreamEnd."""
        get()
        if type(get()) is StreamEndEvent:
            raise SpecError("the spec is empty", Origin(self.source, 1, 1))
        root = self.root(get)
        get()
        after = get()
        if type(after) is not StreamEndEvent:
            raise self.error("a spec is one YAML document, and a second one starts here", after, "remove the '---' line, or split the file")
        return root

    def root(self, get: Callable[[], Any]) -> Located:
        """The document's root value. One loop with an explicit stack: no recursion, however deep.
        It runs once per event of a spec that may have a million, so the common cases come first
        and are written in line, with what they use in local names; anything unusual is a method."""
        source = self.source
        share: Callable[[Any, Any], Any] = {}.setdefault  # one object for equal keys and line numbers
        located, entry, scalar_event, plain = Located, Entry, ScalarEvent, plain_scalar
        stack: list[_Open] = []
        top: Any = None  # the innermost open container
        key_expected = False  # it is a mapping waiting for its next key
        room = MAX_VALUES  # values that may still be written; aliases take from it too
        while True:
            event = get()
            kind = type(event)
            room -= 1
            if room < 0:
                raise self.error(f"the spec holds more than {MAX_VALUES:,} values; archcalc reads specs of up to about 100,000 layers", event)
            if kind is scalar_event:
                mark = event.start_mark
                line = share(mark.line + 1, mark.line + 1)
                if key_expected:  # keys are text as written; `<<` merges
                    text = share(event.value, event.value)
                    if text in top.items or text == "<<":
                        self.special_key(top, text, event)
                    else:
                        top.key = text
                    top.key_line, top.key_column = line, mark.column + 1
                    key_expected = False
                    if event.anchor is not None:
                        self.anchor(event.anchor, located(text, source, line, mark.column + 1), 1, 0, text, event)
                    continue
                if event.tag is None and event.implicit[0]:
                    try:
                        node = located(plain(event.value), source, line, mark.column + 1)
                    except ValueError as error:
                        raise self.error(str(error), event, "quote it if it is text" if event.value.lstrip("+-")[:1] == "0" else None) from None
                else:
                    node = located(self.scalar(event), source, line, mark.column + 1)
                if event.anchor is not None:
                    self.anchor(event.anchor, node, 1, 0, event.value, event)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if key_expected:
                    raise self.error("a mapping key must be plain text", event)
                self.check_container(event, len(stack))
                mark = event.start_mark
                is_mapping = kind is MappingStartEvent
                container: Mapping | list[Located] = {} if is_mapping else []
                node = located(container, source, share(mark.line + 1, mark.line + 1), mark.column + 1)
                top = _Open(node, is_mapping, event.anchor, MAX_VALUES - room - 1)
                stack.append(top)
                key_expected = is_mapping
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                room += 1  # an end is not a value
                closed = stack.pop()
                if closed.merges:
                    self.merge(closed)
                node = closed.located
                if closed.anchor is not None:
                    self.anchors[closed.anchor] = (node, MAX_VALUES - room - closed.start, closed.height, None)
                if not stack:
                    return node
                top = stack[-1]
                if closed.height >= top.height:
                    top.height = closed.height + 1
            elif kind is AliasEvent:
                node, size, height, text = self.alias(event, stack, MAX_VALUES - room)
                room -= size - 1  # what the alias copies, instead of the alias itself
                if key_expected:
                    if text is None:
                        raise self.error("a mapping key must be plain text", event)
                    if text in top.items or text == "<<":
                        self.special_key(top, text, event)
                    top.key, top.merging = text, False
                    top.key_line, top.key_column = event.start_mark.line + 1, event.start_mark.column + 1
                    key_expected = False
                    continue
                if stack and height >= top.height:
                    top.height = height + 1
            else:  # pragma: no cover - a document's events are only the ones above
                raise self.error(f"unexpected YAML event {kind.__name__}", event)
            if not stack:
                return node
            if top.is_mapping:
                if top.merging:
                    top.merges.append(node)
                    top.merging = False
                else:
                    top.items[top.key] = entry(top.key, node, top.key_line, top.key_column)
                key_expected = True
            else:
                top.items.append(node)
                key_expected = False

    def special_key(self, mapping: _Open, key: str, event: Any) -> None:
        """A key written twice, or `<<` (a merge when plain, which a mapping may have once)."""
        if key in mapping.items:
            raise self.error(f"duplicate key {quoted(key)} (first written at line {mapping.items[key].key_line})", event)
        if type(event) is ScalarEvent and event.implicit[0]:
            if mapping.merges:
                raise self.error("duplicate key '<<'; merge several mappings with one `<<: [*a, *b]`", event)
            mapping.merging = True
        else:
            mapping.key = key  # a quoted "<<" is an ordinary key

    def check_container(self, event: Any, depth: int) -> None:
        if depth >= MAX_DEPTH:
            raise self.error(f"the YAML is nested too deeply (archcalc reads at most {MAX_DEPTH} levels)", event)
        tag = event.tag
        if tag is not None and tag != "!" and tag != _STANDARD + ("map" if type(event) is MappingStartEvent else "seq"):
            raise self.error(f"the YAML tag {shown_tag(tag)} is not allowed in a spec", event)
        if event.anchor is not None and event.anchor in self.anchors:
            raise self.duplicate_anchor(event.anchor, event)

    def scalar(self, event: Any) -> Scalar:
        tag, text = event.tag, event.value
        try:
            if tag is None:
                return plain_scalar(text) if event.implicit[0] else text
            return tagged_scalar(tag, text)
        except ValueError as error:
            hint = "quote it if it is text" if tag is None and text.lstrip("+-")[:1] == "0" else None
            raise self.error(str(error), event, hint) from None
        except TypeError:
            raise self.error(f"the YAML tag {shown_tag(tag)} is not allowed in a spec", event) from None

    def anchor(self, name: str, node: Located, size: int, height: int, text: str | None, event: Any) -> None:
        if name in self.anchors:
            raise self.duplicate_anchor(name, event)
        self.anchors[name] = (node, size, height, text)

    def duplicate_anchor(self, name: str, event: Any) -> SpecError:
        first = self.anchors[name][0]
        return self.error(f"the anchor &{quoted(name)[1:-1]} is defined twice (first at line {first.line})", event)

    def alias(self, event: Any, stack: list[_Open], values: int) -> tuple[Located, int, int, str | None]:
        """The value an alias names, shared, with its size, height and a scalar's text; what it would
        copy is counted, and a bomb is refused at the alias that tips it over."""
        name = event.anchor
        found = self.anchors.get(name)
        if found is None:
            if any(open_.anchor == name for open_ in stack):
                raise self.error(f"the alias *{quoted(name)[1:-1]} is used inside its own anchor, which would make it endless", event)
            raise self.error(f"the alias *{quoted(name)[1:-1]} names no anchor written before it", event)
        node, size, height, text = found
        self.copied += size
        if self.copied > MAX_COPIED_VALUES:
            problem = f"aliases copy more than {MAX_COPIED_VALUES:,} values in this spec (*{quoted(name)[1:-1]} copies {size:,} each time; an alias bomb?)"
            raise self.error(problem, event, "write a block that repeats with `repeat: {times: N, layers: [...]}`")
        if values + size - 1 > MAX_VALUES:
            raise self.error(f"the spec holds more than {MAX_VALUES:,} values once its aliases are followed", event)
        if len(stack) + height > MAX_DEPTH:
            raise self.error(f"the YAML is nested too deeply once this alias is followed (archcalc reads at most {MAX_DEPTH} levels)", event)
        return node, size, height, text

    def merge(self, mapping: _Open) -> None:
        """`<<: *base` or `<<: [*a, *b]`: their keys, an earlier mapping's over a later one's, and the
        keys written here over them all, as YAML's merge key is defined."""
        (value,) = mapping.merges
        merged: Mapping = {}
        for source in value.value if isinstance(value.value, list) else [value]:
            if not isinstance(source.value, dict):
                raise SpecError("`<<` merges a mapping or a list of mappings", source.origin)
            for key, entry in source.value.items():
                merged.setdefault(key, entry)
        merged.update(mapping.items)
        mapping.located.value = merged
