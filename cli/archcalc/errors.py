"""The one exception family archcalc raises for bad input; each error carries where it was written."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from archcalc.printable import printable
from archcalc.values import value


@value
class Origin:
    """Where something was written: a file (or `<stdin>`, `<chain>`), a 1-based line and column."""

    source: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.source]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class ArchcalcError(Exception):
    """Base of every error that is the user's input, not archcalc's fault; the CLI exits 2 on it."""

    def __init__(
        self,
        problem: str,
        origin: Origin | None = None,
        layer: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.origin = origin
        self.layer = layer
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """`file:line:col: layer 3 (conv): problem; hint` — one line, as compilers write it, whatever
        the file name, key or value it quotes holds (see archcalc/printable.py)."""
        text = ""
        if self.origin is not None:
            text += f"{self.origin}: "
        if self.layer is not None:
            text += f"{self.layer}: "
        text += self.problem
        if self.hint:
            text += f"; {self.hint}"
        return printable(text)

    def at_layer(self, layer: str) -> ArchcalcError:
        """The same error, naming the layer when it was raised without one."""
        if self.layer is None:
            self.layer = layer
            self.args = (self.message,)
        return self

    def with_hint(self, hint: str) -> ArchcalcError:
        """The same error, `hint` said after the one it has."""
        self.hint = f"{self.hint}; {hint}" if self.hint else hint
        self.args = (self.message,)
        return self


class SpecError(ArchcalcError):
    """The spec text cannot be read: bad YAML, an unknown layer or key, a wrong type or value."""


class SizeLimit(enum.Enum):
    """Which way an input size fails, where the layer that refuses it knows: what `sweep` says of a size."""

    TOO_SMALL = "too small"  # a window larger than the input
    TOO_LARGE = "too large"  # a table of positions shorter than the sequence
    FIXED = "fixed"  # figures counted for one input shape (a model file's `counted` layer)


class ShapeError(ArchcalcError):
    """The spec reads, but its shapes cannot be computed: a kernel too large, shapes that cannot join.
    `size_limit` says which way the input's size is wrong, where that is what went wrong."""

    def __init__(
        self,
        problem: str,
        origin: Origin | None = None,
        layer: str | None = None,
        hint: str | None = None,
        size_limit: SizeLimit | None = None,
    ) -> None:
        self.size_limit = size_limit
        super().__init__(problem, origin, layer, hint)


NO_RESHAPE = "write the shape a network starts from as its input (e.g. input: 28x28x1), or use flatten to make one axis of all"

KNOWN_WORDS: dict[str, tuple[str, str]] = {
    # a word other tools use -> the choice that must be on offer for it to apply, and what to say
    "parameters": ("params", "did you mean 'params'?"),
    "flops": ("macs", "did you mean 'macs'? a budget counts multiply-accumulates, and N FLOPs are N/2 MACs"),
    "reshape": ("flatten", f"archcalc has no reshape layer: {NO_RESHAPE}"),
    "view": ("flatten", f"archcalc has no view (reshape) layer: {NO_RESHAPE}"),
}
"""Words whose likely meaning spelling cannot find: `parameters` is nearer `param_bytes` than `params`
by letters, and `reshape` is nearest `repeat`."""

CLOSE = 0.1
"""Matches this near the best one are offered too: `pool` is as near `maxpool` as `avgpool`."""


def suggestion(word: str, choices: Iterable[str]) -> str | None:
    """`did you mean 'kernel'?` for a likely typo (`did you mean 'maxpool' or 'avgpool'?` when
    several are as likely), what a known word from another tool means here, or None when nothing is close."""
    import difflib  # lazy: only when there is a typo to explain: a run that goes well never pays for it

    offered = list(dict.fromkeys(choices))
    known = KNOWN_WORDS.get(word.lower())
    if known is not None and known[0] in offered:
        return known[1]
    if not offered:
        return None
    nearness = {choice: difflib.SequenceMatcher(None, word, choice).ratio() for choice in difflib.get_close_matches(word, offered, n=len(offered), cutoff=0.6)}
    if not nearness:
        return None
    best = max(nearness.values())
    close = sorted((choice for choice in nearness if nearness[choice] >= best - CLOSE), key=lambda choice: (-nearness[choice], offered.index(choice)))
    quoted_choices = [f"'{choice}'" for choice in close]
    listed = quoted_choices[0] if len(close) == 1 else f"{', '.join(quoted_choices[:-1])} or {quoted_choices[-1]}"
    return f"did you mean {listed}?"
