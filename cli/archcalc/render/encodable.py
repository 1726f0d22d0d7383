"""Output in what the stream's encoding can write: `PYTHONIOENCODING=ascii`, a latin-1 console.

Only the characters the encoding cannot write are replaced: archcalc's own symbols by their ASCII
forms (`×` as `x`, `→` as `->`, `└` as `+`), anything else (a letter of a spec's name) by `?`.
Rich draws ASCII boxes itself when it is told the encoding (render/rich_table.py).
"""

from __future__ import annotations

import codecs

ASCII_FORMS = {
    "×": "x",
    "·": "*",
    "→": "->",
    "←": "<-",
    "−": "-",
    "–": "-",
    "—": "--",
    "…": "...",
    "⌈": "ceil(",
    "⌉": ")",
    "⌊": "floor(",
    "⌋": ")",
    "∞": "inf",
    "∝": "~",
    "≈": "~",
    "±": "+/-",
    "Δ": "d",
    "β": "beta",
    "γ": "gamma",
    "µ": "u",
    "²": "^2",
    "³": "^3",
    "⁰": "^0",
    "└": "+",
    "┬": "+",
    "┤": "|",
    "│": "|",
    "●": "*",
    "■": "#",
    "▲": "^",
    "◆": "o",
    "▼": "v",
    "★": "+",
    "◎": "@",
}


def _ascii_form(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return ASCII_FORMS.get(error.object[error.start], "?"), error.start + 1


codecs.register_error("archcalc-ascii", _ascii_form)


def encodable(text: str, encoding: str) -> str:
    """`text` with what `encoding` cannot write replaced, so that writing it never fails."""
    try:
        return text.encode(encoding, "archcalc-ascii").decode(encoding)
    except LookupError:  # an encoding Python does not know: write ASCII
        return text.encode("ascii", "archcalc-ascii").decode("ascii")
