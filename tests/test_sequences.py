"""Sequences, attention and recurrent layers: each kind's rule with numbers worked by hand, its bad
arguments with their exact located messages, tied weights, and what `sweep`, `--explain`,
`--memory` and `--receptive-field` say of sequences."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.engine import analyze
from archcalc.engine.analysis import Request, analysis_of
from archcalc.engine.fields import receptive_fields
from archcalc.engine.report import walk
from archcalc.engine.sweep import resized, sweep
from archcalc.errors import ArchcalcError, ShapeError
from archcalc.formats import load_spec
from archcalc.model import Cost, DType
from archcalc.render.layer_text import explain
from archcalc.render.show import show_grid
from tests.conftest import ARCHSPECS, ROOT, report_from, spec_from

LANGUAGE = ARCHSPECS / "zoo" / "language"


def only_layer(input_shape: str, layer: str) -> tuple[tuple[int, ...], Cost]:
    (result,) = report_from(f"input: {input_shape}\nlayers:\n  - {layer}\n").layers
    return result.output_shape, result.cost


@pytest.mark.parametrize(
    ("input_shape", "layer", "shape", "cost"),
    [
        # embedding: a vocab × dim table; the ids' shape gains an axis
        ("10", "embedding: {vocab: 100, dim: 16}", (10, 16), Cost(1_600)),
        ("3x4", "embedding: {vocab: 5, dim: 2}", (3, 4, 2), Cost(10)),
        # tokens: the positions in order
        ("4x4x8", "tokens", (16, 8), Cost()),
        ("2x3x4x5", "tokens", (24, 5), Cost()),
        ("10x3", "tokens", (10, 3), Cost()),
        # class token: D; position table: length·D (length = N by default); segment table: types·D
        ("9x16", "class_token", (10, 16), Cost(16)),
        ("10x16", "position_embedding", (10, 16), Cost(160)),
        ("10x16", "position_embedding: 12", (10, 16), Cost(192)),
        ("10x16", "segment_embedding", (10, 16), Cost(32)),
        ("10x16", "segment_embedding: 3", (10, 16), Cost(48)),
        ("10x16", "take: 0", (16,), Cost()),
        ("10x16", "take: -10", (16,), Cost()),
        # attention, 10 tokens of 16, 4 heads of 4: 4·16² weights + 4·16 biases; projections 4·10·16·16 = 10,240,
        # scores and weighted sum 10·10·16 = 1,600 each
        ("10x16", "attention: 4", (10, 16), Cost(1_024, 64, 0, 10_240 + 2 * 1_600)),
        ("10x16", "attention: {heads: 4, bias: false, causal: true}", (10, 16), Cost(1_024, 0, 0, 13_440)),
        # grouped-query: 2 kv heads of 4: q and out 16·16, k and v 16·8 each; biases 16 + 8 + 8 + 16
        ("10x16", "attention: {heads: 4, kv_heads: 2}", (10, 16), Cost(768, 48, 0, 2_560 + 2 * 1_280 + 2_560 + 2 * 1_600)),
        # a head width of its own: 4 heads of 3 on a width 6: each projection 6·12 = 72
        ("10x6", "attention: {heads: 4, head_dim: 3}", (10, 6), Cost(288, 42, 0, 4 * 10 * 6 * 12 + 2 * 10 * 10 * 12)),
        # cross-attention over 7 tokens: k and v read 7 tokens, scores are 10 × 7
        ("10x16", "attention: {heads: 2, context: 7}", (10, 16), Cost(1_024, 64, 0, 2_560 + 2 * 7 * 256 + 2_560 + 2 * 10 * 7 * 16)),
        # gated MLP: gate, up and down, 3·16·32 each position
        ("10x16", "gated_mlp: 32", (10, 16), Cost(1_536, 0, 0, 15_360)),
        ("10x16", "gated_mlp: {hidden: 32, activation: gelu, bias: true}", (10, 16), Cost(1_536, 80, 0, 15_360)),
        ("16", "gated_mlp: 2", (16,), Cost(96, 0, 0, 96)),
        ("10x16", "rmsnorm", (10, 16), Cost(16)),
        ("10x16", "layernorm: {bias: false}", (10, 16), Cost(16)),
        # recurrent: g·H·(I + H) weights and 2·g·H biases per layer and direction; N steps use every weight
        ("10x16", "lstm: 8", (10, 8), Cost(4 * 8 * 24, 2 * 4 * 8, 0, 10 * 768)),
        ("10x16", "gru: 8", (10, 8), Cost(3 * 8 * 24, 2 * 3 * 8, 0, 10 * 576)),
        ("10x16", "rnn: {hidden: 8, bias: false}", (10, 8), Cost(192, 0, 0, 1_920)),
        # two bidirectional layers: the second reads 2·8 = 16 values a step
        ("10x16", "lstm: {hidden: 8, layers: 2, bidirectional: true}", (10, 16), Cost(2 * 4 * 8 * 24 + 2 * 4 * 8 * 24, 4 * 64, 0, 10 * 3_072)),
        ("10x16", "gru: {hidden: 8, layers: 3, sequences: false}", (8,), Cost(576 + 2 * 3 * 8 * 16, 3 * 48, 0, 10 * (576 + 768))),
        # layers past any list's length (a fuzzed input once listed them, and overflowed): 1 + (10^30 − 1) layers of 8·(8 + 8)
        ("10x16", f"lstm: {{hidden: 8, layers: {10**30}}}", (10, 8), Cost(768 + (10**30 - 1) * 512, 10**30 * 64, 0, 10 * (768 + (10**30 - 1) * 512))),
    ],
)
def test_sequence_layer_formula(input_shape: str, layer: str, shape: tuple[int, ...], cost: Cost) -> None:
    assert only_layer(input_shape, layer) == (shape, cost)


def test_attention_with_its_defaults_is_pytorchs_multihead_attention() -> None:
    _, cost = only_layer("197x768", "attention: 12")
    assert cost.params == 4 * 768**2 + 4 * 768 == 2_362_368


def test_a_tied_head_counts_its_bias_only_and_all_its_macs() -> None:
    report = report_from(
        """
        input: 5
        layers:
          - embedding: {vocab: 10, dim: 4, name: wte}
          - dense: {units: 10, tie: wte}
        """
    )
    _, head = report.layers
    assert head.output_shape == (5, 10)
    assert head.cost == Cost(0, 10, 0, 5 * 4 * 10)
    assert report.total.params == 40 + 10
    assert explain(head).splitlines()[0] == "4×10 weights tied to 'wte', counted there; here = 0 weights + 10 biases = 10"


# Each bad spec and its whole message: the file, line and column, the layer, the problem.
BAD_ARGUMENTS = [
    (
        "input: 10x16\nlayers:\n  - attention: {heads: 4, kv_heads: 3}\n",
        "bad.yaml:3:37: layer 1 (attention): kv_heads=3 does not divide heads=4: each key/value head serves a whole group of query heads",
    ),
    ("input: 10x16\nlayers:\n  - attention: {kv_heads: 2}\n", "bad.yaml:3:5: layer 1 (attention): missing required argument 'heads'"),
    ("input: 10x16\nlayers:\n  - attention: {heads: 4, kv_heads: 0}\n", "bad.yaml:3:37: layer 1 (attention): 'kv_heads' must be at least 1, got 0"),
    (
        "input: 10x16\nlayers:\n  - attention: {heads: 2, causal: yes please}\n",
        "bad.yaml:3:35: layer 1 (attention): 'causal' must be true or false, got 'yes please'",
    ),
    (
        "input: 10x16\nlayers:\n  - gated_mlp: {hidden: 8, activation: silo}\n",
        "bad.yaml:3:40: layer 1 (gated_mlp): 'activation' must be one of relu, relu6, leaky_relu, sigmoid, tanh, gelu, silu, hardswish, hardsigmoid, identity, "
        "got 'silo'; did you mean 'silu'?",
    ),
    (
        "input: 10x16\nlayers:\n  - gated_mlp: {hidden: 8, activation: softmax}\n",
        "bad.yaml:3:40: layer 1 (gated_mlp): 'activation' must be one of relu, relu6, leaky_relu, sigmoid, tanh, gelu, silu, hardswish, hardsigmoid, identity, "
        "got 'softmax'",
    ),
    ("input: 10x16\nlayers:\n  - take: first\n", "bad.yaml:3:11: layer 1 (take): 'index' must be a whole number, got 'first'"),
    ("input: 10x16\nlayers:\n  - embedding: {vocab: 0, dim: 4}\n", "bad.yaml:3:24: layer 1 (embedding): 'vocab' must be at least 1, got 0"),
    ("input: 10x16\nlayers:\n  - lstm: {hidden: 4, layers: 0}\n", "bad.yaml:3:31: layer 1 (lstm): 'layers' must be at least 1, got 0"),
    (
        "input: 5\nlayers:\n  - embedding: {vocab: 10, dim: 4}\n  - dense: {units: 10, tie: 5}\n",
        "bad.yaml:4:29: layer 2 (dense): 'tie' takes the name of an earlier layer, got 5",
    ),
    ("input: 10x16\nlayers:\n  - position_embedding: 0\n", "bad.yaml:3:25: layer 1 (position_embedding): 'length' must be at least 1, got 0"),
]


@pytest.mark.parametrize(("text", "message"), BAD_ARGUMENTS)
def test_bad_arguments_are_located(text: str, message: str) -> None:
    with pytest.raises(ArchcalcError) as caught:
        analyze(spec_from(text, "bad.yaml"))
    assert caught.value.message == message


BAD_SHAPES = [
    (
        "input: 10x6\nlayers:\n  - attention: 4\n",
        "bad.yaml:3:5: layer 1 (attention): heads=4 does not divide the width 6; give 'head_dim', the width of a head",
    ),
    (
        "input: 8x8x3\nlayers:\n  - attention: 3\n",
        "bad.yaml:3:5: layer 1 (attention): attention needs a sequence [N, D] (N tokens of width D), got [8, 8, 3]; "
        "`tokens` turns the positions of an image into a sequence",
    ),
    (
        "input: 16\nlayers:\n  - lstm: 4\n",
        "bad.yaml:3:5: layer 1 (lstm): lstm needs a sequence [N, D] (N tokens of width D), got [16]; token ids need an `embedding` first",
    ),
    ("input: 10x16\nlayers:\n  - take: 10\n", "bad.yaml:3:5: layer 1 (take): index 10 is past the end of the 10 tokens (0 to 9, or -10 to -1)"),
    ("input: 10x16\nlayers:\n  - take: -11\n", "bad.yaml:3:5: layer 1 (take): index -11 is past the end of the 10 tokens (0 to 9, or -10 to -1)"),
    (
        "input: 10x16\nlayers:\n  - position_embedding: 8\n",
        "bad.yaml:3:5: layer 1 (position_embedding): the table has 8 positions but the sequence has 10 tokens; 'length' must be at least 10",
    ),
    ("input: 16\nlayers:\n  - tokens\n", "bad.yaml:3:5: layer 1 (tokens): tokens needs spatial axes and channels (e.g. 28x28x1), got the flat vector [16]"),
    (
        "input: 2x2x2x2\nlayers:\n  - embedding: {vocab: 3, dim: 2}\n",
        "bad.yaml:3:5: layer 1 (embedding): an embedding of [2, 2, 2, 2] would have 5 axes; archcalc's shapes have at most 4",
    ),
    # tie: the named layer must be an earlier embedding of the right shape
    (
        "input: 5\nlayers:\n  - embedding: {vocab: 10, dim: 4}\n  - dense: {units: 10, tie: wte}\n",
        "bad.yaml:4:5: layer 2 (dense): no layer is named 'wte'; a layer is given a name with `name:`",
    ),
    (
        "input: 5\nlayers:\n  - dense: {units: 4, name: wte}\n  - dense: {units: 4, tie: wte}\n",
        "bad.yaml:4:5: layer 2 (dense): 'tie' names layer 1 (dense 'wte'), which is not an embedding; a dense layer can share only an embedding's table",
    ),
    (
        "input: 5\nlayers:\n  - embedding: {vocab: 10, dim: 4, name: wte}\n  - dense: {units: 9, tie: wte}\n",
        "bad.yaml:4:5: layer 2 (dense): 'tie' names an embedding of 10 ids × 4, but this layer maps 4 inputs to 9 units; "
        "a tied dense needs units 10 and inputs of width 4",
    ),
    (
        "input: 5\nlayers:\n  - embedding: {vocab: 10, dim: 4, name: wte}\n  - dense: {units: 10, tie: wte, name: wte}\n  - dense: {units: 10, tie: wte}\n",
        # the name is written twice: the first layer that reads it is refused, here the second dense itself
        "bad.yaml:4:5: layer 2 (dense 'wte'): 'wte' names two layers, layer 1 (embedding 'wte') on line 3 and layer 2 (dense 'wte') on line 4; "
        "give each a name of its own",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_SHAPES)
def test_bad_sequence_shapes_are_located(text: str, message: str) -> None:
    with pytest.raises(ShapeError) as caught:
        analyze(spec_from(text, "bad.yaml"))
    assert caught.value.message == message


def test_a_bad_argument_exits_2_with_one_line_and_no_output(tmp_path: object) -> None:
    from pathlib import Path

    spec = Path(str(tmp_path)) / "bad.yaml"
    spec.write_text("input: 10x16\nlayers:\n  - attention: {heads: 4, kv_heads: 3}\n")
    result = CliRunner().invoke(app, ["show", str(spec)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "kv_heads=3 does not divide heads=4" in result.stderr


def test_attention_written_out() -> None:
    report = analyze(load_spec(str(ARCHSPECS / "zoo" / "torchvision" / "vit_b_16.yaml")))
    (attention,) = [result for result, _ in walk(report.layers) if result.layer.kind == "attention"]
    assert explain(attention).splitlines() == [
        "q 768×12×64 + k, v 2×768×12×64 + out 12×64×768 = 2,359,296 weights + 3,072 biases = 2,362,368",
        "projections: (197×12 q + 2×197×12 k, v + 197×12 out) heads × 64 × 768 = 464,781,312",
        "scores: 197 × 197 × 12 heads × 64 = 29,805,312",
        "weighted sum: 197 × 197 × 12 heads × 64 = 29,805,312",
        "464,781,312 + 2 × 29,805,312 = 524,391,936 MACs",
    ]


def test_stacked_recurrent_layers_written_out() -> None:
    """The first layer reads the sequence, the rest the layer below: two lines whatever the depth."""
    (three,) = report_from("input: 10x16\nlayers: [{lstm: {hidden: 8, layers: 3, bidirectional: true}}]").layers
    assert explain(three).splitlines() == [
        "layer 1: 2 directions × 4 gate sets × 8 × (16 + 8) = 1,536 weights",
        "layers 2 to 3, each: 2 directions × 4 gate sets × 8 × (16 + 8) = 1,536 weights",
        "4,608 weights + 6 × 2 × 4 × 8 = 384 biases = 4,992",
        "10 steps × 4,608 = 46,080 MACs (every weight once a step)",
    ]
    (two,) = report_from("input: 10x16\nlayers: [{gru: {hidden: 8, layers: 2, bias: false}}]").layers
    assert explain(two).splitlines()[:2] == ["layer 1: 3 gate sets × 8 × (16 + 8) = 576 weights", "layer 2: 3 gate sets × 8 × (8 + 8) = 384 weights"]


def test_grouped_query_attention_written_out() -> None:
    (attention,) = report_from("input: 8192x4096\nlayers: [{attention: {heads: 32, kv_heads: 8, bias: false, causal: true}}]").layers
    assert explain(attention).splitlines() == [
        "q 4,096×32×128 + k, v 2×4,096×8×128 + out 32×128×4,096 = 41,943,040 weights",
        "projections: (8,192×32 q + 2×8,192×8 k, v + 8,192×32 out) heads × 128 × 4,096 = 343,597,383,680",
        "scores: 8,192 × 8,192 × 32 heads × 128 = 274,877,906,944",
        "weighted sum: 8,192 × 8,192 × 32 heads × 128 = 274,877,906,944",
        "causal: the whole score matrix is computed and its upper half masked, as PyTorch's kernels do",
        "343,597,383,680 + 2 × 274,877,906,944 = 893,353,197,568 MACs",
    ]


@pytest.mark.parametrize(
    ("name", "dtype", "values"),
    [
        ("gpt2", DType.FLOAT16, 2 * 1024 * 12 * 64 * 12),  # 1,024 tokens, 12 heads of 64, 12 layers
        ("llama2_7b", DType.FLOAT16, 2 * 4096 * 32 * 128 * 32),  # 2 GiB at 16 bits
        ("llama3_8b", DType.BFLOAT16, 2 * 8192 * 8 * 128 * 32),  # grouped-query: 8 kv heads, not 32
        ("bert_base", DType.FLOAT32, 0),  # no causal attention, no cache
    ],
)
def test_the_key_value_cache_of_causal_attention(name: str, dtype: DType, values: int) -> None:
    analysis = analysis_of(analyze(load_spec(str(LANGUAGE / f"{name}.yaml"))), Request(memory=dtype))
    assert analysis.memory is not None
    assert (analysis.memory.kv_cache_values, analysis.memory.kv_cache_bytes) == (values, values * dtype.bytes)
    assert sum(figures.kv_cache_bytes or 0 for figures in analysis.layers) == values * dtype.bytes  # the rows add up to it
    titles = [column.title for column in show_grid(analysis).columns]
    assert (f"KV cache bytes ({dtype.value})" in titles) == bool(values)


def test_the_cache_in_json_and_tables() -> None:
    runner = CliRunner()
    gpt2 = str(LANGUAGE / "gpt2.yaml")
    document = json.loads(runner.invoke(app, ["show", gpt2, "-f", "json", "-m", "--dtype", "float16"]).stdout)
    assert document["memory"]["kv_cache_bytes"] == 37_748_736
    (blocks,) = [layer for layer in document["layers"] if layer["type"] == "repeat"]
    assert blocks["kv_cache_bytes"] == 37_748_736
    table = runner.invoke(app, ["show", gpt2, "-m", "--dtype", "float16"]).stdout
    assert "key/value cache of causal attention: 18,874,368 (18.9M) values = 37,748,736 (37.7M) bytes for one sequence" in table


def test_token_ids_are_positions_for_receptive_fields() -> None:
    report = analyze(load_spec(str(LANGUAGE / "gpt2.yaml")))
    fields = receptive_fields(report)
    embedding, blocks = report.layers[0], report.layers[3]
    assert (fields[id(embedding)].size, fields[id(blocks)].size) == ((1,), None)  # one token each, then all of them


def test_a_vit_token_keeps_its_patch_until_attention() -> None:
    report = analyze(load_spec(str(ARCHSPECS / "zoo" / "torchvision" / "vit_b_16.yaml")))
    fields = receptive_fields(report)
    by_kind = {result.layer.kind: fields[id(result)] for result in report.layers}
    assert by_kind["tokens"].size == by_kind["position_embedding"].size == (16, 16)
    assert by_kind["repeat"].size is None


def test_a_window_over_an_images_tokens_sees_the_whole_input() -> None:
    """After `tokens`, neighbours in the sequence are not neighbours in the image: no box of pixels."""
    report = report_from("input: 8x8x4\nlayers: [tokens, {dense: 4}, {conv: {filters: 2, kernel: 3}}]")
    tokens, dense, conv = (receptive_fields(report)[id(result)] for result in report.layers)
    assert tokens.size == dense.size == (1, 1)
    assert conv.size is None and conv.approximate


def test_sweep_varies_a_sequences_length() -> None:
    result = sweep(load_spec(str(LANGUAGE / "gpt2.yaml")), [128, 256, 512, 1024, 2048])
    assert result.axis == "length"
    assert [point.report.input_shape for point in result.points if point.report] == [(128,), (256,), (512,), (1024,)]
    assert result.points[-1].error is not None and "the table has 1,024 positions" in result.points[-1].error.problem
    assert result.params_exponent == 0.0
    assert result.macs_exponent == pytest.approx(1.0989, abs=1e-4)
    (attention,) = result.faster_layers
    assert (attention.result.layer.kind, attention.occurrences) == ("attention", 12)
    # 4·N·D² + 2·N²·D at N = 512 and 1,024: (2,415,919,104 + 1,610,612,736) / (1,207,959,552 + 402,653,184) = 2.5
    assert attention.macs_exponent == pytest.approx(1.3219, abs=1e-4) and attention.input_exponent == 1.0


def test_sweep_finds_nothing_faster_in_a_cnn() -> None:
    result = sweep(load_spec(str(ARCHSPECS / "zoo" / "torchvision" / "resnet18.yaml")), [64, 128, 224])
    assert result.axis == "side" and result.faster_layers == ()


def test_sweep_of_a_sequence_of_features_and_of_features_alone() -> None:
    assert sweep(spec_from("input: 10x16\nlayers: [{lstm: 8}]"), [4, 8]).axis == "length"
    assert resized(spec_from("input: 10x16\nlayers: [{lstm: 8}]"), 4).input_shape == (4, 16)
    with pytest.raises(ShapeError, match="no side to vary"):
        sweep(spec_from("input: 10\nlayers: [{dense: 8}]"), [4, 8])


def test_sweep_command_on_gpt2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    document = json.loads(CliRunner().invoke(app, ["sweep", "archspecs/zoo/language/gpt2.yaml", "--sizes", "512,1024", "-f", "json"]).stdout)
    (gpt2,) = document["specs"]
    assert gpt2["axis"] == "length" and [layer["position"] for layer in gpt2["faster_layers"]] == ["4.1.2"]
    assert gpt2["faster_layers"][0]["times"] == 12 and round(gpt2["faster_layers"][0]["macs_exponent"], 4) == 1.3219
    result = CliRunner().invoke(app, ["sweep", "archspecs/zoo/language/gpt2.yaml", "--sizes", "128,256,512,1024", "--chart", "macs"])
    assert result.exit_code == 0, result.stderr
    assert "│ 1024   │ 124,439,808 │ 145,824,153,600 │" in result.stdout
    assert "length^1.10" in result.stdout and "sequence length (log scale)" in result.stdout
    assert "faster than their input in layer 4.1.2 (attention) ×12: length^1.32 on an input growing as length^1.00" in result.stdout


def test_compare_a_vit_a_resnet_and_an_mlp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    specs = ["archspecs/zoo/torchvision/vit_b_16.yaml", "archspecs/zoo/torchvision/resnet50.yaml", "archspecs/seed/ann_224_first_layer.yaml"]
    result = CliRunner().invoke(app, ["compare", *specs, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    vit, resnet, mlp = json.loads(result.stdout)["specs"]
    assert (vit["totals"]["params"], vit["totals"]["macs"]) == (86_567_656, 17_563_828_224)
    assert (resnet["totals"]["params"], resnet["totals"]["macs"]) == (25_557_032, 4_089_184_256)
    assert mlp["totals"]["macs"] == 15_052_800
    assert round(resnet["first_over_this"]["macs"], 2) == 4.30  # ViT-B/16 does 4.3× ResNet-50's MACs


def test_the_attention_pages_hand_arithmetic_is_archcalcs() -> None:
    """docs/attention.md splits GPT-2's MACs by hand and quotes one attention layer's explanation: the
    parts must add up to archcalc's totals, and the quotation must be what archcalc writes."""
    page = (ROOT / "docs" / "attention.md").read_text()
    spec = load_spec(str(ARCHSPECS / "exercises" / "gpt2_any_length.yaml"))
    width, vocab, blocks = 768, 50_257, 12
    for tokens in (1_024, 8_192, 32_768):
        total = analyze(resized(spec, tokens)).total.macs
        parts = (blocks * 2 * tokens**2 * width, blocks * 4 * tokens * width**2, blocks * 8 * tokens * width**2, tokens * width * vocab)
        assert sum(parts) == total
        assert f"| {tokens:,} | {total:,} | " + " | ".join(f"{part:,} ({part / total:.1%})" for part in parts) + " |" in page
    report = analyze(load_spec(str(LANGUAGE / "gpt2.yaml")))
    (attention,) = [result for result, _ in walk(report.layers) if result.layer.kind == "attention"]
    assert "```text\n" + explain(attention) + "\n```" in page


def test_budgets_hold_sequences_as_any_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    gpt2 = "archspecs/zoo/language/gpt2.yaml"
    assert runner.invoke(app, ["check", gpt2, "--max-params", "124.5M", "--max-macs", "146G", "-q"]).exit_code == 0
    assert runner.invoke(app, ["check", gpt2, "--max-params", "124.4M", "-q"]).exit_code == 1  # 124,439,808: the tied head is not counted twice
