"""Pictures: `--format svg` of show, compare, sweep, serve and train (matplotlib), `--format
terminal-svg` (Rich).

Every SVG parses as XML, carries its figures as <text>, is the same bytes on every run, and keeps a
hostile name as text: no element made from it, no output line starting with `::`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.render.pictures import PLOT_EXTRA

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "archspecs" / "seed"
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE_NAME = "<script>alert(1)</script> ::error::x & $y^2$"  # under 48 characters: written whole

runner = CliRunner()


def run(*arguments: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(argument) for argument in arguments])
    return result.exit_code, result.stdout, result.stderr


def texts(svg: str) -> list[str]:
    """The text of every <text> element: one a line of a label (matplotlib writes each line apart)."""
    root = ElementTree.fromstring(svg)
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def hostile_spec(folder: Path) -> Path:
    path = folder / "hostile.yaml"
    quoted = HOSTILE_NAME.replace('"', '\\"')
    path.write_text(f'name: "{quoted}"\ninput: 8x8x1\nlayers:\n  - conv: {{filters: 2, kernel: 3, name: "{quoted}"}}\n  - flatten\n  - dense: 2\n')
    return path


COMMANDS: dict[str, list[str | Path]] = {
    "show": ["show", SEED / "cnn.yaml"],
    "show resnet50": ["show", ROOT / "archspecs" / "zoo" / "torchvision" / "resnet50.yaml", "--depth", "1"],
    "compare": ["compare", SEED / "ann.yaml", SEED / "cnn.yaml"],
    "sweep": ["sweep", SEED / "ann.yaml", SEED / "cnn_224_first_layer.yaml"],
    "train": ["train", SEED / "cnn.yaml", "--batch", "2", "--memory-limit", "1000", "--reserve", "100"],
    "train checkpointed": ["train", ROOT / "archspecs" / "zoo" / "torchvision" / "resnet18.yaml", "--checkpointing", "full", "--device", "t4"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_svg_is_xml_and_the_same_on_every_run(command: str) -> None:
    code, first, err = run(*COMMANDS[command], "--format", "svg")
    assert code == 0 and err == "", err
    assert ElementTree.fromstring(first).tag == f"{SVG}svg"
    assert run(*COMMANDS[command], "--format", "svg")[1] == first  # no date, no random id
    assert "<dc:date>" not in first


def test_nothing_to_draw_is_an_empty_chart_without_a_word_on_stderr(tmp_path: Path) -> None:
    empty, relu = tmp_path / "empty.yaml", tmp_path / "relu.yaml"
    empty.write_text("input: 4x4x1\nlayers: []\n")
    relu.write_text("input: 4x4x1\nlayers:\n  - relu\n")
    cases: list[list[str | Path]] = [["show", empty], ["compare", relu, empty], ["sweep", relu], ["train", empty]]
    for arguments in cases:
        code, out, err = run(*arguments, "--format", "svg")
        assert (code, err) == (0, "") and ElementTree.fromstring(out).tag == f"{SVG}svg"


def test_the_seed_comparison_carries_its_figures_as_text() -> None:
    code, out, _ = run("compare", SEED / "ann.yaml", SEED / "cnn.yaml", "--format", "svg")
    written = texts(out)
    assert code == 0
    assert {"154", "38", "4.1× fewer"} <= set(written)  # the ANN's params, the CNN's, and the ratio (a line each)
    assert {"seed-ann", "seed-cnn"} <= set(written)


def test_show_svg_has_a_bar_label_for_every_figure() -> None:
    code, out, _ = run("show", SEED / "cnn.yaml", "--format", "svg")
    written = texts(out)
    assert code == 0
    assert {"#1 conv 3×3, 2 filters", "#4 dense 2"} <= set(written)
    assert {"20", "18", "72", "16"} <= set(written)  # conv and dense params, their MACs: the table's figures
    assert any("params 38 = weights 34 + biases 4" in text for text in written)


def test_sweep_svg_writes_the_growth_exponents() -> None:
    code, out, _ = run("sweep", SEED / "ann.yaml", SEED / "cnn_224_first_layer.yaml", "--format", "svg")
    written = texts(out)
    assert code == 0
    assert written.count("k = 2.00") == 2 and "k = 0.00" in written  # ANN params and MACs ∝ side²; conv weights do not grow


def test_a_hundred_thousand_identical_layers_are_one_bar(tmp_path: Path) -> None:
    spec = tmp_path / "relu.yaml"
    spec.write_text("input: 8x8x1\nlayers:\n" + "  - relu\n" * 99_990 + "  - flatten\n  - dense: 2\n")  # 99,992: the most is 100,000
    code, out, err = run("show", spec, "--format", "svg")
    assert code == 0, err
    written = texts(out)
    assert "#1–99990 relu ×99,990 in a row" in written and "#99992 dense 2" in written


@pytest.mark.parametrize("command", ["show", "compare", "sweep", "train"])
def test_a_hostile_name_stays_text(command: str, tmp_path: Path) -> None:
    spec = hostile_spec(tmp_path)
    code, out, err = run(command, spec, "--format", "svg")
    assert code == 0, err
    root = ElementTree.fromstring(out)
    assert not [element for element in root.iter() if "script" in element.tag]
    assert any(HOSTILE_NAME in text for text in texts(out))  # as written: the $ not read as mathematics
    assert not [line for line in out.splitlines() if line.lstrip().startswith("::")]


def test_without_matplotlib_svg_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("matplotlib", "matplotlib.figure"):
        monkeypatch.setitem(sys.modules, module, None)  # import raises ImportError, as where it is not installed
    code, out, err = run("show", SEED / "cnn.yaml", "--format", "svg")
    assert code == 2 and out == ""
    assert err == f"archcalc: error: drawing SVG needs matplotlib, which archcalc's `plot` extra installs; {PLOT_EXTRA}\n"
    assert "archcalc[plot]" not in err  # archcalc is not on the package index: that line would fail
    assert run("show", SEED / "cnn.yaml", "--format", "json")[0] == 0  # nothing else needs it
    drawn: list[list[str | Path]] = [["train", SEED / "cnn.yaml"], ["compare", "--train", SEED / "cnn.yaml"], ["sweep", SEED / "cnn.yaml", "--batch", "1,2"]]
    for command in drawn:
        code, out, err = run(*command, "--format", "svg")
        assert (code, out) == (2, "") and "in archcalc's checkout, pip install '.[plot]'" in err


def test_the_plot_hint_installs_what_the_plot_extra_does() -> None:
    """It said `pip install 'archcalc[plot]'`, and archcalc is not on the package index (docs/onnx.md):
    the requirement the plot extra lists, and the extra as a checkout installs it, as ONNX's hint says."""
    root = Path(__file__).resolve().parent.parent
    extras = (root / "pyproject.toml").read_text().split("[project.optional-dependencies]")[1]
    required = extras.split("plot = [")[1].split("]")[0].strip().strip(",").strip('"')
    assert PLOT_EXTRA.startswith(f"pip install '{required}' (in archcalc's checkout, pip install '.[plot]' installs it)")
    for path in sorted((root / "cli").rglob("*.py")):  # no hint anywhere asks for it; a docstring may say why not
        lines = path.read_text(encoding="utf-8").splitlines()
        assert not [line for line in lines if "install 'archcalc[" in line and "would fail" not in line], path


