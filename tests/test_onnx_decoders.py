"""The ONNX reader's decoder patterns: ConvTranspose, Resize and Upsample, DepthToSpace, instance and
group norms, Pad before a convolution, and skips joined by name (U-Net's copy and crop, a gate). One
onnx.helper graph per pattern, with a hostile variant that must fall back to `counted` with the
file's figures; figures worked by hand. No framework is needed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import onnx
import pytest
from onnx import StringStringEntryProto, TensorProto, helper
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine import Report, analyze
from archcalc.formats import load_spec
from archcalc.kinds.composite import Concat, Repeat
from archcalc.kinds.conv import Conv
from archcalc.kinds.counted import Counted
from archcalc.kinds.elementwise import Activation
from archcalc.kinds.graph import Multiply
from archcalc.kinds.norm import BatchNorm, GroupNorm, InstanceNorm
from archcalc.kinds.pool import Pool
from archcalc.kinds.upsampling import ConvTranspose, PixelShuffle, Upsample
from archcalc.model import Cost, Layer, Spec
from tests.onnx_models import Graph

runner = CliRunner()


def read(graph: Graph, output: str, tmp_path: Path) -> tuple[Spec, Report]:
    spec = load_spec(str(graph.save(output, tmp_path / "model.onnx")))
    return spec, analyze(spec)


def the(layer: Layer, kind: type[Layer], **arguments: Any) -> bool:
    """The layer is exactly this kind with these arguments (its place and name aside)."""
    return layer == kind(origin=layer.origin, position=layer.position, name=layer.name, **arguments)


def test_transposed_convolutions_as_the_dcgan_generator_writes_them(tmp_path: Path) -> None:
    g = Graph([1, 8, 4, 4])
    y = g.conv_transpose("x", "up1", 8, 4, 4, bias=False, strides=[2, 2], pads=[1, 1, 1, 1])  # (4−1)·2 − 2 + 3 + 1 = 8
    y = g.node("Relu", [g.batchnorm(y, "bn1", 4)], "relu1")
    y = g.conv_transpose(y, "up2", 4, 2, 3, strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])  # (8−1)·2 − 2 + 2 + 1 + 1 = 16
    spec, report = read(g, y, tmp_path)
    up1, norm, relu, up2 = spec.layers
    assert the(up1, ConvTranspose, filters=4, kernel=(4,), stride=(2,), padding=(1,), bias=False) and up1.name == "up1"
    assert isinstance(norm, BatchNorm) and isinstance(relu, Activation)
    assert the(up2, ConvTranspose, filters=2, kernel=(3,), stride=(2,), padding=(1,), output_padding=(1,))
    assert report.output_shape == (16, 16, 2)
    # up1: 8·4·4·4 weights, each of 4·4 inputs meets all of them; up2: 4·2·3·3 weights, 8·8 inputs
    assert report.total == Cost(weights=512 + 4 + 72, biases=4 + 2, non_trainable=8, macs=16 * 512 + 64 * 72)


@pytest.mark.parametrize(
    ("attributes", "padding", "output_padding"),
    [
        ({"pads": [1, 1, 0, 0]}, (1,), (1,)),  # one more cut at the start: PyTorch's padding 1, output padding 1
        ({"output_shape": [8, 8]}, (1,), (0,)),  # ONNX works the pads out: 2 in all, 1 a side
        ({"auto_pad": "SAME_LOWER"}, (1,), (1,)),  # 1 in all, at the start
        ({"pads": [1, 2, 1, 2], "group": 2}, (1, 2), (0,)),
    ],
    ids=["unequal pads", "output_shape", "SAME_LOWER", "per-axis pads and groups"],
)
def test_onnx_transposed_padding_as_pytorchs(attributes: dict[str, Any], padding: tuple[int, ...], output_padding: tuple[int, ...], tmp_path: Path) -> None:
    g = Graph([1, 4, 4, 4])
    group = attributes.pop("group", 1)
    kernel = 4 if "output_shape" in attributes else 3
    y = g.conv_transpose("x", "up", 4, 6, kernel, group=group, strides=[2, 2], **attributes)
    spec, report = read(g, y, tmp_path)
    (layer,) = spec.layers
    assert the(layer, ConvTranspose, filters=6, kernel=(kernel,), stride=(2,), padding=padding, output_padding=output_padding, groups=group)
    weights = 4 * (6 // group) * kernel * kernel
    assert report.total == Cost(weights=weights, biases=6, macs=16 * weights)


@pytest.mark.parametrize(
    "attributes",
    [{"pads": [0, 0, 1, 1]}, {"pads": [2, 2, 0, 0]}, {"auto_pad": "SAME_UPPER"}],
    ids=["more cut at the end", "a difference as large as the stride", "SAME_UPPER's odd cut at the end"],
)
def test_transposed_padding_pytorch_cannot_write_is_counted(attributes: dict[str, Any], tmp_path: Path) -> None:
    """PyTorch cuts `padding` from both sides and adds at most stride − 1 at the end: other cuts are
    counted, with the file's figures."""
    g = Graph([1, 4, 4, 4])
    y = g.conv_transpose("x", "up", 4, 6, 3, strides=[2, 2], **attributes)
    spec, report = read(g, y, tmp_path)
    (layer,) = spec.layers
    assert isinstance(layer, Counted)
    assert report.total == Cost(weights=4 * 6 * 9, biases=6, macs=16 * 4 * 6 * 9)


