"""The one exception family archcalc raises for bad input; each error carries where it was written."""

from __future__ import annotations

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


class ShapeError(ArchcalcError):
    """The spec reads, but its shapes cannot be computed: a kernel too large, shapes that cannot join."""


def suggestion(word: str, choices: Iterable[str]) -> str | None:
    """`did you mean 'kernel'?` for a likely typo, or None when nothing is close."""
    import difflib  # only when there is a typo to explain: a run that goes well never pays for it

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