def test_terminal_svg_is_the_table_as_a_terminal_shows_it() -> None:
    code, out, err = run("compare", SEED / "ann.yaml", SEED / "cnn.yaml", "--format", "terminal-svg")
    assert code == 0, err
    root = ElementTree.fromstring(out)
    written = "".join(texts(out)).replace("\xa0", " ")
    assert root.tag == f"{SVG}svg" and "4.1× fewer" in written and "seed-cnn" in written
    assert "https://cdnjs" not in out  # Rich's web fonts left out: a pasted picture fetches nothing
    assert run("compare", SEED / "ann.yaml", SEED / "cnn.yaml", "--format", "terminal-svg")[1] == out


def test_terminal_svg_of_a_hostile_name(tmp_path: Path) -> None:
    code, out, err = run("show", hostile_spec(tmp_path), "--format", "terminal-svg")
    assert code == 0, err
    root = ElementTree.fromstring(out)
    assert not [element for element in root.iter() if "script" in element.tag]
    assert not [line for line in out.splitlines() if line.lstrip().startswith("::")]


TOP_LEVEL_AFTER = """
import contextlib, io, sys
{work}
print(" ".join(sorted({{name.split(".")[0] for name in sys.modules}} - set(sys.stdlib_module_names))))
"""
COMMAND = """
from archcalc.app import app
with contextlib.redirect_stdout(io.StringIO()):
    try:
        app({arguments!r})
    except SystemExit:
        pass
"""