def test_a_batch_norm_folded_into_a_transposed_convolution_is_said(tmp_path: Path) -> None:
    g = Graph([1, 8, 1, 1])
    y = g.conv_transpose("x", "up", 8, 4, 4)
    g.nodes[-1].metadata_props.append(StringStringEntryProto(key="pkg.onnxscript.rewriter.rule_name", value="FuseBatchNormIntoConvTranspose"))
    spec, _ = read(g, y, tmp_path)
    (note,) = spec.notes
    assert "merged 1 batch norm into the convolution before it" in note and "has 520 params (4 more) and 8 running statistics" in note  # 8·4·4·4 + 4 held


def resize(g: Graph, x: str, name: str, scales: list[float] | None = None, sizes: list[int] | None = None, **attributes: Any) -> str:
    inputs = [x, "", g.floats(f"{name}.scales", scales) if scales else "", g.ints(f"{name}.sizes", sizes) if sizes else ""]
    return g.node("Resize", inputs if sizes else inputs[:3], name, **attributes)


def test_resize_and_upsample_are_upsample(tmp_path: Path) -> None:
    g = Graph([1, 3, 4, 5])
    y = resize(g, "x", "twice", scales=[1, 1, 2, 2])
    y = resize(g, y, "to_size", sizes=[1, 3, 12, 15], mode="linear", coordinate_transformation_mode="align_corners")
    y = resize(g, y, "half_again", scales=[1, 1, 1.5, 1.5], mode="cubic")  # 12 → 18: not a whole factor, so a size
    spec, report = read(g, y, tmp_path)
    twice, to_size, half_again = spec.layers
    assert the(twice, Upsample, scale=(2,)) and the(to_size, Upsample, size=(12, 15), mode="bilinear")
    assert the(half_again, Upsample, size=(18, 22), mode="bicubic")
    assert report.output_shape == (18, 22, 3) and report.total == Cost()


@pytest.mark.parametrize(("opset", "spatial", "mode", "kind"), [(7, 2, "nearest", "nearest"), (9, 2, "linear", "bilinear"), (13, 3, "linear", "trilinear")])
def test_upsample_of_older_opsets_and_three_axes(opset: int, spatial: int, mode: str, kind: str, tmp_path: Path) -> None:
    g = Graph([1, 2, *[3] * spatial], opset=opset)
    scales = [1.0, 1.0, *[2.0] * spatial]
    if opset == 7:
        y = g.node("Upsample", ["x"], "up", scales=scales, mode=mode)
    elif opset == 9:
        y = g.node("Upsample", ["x", g.floats("scales", scales)], "up", mode=mode)
    else:
        y = resize(g, "x", "up", scales=scales, mode=mode)
    spec, report = read(g, y, tmp_path)
    (layer,) = spec.layers
    assert the(layer, Upsample, scale=(2,), mode=kind) and report.output_shape == (*[6] * spatial, 2)


