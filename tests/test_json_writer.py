"""render/json_format.dumps: json.dumps's indented JSON, shapes kept on one line, line separators escaped."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from archcalc.render.json_format import dumps

LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
DOCUMENTS = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=30)


@given(DOCUMENTS)
def test_what_dumps_writes_reads_back_as_the_document(document: object) -> None:
    """Putting int lists on one line rewrites json.dumps's text: it must stay the same JSON."""
    assert json.loads(dumps(document)) == document


def test_a_shape_is_one_line_and_everything_else_is_indented() -> None:
    assert dumps({"output_shape": [224, 224, 3], "layers": [{"macs": 1}]}) == (
        '{\n  "output_shape": [224, 224, 3],\n  "layers": [\n    {\n      "macs": 1\n    }\n  ]\n}\n'
    )


def test_line_separators_are_escaped() -> None:
    written = dumps({"name": "a\u2028::error::x\nb"})
    assert written == '{\n  "name": "a\\u2028::error::x\\nb"\n}\n'
    assert len(written.splitlines()) == 3


UNSAFE_NAME = "r\x9b31m\u202eevil\u2066\u2069\ufeff\x7f\x90\x9c\ud800"


def test_what_a_terminal_or_an_editor_would_act_on_is_escaped_and_reads_back_exactly() -> None:
    """Issue 27 S3: C1 controls (U+009B is CSI), DEL, bidirectional overrides and the BOM went raw
    into JSON; a lone surrogate could not be written at all."""
    written = dumps({"name": UNSAFE_NAME, "producer": "p\x9b2J\u202e"})
    assert written == '{\n  "name": "r\\u009b31m\\u202eevil\\u2066\\u2069\\ufeff\\u007f\\u0090\\u009c\\ud800",\n  "producer": "p\\u009b2J\\u202e"\n}\n'
    assert json.loads(written) == {"name": UNSAFE_NAME, "producer": "p\x9b2J\u202e"}
    assert written.isascii()


def test_a_legacy_workflow_command_is_escaped_and_reads_back() -> None:
    written = dumps({"name": "x ##[stop-commands]tok"})
    assert "##[" not in written and json.loads(written) == {"name": "x ##[stop-commands]tok"}
