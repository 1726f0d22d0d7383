"""Decoders and dense prediction: the widening kinds and the per-sample norms, worked by hand; named
skips and side branches (what they read, what they refuse, where each error points); and how
receptive fields, memory, `show`, JSON and `diff` carry them."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine import analyze
from archcalc.engine.analysis import Request, analysis_of
from archcalc.engine.diff import diff_reports
from archcalc.engine.fields import receptive_fields
from archcalc.engine.memory import peak_activations
from archcalc.errors import ArchcalcError
from archcalc.formats.yaml.writer import spec_yaml
from archcalc.kinds.upsampling import inputs_reached, transposed_length
from archcalc.model import Cost
from archcalc.render import OutputFormat, ShowOptions, Terminal, render_show
from archcalc.render.json_format import report_json
from tests.conftest import ARCHSPECS, report_from, spec_from


def only_layer(input_shape: str, layer: str) -> tuple[tuple[int, ...], Cost]:
    (result,) = report_from(f"input: {input_shape}\nlayers:\n  - {layer}\n").layers
    return result.output_shape, result.cost


@pytest.mark.parametrize(
    ("input_shape", "layer", "shape", "cost"),
    [
        # (4−1)·2 − 2·1 + (4−1) + 1 = 8; weights C·k·filters = 8·16·4; every one of 16 inputs meets all 512
        ("4x4x8", "conv_transpose: {filters: 4, kernel: 4, stride: 2, padding: 1}", (8, 8, 4), Cost(512, 4, 0, 16 * 512)),
        # groups 4: each input channel meets 3×3 weights of the 12/4 = 3 filters of its group: 8·9·3 = 216
        ("6x6x8", "conv_transpose: {filters: 12, kernel: 3, groups: 4, bias: false}", (8, 8, 12), Cost(216, 0, 0, 36 * 216)),
        # 1-D: (5−1)·2 + 2·(3−1) + output_padding 1 + 1 = 14; 3·3·2 = 18 weights, 5 inputs × 18
        ("5x3", "conv_transpose: {filters: 2, kernel: 3, stride: 2, dilation: 2, output_padding: 1}", (14, 2), Cost(18, 2, 0, 90)),
        # 3-D, and per-axis arguments: axis 1 (3−1)·2 + 0 + 1 = 5, axis 2 (5−1) − 2 + 2 + 1 = 5
        ("2x2x2x4", "conv_transpose3d: {filters: 2, kernel: 2, stride: 2}", (4, 4, 4, 2), Cost(64, 2, 0, 8 * 64)),
        ("3x5x2", "conv_transpose: {filters: 1, kernel: [1, 3], stride: [2, 1], padding: [0, 1]}", (5, 5, 1), Cost(6, 1, 0, 15 * 6)),
        # DCGAN's first layer: 1×1×100 noise to 4×4×512, 100·16·512 weights, one input position
        ("1x1x100", "conv_transpose2d: {filters: 512, kernel: 4, bias: false}", (4, 4, 512), Cost(819_200, 0, 0, 819_200)),
        # upsample: no parameters, no MACs
        ("4x4x8", "upsample: 2", (8, 8, 8), Cost()),
        ("4x6x8", "upsample: {scale: [2, 3], mode: bilinear}", (8, 18, 8), Cost()),
        ("33x33x8", "upsample: {size: 65, mode: bilinear}", (65, 65, 8), Cost()),
        ("10x3", "upsample: {size: 4, mode: linear}", (4, 3), Cost()),
        ("2x2x2x1", "upsample: {scale: 3, mode: trilinear}", (6, 6, 6, 1), Cost()),
        # pixel shuffle: 18 = 2·3² channels become a 3×3 patch each
        ("4x4x18", "pixel_shuffle: 3", (12, 12, 2), Cost()),
        # group norm: a scale and a shift per channel; instance norm: PyTorch's default learns nothing
        ("8x8x16", "groupnorm: 4", (8, 8, 16), Cost(16, 16, 0, 0)),
        ("8x8x16", "groupnorm: {groups: 16, affine: false}", (8, 8, 16), Cost()),
        ("6", "groupnorm: 3", (6,), Cost(6, 6, 0, 0)),
        ("8x8x16", "instancenorm", (8, 8, 16), Cost()),
        ("8x8x16", "instancenorm: {affine: true}", (8, 8, 16), Cost(16, 16, 0, 0)),
    ],
)
def test_each_kind_by_hand(input_shape: str, layer: str, shape: tuple[int, ...], cost: Cost) -> None:
    assert only_layer(input_shape, layer) == (shape, cost)


def test_a_transposed_convolution_counts_inputs_not_outputs() -> None:
    """The miscount peers made: output positions × C_in·k·C_out/groups, stride² times too many."""
    _, cost = only_layer("16x16x64", "conv_transpose: {filters: 32, kernel: 2, stride: 2}")
    assert cost.macs == 16 * 16 * 64 * 4 * 32
    assert cost.macs * 4 == 32 * 32 * 32 * 4 * 64  # what counting by the 32×32 outputs would say


@given(
    length=st.integers(1, 12),
    kernel=st.integers(1, 6),
    stride=st.integers(1, 4),
    padding=st.integers(0, 3),
    dilation=st.integers(1, 3),
    extra=st.integers(0, 3),
)
def test_transposed_length_agrees_with_scattering_every_input(length: int, kernel: int, stride: int, padding: int, dilation: int, extra: int) -> None:
    """Input i writes through tap t to position i·s + t·d of the full output; padding cuts p positions
    from each end of it, and output_padding adds positions at the far end."""
    written = {i * stride + t * dilation for i in range(length) for t in range(kernel)}
    assert transposed_length(length, kernel, stride, padding, extra, dilation) == max(written) + 1 - 2 * padding + extra


@given(kernel=st.integers(1, 9), stride=st.integers(1, 5), dilation=st.integers(1, 4))
def test_inputs_reached_agrees_with_enumerating_outputs(kernel: int, stride: int, dilation: int) -> None:
    """Output o takes input i through tap t when o = i·s + t·d: the widest spread of inputs reaching one output."""
    widest = 0
    for output in range(stride * dilation * kernel, 3 * stride * dilation * kernel):
        reached = [(output - tap * dilation) // stride for tap in range(kernel) if (output - tap * dilation) % stride == 0]
        if reached:
            widest = max(widest, max(reached) - min(reached))
    assert inputs_reached(kernel, stride, dilation) == widest


UNET_LIKE = """
    input: 12x12x1
    layers:
      - conv: {filters: 4, kernel: 3, name: down}
      - maxpool: 2
      - conv: {filters: 8, kernel: 3}
      - conv_transpose: {filters: 4, kernel: 2, stride: 2}
      - concat: {with: down, crop: true}
      - conv: {filters: 2, kernel: 1}