@pytest.mark.parametrize(
    ("change", "input_shape"),
    [
        ({"scales": [1, 2, 2, 2]}, [1, 3, 4, 4]),  # the channels doubled: no upsample does that
        ({"scales": [1, 1, 2, 2, 2], "mode": "cubic"}, [1, 3, 2, 2, 2]),  # PyTorch has no tricubic
        ({"scales": [1, 1, 0.5, 0.5], "mode": "linear", "antialias": 1}, [1, 3, 4, 4]),  # a wider window than bilinear's
    ],
    ids=["the channel axis", "cubic on three axes", "antialias"],
)
def test_a_resize_no_upsample_describes_is_counted(change: dict[str, Any], input_shape: list[int], tmp_path: Path) -> None:
    g = Graph(input_shape)
    y = resize(g, "x", "resize", **change)
    spec, report = read(g, y, tmp_path)
    assert [type(layer) for layer in spec.layers] == [Counted] and report.total == Cost()


@pytest.mark.parametrize(("mode", "kind"), [("CRD", PixelShuffle), ("DCR", Counted)])
def test_depth_to_space_in_pytorchs_order_is_pixel_shuffle(mode: str, kind: type[Layer], tmp_path: Path) -> None:
    """CRD is PixelShuffle's order of the channels; DCR, TensorFlow's depth_to_space, lays them out
    otherwise: the same shapes, another layer, so it is counted."""
    g = Graph([1, 8, 3, 3])
    y = g.node("DepthToSpace", ["x"], "shuffle", blocksize=2, mode=mode)
    spec, report = read(g, y, tmp_path)
    (layer,) = spec.layers
    assert isinstance(layer, kind) and report.output_shape == (6, 6, 2)
    if isinstance(layer, PixelShuffle):
        assert layer.factor == 2


def test_instance_norms_learned_and_not(tmp_path: Path) -> None:
    """A learned scale and shift are `affine: true`. A scale of 1 and a shift of 0 are what exporters
    write for PyTorch's default InstanceNorm, which has none: not counted, and the notes say so."""
    g = Graph([1, 4, 5, 5])
    y = g.node("InstanceNormalization", ["x", g.weight("learned.scale", [4]), g.weight("learned.shift", [4])], "learned")
    y = g.node("InstanceNormalization", [y, g.floats("ones", [1.0] * 4), g.floats("zeros", [0.0] * 4)], "plain")
    spec, report = read(g, y, tmp_path)
    learned, plain = spec.layers
    assert the(learned, InstanceNorm, affine=True) and the(plain, InstanceNorm, affine=False)
    assert report.total == Cost(weights=4, biases=4)
    (note,) = spec.notes
    assert "1 instance or group norm ('plain') are all 1 and all 0" in note and "it has 8 params more" in note


def test_a_scale_of_one_with_a_learned_shift_is_affine(tmp_path: Path) -> None:
    """Both must be the identity for neither to count."""
    g = Graph([1, 4, 5, 5])
    y = g.node("InstanceNormalization", ["x", g.floats("scale", [1.0] * 4), g.floats("shift", [0.5, 0.0, 0.0, 0.0])], "norm")
    spec, report = read(g, y, tmp_path)
    (layer,) = spec.layers
    assert the(layer, InstanceNorm, affine=True) and report.total == Cost(weights=4, biases=4) and spec.notes == ()


def test_an_instance_norm_over_one_position_is_counted(tmp_path: Path) -> None:
    """PyTorch refuses statistics of a single value, and so does `instancenorm`: counted, as the file has it."""
    g = Graph([1, 4, 1, 1])
    y = g.node("InstanceNormalization", ["x", g.weight("scale", [4]), g.weight("shift", [4])], "norm")
    spec, report = read(g, y, tmp_path)
    (layer,) = spec.layers
    assert isinstance(layer, Counted) and report.total == Cost(weights=4, biases=4)


