"""render/json_format.dumps writes what `json.dumps(indent=2)` writes, with int lists on one line."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from archcalc.render.json_format import dumps

_INT_LIST = re.compile(r"\[\s+(-?\d+(?:,\s+-?\d+)*)\s+\]")


def oracle(document: object) -> str:
    """How archcalc wrote JSON before it had its own writer."""
    text = json.dumps(document, indent=2, ensure_ascii=False)
    text = _INT_LIST.sub(lambda match: "[" + ", ".join(match.group(1).replace(",", " ").split()) + "]", text)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
DOCUMENTS = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=30)


@given(DOCUMENTS)
def test_dumps_writes_what_json_dumps_writes(document: object) -> None:
    written = dumps(document)
    assert written == oracle(document)
    assert json.loads(written) == document


def test_line_separators_are_escaped() -> None:
    written = dumps({"name": "a\u2028::error::x\nb"})
    assert written == '{\n  "name": "a\\u2028::error::x\\nb"\n}\n'
    assert len(written.splitlines()) == 3
