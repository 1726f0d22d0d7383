"""Every layer kind is one unit that supplies every piece, and the stages keep to their rooms."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from archcalc.engine.fields import receptive_fields
from archcalc.kinds import KINDS, WRITTEN_NAMES
from archcalc.kinds.arguments import REQUIRED, default_of, field_name
from archcalc.model import Layer
from archcalc.render.layer_text import explain, label
from tests.conftest import ROOT, report_from
from tests.explained import worked_out

PIECES = ("apply", "receptive_field", "label", "explain")
COMMON_FIELDS = {"origin", "position", "name"}


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_every_kind_supplies_every_piece(kind: type[Layer]) -> None:
    for piece in PIECES:
        assert getattr(kind, piece) is not getattr(Layer, piece), f"{kind.__name__} does not say how to {piece}"
    assert kind.NAMES and all(name == name.lower() for name in kind.NAMES)
    assert kind.PARAMETERS and kind.MACS, f"{kind.__name__} has no rule text for `archcalc layers`"
    assert kind.KEEPS is not Layer.KEEPS, f"{kind.__name__} does not say what it keeps for the backward pass (docs/training.md)"
    assert kind.__doc__ and kind.__doc__ != Layer.__doc__
    fields = set(kind.__value_names__) - COMMON_FIELDS  # type: ignore[attr-defined]
    arguments = [argument.name for argument in kind.ARGUMENTS]
    assert len(set(arguments)) == len(arguments)
    assert {field_name(argument) for argument in arguments} <= fields, f"{kind.__name__} declares arguments it has no field for"
    assert kind.MAIN is None or kind.MAIN in arguments
    assert all(argument.help for argument in kind.ARGUMENTS)


def test_every_written_name_belongs_to_one_kind() -> None:
    names = [name for kind in KINDS for name in kind.NAMES]
    assert len(names) == len(set(names)) == len(WRITTEN_NAMES)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_every_kind_computes_explains_and_labels_its_example(kind: type[Layer]) -> None:
    input_shape, layer = kind.EXAMPLE
    report = report_from(f"input: {input_shape}\nlayers:\n" + "".join(f"  - {before}\n" for before in (*kind.EXAMPLE_BEFORE, layer)))
    result = report.layers[-1]
    assert isinstance(result.layer, kind)
    assert label(result)
    lines = explain(result).splitlines()
    assert lines
    if not result.children and "counted" not in kind.NAMES:  # a composite's figures are its rows'; a counted layer's are as written
        for figure in (result.cost.params, result.cost.macs):  # the factors the arithmetic writes give the engine's figures
            assert not figure or figure in worked_out(lines), (figure, lines)
    if len(report.input_shape) > 1:
        assert id(result) in receptive_fields(report)


@pytest.mark.parametrize("written", sorted(WRITTEN_NAMES))
def test_every_written_name_reads(written: str) -> None:
    """Each name with its kind's example arguments (a name fixes a mode or a rank, not the arguments)."""
    kind = WRITTEN_NAMES[written]
    input_shape, layer = kind.EXAMPLE
    rank = {"conv1d": "32x3", "conv3d": "8x8x8x3", "conv_transpose1d": "4x8", "conv_transpose3d": "4x4x4x8"}.get(written, input_shape)
    _, _, arguments = layer.partition(":")
    before = "".join(f"  - {before}\n" for before in kind.EXAMPLE_BEFORE)
    report = report_from(f"input: {rank}\nlayers:\n{before}  - {written}{':' + arguments if arguments else ''}\n")
    assert type(report.layers[-1].layer) is kind


def test_required_arguments_are_those_without_a_default() -> None:
    required = {kind.__name__: [a.name for a in kind.ARGUMENTS if default_of(kind, a.name) is REQUIRED] for kind in KINDS}
    assert required["Dense"] == ["units"]
    assert required["Conv"] == ["filters", "kernel"]
    assert required["Pool"] == ["kernel"]


def test_importing_the_engine_does_not_load_yaml() -> None:
    code = "import sys, archcalc.engine, archcalc.engine.analysis; print('yaml' in sys.modules, 'rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def _runtime_imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every `from archcalc... import name` that runs when the module does,
    leaving out imports under `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text())
    checking = {
        id(node)
        for statement in ast.walk(tree)
        if isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.dump(statement.test)
        for node in ast.walk(statement)
    }
    return [
        (node.module or "", alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and id(node) not in checking and (node.module or "").startswith("archcalc")
        for alias in node.names
    ]


@pytest.mark.parametrize("path", sorted((ROOT / "cli" / "archcalc" / "render").glob("*.py")), ids=lambda path: path.name)
def test_renderers_only_read_what_the_engine_computed(path: Path) -> None:
    """Renderers may name the engine's value types, never call into it."""
    import importlib

    for module, name in _runtime_imports(path):
        if module.startswith("archcalc.engine"):
            imported = getattr(importlib.import_module(module), name)
            assert inspect.isclass(imported), f"{path.name} imports {module}.{name}, which computes"


@pytest.mark.parametrize(
    "path", sorted([*(ROOT / "cli" / "archcalc" / "engine").glob("*.py"), *(ROOT / "cli" / "archcalc" / "render").glob("*.py")]), ids=lambda path: path.name
)
def test_the_engine_and_the_renderers_ask_the_kind_and_name_none(path: Path) -> None:
    """No module of engine/ or render/ imports a layer kind (to branch on it): what differs between
    kinds is a piece of the kind (`cached_values`, `pass_length`, `SHARES_WEIGHTS_ACROSS_POSITIONS`...)."""
    import importlib

    for module, name in _runtime_imports(path):
        if module.startswith("archcalc.kinds"):
            imported = getattr(importlib.import_module(module), name)
            assert not (inspect.isclass(imported) and issubclass(imported, Layer)), f"{path.name} imports the kind {name}"


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("swiglu", "write gated_mlp"),  # suggested silu
        ("rope", "nothing to write"),  # suggested repeat
        ("mlp", "dense layers in pairs"),  # had no hint
        ("FFN", "or gated_mlp"),
        ("mha", "write attention"),
        ("gqa", "kv_heads"),
        ("bn", "write batchnorm"),
    ],
)
def test_names_other_tools_use_point_to_the_kind(written: str, hint: str) -> None:
    """Issue 26, defect 5: each kind lists what PyTorch, Keras and papers call it (COMMON_NAMES)."""
    from typer.testing import CliRunner

    from archcalc.app import app

    result = CliRunner().invoke(app, ["show", "-"], input=f"input: 8\nlayers: [{written}]\n")
    assert result.exit_code == 2 and f"unknown layer '{written}'; " in result.stderr and hint in result.stderr, result.stderr


def test_a_common_name_is_no_written_name_and_belongs_to_one_kind() -> None:
    common = [name for kind in KINDS for name in kind.COMMON_NAMES]
    assert len(common) == len(set(common)) and not set(common) & set(WRITTEN_NAMES)
    assert all(name == name.lower() for name in common)