def torch_group_norm(g: Graph, x: str, name: str, channels: int, groups: int, affine: bool = True, scale: str | None = None) -> str:
    """torch.onnx's GroupNorm: the groups instance-normalised (scale 1, shift 0), reshaped back, then the
    per-channel scale and shift as a Mul and an Add of [C, 1, 1]."""
    y = g.node("Reshape", [x, g.ints(f"{name}.grouped", [0, groups, -1])], f"{name}/Reshape")
    y = g.node("InstanceNormalization", [y, g.floats(f"{name}.ones", [1.0] * groups), g.floats(f"{name}.zeros", [0.0] * groups)], f"{name}/Norm")
    y = g.node("Reshape", [y, g.node("Shape", [x], f"{name}/Shape")], f"{name}/Back")
    if affine:
        y = g.node("Mul", [y, scale or g.weight(f"{name}.weight", [channels, 1, 1])], f"{name}/Mul")
        y = g.node("Add", [y, g.weight(f"{name}.bias", [channels, 1, 1])], f"{name}/Add")
    return y


def test_group_norms_as_torch_onnx_writes_them(tmp_path: Path) -> None:
    g = Graph([1, 8, 4, 4])
    y = torch_group_norm(g, "x", "/gn", 8, 2)
    y = torch_group_norm(g, y, "/plain", 8, 4, affine=False)
    spec, report = read(g, y, tmp_path)
    learned, plain = spec.layers
    assert the(learned, GroupNorm, groups=2) and learned.name == "/gn"
    assert the(plain, GroupNorm, groups=4, affine=False)
    assert report.total == Cost(weights=8, biases=8) and spec.notes == ()  # its instance norms' 1 and 0 are the exporter's


def test_a_group_norm_scaled_by_a_literal_is_counted(tmp_path: Path) -> None:
    g = Graph([1, 8, 4, 4])
    y = torch_group_norm(g, "x", "/gn", 8, 2, scale=g.scalar("two", 2.0))
    spec, report = read(g, y, tmp_path)
    assert [type(layer) for layer in spec.layers] == [Counted] and report.total == Cost(biases=8)


def group_normalization(opset: int, affine_size: int, tmp_path: Path, **attributes: Any) -> Path:
    """A GroupNormalization node, its output's shape written as an exporter writes it (ONNX's inference
    of this function-defined operator leaves it out)."""
    g = Graph([1, 8, 4, 4], opset=opset)
    y = g.node("GroupNormalization", ["x", g.weight("gn.scale", [affine_size]), g.weight("gn.shift", [affine_size])], "gn", **attributes)
    model = g.model(y)
    model.graph.output[0].CopyFrom(helper.make_tensor_value_info(y, TensorProto.FLOAT, [1, 8, 4, 4]))
    path = tmp_path / "group_norm.onnx"
    onnx.save(model, str(path))
    return path


def test_the_group_normalization_operator(tmp_path: Path) -> None:
    """Opset 21's scale and shift are per channel, PyTorch's."""
    spec = load_spec(str(group_normalization(21, 8, tmp_path, num_groups=2)))
    (layer,) = spec.layers
    assert the(layer, GroupNorm, groups=2) and analyze(spec).total == Cost(weights=8, biases=8)


@pytest.mark.parametrize(
    ("opset", "attributes", "expected"),
    [
        (18, {"num_groups": 2}, "not a valid ONNX model: Op registered for GroupNormalization is deprecated"),
        (21, {"num_groups": 0}, "node 'gn' (GroupNormalization): 'num_groups' must be a positive whole number, got 0"),
    ],
    ids=["opset 18's scale per group", "no groups"],
)
def test_a_group_normalization_no_kind_takes_is_refused(opset: int, attributes: dict[str, Any], expected: str, tmp_path: Path) -> None:
    """Opset 18's per-group scale is refused by ONNX's own checker; `num_groups: 0`, which it leaves to
    the runtime, by archcalc's rule for a count (a kind would divide by it)."""
    result = runner.invoke(app, ["show", str(group_normalization(opset, 8 if opset == 21 else 2, tmp_path, **attributes)), "--format", "csv"])
    assert result.exit_code == 2 and expected in result.stderr and len(result.stderr.strip().splitlines()) == 1


