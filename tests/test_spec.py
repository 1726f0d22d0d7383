"""Spec loading: every written form of an input shape, chains, defaults, anchors; and bad specs."""

from __future__ import annotations

import pytest

from archcalc.engine import analyze
from archcalc.errors import ArchcalcError, ShapeError, SpecError
from archcalc.formats import load_spec
from archcalc.formats.yaml.document import SPEC_KEYS, TRAINING_KEYS
from archcalc.kinds.conv import Conv
from archcalc.kinds.dense import Dense
from tests.conftest import ROOT, spec_from


@pytest.mark.parametrize("written", ["4x4x1", "4×4×1", "4 x 4 x 1", "[4, 4, 1]", "'[4, 4, 1]'", "4X4X1"])
def test_every_written_form_of_a_shape(written: str) -> None:
    assert spec_from(f"input: {written}\nlayers: [flatten]").input_shape == (4, 4, 1)


@pytest.mark.parametrize("written", ["16", "'16'", "[16]"])
def test_a_flat_input(written: str) -> None:
    assert spec_from(f"input: {written}\nlayers: [relu]").input_shape == (16,)


@pytest.mark.parametrize("chain", ["16->8->2", "16→8→2", "16 -> 8 -> 2", " 16 → 8->2 "])
def test_arrow_chains_on_the_command_line(chain: str) -> None:
    spec = load_spec(chain)
    assert spec.input_shape == (16,)
    assert [layer.units for layer in spec.layers if isinstance(layer, Dense)] == [8, 2]
    assert analyze(spec).total.params == 154


def test_chain_in_yaml_equals_the_layers_written_out() -> None:
    chained = analyze(spec_from("chain: 16->8->2"))
    written = analyze(spec_from("input: 16\nlayers: [{dense: 8}, {dense: 2}]"))
    assert chained.total == written.total
    assert [r.output_shape for r in chained.layers] == [r.output_shape for r in written.layers]


def test_a_bare_chain_document() -> None:
    assert analyze(spec_from("16->8->2")).total.params == 154


