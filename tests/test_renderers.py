"""Renderers only format: no arithmetic on figures, no counting, no branching on a kind's name.

What a renderer writes was computed once in the engine (engine/relative.py for every ratio, delta and
percentage; CheckRun for pass and fail counts; a kind's own text for its rules). The check reads
render/'s source: a subtraction, a division, a product or a sum of figures, a `sum(...)` or
`quotient(...)`, or a comparison against a kind's name there is a computation in the wrong room.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from archcalc.kinds import KINDS, WRITTEN_NAMES
from tests.conftest import ROOT

RENDER = ROOT / "cli" / "archcalc" / "render"

LAYOUT = {
    "chart.py": "places points on a log-scaled grid of characters: arithmetic on positions, not on figures",
    "rich_table.py": "fits column widths to the terminal: arithmetic on widths, not on figures",
    "pictures.py": "places bars, labels and margins in inches and points, and picks a log axis where the figures span 100×: geometry, no figure it writes",
    "html_report.py": "pads text into columns and folds lines by the hundred: arithmetic on widths and line counts, not on figures",
}
"""Modules whose arithmetic lays text out; each with why."""

FIGURES = {
    "params",
    "weights",
    "biases",
    "non_trainable",
    "macs",
    "flops",
    "actual",
    "maximum",
    "headroom",
    "total",
    "cost",
    "occurrences",
    "positions",
    "param_bytes",
    "output_bytes",
    "kv_cache_bytes",
    "kv_cache_values",
    "peak_activation_bytes",
    "shared_weights",
    "dense_weights",
    "locally_connected_weights",
    "baseline",
    "figure",
    "delta",
    "size",
}
"""Names that hold figures: a sum that mentions one is arithmetic on figures."""

COMPUTING_CALLS = {"sum", "quotient", "round", "abs", "min", "max", "pow", "divmod"}
KIND_NAMES = set(WRITTEN_NAMES) | {kind.__name__ for kind in KINDS}
ARITHMETIC = (ast.Sub, ast.Div, ast.FloorDiv, ast.Pow, ast.Mod, ast.Mult, ast.MatMult)


def _names(node: ast.AST) -> set[str]:
    return {child.id for child in ast.walk(node) if isinstance(child, ast.Name)} | {child.attr for child in ast.walk(node) if isinstance(child, ast.Attribute)}


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _is_joined(node: ast.AST) -> bool:
    """Text or a collection: `+` on it joins, it does not add."""
    if isinstance(node, ast.IfExp):
        return _is_joined(node.body) or _is_joined(node.orelse)
    return _is_text(node) or isinstance(node, ast.List | ast.Tuple | ast.ListComp)


def _kind_names_in(node: ast.AST) -> list[str]:
    return [child.value for child in ast.walk(node) if isinstance(child, ast.Constant) and isinstance(child.value, str) and child.value in KIND_NAMES]


def _computes(node: ast.AST) -> bool:
    """Whether this one node computes: arithmetic (but text repeated or joined), a sum of figures,
    a call that counts or divides, or a comparison against a kind's name."""
    match node:
        case ast.BinOp(left, ast.Mult() | ast.Mod(), right) if _is_text(left) or _is_text(right):
            return False  # '  ' * depth, '%s' % x
        case ast.BinOp(_, ast.Sub() | ast.Div() | ast.FloorDiv() | ast.Pow() | ast.Mod() | ast.Mult() | ast.MatMult(), _):
            return True
        case ast.BinOp(left, ast.Add(), right):
            return bool(_names(node) & FIGURES) and not (_is_joined(left) or _is_joined(right))
        case ast.AugAssign(_, operation, added):
            return isinstance(operation, ARITHMETIC) or (bool(_names(added) & FIGURES) and not _is_joined(added))
        case ast.Call(ast.Name(called)):
            return called in COMPUTING_CALLS
        case ast.Call(ast.Attribute(ast.Name(module), called)):
            return called in COMPUTING_CALLS or module == "math"
        case ast.Compare(left, _, comparators):
            on_kind = any(isinstance(operand, ast.Attribute) and operand.attr in {"kind", "__name__"} for operand in [left, *comparators])
            return on_kind or bool(_kind_names_in(node))
        case ast.match_case(pattern):
            return bool(_kind_names_in(pattern))
    return False


def computations(source: str) -> list[str]:
    """Each place in `source` that computes rather than formats, as `line N: code`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if _computes(node):
            shown = node.pattern if isinstance(node, ast.match_case) else node
            found.append((getattr(shown, "lineno", 0), ast.unparse(shown)))
    return [f"line {line}: {code}" for line, code in sorted(found)]


@pytest.mark.parametrize("path", sorted(RENDER.glob("*.py")), ids=lambda path: path.name)
def test_renderers_compute_nothing(path: Path) -> None:
    if path.name in LAYOUT:
        return
    assert computations(path.read_text()) == []


PLANTED = [
    ("def f(report):\n    return report.total.params - first.params\n", "report.total.params - first.params"),
    ("def f(a, b):\n    return f'{a.macs / b.macs:.1f}×'\n", "a.macs / b.macs"),
    ("def f(x):\n    return 2 * x\n", "2 * x"),
    ("def f(a, b):\n    return a.cost.weights + b.cost.weights\n", "a.cost.weights + b.cost.weights"),
    ("def f(checks):\n    return sum(not check.passed for check in checks)\n", "sum("),
    ("def f(a, b):\n    return quotient(a, b)\n", "quotient(a, b)"),
    ("def f(n):\n    n.total -= 1\n", "n.total -= 1"),
    ("def f(layer):\n    if layer.kind == 'attention':\n        return 1\n", "layer.kind == 'attention'"),
    ("def f(layer):\n    return layer.label in ('conv', 'dense')\n", "layer.label in ('conv', 'dense')"),
    ("def f(layer):\n    return type(layer).__name__ == 'Attention'\n", "type(layer).__name__ == 'Attention'"),
    ("def f(layer):\n    match layer.kind:\n        case 'gated_mlp':\n            return 1\n", "'gated_mlp'"),
    ("import math\ndef f(x):\n    return math.log(x)\n", "math.log(x)"),
]


@pytest.mark.parametrize(("source", "caught"), PLANTED, ids=[caught for _, caught in PLANTED])
def test_a_planted_computation_is_caught(source: str, caught: str) -> None:
    assert any(caught in place for place in computations(source)), computations(source)


def test_formatting_is_not_mistaken_for_computing() -> None:
    source = (
        "def f(row, text, figure, name):\n"
        "    indent = '  ' * row.depth + '└ ' + text\n"
        "    line = f'{figure.params:,} params' + ' (main)'\n"
        "    name += ', '.join(['a', 'b'])\n"
        "    return indent, line, len(text) > 1, name == 'spec'\n"
    )
    assert computations(source) == []