def pad(g: Graph, x: str, name: str, pads: list[int], **attributes: Any) -> str:
    return g.node("Pad", [x, g.ints(f"{name}.pads", pads)], name, **attributes)


def test_a_zero_pad_is_its_convolutions_padding(tmp_path: Path) -> None:
    g = Graph([1, 3, 8, 8])
    y = g.conv("x", "own", 3, 4, 3, strides=[2, 2], pads=[0, 0, 1, 1])  # TensorFlow's SAME for a stride of 2 on 8: 0 before, 1 after
    y = pad(g, y, "pad", [0, 0, 1, 0, 0, 0, 1, 0])  # 1 on each side of the height
    y = g.conv(y, "conv", 4, 4, 3, pads=[0, 1, 0, 1])  # and its own 1 on each side of the width
    y = pad(g, y, "tf_pad", [0, 0, 0, 0, 0, 0, 1, 1])  # SAME on 4 with a Pad before the Conv
    y = g.conv(y, "strided", 4, 4, 3, strides=[2, 2])
    y = pad(g, y, "nothing", [0] * 8)
    spec, report = read(g, y, tmp_path)
    own, conv, strided = spec.layers
    assert the(own, Conv, filters=4, kernel=(3,), stride=(2,), padding="same") and the(strided, Conv, filters=4, kernel=(3,), stride=(2,), padding="same")
    assert the(conv, Conv, filters=4, kernel=(3,), padding=(1,)) and conv.name == "conv" and strided.name == "strided"
    assert report.output_shape == (2, 2, 4)
    # 3·4·9 weights at 4·4 positions; 4·4·9 at 4·4, then at 2·2
    assert report.total == Cost(weights=108 + 144 + 144, biases=12, macs=16 * 4 * 27 + 16 * 4 * 36 + 4 * 4 * 36)


@pytest.mark.parametrize(
    ("pads", "attributes"),
    [([0, 0, 1, 1, 0, 0, 1, 1], {"mode": "reflect"}), ([0, 1, 1, 1, 0, 0, 1, 1], {}), ([0, 0, 1, 1, 0, 0, 1, 1], {"value": 1.0})],
    ids=["reflect", "the channel axis", "a value of 1"],
)
def test_a_pad_no_convolution_pads_is_counted(pads: list[int], attributes: dict[str, Any], tmp_path: Path) -> None:
    g = Graph([1, 3, 6, 6])
    value = attributes.pop("value", None)
    inputs = ["x", g.ints("pads", pads)] + ([g.scalar("value", value)] if value is not None else [])
    y = g.node("Pad", inputs, "pad", **attributes)
    channels = 3 + pads[1]
    y = g.conv(y, "conv", channels, 4, 3)
    spec, report = read(g, y, tmp_path)
    counted, conv = spec.layers
    assert isinstance(counted, Counted) and the(conv, Conv, filters=4, kernel=(3,))
    assert report.total == Cost(weights=channels * 36, biases=4, macs=36 * 4 * 9 * channels)


def crop(g: Graph, x: str, name: str, start: int, length: int, computed: bool = False) -> str:
    """`skip[:, :, s:s+n, s:s+n]` as torch.onnx writes it: one Slice per axis; its bounds stored, or
    (`computed`) each an Unsqueeze of a Constant, as its TorchScript exporter writes them."""
    for axis in (2, 3):
        if computed:
            bounds = [
                g.node("Unsqueeze", [g.index(f"{name}.{axis}.{which}", value), g.ints(f"{name}.{axis}.{which}.axes", [0])], f"{name}.{axis}.{which}.u")
                for which, value in (("start", start), ("end", start + length))
            ]
        else:
            bounds = [g.ints(f"{name}.{axis}.start", [start]), g.ints(f"{name}.{axis}.end", [start + length])]
        x = g.node("Slice", [x, *bounds, g.ints(f"{name}.{axis}.axis", [axis])], f"{name}.{axis}")
    return x