def top_level_packages(work: str) -> set[str]:
    """The top-level packages a fresh interpreter has imported after `work`, the standard library aside."""
    done = subprocess.run([sys.executable, "-c", TOP_LEVEL_AFTER.format(work=work)], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(done.stdout.split())


def test_json_imports_nothing_outside_archcalc_typer_and_yaml() -> None:
    """What `import typer, yaml` loads is theirs (shellingham, annotated_doc...); nothing more may come."""
    floor = top_level_packages("import typer, yaml")
    resnet50 = str(ROOT / "archspecs" / "zoo" / "torchvision" / "resnet50.yaml")
    assert top_level_packages(COMMAND.format(arguments=["show", resnet50, "--format", "json"])) - floor == {"archcalc"}
    drawn = top_level_packages(COMMAND.format(arguments=["show", resnet50, "--format", "svg"])) - floor
    assert {"matplotlib", "archcalc"} <= drawn  # the measurement sees an import when there is one


def test_the_train_hook_stacks_memory_and_writes_each_total() -> None:
    from archcalc.render.pictures import stacked_svg

    parts = [("weights", [100, 10]), ("gradients", [100, 10]), ("optimizer state", [200, 20]), ("activations", [50, 5])]
    svg = stacked_svg("training memory", ["model-a", "model-<b>"], parts, [450, 45], "bytes", ("device memory", 400))
    written = texts(svg)
    assert {"450 bytes", "45 bytes", "model-<b>", "optimizer state", "device memory"} <= set(written)


def trained(*arguments: str | Path) -> dict[str, Any]:
    code, out, err = run("train", *arguments, "--format", "json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_train_draws_the_memory_tables_parts_and_its_limit() -> None:
    """The seed CNN at batch 2 (tests/test_train.py works its figures by hand): 152 + 152 + 320 + 192
    = 816 bytes, each part written as the memory table writes it; the limit a line, the reserve below it."""
    arguments: list[str | Path] = [SEED / "cnn.yaml", "--batch", "2", "--memory-limit", "1000", "--reserve", "100"]
    code, out, err = run("train", *arguments, "--format", "svg")
    assert code == 0 and err == "", err
    written = texts(out)
    memory = trained(*arguments)["memory"]
    parts = {
        "weights": "param_bytes",
        "gradients": "gradient_bytes",
        "optimizer state": "optimizer_state_bytes",
        "activations kept for backward": "activation_bytes",
    }
    assert {f"{name}: {memory[key]:,} bytes" for name, key in parts.items()} <= set(written)
    assert {"weights: 152 bytes", "optimizer state: 320 bytes", "816 bytes", "--memory-limit: 1,000 bytes", "reserve: 100 bytes"} <= set(written)
    assert "fits in 1,000 (1.0K) bytes less a reserve of 100; the largest batch that fits: 2" in written  # the memory table's note
    assert "seed-cnn · train at batch 2 · fp32 · adamw: memory per GPU" in written
    _, table, _ = run("train", *arguments)
    assert "│ weights                       │   152 │" in table  # the table writes the same figure


def test_train_draws_what_a_recomputed_block_adds() -> None:
    """With --checkpointing the peak during backward is the kept activations and the largest block
    run again: the chart stacks the difference, the engine's recompute_bytes, and writes the total."""
    spec = ROOT / "archspecs" / "zoo" / "torchvision" / "resnet18.yaml"
    memory = trained(spec, "--checkpointing", "full")["memory"]
    assert memory["peak_backward_bytes"] > memory["activation_bytes"]
    code, out, _ = run("train", spec, "--checkpointing", "full", "--format", "svg")
    written = texts(out)
    assert code == 0
    assert f"the largest block, recomputed in backward: {memory['peak_backward_bytes'] - memory['activation_bytes']:,} bytes" in written
    assert f"{memory['total_bytes']:,} bytes" in written
    plain = texts(run("train", spec, "--format", "svg")[1])
    assert not [text for text in plain if text.startswith("the largest block")]  # without --checkpointing, no such part


def test_train_draws_a_device_by_its_name_and_says_a_step_does_not_fit() -> None:
    llama = ROOT / "archspecs" / "zoo" / "language" / "llama3_8b.yaml"
    code, out, _ = run("train", llama, "--device", "h100-sxm", "--format", "svg")
    written = texts(out)
    assert code == 0  # not fitting is an answer, not an error: exit 0 as the table's
    assert "h100-sxm: 85,899,345,920 bytes" in written
    assert any(text.startswith("does not fit in h100-sxm") for text in written)


@pytest.mark.parametrize(
    "arguments",
    [["compare", "--train", "--batch", "4", SEED / "ann.yaml", SEED / "cnn.yaml"], ["sweep", SEED / "cnn.yaml", "--batch", "1,8,64"]],
    ids=["compare --train", "sweep --batch"],
)
def test_several_trainings_are_a_stacked_bar_each(arguments: list[str | Path]) -> None:
    """compare --train's specs and sweep --batch's batch sizes: a bar each, its total from the engine at its end."""
    code, out, err = run(*arguments, "--format", "svg")
    assert code == 0 and err == "", err
    written = texts(out)
    documents = json.loads(run(*arguments, "--format", "json")[1])["trainings"]
    for document in documents:
        assert f"{document['name']} · batch {document['memory']['batch']:,}" in written
        assert f"{document['memory']['total_bytes']:,} bytes" in written
    assert {"weights", "gradients", "optimizer state", "activations kept for backward"} <= set(written)
    assert run(*arguments, "--format", "svg")[1] == out


def test_the_serve_hook_draws_the_roof_and_its_ridge() -> None:
    from archcalc.render.pictures import roofline_svg

    svg = roofline_svg("llama on a100", [("prefill", [0.5, 300.0]), ("decode <step>", [0.9])], peak=1e14, bandwidth=2e12, ridge=50.0)
    written = texts(svg)
    assert {"ridge point 50.0 FLOP/byte", "prefill", "decode <step>", "llama on a100"} <= set(written)


def test_serve_draws_the_roofline() -> None:
    llama = ROOT / "archspecs" / "zoo" / "language" / "llama2_7b.yaml"
    code, out, err = run("serve", llama, "--device", "a100-80gb", "--prompt", "128", "--generate", "128", "--format", "svg")
    assert code == 0 and err == "", err
    written = texts(out)
    assert "llama2_7b on a100-80gb, batch 1: each kernel on the roofline" in written and "prefill: 7 kernels" in written
    assert any(text.startswith("ridge point ") and text.endswith(" FLOP/byte") for text in written)
    code, out, err = run("compare", llama, "--device", "a100-80gb", "--format", "svg")
    assert (code, out) == (2, "") and "--format svg draws no chart with --device yet" in err
