"""User text made safe to print: characters that break or hide a line escaped, long text shortened.

A spec's name, a key, a file name or a value reaches tables, CSV, Markdown and error messages. A
newline in one of them would start a new line of output, and a line that starts with `::error`
is a command to GitHub Actions in any CI log; a right-to-left override or an escape sequence hides
what a line says. Each is written out as an escape (`\\n`, `\\x1b`, `\\u202e`) instead.

A name needs no newline to start a line, though: a table's title, a note under it and a drift line
begin with a spec's name or file name. `unforgeable` is the last step of every output but
`check --format github` (commands/shared.py: `emit` and `say`).
"""

from __future__ import annotations

import re

UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
"""Control characters (C0, DEL, C1), line and paragraph separators, bidirectional overrides and
isolates, the byte-order mark, and lone surrogates (an undecodable file name), which no output
encoding can write."""

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

LONGEST_QUOTED = 40
"""A quoted value longer than this is shortened in a message: 5,000 characters help nobody."""


def printable(text: str) -> str:
    """`text` with every unsafe character written as an escape: 'a\\nb' prints as `a\\nb`, on one line."""
    if UNSAFE.search(text) is None:  # nearly always: one scan, no copy
        return text
    return UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    named = _NAMED.get(character)
    if named is not None:
        return named
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def quoted(text: str | int) -> str:
    """`text` quoted for a message, printable, a long one shortened: `'aaaaaaaa…aaaa' (5,000 characters)`."""
    if isinstance(text, int):
        text = str(text) if abs(text) < 10**36 else order_of(text)
    if len(text) <= LONGEST_QUOTED:
        return f"'{printable(text)}'"
    return f"'{printable(text[:24])}…{printable(text[-8:])}' ({len(text):,} characters)"


def order_of(number: int) -> str:
    """A whole number of any size as three digits and a power of ten, `1.99e+3010`: `f"{n:.3g}"`
    fails past a float's range (1e308), and `str(n)` past 4,300 digits."""
    size = abs(number)
    if size == 0:
        return "0"
    exponent = (size.bit_length() - 1) * 30103 // 100_000  # log10(2) ≈ 0.30103: at most one too small
    if 10 ** (exponent + 1) <= size:
        exponent += 1
    leading = size // 10 ** (exponent - 2) if exponent >= 2 else size * 10 ** (2 - exponent)
    return f"{'-' if number < 0 else ''}{leading / 100:.3g}e+{exponent:02d}"


def describe(value: object) -> str:
    """How an unexpected value is named in a message: its text (quoted, shortened), or its kind for
    lists and mappings."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**36:
        return order_of(value)  # not 4,000 digits
    return quoted(value) if isinstance(value, str) else str(value)


_WORKFLOW_COMMAND = re.compile("^([^\\S\\n\\r]*):(?=:)|##\\[", re.MULTILINE)
"""What GitHub Actions runs as a command in a log (its runner, ActionCommand.cs): a line that starts
with `::` once leading blanks are trimmed (any Unicode blank, a no-break space too), and the legacy
`##[command]` anywhere in a line."""


def unforgeable(text: str) -> str:
    """`text` with no line a CI log would run as a workflow command: a line's leading `::` written
    `\\x3a:`, and `##[` as `##\\x5b`. Everything else is left as it is."""
    if "::" not in text and "##[" not in text:  # nearly always: two scans, no copy
        return text
    return _WORKFLOW_COMMAND.sub(_defused, text)


def _defused(match: re.Match[str]) -> str:
    return "##\\x5b" if match.group(1) is None else match.group(1) + "\\x3a"