def small_unet(g: Graph, start: int = 2, computed: bool = False) -> str:
    """12×12×1: a valid 3×3 conv (10×10×4) read again later, a 2×2 max pool, a valid 3×3 conv (3×3×8), a
    2×2 up-convolution of stride 2 (6×6×4), joined with the first map cut to its centre 6×6, a 1×1 conv."""
    skip = g.node("Relu", [g.conv("x", "down.conv", 1, 4, 3)], "down.relu")
    y = g.node("MaxPool", [skip], "pool", kernel_shape=[2, 2], strides=[2, 2])
    y = g.node("Relu", [g.conv(y, "bottom.conv", 4, 8, 3)], "bottom.relu")
    y = g.conv_transpose(y, "up", 8, 4, 2, strides=[2, 2])
    y = g.node("Concat", [y, crop(g, skip, "crop", start, 6, computed)], "cat", axis=1)
    return g.conv(y, "out", 8, 2, 1)


UNET_TOTAL = Cost(weights=36 + 288 + 128 + 16, biases=4 + 8 + 4 + 2, macs=100 * 4 * 9 + 9 * 8 * 36 + 9 * 128 + 36 * 2 * 8)
"""down 1·4·9 at 10·10; bottom 4·8·9 at 3·3; up 8·4·2·2 from 3·3 inputs; out 8·2 at 6·6."""


@pytest.mark.parametrize("computed", [False, True], ids=["stored bounds", "computed bounds"])
def test_a_unet_skip_is_a_named_concat_with_crop(computed: bool, tmp_path: Path) -> None:
    g = Graph([1, 1, 12, 12])
    spec, report = read(g, small_unet(g, computed=computed), tmp_path)
    assert [layer.kind for layer in spec.layers] == ["conv", "relu", "maxpool", "conv", "relu", "conv_transpose", "concat", "conv"]
    concat = spec.layers[6]
    assert the(concat, Concat, with_=("down.relu",), crop=True) and concat.name == "cat" and spec.layers[1].name == "down.relu"
    assert report.output_shape == (6, 6, 2) and report.total == UNET_TOTAL
    path = g.save(small_unet(Graph([1, 1, 12, 12])), tmp_path / "unet.onnx")
    written = runner.invoke(app, ["import", str(path)])
    assert written.exit_code == 0, written.output
    assert '  - concat: {name: "cat", with: "down.relu", crop: true}\n' in written.stdout
    shown = json.loads(runner.invoke(app, ["show", str(path), "--format", "json"]).stdout)
    assert shown["layers"][6]["reads"] == [{"name": "down.relu", "position": "2"}] and shown["layers"][1]["read_by"] == ["7"]


def test_an_off_centre_crop_stays_a_branch(tmp_path: Path) -> None:
    """`crop: true` cuts the centre; a window cut elsewhere is not that: the paths are branches, the
    cut counted in its own."""
    g = Graph([1, 1, 12, 12])
    spec, report = read(g, small_unet(g, start=0), tmp_path)
    concat = spec.layers[2]
    assert isinstance(concat, Concat) and concat.with_ == () and len(concat.branches) == 2
    assert any(isinstance(layer, Counted) for branch in concat.branches for layer in branch)
    assert report.total == UNET_TOTAL


@pytest.mark.parametrize("source", ["the model's input", "an unnamed node", "a name two nodes share"])
def test_a_skip_without_a_name_of_its_own_stays_a_branch(source: str, tmp_path: Path) -> None:
    """x joined with f(x): by name when the layer that made x has a name nothing else has; else as
    concat's branches, an empty one the identity."""
    g = Graph([1, 4, 6, 6])
    x = "x" if source == "the model's input" else g.conv("x", "stem", 4, 4, 1)
    y = g.node("Relu", [g.conv(x, "f", 4, 2, 3, pads=[1, 1, 1, 1])], "f.relu")
    y = g.node("Concat", [x, y], "cat", axis=1)
    if source == "an unnamed node":
        g.nodes[0].name = ""
    elif source == "a name two nodes share":
        g.nodes[1].name = "stem"
    spec, report = read(g, y, tmp_path)
    concat = spec.layers[-1]
    assert isinstance(concat, Concat) and concat.with_ == () and [len(branch) for branch in concat.branches] == [0, 2]
    assert report.output_shape == (6, 6, 6)


