"""Reads an `--explain` line back as arithmetic: the factors and terms it writes, worked out here.

`3×3×1×2 = 18 weights + 2 biases = 20` claims 3·3·1·2 = 18 and 18 + 2 = 20. Each `= N` closes either
everything written before it or only its last term (`768 weights + 1 × 2 × 4 × 8 = 64 biases = 832`
closes 1·2·4·8 = 64, then 768 + 64 = 832). Words are dropped, `⌊ ⌋` and `⌈ ⌉` round, `·` and `×`
multiply, `²` squares. A test then asks that the engine's figure is one of the results the written
factors give, not that the printed text contains it.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+|\d+|[×·+−\-/()⌊⌋⌈⌉²=:;]")


class NotArithmetic(ValueError):
    """The line is a sentence, not a formula (a shape `8×8×4 + 'skip'`, a rule in words)."""


def _tokens(text: str) -> list[str]:
    return TOKEN.findall(text.replace("→", " : "))  # `16→4` is a mapping, not an operation


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.place = 0

    def peek(self) -> str | None:
        return self.tokens[self.place] if self.place < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.place]
        self.place += 1
        return token

    def expression(self) -> Fraction:
        value = self.term()
        while self.peek() in ("+", "−", "-"):
            value = value + self.term() if self.take() == "+" else value - self.term()
        return value

    def term(self) -> Fraction:
        value = self.factor()
        while self.peek() in ("×", "·", "/"):
            operation = self.take()
            operand = self.factor()
            value = value / operand if operation == "/" else value * operand
        return value

    def factor(self) -> Fraction:
        token = self.take() if self.peek() is not None else ""
        closing = {"(": ")", "⌊": "⌋", "⌈": "⌉"}
        if token in closing:
            inner = self.expression()
            if self.peek() != closing[token]:
                raise NotArithmetic(f"unclosed {token}")
            self.take()
            value = Fraction(math.floor(inner)) if token == "⌊" else Fraction(math.ceil(inner)) if token == "⌈" else inner
        elif token.replace(",", "").isdigit():
            value = Fraction(int(token.replace(",", "")))
        else:
            raise NotArithmetic(f"expected a number, not {token!r}")
        while self.peek() == "²":
            self.take()
            value = value * value
        return value


def evaluate(tokens: list[str]) -> Fraction:
    parser = _Parser(tokens)
    value = parser.expression()
    if parser.peek() is not None:
        raise NotArithmetic(f"{parser.peek()!r} left over")
    return value


def _last_term(tokens: list[str]) -> int:
    """Where the last top-level term of `+`/`−` starts."""
    depth, start = 0, 0
    for place, token in enumerate(tokens):
        depth += token in "(⌊⌈"
        depth -= token in ")⌋⌉"
        if depth == 0 and token in ("+", "−", "-"):
            start = place + 1
    return start


def results(line: str) -> list[int]:
    """Every `= N` of the line, each checked against the factors written before it (AssertionError
    when they give another number). NotArithmetic when the line is not a formula."""
    tokens = _tokens(line)
    if "=" not in tokens:
        return []
    before = tokens[: tokens.index("=")]
    labels = [place for place, token in enumerate(before) if token in (":", ";")]
    if labels:  # `each axis: ...`, `scores: ...`, `...counted there; here = 0`: the formula starts after the label
        tokens = tokens[labels[-1] + 1 :]
    tokens = [token for token in tokens if token not in (":", ";")]
    found: list[int] = []
    written: list[str] = []
    place = 0
    while place < len(tokens):
        token = tokens[place]
        if token != "=":
            written.append(token)
            place += 1
            continue
        if place + 1 >= len(tokens) or not tokens[place + 1].replace(",", "").isdigit():
            raise NotArithmetic("= without a number")
        claimed = int(tokens[place + 1].replace(",", ""))
        if place + 2 < len(tokens) and tokens[place + 2] in ("×", "·"):  # `= 8×8×4`: a shape, not a count
            raise NotArithmetic("a shape")
        start = _last_term(written)
        if evaluate(written) == claimed:
            written = [str(claimed)]
        elif start and evaluate(written[start:]) == claimed:
            written = [*written[:start], str(claimed)]
        else:
            raise AssertionError(f"{line!r}: the factors before '= {claimed:,}' give {evaluate(written)}")
        found.append(claimed)
        place += 2
        while place < len(tokens) and tokens[place] == "(":  # a closing remark: `= 40 (4 groups of 1 input channels)`
            depth = 0
            while place < len(tokens):
                depth += tokens[place] == "("
                depth -= tokens[place] == ")"
                place += 1
                if depth == 0:
                    break
    return found


def worked_out(lines: list[str]) -> set[int]:
    """The figures the lines' own factors give (lines in words only give none)."""
    figures: set[int] = set()
    for line in lines:
        try:
            figures.update(results(line))
        except NotArithmetic:
            continue
    return figures