"""


def test_a_skip_joins_the_encoder_cropped_to_the_decoder() -> None:
    report = report_from(UNET_LIKE)
    down, _, _, up, join, classes = report.layers
    assert down.output_shape == (10, 10, 4)
    assert up.output_shape == (6, 6, 4)  # 10 → 5 → 3 → 6
    assert join.output_shape == (6, 6, 8)  # 4 + 4 channels, the 10×10 map cut to 6×6
    assert join.joined == (down,)
    assert join.cost == Cost()
    assert classes.output_shape == (6, 6, 2)


def test_joins_read_one_name_or_several() -> None:
    report = report_from(
        """
        input: 4x4x8
        layers:
          - conv: {filters: 8, kernel: 1, name: a}
          - conv: {filters: 8, kernel: 1, name: b}
          - add: {with: [a, b]}
          - conv: {filters: 2, kernel: 1}
          - concat: {with: [a, b]}
        """
    )
    assert [source.layer.name for source in report.layers[2].joined] == ["a", "b"]
    assert report.output_shape == (4, 4, 2 + 8 + 8)


def test_multiply_broadcasts_an_axis_of_1_either_way() -> None:
    channels = report_from(
        """
        input: 4x4x8
        layers:
          - branch: {name: gate, layers: [adaptive_avgpool: 1, conv: {filters: 8, kernel: 1}, sigmoid]}
          - multiply: gate
        """
    )
    assert channels.output_shape == (4, 4, 8)
    positions = report_from(
        """
        input: 4x4x8
        layers:
          - branch: {name: where, layers: [conv: {filters: 1, kernel: 1}]}
          - adaptive_avgpool: 1
          - multiply: where
        """
    )
    assert positions.output_shape == (4, 4, 8)  # a 1×1×8 tensor times a 4×4×1 map


def test_a_branch_leaves_the_path_as_it_was_and_counts() -> None:
    report = report_from(
        """
        input: 8x8x4
        layers:
          - conv: {filters: 8, kernel: 3, padding: 1, name: features}
          - conv: {filters: 16, kernel: 3, stride: 2, padding: 1}
          - branch:
              name: aux
              from: features
              layers: [global_avgpool, dense: 10]
          - global_avgpool
          - dense: 3
        """
    )
    features, _, aux, pooled, _ = report.layers
    assert aux.input_shape == (8, 8, 8) and aux.output_shape == (10,)
    assert aux.joined == (features,)
    assert pooled.input_shape == (4, 4, 16)  # the tensor before the branch
    assert aux.cost == Cost(80, 10, 0, 80)
    assert report.total.params == (288 + 8) + (1152 + 16) + 90 + (48 + 3)
    assert report.output_shape == (3,)
    assert report.side_outputs == (aux,)


FEATURE_PYRAMID = """
    input: 32x32x3
    defaults:
      conv: {padding: 1}
    layers:
      - conv: {filters: 16, kernel: 3, stride: 4, name: c3}
      - conv: {filters: 32, kernel: 3, stride: 2, name: c4}
      - conv: {filters: 64, kernel: 3, stride: 2, name: c5}
      # torchvision's FeaturePyramidNetwork: a 1×1 lateral conv per level, the coarser level
      # upsampled (nearest) and added, then a 3×3 conv per level: one output each
      - branch: {name: inner5, layers: [conv: {filters: 8, kernel: 1, padding: 0}]}
      - branch: {name: p5, from: inner5, layers: [conv: {filters: 8, kernel: 3}]}
      - branch: {name: down5, from: inner5, layers: [upsample: {like: c4}]}
      - branch: {name: inner4, from: c4, layers: [conv: {filters: 8, kernel: 1, padding: 0}, add: down5]}
      - branch: {name: p4, from: inner4, layers: [conv: {filters: 8, kernel: 3}]}
      - branch: {name: down4, from: inner4, layers: [upsample: {like: c3}]}
      - branch: {name: inner3, from: c3, layers: [conv: {filters: 8, kernel: 1, padding: 0}, add: down4]}
      - branch: {name: p3, from: inner3, layers: [conv: {filters: 8, kernel: 3}]}