def test_a_named_output_is_kept_out_of_a_repeat(tmp_path: Path) -> None:
    """Two identical conv-relu pairs would be `repeat: 2`, which keeps the first pair's names: the second
    relu, read by the join, stays a layer of its own."""
    g = Graph([1, 4, 8, 8])
    y = "x"
    for index in (1, 2):
        y = g.node("Relu", [g.conv(y, f"conv{index}", 4, 4, 3, pads=[1, 1, 1, 1])], f"relu{index}")
    skip = y
    y = g.conv(g.node("MaxPool", [skip], "pool", kernel_shape=[2, 2], strides=[2, 2]), "bottom", 4, 4, 3, pads=[1, 1, 1, 1])
    y = g.node("Concat", [resize(g, y, "up", scales=[1, 1, 2, 2]), skip], "cat", axis=1)
    spec, report = read(g, y, tmp_path)
    assert not any(isinstance(layer, Repeat) for layer in spec.layers)
    assert [layer.kind for layer in spec.layers] == ["conv", "relu", "conv", "relu", "maxpool", "conv", "upsample", "concat"]
    assert the(spec.layers[-1], Concat, with_=("relu2",)) and report.output_shape == (8, 8, 8)


def test_a_gate_that_is_no_squeeze_excite_is_a_named_multiply(tmp_path: Path) -> None:
    """x · σ(conv(x)) with a one-channel map: a spatial attention, multiplied in by name."""
    g = Graph([1, 3, 6, 6])
    stem = g.conv("x", "stem", 3, 4, 3, pads=[1, 1, 1, 1])
    gate = g.node("Sigmoid", [g.conv(stem, "attention", 4, 1, 1)], "attention.gate")
    y = g.node("Mul", [stem, gate], "gated")
    spec, report = read(g, y, tmp_path)
    conv, attention, sigmoid, multiply = spec.layers
    assert isinstance(conv, Conv) and isinstance(attention, Conv) and isinstance(sigmoid, Activation)
    assert the(multiply, Multiply, with_=("stem",)) and multiply.name == "gated"
    assert report.output_shape == (6, 6, 4)
    assert report.total == Cost(weights=108 + 4, biases=4 + 1, macs=36 * 4 * 27 + 36 * 4)


def test_a_pool_is_not_padded_by_a_pad(tmp_path: Path) -> None:
    """A max pool pads with −∞, a Pad with zeros: the Pad is counted, not the pool's padding."""
    g = Graph([1, 2, 4, 4])
    y = g.node("MaxPool", [pad(g, "x", "pad", [0, 0, 1, 1, 0, 0, 1, 1])], "pool", kernel_shape=[2, 2], strides=[2, 2])
    spec, _ = read(g, y, tmp_path)
    counted, pool = spec.layers
    assert isinstance(counted, Counted) and isinstance(pool, Pool)