def test_name_defaults_to_the_file_stem(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "my-net.yaml"
    path.write_text("chain: 4->2\n")
    assert load_spec(str(path)).name == "my-net"


def test_layer_forms_and_display_names() -> None:
    spec = spec_from(
        """
        input: 8x8x1
        layers:
          - conv: {filters: 4, kernel: 3, name: stem}
          - relu
          - maxpool: 2
          - flatten:
          - dense: {units: 2, name: head}
        """
    )
    stem, _, _, _, head = spec.layers
    assert isinstance(stem, Conv) and stem.name == "stem" and stem.kernel == (3,)
    assert isinstance(head, Dense) and head.name == "head"
    assert stem.origin.line == 4 and stem.origin.column == 5


def test_defaults_apply_per_layer_kind_and_yield_to_written_arguments() -> None:
    spec = spec_from(
        """
        input: 8x8x3
        defaults:
          conv: {bias: false, padding: 1}
        layers:
          - conv: {filters: 4, kernel: 3}
          - conv2d: {filters: 4, kernel: 3, bias: true}
        """
    )
    first, second = analyze(spec).layers
    assert first.cost.biases == 0 and first.output_shape == (8, 8, 4)
    assert second.cost.biases == 4


def test_anchors_aliases_and_merge_keys() -> None:
    spec = spec_from(
        """
        input: 8x8x3
        layers:
          - conv: &c3 {filters: 4, kernel: 3, padding: 1}
          - conv: *c3
          - conv: {<<: *c3, filters: 8}
        """
    )
    shapes = [result.output_shape for result in analyze(spec).layers]
    assert shapes == [(8, 8, 4), (8, 8, 4), (8, 8, 8)]


def test_budget_numbers_are_read_exactly() -> None:
    spec = spec_from("chain: 16->8->2\nbudget: {params: 25.6M, macs: 4_089_184_256}")
    assert [(limit.kind.value, limit.maximum) for limit in spec.budget] == [("params", 25_600_000), ("macs", 4_089_184_256)]


# Each bad spec: the text, a fragment of the message, and the line:column it must point at.
BAD_SPECS = [
    # bad YAML
    ("input: 4x4x1\nlayers: [conv: {filters: 2\n", "invalid YAML", None),
    ("input: [4, 4\n", "invalid YAML", None),
    ("", "the spec is empty", "1:1"),
    ("- 1\n- 2\n", "a spec is a mapping", "1:1"),
    ("!!python/object/apply:os.system ['echo hacked']\n", "the YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed", "1:1"),
    ("input: !!python/name:os.system\nlayers: [relu]\n", "the YAML tag tag:yaml.org,2002:python/name:os.system is not allowed", "1:8"),
    ("input: 0x10\nlayers: [relu]\n", "positive whole number, got 0", "1:8"),
    ("input: 8x8x1\nlayers:\n  - maxpool: 0x2\n", "'kernel' must be a whole number, got '0x2'", "3:14"),
    # unknown keys and layers, with suggestions
    ("input: 4x4x1\nlayerz: [relu]\n", "unknown key 'layerz'; did you mean 'layers'?", "2:1"),
    ("input: 4x4x1\nlayers:\n  - conv: {filters: 2, kernal: 3}\n", "layer 1 (conv): unknown argument 'kernal'; did you mean 'kernel'?", "3:24"),
    ("input: 4x4x1\nlayers:\n  - relu\n  - maxpol: 2\n", "layer 2: unknown layer 'maxpol'; did you mean 'maxpool'?", "4:5"),
    ("input: 4x4x1\nlayers:\n  - conv: {filters: 2}\n", "layer 1 (conv): missing required argument 'kernel'", "3:5"),
    ("input: 4x4x1\nlayers:\n  - conv: 3\n", "conv takes a mapping of arguments", "3:11"),
    ("input: 4x4x1\nlayers:\n  - dense: 8\n    relu:\n", "found 2 keys", "3:5"),
    ("input: 4x4x1\nlayers:\n  - dense: 8\n  - 7\n", "layer 2: expected a layer, got 7", "4:5"),
    ("input: 4x4x1\nlayers: relu\n", "expected a list of layers", "2:9"),
    ("input: 4x4x1\nlayers:\n  - relu: {inplace: true}\n", "unknown argument 'inplace'", "3:12"),
    # wrong types and values
    ("input: 4x4x1\nlayers:\n  - dense: 2.5\n", "'units' must be a whole number, got 2.5", "3:12"),
    ("input: 4x4x1\nlayers:\n  - dense: true\n", "'units' must be a whole number, got True", "3:12"),
    ("input: 4x4x1\nlayers:\n  - dense: 0\n", "'units' must be at least 1, got 0", "3:12"),
    ("input: 4x4x1\nlayers:\n  - conv: {filters: 2, kernel: 3, bias: 1}\n", "'bias' must be true or false", "3:41"),
    ("input: 4x4x1\nlayers:\n  - conv: {filters: 2, kernel: 3, padding: full}\n", "padding 'full' is not known", "3:44"),
    ("input: 4x4x1\nlayers:\n  - conv: {filters: 2, kernel: 3, stride: -1}\n", "'stride' must be at least 1", "3:43"),
    ("input: 4x4x1\nlayers:\n  - dropout: 1.5\n", "'rate' must be a number from 0 to 1", "3:14"),
    ("input: 4x4x1\nlayers:\n  - prelu: {per_channel: 3}\n", "layer 1 (prelu): 'per_channel' must be true or false, got 3", "3:26"),
    ("input: 4x4x1\nlayers:\n  - prelu: true\n", "prelu takes a mapping of arguments, not True", "3:12"),
    ("input: 0x4\nlayers: [relu]\n", "positive whole number", "1:8"),
    ("input: 4x4x4x4x4\nlayers: [relu]\n", "1 to 4 axes", "1:8"),
    ("input: four\nlayers: [relu]\n", "positive whole number, got 'four'", "1:8"),
    ("layers: [relu]\n", "missing 'input'", "1:1"),
    ("chain: 16->8->2\nlayers: [relu]\n", "'chain' replaces 'input' and 'layers'", "2:1"),
    ("chain: 16->->2\n", "an empty step in the chain", "1:12"),
    ("budget: {params: lots}\nchain: 4->2\n", "budget 'params': 'lots' is not a count", "1:18"),
    ("budget: {parms: 5}\nchain: 4->2\n", "unknown budget 'parms'; did you mean 'params'?", "1:10"),
    ("input: 4\nlayers: [relu]\ninput: 5\n", "duplicate key 'input'", "3:1"),
    ("input: 4\nlayers:\n  - conv: {filters: 2, filters: 3, kernel: 1}\n", "duplicate key 'filters'", "3:24"),
    ("input: 4\ndefaults: {konv: {bias: false}}\nlayers: [relu]\n", "unknown layer 'konv' in defaults; did you mean 'conv'?", "2:12"),
    # several as close, and words other tools use: `parameters` was offered `param_bytes`, `reshape` `repeat`
    ("input: 8x8x1\nlayers:\n  - pool: 2\n", "unknown layer 'pool'; did you mean 'maxpool' or 'avgpool'?", "3:5"),
    ("input: 8x8x1\nlayers:\n  - relu7\n", "unknown layer 'relu7'; did you mean 'relu', 'relu6' or 'prelu'?", "3:5"),
    ("budget: {parameters: 10}\nchain: 4->2\n", "unknown budget 'parameters'; did you mean 'params'?", "1:10"),
    (
        "budget: {flops: 10}\nchain: 4->2\n",
        "unknown budget 'flops'; did you mean 'macs'? a budget counts multiply-accumulates, and N FLOPs are N/2 MACs",
        "1:10",
    ),
    (
        "input: 784\nlayers:\n  - reshape: [28, 28, 1]\n",
        "unknown layer 'reshape'; archcalc has no reshape layer: write the shape a network starts from as its input (e.g. input: 28x28x1), "
        "or use flatten to make one axis of all",
        "3:5",
    ),
    ("input: 784\nlayers:\n  - view: [28, 28, 1]\n", "unknown layer 'view'; archcalc has no view (reshape) layer", "3:5"),
    ("input: 8x8x1\nlayers:\n  - conv: {filters: 2, kernel: 3, parameters: 4}\n", "unknown argument 'parameters'; conv takes: filters", "3:35"),
]


@pytest.mark.parametrize(("text", "fragment", "where"), BAD_SPECS)
def test_bad_specs_are_located(text: str, fragment: str, where: str | None) -> None:
    with pytest.raises(SpecError) as caught:
        spec_from(text, "bad.yaml")
    message = caught.value.message
    assert fragment in message
    assert message.startswith("bad.yaml:" + (where or ""))


# Specs that read but cannot be computed: the shape error names the layer and where it was written.
BAD_SHAPES = [
    ("input: 2x2x1\nlayers:\n  - conv: {filters: 2, kernel: 3}\n", "3:5: layer 1 (conv): the window (3 wide) is larger than the padded input (2)"),
    ("input: 16\nlayers:\n  - conv: {filters: 2, kernel: 3}\n", "layer 1 (conv): conv needs spatial axes and channels"),
    ("input: 8x8x3\nlayers:\n  - conv: {filters: 4, kernel: 3, groups: 2}\n", "groups=2 does not divide the 3 input channels"),
    ("input: 8x8x4\nlayers:\n  - conv: {filters: 3, kernel: 3, groups: 2}\n", "groups=2 does not divide the 3 filters"),
    ("input: 8x8x3\nlayers:\n  - conv1d: {filters: 4, kernel: 3}\n", "conv1d needs an input with 1 spatial axes"),
    ("input: 8x8x3\nlayers:\n  - conv: {filters: 4, kernel: [3, 3, 3]}\n", "'kernel' gives 3 values but the input has 2 spatial axes"),
    ("input: 8x8x3\nlayers:\n  - maxpool: {kernel: 2, padding: 2}\n", "padding 2 is more than half the kernel 2"),
    ("input: 5x1x6x2\nlayers:\n  - avgpool: {kernel: 3, stride: 1, padding: 1}\n", "axis 2 is 1, the kernel 3"),
    ("input: 8x8x3\nlayers:\n  - relu\n  - global_avgpool\n  - global_avgpool\n", "5:5: layer 3 (global_avgpool): global_avgpool needs spatial axes"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD_SHAPES)
def test_bad_shapes_are_located(text: str, fragment: str) -> None:
    with pytest.raises(ShapeError) as caught:
        analyze(spec_from(text, "bad.yaml"))
    assert fragment in caught.value.message
    assert caught.value.message.startswith("bad.yaml:")


def test_files_that_cannot_be_read(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    with pytest.raises(ArchcalcError, match="no such file"):
        load_spec(str(folder / "missing.yaml"))
    with pytest.raises(ArchcalcError, match="is a directory"):
        load_spec(str(folder))
    (folder / "latin1.yaml").write_bytes(b"name: caf\xe9\n")
    with pytest.raises(ArchcalcError, match="not UTF-8"):
        load_spec(str(folder / "latin1.yaml"))


def test_a_byte_order_mark_is_skipped_and_positions_still_count_from_the_first_character(tmp_path: object) -> None:
    from pathlib import Path

    spec = Path(str(tmp_path)) / "bom.yaml"
    spec.write_bytes("\ufeffinput: 4\nlayers: [dense: {units: 2}]\n".encode())
    assert load_spec(str(spec)).input_shape == (4,)
    spec.write_bytes("\ufeffinput: 4\nlayers:\n  - dense: {unit: 2}\n".encode())
    with pytest.raises(SpecError, match=r"bom.yaml:3:13: layer 1 \(dense\): unknown argument 'unit'"):
        load_spec(str(spec))


def test_the_spec_references_key_table_lists_every_key_a_spec_has() -> None:
    """docs/spec.md's "A spec has these keys, and no others" table, against the keys the reader
    accepts (which its error for an unknown key lists)."""
    text = (ROOT / "docs" / "spec.md").read_text()
    table = text.split("A spec has these keys, and no others")[1].split("\n\n")[1]
    rows = [line.split("|")[1].strip().strip("`") for line in table.splitlines()[2:]]
    assert sorted(rows) == sorted(SPEC_KEYS)
    training_row = next(line for line in table.splitlines() if line.startswith("| `training`"))
    assert all(f"`{key}`" in training_row for key in TRAINING_KEYS)