"""


def test_a_feature_pyramid_has_an_output_per_level() -> None:
    report = report_from(FEATURE_PYRAMID)
    assert [(side.layer.name, side.output_shape) for side in report.side_outputs] == [("p5", (2, 2, 8)), ("p4", (4, 4, 8)), ("p3", (8, 8, 8))]
    assert report.output_shape == (2, 2, 64)  # the backbone's: every pyramid layer is a branch
    backbone = (27 * 16 + 16) + (144 * 32 + 32) + (288 * 64 + 64)
    laterals = (16 * 8 + 8) + (32 * 8 + 8) + (64 * 8 + 8)
    assert report.total.params == backbone + laterals + 3 * (9 * 8 * 8 + 8)


def test_a_branch_last_does_not_become_the_output_and_one_read_later_is_no_side_output() -> None:
    last = report_from("input: 4x4x2\nlayers:\n  - conv: {filters: 3, kernel: 1}\n  - branch: [flatten]\n")
    assert last.output_shape == (4, 4, 3)
    assert last.side_outputs == (last.layers[-1],)
    read = report_from("input: 4x4x2\nlayers:\n  - branch: {name: b, layers: [conv: {filters: 2, kernel: 1}]}\n  - add: b\n")
    assert read.side_outputs == ()
    alone = report_from("input: 4x4x2\nlayers:\n  - conv: {filters: 3, kernel: 1, name: c}\n  - relu\n  - branch: {from: c}\n")
    assert alone.side_outputs[0].output_shape == (4, 4, 3)  # a named output, offered as an extra output


def test_a_branch_inside_a_path_leaves_that_path_as_it_was() -> None:
    report = report_from("input: 4x4x2\nlayers:\n  - residual: [{conv: {filters: 2, kernel: 1}}, {branch: [flatten, {dense: 3}]}]\n")
    assert report.output_shape == (4, 4, 2)


def test_a_name_inside_a_repeat_reads_its_latest_pass() -> None:
    report = report_from(
        """
        input: 16x16x2
        layers:
          - repeat: {times: 3, layers: [conv: {filters: 2, kernel: 3, stride: 2, padding: 1, name: step}]}
          - upsample: {like: step}
          - branch: {from: step, layers: [flatten]}
        """
    )
    assert report.layers[1].output_shape == (2, 2, 2)
    assert report.layers[2].output_shape == (8,)


def test_upsample_like_takes_a_named_layers_size() -> None:
    report = report_from(
        """
        input: 20x20x3
        layers:
          - conv: {filters: 4, kernel: 3, stride: 2, padding: 1, name: low}
          - conv: {filters: 4, kernel: 3, stride: 2, padding: 1}
          - upsample: {like: low, mode: bilinear}
          - add: low
        """
    )
    assert report.output_shape == (10, 10, 4)


# Bad arguments: the message, and the line:column it points at.
BAD_ARGUMENTS = [
    ("conv_transpose: {filters: 4, kernel: 3, padding: same}", "3:54: layer 1 (conv_transpose): 'padding' must be a whole number, got 'same'"),
    ("conv_transpose: {filters: 4, kernel: 3, output_padding: -1}", "3:61: layer 1 (conv_transpose): 'output_padding' must be at least 0, got -1"),
    ("upsample: {mode: bilinear}", "3:5: layer 1 (upsample): upsample needs one of 'scale', 'size' or 'like'"),
    ("upsample: {scale: 2, size: 8}", "3:32: layer 1 (upsample): give one of 'scale', 'size' or 'like', not scale and size"),
    (
        "upsample: {scale: 2, mode: bilinar}",
        "3:32: layer 1 (upsample): 'mode' must be one of nearest, linear, bilinear, bicubic, trilinear, got 'bilinar'; did you mean 'bilinear'?",
    ),
    ("pixel_shuffle: 0", "3:20: layer 1 (pixel_shuffle): 'factor' must be at least 1, got 0"),
    ("groupnorm: {affine: true}", "3:5: layer 1 (groupnorm): missing required argument 'groups'"),
    ("add: 4", "3:10: layer 1 (add): 'with' takes the name of an earlier layer or a list of names, got 4"),
    ("add: {with: []}", "3:17: layer 1 (add): 'with' takes the name of an earlier layer or a list of names, got an empty list"),
    ("add: {with: [x, 3]}", "3:21: layer 1 (add): 'with' takes the name of an earlier layer or a list of names, got 3"),
    ("concat: {}", "3:5: layer 1 (concat): concat needs 'branches' to join, or 'with' naming earlier layers to join the current tensor with"),
    ("concat: {branches: [[], []], crop: true}", "3:40: layer 1 (concat): 'crop' cuts the outputs named in 'with', and there are none"),
    ("branch: {from: 3}", "3:20: layer 1 (branch): 'from' takes the name of an earlier layer, got 3"),
]


@pytest.mark.parametrize(("layer", "message"), BAD_ARGUMENTS)
def test_bad_arguments_are_located(layer: str, message: str) -> None:
    with pytest.raises(ArchcalcError) as caught:
        analyze(spec_from(f"input: 4x4x8\nlayers:\n  - {layer}\n", "bad.yaml"))
    assert caught.value.message == f"bad.yaml:{message}"


# Shapes that cannot be computed, and names that cannot be read: the whole message.
BAD_SHAPES = [
    (
        "input: 4x4x8\nlayers:\n  - conv_transpose: {filters: 4, kernel: 3, output_padding: 1}\n",
        "3:5: layer 1 (conv_transpose): output_padding 1 on spatial axis 1 must be smaller than the stride (1) or the dilation (1); PyTorch refuses it",
    ),
    (
        "input: 2x2x8\nlayers:\n  - conv_transpose: {filters: 4, kernel: 1, padding: 1}\n",
        "3:5: layer 1 (conv_transpose): the output length (2−1)·1 − 2·1 + 1·(1−1) + 0 + 1 = 0 on spatial axis 1 is not positive: "
        "the padding cuts more than the layer makes",
    ),
    (
        "input: 4x4x6\nlayers:\n  - conv_transpose: {filters: 4, kernel: 3, groups: 4}\n",
        "3:5: layer 1 (conv_transpose): groups=4 does not divide the 6 input channels",
    ),
    (
        "input: 4x4x8\nlayers:\n  - conv_transpose: {filters: 6, kernel: 3, groups: 4}\n",
        "3:5: layer 1 (conv_transpose): groups=4 does not divide the 6 filters",
    ),
    (
        "input: 4x4x8\nlayers:\n  - conv_transpose1d: {filters: 4, kernel: 3}\n",
        "3:5: layer 1 (conv_transpose): conv_transpose1d needs an input with 1 spatial axes and channels last, got [4, 4, 8]",
    ),
    (
        "input: 16x8\nlayers:\n  - upsample: {scale: 2, mode: bilinear}\n",
        "3:5: layer 1 (upsample): mode 'bilinear' works on 2 spatial axes, and the input [16, 8] has 1; use linear, or nearest",
    ),
    ("input: 8\nlayers:\n  - upsample: 2\n", "3:5: layer 1 (upsample): upsample needs spatial axes and channels (e.g. 28x28x1), got the flat vector [8]"),
    ("input: 4x4x6\nlayers:\n  - pixel_shuffle: 2\n", "3:5: layer 1 (pixel_shuffle): the 6 channels do not divide into groups of 2² = 4"),
    (
        "input: 16x8\nlayers:\n  - pixel_shuffle: 2\n",
        "3:5: layer 1 (pixel_shuffle): pixel_shuffle works on 2 spatial axes (H×W×C), as torch.nn.PixelShuffle; the input [16, 8] has 1",
    ),
    ("input: 4x4x6\nlayers:\n  - groupnorm: 4\n", "3:5: layer 1 (groupnorm): groups=4 does not divide the 6 channels"),
    (
        "input: 4\nlayers:\n  - groupnorm: 4\n",
        "3:5: layer 1 (groupnorm): each of the 4 groups normalises a single value (1 channel at 1 position); PyTorch refuses it",
    ),
    (
        "input: 8\nlayers:\n  - instancenorm\n",
        "3:5: layer 1 (instancenorm): instancenorm needs spatial axes and channels (e.g. 28x28x1), got the flat vector [8]",
    ),
    (
        "input: 1x1x8\nlayers:\n  - instancenorm\n",
        "3:5: layer 1 (instancenorm): an instance norm over a single position normalises a single value per channel; PyTorch refuses it",
    ),
    # a name that is unknown (with the likely typo), defined later, written twice, or the layer's own container
    (
        "input: 4x4x8\nlayers:\n  - conv: {filters: 8, kernel: 1, name: down4}\n  - add: dwn4\n",
        "4:5: layer 2 (add): no layer is named 'dwn4'; did you mean 'down4'?",
    ),
    (
        "input: 4x4x8\nlayers:\n  - branch: {from: nowhere, layers: [relu]}\n",
        "3:5: layer 1 (branch): no layer is named 'nowhere'; a layer is given a name with `name:`",
    ),
    ("input: 4x4x8\nlayers:\n  - upsample: {like: skip}\n", "3:5: layer 1 (upsample): no layer is named 'skip'; a layer is given a name with `name:`"),
    (
        "input: 4x4x8\nlayers:\n  - add: up\n  - conv: {filters: 8, kernel: 1, name: up}\n",
        "3:5: layer 1 (add): 'up' is layer 2 (conv 'up') on line 4, which comes after this one; a layer can only read the output of one applied before it",
    ),
    (
        "input: 4x4x8\nlayers:\n  - repeat: {times: 2, layers: [add: late, conv: {filters: 8, kernel: 1, name: late}]}\n",
        "3:33: layer 1.1 (add): 'late' is layer 1.2 (conv 'late') on line 3, which comes after this one; "
        "a layer can only read the output of one applied before it",
    ),
    (
        "input: 4x4x8\nlayers:\n  - conv: {filters: 8, kernel: 1, name: x}\n  - conv: {filters: 8, kernel: 1, name: x}\n  - add: x\n",
        "5:5: layer 3 (add): 'x' names two layers, layer 1 (conv 'x') on line 3 and layer 2 (conv 'x') on line 4; give each a name of its own",
    ),
    (
        "input: 4x4x8\nlayers:\n  - add: x\n  - conv: {filters: 8, kernel: 1, name: x}\n  - conv: {filters: 8, kernel: 1, name: x}\n",
        "3:5: layer 1 (add): 'x' names two layers, layer 2 (conv 'x') on line 4 and layer 3 (conv 'x') on line 5; give each a name of its own",
    ),
    (
        "input: 4x4x8\nlayers:\n  - block: {name: outer, layers: [conv: {filters: 8, kernel: 1}, add: outer]}\n",
        "3:66: layer 1.2 (add): 'outer' is layer 1 (block 'outer') on line 3, which contains this one; its output is not ready until this layer has run",
    ),
    # named outputs whose shapes cannot join
    (
        "input: 4x4x8\nlayers:\n  - conv: {filters: 8, kernel: 3, padding: 1, name: skip}\n  - conv: {filters: 8, kernel: 3}\n  - add: skip\n",
        "5:5: layer 3 (add): cannot add 'skip' [4, 4, 8] (layer 1 (conv 'skip') on line 3) to the current [2, 2, 8]: an addition needs equal shapes; "
        "`crop: true` cuts the larger output to size first, centred, as U-Net's copy and crop",
    ),
    (
        "input: 4x4x8\nlayers:\n  - conv: {filters: 4, kernel: 1, name: skip}\n  - conv: {filters: 8, kernel: 1}\n  - add: skip\n",
        "5:5: layer 3 (add): cannot add 'skip' [4, 4, 4] (layer 1 (conv 'skip') on line 3) to the current [4, 4, 8]: an addition needs equal shapes",
    ),
    (
        "input: 4x4x8\nlayers:\n  - conv: {filters: 4, kernel: 3, padding: 1, name: skip}\n  - maxpool: 2\n  - concat: {with: skip}\n",
        "5:5: layer 3 (concat): cannot join 'skip' [4, 4, 4] (layer 1 (conv 'skip') on line 3) with the current [2, 2, 4]: "
        "all axes but the channels must be equal; `crop: true` cuts the larger output to size first, centred, as U-Net's copy and crop",
    ),
    (
        "input: 4x4x8\nlayers:\n  - conv: {filters: 4, kernel: 3, name: skip}\n  - conv_transpose: {filters: 4, kernel: 3}\n"
        "  - concat: {with: skip, crop: true}\n",
        "5:5: layer 3 (concat): cannot crop 'skip' [2, 2, 4] (layer 1 (conv 'skip') on line 3) to [4, 4, 4]: "
        "it is smaller on a spatial axis, and cropping only cuts",
    ),
    (
        "input: 4x4x8\nlayers:\n  - conv: {filters: 4, kernel: 3, name: skip}\n  - flatten\n  - concat: {with: skip, crop: true}\n",
        "5:5: layer 3 (concat): cannot crop 'skip' [2, 2, 4] (layer 1 (conv 'skip') on line 3) to [16]: cropping needs the same spatial axes on both",
    ),
    (
        "input: 4x4x8\nlayers:\n  - conv: {filters: 4, kernel: 1, name: gate}\n  - conv: {filters: 8, kernel: 1}\n  - multiply: gate\n",
        "5:5: layer 3 (multiply): cannot multiply the current [4, 4, 8] by 'gate' [4, 4, 4] (layer 1 (conv 'gate') on line 3): each axis must be equal, "
        "or 1 on one side; a gate may have 1 on any axis: 1×1×C scales the channels, H×W×1 the positions",
    ),
    (
        "input: 4x4x8\nlayers:\n  - branch: {name: gate, layers: [global_avgpool]}\n  - multiply: gate\n",
        "4:5: layer 2 (multiply): cannot multiply the current [4, 4, 8] by 'gate' [8] (layer 1 (branch 'gate') on line 3): each axis must be equal, "
        "or 1 on one side; a gate may have 1 on any axis: 1×1×C scales the channels, H×W×1 the positions",
    ),
    (
        "input: 4x4x8\nlayers:\n  - conv: {filters: 2, kernel: 1, name: v}\n  - flatten\n  - upsample: {like: v}\n",
        "5:5: layer 3 (upsample): upsample needs spatial axes and channels (e.g. 28x28x1), got the flat vector [32]",
    ),
    (
        "input: 4x4x8\nlayers:\n  - flatten: {name: v}\n  - branch: {from: v, layers: [{conv: {filters: 2, kernel: 1}}]}\n",
        "4:32: layer 2.1 (conv): conv needs spatial axes and channels (e.g. 28x28x1), got the flat vector [128]",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_SHAPES)
def test_bad_shapes_and_names_are_located(text: str, message: str) -> None:
    with pytest.raises(ArchcalcError) as caught:
        analyze(spec_from(text, "bad.yaml"))
    assert caught.value.message == f"bad.yaml:{message}"


def test_a_bad_name_exits_2_with_one_located_line(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "skips.yaml"
    path.write_text("input: 4x4x8\nlayers:\n  - conv: {filters: 8, kernel: 1, name: down4}\n  - concat: {with: down5}\n")
    result = CliRunner().invoke(app, ["show", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"archcalc: error: {path}:4:5: layer 2 (concat): no layer is named 'down5'; did you mean 'down4'?\n"


def field_after(text: str, position: int = -1) -> tuple[object, object, bool]:
    report = report_from(text)
    field = receptive_fields(report)[id(report.layers[position])]
    return field.size, field.jump, field.approximate


def test_a_transposed_convolution_divides_the_jump() -> None:
    # a 3×3 stride-2 conv: field 3, jump 2; a 4×4 stride-2 transposed conv reaches 2 inputs, 1 step
    # apart: 3 + 1·2 = 5, jump 2/2 = 1, and from an upsampling on the field is an estimate
    text = "input: 16x16x1\nlayers:\n  - conv: {filters: 2, kernel: 3, stride: 2, padding: 1}\n"
    text += "  - conv_transpose: {filters: 2, kernel: 4, stride: 2, padding: 1}\n"
    assert field_after(text) == ((5, 5), (1, 1), True)
    # from one position: a 2×2 stride-2 transposed conv gives each output one input, half a position apart
    assert field_after("input: 8x8x1\nlayers:\n  - conv_transpose: {filters: 1, kernel: 2, stride: 2}\n") == ((1, 1), (Fraction(1, 2),) * 2, True)
    # a stride-1 transposed convolution is a convolution: exact
    assert field_after("input: 8x8x1\nlayers:\n  - conv_transpose: {filters: 1, kernel: 3}\n") == ((3, 3), (1, 1), False)


def test_upsampling_fields() -> None:
    # nearest ×2 then a 3×3 conv: the conv's 3 outputs span 2 half-positions: 1 + 2·½ = 2
    nearest = "input: 8x8x1\nlayers:\n  - upsample: 2\n  - conv: {filters: 1, kernel: 3, padding: 1}\n"
    assert field_after(nearest, 0) == ((1, 1), (Fraction(1, 2),) * 2, True)
    assert field_after(nearest) == ((2, 2), (Fraction(1, 2),) * 2, True)
    # bilinear reads 2 neighbours along an axis it resizes, none along one it keeps; 33 → 65 is a jump of 33/65
    assert field_after("input: 33x8x1\nlayers:\n  - upsample: {size: [65, 8], mode: bilinear}\n") == ((2, 1), (Fraction(33, 65), 1), True)
    assert field_after("input: 8x8x4\nlayers:\n  - pixel_shuffle: 2\n") == ((1, 1), (Fraction(1, 2),) * 2, True)


def test_fields_carry_through_joins_and_branches() -> None:
    # the skip's 3×3 field joins the decoder's wider one; the branch starts from the skip's field
    text = """
        input: 16x16x1
        layers:
          - conv: {filters: 2, kernel: 3, padding: 1, name: skip}
          - conv: {filters: 2, kernel: 5, padding: 2}
          - add: skip
          - branch: {from: skip, layers: [conv: {filters: 2, kernel: 3, stride: 2, padding: 1}]}
    """
    assert field_after(text, 2) == ((7, 7), (1, 1), False)
    assert field_after(text, 3) == ((5, 5), (2, 2), False)
    report = report_from(UNET_LIKE)
    fields = receptive_fields(report)
    assert fields[id(report.layers[4])].size == (8, 8)  # the decoder's 3 + 1 + 2·2 + 0 meets the skip's 3


def test_a_repeat_that_joins_a_name_walks_its_passes() -> None:
    text = """
        input: 32x1
        layers:
          - conv: {filters: 1, kernel: 3, padding: 1, name: base}
          - repeat: {times: 4, layers: [conv: {filters: 1, kernel: 3, padding: 1}, add: base]}
    """
    assert field_after(text) == ((11,), (1,), False)  # 3, then 2 more a pass: base's 3 never wins


def test_memory_holds_a_skip_until_it_is_joined() -> None:
    report = report_from(
        """
        input: 4x4x1
        layers:
          - conv: {filters: 2, kernel: 1, name: a}
          - maxpool: 2
          - conv_transpose: {filters: 2, kernel: 2, stride: 2}
          - concat: {with: a}
        """
    )
    # conv 16 + 32; pool 32 + 8 (a is its input); transposed conv 8 + 32 + a held 32 = 72;
    # concat 32 in + 64 out + a joined 32 = 128
    assert peak_activations(report) == 128


def test_memory_holds_the_main_path_while_a_branch_runs() -> None:
    report = report_from(
        """
        input: 4x4x1
        layers:
          - conv: {filters: 4, kernel: 1}
          - branch: [conv: {filters: 8, kernel: 1}, global_avgpool]
          - conv: {filters: 2, kernel: 1}
        """
    )
    # the branch's pool: 128 in + 8 out, while the main path's 64 values wait
    assert peak_activations(report) == 200


def test_show_marks_the_graph() -> None:
    report = report_from(
        """
        input: 8x8x4
        layers:
          - conv: {filters: 4, kernel: 3, padding: 1, name: enc}
          - branch: {name: aux, layers: [global_avgpool, dense: 10]}
          - conv: {filters: 4, kernel: 3, padding: 1}
          - add: enc
        """
    )
    text = render_show(analysis_of(report), OutputFormat.TABLE, Terminal(width=200), ShowOptions())
    assert "enc: conv 3×3, 4 filters, pad 1 · read by #4" in text
    assert "aux: branch · side output" in text
    assert "add enc (#1)" in text
    assert "side outputs, counted in the totals: aux 10 (#2)" in text


def test_json_carries_the_graph() -> None:
    report = report_from(UNET_LIKE + "      - branch: {name: aux, from: down, layers: [global_avgpool]}\n")
    document = report_json(analysis_of(report, Request(receptive_field=True)))
    layers = document["layers"]
    assert isinstance(layers, list)
    assert layers[0]["read_by"] == ["5", "7"]
    assert layers[4]["reads"] == [{"name": "down", "position": "1"}]
    assert layers[6]["side_output"] is True and layers[6]["reads"] == [{"name": "down", "position": "1"}]
    assert document["side_outputs"] == [{"name": "aux", "position": "7", "output_shape": [4]}]
    assert layers[3]["receptive_field"] == {"size": [8, 8], "stride": [1, 1], "approximate": True}
    assert report_json(analysis_of(report_from("input: 4x4x1\nlayers: [{upsample: 2}]"), Request(receptive_field=True)))["layers"][0]["receptive_field"] == {  # type: ignore[index]
        "size": [1, 1],
        "stride": [0.5, 0.5],
        "approximate": True,
    }
    json.dumps(document)


def changed_kinds(base: str, head: str) -> list[tuple[str, str]]:
    """Each row of the diff that is not the same: how it changed, and its kind."""
    rows = []
    for layer in diff_reports(analyze(spec_from(base)), analyze(spec_from(head))).layers:
        side = layer.head or layer.base
        if layer.change.value != "same" and side is not None:
            rows.append((layer.change.value, side.result.layer.kind))
    return rows


def test_diff_lines_up_specs_with_joins() -> None:
    unet = (ARCHSPECS / "zoo" / "unet.yaml").read_text()
    three_classes = unet.replace("conv: {filters: 2, kernel: 1, name: classes}", "conv: {filters: 3, kernel: 1, name: classes}")
    assert changed_kinds(unet, three_classes) == [("changed", "conv")]
    # a wider down4 widens what reads it: the pool below it, the bottom block, and the join that crops it
    wider = unet.replace(
        "name: down4, layers: [conv: {filters: 512}, relu, conv: {filters: 512}, relu]",
        "name: down4, layers: [conv: {filters: 512}, relu, conv: {filters: 640}, relu]",
    )
    assert changed_kinds(unet, wider) == [("changed", "block"), ("changed", "maxpool"), ("changed", "block"), ("changed", "concat"), ("changed", "block")]
    # a join inserted lines up as an added row
    added = unet.replace("  - conv: {filters: 2, kernel: 1, name: classes}", "  - add: up1\n  - conv: {filters: 2, kernel: 1, name: classes}")
    assert changed_kinds(unet, added) == [("added", "add")]


@pytest.mark.parametrize("name", ["unet", "torchvision/segmentation/lraspp_mobilenet_v3_large", "torchvision/segmentation/deeplabv3_resnet50"])
def test_the_spec_writer_writes_joins_and_branches_back(name: str) -> None:
    """`archcalc import` writes specs through spec_yaml: names, `with`, `from`, `crop` and `like`
    survive the round trip, and so every figure."""
    spec = spec_from((ARCHSPECS / "zoo" / f"{name}.yaml").read_text())
    written = spec_yaml(spec)
    assert "with:" in written or "from:" in written
    again = analyze(spec_from(written))
    first = analyze(spec)
    assert (again.total, again.output_shape, len(again.side_outputs)) == (first.total, first.output_shape, len(first.side_outputs))
