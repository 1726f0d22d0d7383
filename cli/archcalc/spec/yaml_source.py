"""YAML text -> a tree of values that remember their line and column. The only place yaml is used.

PyYAML's safe composer gives nodes with marks; we turn those into `Located` values ourselves so
that every later error can point at what the user wrote. Guards here keep hostile input cheap:
alias expansion is counted, nesting depth is bounded, duplicate keys are refused.
"""

from __future__ import annotations

import re

import yaml

from archcalc.errors import Origin, SpecError
from archcalc.values import value

Scalar = str | int | float | bool | None

_SEQUENCE_TAG = "tag:yaml.org,2002:seq"
_MAPPING_TAG = "tag:yaml.org,2002:map"
_DECIMAL = re.compile(r"^[-+]?[0-9][0-9_]*$")

MAX_VALUES = 200_000
"""More values than any real spec has; stops alias-expansion bombs (a billion laughs) early."""

MAX_DEPTH = 100
"""Deeper nesting than any real spec; keeps conversion and parsing far from Python's recursion limit."""


@value
class Located:
    """A YAML value and where it starts. `value` is a Scalar, a list of Located or a Mapping."""

    value: object
    origin: Origin


@value
class Entry:
    """One `key: value` of a mapping, with the key's own position (for 'unknown key' errors)."""

    key: str
    key_origin: Origin
    value: Located


Mapping = dict[str, Entry]


def origin_of(mark: yaml.Mark | None, source: str) -> Origin:
    if mark is None:
        return Origin(source)
    return Origin(source, mark.line + 1, mark.column + 1)


SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's C parser when PyYAML was built with it (3× faster on big specs); the same safe tags."""


def load_located(text: str, source: str) -> Located:
    """Parse one YAML document safely; raise SpecError located at the problem."""
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SpecError("the spec is empty", Origin(source, 1, 1))
        if expanded_size(node, {}) > MAX_VALUES:
            problem = f"the spec expands to more than {MAX_VALUES:,} values once its aliases are followed (an alias bomb, or an alias inside itself?)"
            raise SpecError(problem, origin_of(node.start_mark, source))
        return _Converter(loader, source).convert(node, depth=0)
    except yaml.MarkedYAMLError as error:
        raise yaml_error(error, source) from None
    except yaml.YAMLError as error:
        raise SpecError(f"invalid YAML: {error}", Origin(source)) from None
    except RecursionError:
        raise SpecError(f"the YAML is nested too deeply (archcalc reads at most {MAX_DEPTH} levels)", Origin(source)) from None
    finally:
        loader.dispose()


def expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values the document holds once every alias is expanded, counted without expanding:
    an aliased node is one object in the graph, so its size is computed once (memoised by id)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = MAX_VALUES + 1  # a node met again while it is being counted: a cycle
    if isinstance(node, yaml.SequenceNode):
        size = 1 + sum(expanded_size(item, sizes) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        size = 1 + sum(expanded_size(key, sizes) + expanded_size(value, sizes) for key, value in node.value)
    else:
        size = 1
    sizes[id(node)] = min(size, 10 * MAX_VALUES)  # capped: the exact size of a bomb is not needed
    return sizes[id(node)]


def yaml_error(error: yaml.MarkedYAMLError, source: str) -> SpecError:
    """Located where the broken construct began (an unclosed `{` on line 3), when the parser says,
    and where it noticed, which for an unclosed bracket is often the end of the file."""
    problem = error.problem or "invalid YAML"
    if error.context and error.context_mark is not None:
        noticed = "" if error.problem_mark is None else f" (noticed at line {error.problem_mark.line + 1}, column {error.problem_mark.column + 1})"
        return SpecError(f"invalid YAML {error.context}: {problem}{noticed}", origin_of(error.context_mark, source))
    return SpecError(f"invalid YAML: {problem}", origin_of(error.problem_mark, source))


class _Converter:
    """Walks the composed node graph once, counting every value it produces (aliases included)."""

    def __init__(self, loader: yaml.SafeLoader | yaml.CSafeLoader, source: str) -> None:
        self.loader = loader
        self.source = source
        self.count = 0

    def convert(self, node: yaml.Node, depth: int) -> Located:
        origin = origin_of(node.start_mark, self.source)
        self.count += 1
        if self.count > MAX_VALUES:
            raise SpecError(f"the spec expands to more than {MAX_VALUES:,} values (an alias bomb?)", origin)
        if depth > MAX_DEPTH:
            raise SpecError(f"the YAML is nested too deeply (archcalc reads at most {MAX_DEPTH} levels)", origin)
        if isinstance(node, yaml.ScalarNode):
            return Located(self._scalar(node), origin)
        if not isinstance(node, yaml.ScalarNode) and node.tag not in (_SEQUENCE_TAG, _MAPPING_TAG):
            raise SpecError(f"the YAML tag {node.tag} is not allowed in a spec", origin)
        if isinstance(node, yaml.SequenceNode):
            return Located([self.convert(item, depth + 1) for item in node.value], origin)
        if isinstance(node, yaml.MappingNode):
            return Located(self._mapping(node, depth), origin)
        raise SpecError("unsupported YAML node", origin)  # pragma: no cover - yaml has no other kind

    def _scalar(self, node: yaml.ScalarNode) -> Scalar:
        try:
            value: object = self.loader.construct_object(node)  # the safe constructor: unknown tags raise here
        except (ValueError, TypeError, ArithmeticError, LookupError):
            # PyYAML's constructors fail this way on a tagged scalar they cannot read (`!!int ` with
            # nothing after it), and Python refuses integers of more than 4,300 digits.
            where = origin_of(node.start_mark, self.source)
            if len(node.value) > 4000:
                raise SpecError("a number too long to read", where) from None
            raise SpecError(f"cannot read {node.value!r} as {node.tag.rsplit(':', 1)[-1]}", where) from None
        if isinstance(value, int) and not isinstance(value, bool) and not _DECIMAL.match(node.value):
            return str(node.value)  # YAML 1.1 reads 0x10 as 16 and 1:30 as 90; a spec means what it shows
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        return str(node.value)  # timestamps and binary: keep the text; validation says what was expected

    def _mapping(self, node: yaml.MappingNode, depth: int) -> Mapping:
        seen: dict[str, Origin] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self._key(key_node)
            where = origin_of(key_node.start_mark, self.source)
            if key in seen:
                raise SpecError(f"duplicate key '{key}' (first written at line {seen[key].line})", where)
            seen[key] = where
        self.loader.flatten_mapping(node)  # `<<: *base` merges; keys written here override merged ones
        entries: Mapping = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            entries[key] = Entry(key, origin_of(key_node.start_mark, self.source), self.convert(value_node, depth + 1))
        return entries

    def _key(self, key_node: yaml.Node) -> str:
        if not isinstance(key_node, yaml.ScalarNode):
            raise SpecError("a mapping key must be plain text", origin_of(key_node.start_mark, self.source))
        return str(key_node.value)  # the text as written: `on:` stays "on", not True
