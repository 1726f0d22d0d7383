"""No import cycles, hidden or not: every module imports first in a fresh interpreter, no chain of
imports (at any depth, inside functions and `if TYPE_CHECKING:` too) leads a module back to itself,
and every import inside a function says why it waits (`# lazy: why`)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "cli" / "archcalc"

KNOWN_CYCLES: set[frozenset[str]] = {
    frozenset({"archcalc.examples", "archcalc.formats"}),  # the readers' part of issue 25: dropped when it lands
}
"""Cycles this branch does not own; the list only shrinks."""

LAZY_EXEMPT = ("formats/",)
"""Folders whose lazy imports are marked by the readers' part of issue 25 (dropped when it lands)."""


def _module_names() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


MODULES = _module_names()


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Each module's archcalc imports wherever they stand, as the modules they load (a package's own
    modules importing it is no cycle: the package is loading them)."""
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = ".".join([*package[: len(package) - node.level + 1], *([node.module] if node.module else [])]) if node.level else node.module or ""
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_no_module_imports_itself_back() -> None:
    assert set(cycles(import_graph(MODULES))) <= KNOWN_CYCLES


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    edges = import_graph(MODULES)
    edges["archcalc.values"].add("archcalc.model")  # model imports values: now a loop
    assert any({"archcalc.values", "archcalc.model"} <= cycle for cycle in cycles(edges))


@pytest.mark.slow  # 16 s: every module's import run again from nothing
def test_every_module_imports_first_in_a_fresh_interpreter() -> None:
    """Each module imported before any other archcalc module (all of them dropped from `sys.modules`
    in between, in an interpreter of their own): a cycle shows as an ImportError for the order that
    reaches a half-initialised module."""
    script = (
        "import importlib, sys, traceback\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    for loaded in [m for m in sys.modules if m == 'archcalc' or m.startswith('archcalc.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as error:\n"
        "        failed.append(f'{name}: {error!r}')\n"
        "print('\\n'.join(failed))\n"
    )
    out = subprocess.run([sys.executable, "-c", script, *MODULES], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


@pytest.mark.parametrize("name", [name for name, path in MODULES.items() if not str(path.relative_to(PACKAGE)).startswith(LAZY_EXEMPT)])
def test_every_import_inside_a_function_says_why_it_waits(name: str) -> None:
    """`# lazy: onnx is an extra` on the import's line or the line above it."""
    lines = MODULES[name].read_text().splitlines()
    unmarked = [
        f"line {node.lineno}: {lines[node.lineno - 1].strip()}"
        for function in ast.walk(ast.parse("\n".join(lines)))
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom) and not any("# lazy:" in line for line in lines[max(node.lineno - 2, 0) : node.lineno])
    ]
    assert not unmarked, unmarked