def test_a_graph_of_every_decoder_pattern_imports_with_its_totals(tmp_path: Path) -> None:
    """`import` writes each as its kind, and the spec it writes gives the file's totals."""
    g = Graph([1, 1, 12, 12])
    y = small_unet(g)
    y = g.node("DepthToSpace", [torch_group_norm(g, y, "/gn", 2, 1)], "shuffle", blocksize=1, mode="CRD")
    y = resize(g, y, "larger", scales=[1, 1, 2, 2])
    path = g.save(y, tmp_path / "decoder.onnx")
    target = tmp_path / "decoder.yaml"
    result = runner.invoke(app, ["import", str(path), "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert "counted" not in text.split("\nlayers:\n")[1]
    for line in ('- groupnorm: {name: "/gn", groups: 1}', '- pixel_shuffle: {name: "shuffle", factor: 1}', '- upsample: {name: "larger", scale: 2}'):
        assert line in text
    assert (
        analyze(load_spec(str(target))).total
        == analyze(load_spec(str(path))).total
        == Cost(weights=UNET_TOTAL.weights + 2, biases=UNET_TOTAL.biases + 2, macs=UNET_TOTAL.macs)
    )


def forged(tmp_path: Path, op: str, attributes: dict[str, Any], output_shape: list[int], weight: bool = False, scales: list[float] | None = None) -> Path:
    """One node with hostile attributes, and the output's shape the file claims for it."""
    g = Graph([1, 4, 2, 2])
    inputs = ["x", g.weight("w", [4, 4, 2, 2])] if weight else ["x"]
    if scales is not None:
        inputs += ["", g.floats("scales", scales)]
    y = g.node(op, inputs, "hostile", **attributes)
    model = g.model(y)
    model.graph.output[0].CopyFrom(helper.make_tensor_value_info(y, TensorProto.FLOAT, output_shape))
    path = tmp_path / "hostile.onnx"
    onnx.save(model, str(path))
    return path


HOSTILE: dict[str, tuple[dict[str, Any], str]] = {
    "a blocksize of 0": (
        {"op": "DepthToSpace", "attributes": {"blocksize": 0, "mode": "CRD"}, "output_shape": [1, 4, 2, 2]},
        "'blocksize' must be a positive whole number, got 0",
    ),
    "a transposed convolution of no groups": (
        {"op": "ConvTranspose", "attributes": {"kernel_shape": [2, 2], "strides": [2, 2], "group": 0}, "output_shape": [1, 4, 4, 4], "weight": True},
        "node 'hostile' (ConvTranspose): 'group' must be a positive whole number, got 0",
    ),
    "a stride of 0": (
        {"op": "ConvTranspose", "attributes": {"kernel_shape": [2, 2], "strides": [0, 2]}, "output_shape": [1, 4, 4, 4], "weight": True},
        "node 'hostile' (ConvTranspose): 'strides' must be positive whole numbers, got [0, 2]",
    ),
    "a scale of 10¹² claiming an exact size": (
        {"op": "Resize", "attributes": {}, "output_shape": [1, 4, 2 * 10**12, 2 * 10**12], "scales": [1, 1, 1e12, 1e12]},
        "differ in dimension 2: (1999999991808) vs (2000000000000)",
    ),
    "a negative scale": ({"op": "Resize", "attributes": {}, "output_shape": [1, 4, 4, 4], "scales": [1, 1, -2, 2]}, "differ in dimension 2: (-4) vs (4)"),
}


@pytest.mark.parametrize(("node", "expected"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_decoder_nodes_exit_2_with_one_line(node: dict[str, Any], expected: str, tmp_path: Path) -> None:
    """What no kind could take (it would divide by zero, or make a length of nothing) is refused before
    it reaches one: a count below 1 by archcalc's rule for counts, a size ONNX's inference cannot make by it."""
    result = runner.invoke(app, ["show", str(forged(tmp_path, **node))])
    assert result.exit_code == 2 and result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    assert expected in result.stderr


def test_a_pad_of_two_to_the_forty_before_a_convolution_is_counted_exactly(tmp_path: Path) -> None:
    """A Pad PyTorch's padding cannot write (one side only) stays with its convolution, counted: its
    MACs are exact at any size."""
    g = Graph([1, 4, 2, 2])
    y = g.conv(pad(g, "x", "pad", [0, 0, 2**40, 0, 0, 0, 0, 0]), "conv", 4, 4, 1)
    spec, report = read(g, y, tmp_path)
    (layer,) = spec.layers
    assert isinstance(layer, Counted) and layer.name == "conv" and layer.output == (2**40 + 2, 2, 4)
    assert report.total == Cost(weights=16, biases=4, macs=(2**40 + 2) * 2 * 4 * 4)
