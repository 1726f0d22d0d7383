"""`archcalc train` against one real training step in PyTorch (tests/torch_reference/training.py):
forward MACs, backward MACs (hooks asking whether each input and weight requires grad), the bytes
autograd keeps (saved_tensors_hooks, each storage once, parameters and buffers left out) and the
optimizer state after a real torch.optim step. fp32, batch 2.

What is not compared, and why (docs/training.md says the same):
- the kept bytes of recurrent layers (PyTorch's CPU LSTM keeps a oneDNN workspace; its GRU and RNN
  keep every step's pieces: archcalc's rule is an estimate), of attention within windows or with
  fewer key/value heads or a context (the reference writes them out as matmuls, eager, with copies
  for its layout), of `counted` layers (archcalc cannot know what they hold), and of anything with
  attention built on the meta device (there scaled_dot_product_attention always takes the math path);
- the optimizer state of a spec with an embedding after its first layer: it reads its input as ids,
  which carry no gradient, so PyTorch trains nothing before it; archcalc does not cut the network there.

moe, mla and attention's later arguments are checked apart: their MACs against the reference, their
kept bytes and optimizer state against transformers' own modules (tests/torch_reference/transformers_blocks.py).
"""

from __future__ import annotations

import dataclasses

import pytest

torch = pytest.importorskip("torch")

from archcalc.backward import AttentionPath, Optimizer, Precision  # noqa: E402
from archcalc.engine import analyze, every_result  # noqa: E402
from archcalc.engine.report import Report  # noqa: E402
from archcalc.engine.training import TrainingRequest, training_of  # noqa: E402
from archcalc.formats import load_spec, load_text  # noqa: E402
from archcalc.kinds.attention import Attention  # noqa: E402
from archcalc.kinds.counted import Counted  # noqa: E402
from archcalc.kinds.embedding import Embedding  # noqa: E402
from archcalc.kinds.recurrent import Recurrent  # noqa: E402
from archcalc.values import replace  # noqa: E402
from tests.conftest import ARCHSPECS  # noqa: E402
from tests.random_specs import random_spec  # noqa: E402
from tests.torch_reference import transformers_blocks as blocks  # noqa: E402
from tests.torch_reference.training import TrainingFigures, measure_training  # noqa: E402

pytestmark = pytest.mark.parity
BATCH = 2
RANDOM_SPECS = 300
ON_THE_CPU = 300_000_000
"""Specs of more MACs a sample than this train on the meta device (shapes, no data: the zoo at
batch 2 in minutes). There scaled_dot_product_attention takes the math path, so the bytes of their
attention are not compared; GPT-2 and BERT are, at 32 tokens on the CPU."""

LAYOUT_COPIES = {214}
"""Random specs where the reference copies a tensor to change its layout and keeps the copy: a
sequence held (B, N, D) for its linear layers, then group-normalised over channels first (group_norm
makes it contiguous, and keeps that). A model of one layout would not; archcalc counts one tensor."""


def archcalc_training(report: Report, optimizer: Optimizer = Optimizer.ADAMW) -> TrainingFigures:
    training = training_of(report, TrainingRequest(batch=BATCH, optimizer=optimizer))
    return TrainingFigures(training.macs, training.backward_macs, training.memory.activation_bytes, training.memory.optimizer_state_bytes)


def bytes_comparable(report: Report, device: str) -> bool:
    for result in every_result(report.layers):
        layer = result.layer
        if isinstance(layer, (Recurrent, Counted)):
            return False
        if isinstance(layer, Attention) and (device == "meta" or layer.windowed or not layer.packed(result.input_shape[-1]) or layer.dropout):
            return False
    return True


def cuts_the_gradient(report: Report) -> bool:
    return any(isinstance(result.layer, Embedding) for result in every_result(report.layers[1:]))


def compared(report: Report, measured: TrainingFigures, device: str, seed: int | None = None) -> tuple[TrainingFigures, TrainingFigures]:
    """archcalc's figures and PyTorch's, with what cannot be compared taken from archcalc on both sides."""
    expected = archcalc_training(report)
    if not bytes_comparable(report, device) or seed in LAYOUT_COPIES:
        measured = dataclasses.replace(measured, activation_bytes=expected.activation_bytes)
    if cuts_the_gradient(report):
        measured = dataclasses.replace(measured, optimizer_state_bytes=expected.optimizer_state_bytes)
    return expected, measured


def device_for(report: Report) -> str:
    return "cpu" if report.total.macs <= ON_THE_CPU else "meta"


def test_the_seed_cnn_matches_pytorch() -> None:
    report = analyze(load_spec(str(ARCHSPECS / "seed" / "cnn.yaml")))
    assert measure_training(report.spec, BATCH) == archcalc_training(report) == TrainingFigures(176, 208, 192, 320)


ARCHSPEC_PATHS = sorted(ARCHSPECS.rglob("*.yaml"))


@pytest.mark.parametrize("path", ARCHSPEC_PATHS, ids=lambda path: path.stem)
def test_every_archspec_trains_as_pytorch_does(path) -> None:  # type: ignore[no-untyped-def]
    report = analyze(load_spec(str(path)))
    device = device_for(report)
    expected, measured = compared(report, measure_training(report.spec, BATCH, device), device)
    assert expected == measured


@pytest.mark.parametrize("name", ["gpt2", "bert_base"])
def test_attention_models_with_sdpa_at_32_tokens(name: str) -> None:
    """GPT-2 and BERT from the zoo, 32 tokens, on the CPU: nn.MultiheadAttention in train mode runs
    scaled_dot_product_attention's flash kernel, whose kept tensors archcalc's flash rule counts."""
    spec = load_spec(str(ARCHSPECS / "zoo" / "language" / f"{name}.yaml"))
    report = analyze(replace(spec, input_shape=(32,)))
    assert bytes_comparable(report, "cpu")
    assert archcalc_training(report) == measure_training(report.spec, BATCH)


@pytest.mark.parametrize("seed", range(RANDOM_SPECS))
def test_random_specs_train_as_pytorch_does(seed: int) -> None:
    text = random_spec(seed)
    report = analyze(load_text(text, f"<seed {seed}>", "random"))
    expected, measured = compared(report, measure_training(report.spec, BATCH), "cpu", seed)
    assert expected == measured, text


FROZEN = [
    "input: 6x6x3\nlayers:\n  - {conv: {filters: 4, kernel: 3, trainable: false}}\n  - batchnorm\n  - relu\n  - {conv: {filters: 4, kernel: 3}}\n",
    "input: 6x6x3\nlayers:\n  - {conv: {filters: 4, kernel: 3}}\n"
    "  - {block: {layers: [batchnorm, relu, {conv: {filters: 4, kernel: 1}}], trainable: false}}\n  - flatten\n  - dense: 2\n",
    "input: 12x16\nlayers:\n  - dense: 16\n  - {attention: {heads: 4, trainable: false}}\n  - {gated_mlp: {hidden: 24, trainable: false}}\n  - rmsnorm\n",
    "input: 8x8x4\nlayers:\n  - {se: {channels: 2, gate: hardsigmoid, trainable: false}}\n"
    "  - {depthwise: {kernel: 3, padding: 1}}\n  - {layer_scale: {trainable: false}}\n",
    "input: 10\nlayers:\n  - {embedding: {vocab: 20, dim: 8, name: wte, trainable: false}}\n  - layernorm\n  - {dense: {units: 20, tie: wte}}\n",
]


@pytest.mark.parametrize("text", FROZEN)
def test_frozen_layers_train_as_pytorch_does(text: str) -> None:
    """`trainable: false` as requires_grad_(False): no gradient, no state, and the input gradient only
    where something before trains."""
    report = analyze(load_text(text, "<frozen>", "frozen"))
    assert archcalc_training(report) == measure_training(report.spec, BATCH), text


@pytest.mark.parametrize("optimizer", [Optimizer.ADAM, Optimizer.MOMENTUM, Optimizer.ADAFACTOR])
@pytest.mark.parametrize("path", ["seed/cnn.yaml", "zoo/lenet5.yaml", "zoo/timeseries_cnn1d.yaml", "zoo/language/lstm_imdb.yaml"])
def test_optimizer_state_as_torch_optim_holds_it(optimizer: Optimizer, path: str) -> None:
    """Adam a step and two moments; SGD with momentum one buffer; Adafactor a step and, over the last
    two axes of each tensor of two or more, a row and a column statistic (a vector's in full)."""
    report = analyze(load_spec(str(ARCHSPECS / path)))
    measured = measure_training(report.spec, BATCH, optimizer=optimizer.value)
    assert archcalc_training(report, optimizer).optimizer_state_bytes == measured.optimizer_state_bytes


def test_flop_counter_mode_counts_a_grouped_convolutions_backward_as_dense() -> None:
    """The finding docs/counting.md writes up: torch.utils.flop_counter.FlopCounterMode counts a
    depthwise 3×3 convolution over 32 channels at 16×16 (input requiring grad) as 2,433,024 backward
    MACs, as if dense; its input and weight gradients take 147,456, as archcalc and the hooks count."""
    from torch.utils.flop_counter import FlopCounterMode

    conv = torch.nn.Conv2d(32, 32, 3, padding=1, groups=32)
    x = torch.randn(1, 32, 16, 16, requires_grad=True)
    counter = FlopCounterMode(display=False)
    with counter:
        conv(x).sum().backward()
    counted = counter.get_flop_counts()["Global"]
    backward_macs = counted[torch.ops.aten.convolution_backward] // 2
    assert backward_macs == 2_433_024
    spec = "input: 16x16x32\nlayers:\n  - dense: 32\n  - {depthwise: {kernel: 3, padding: 1}}\n"
    report = analyze(load_text(spec, "<depthwise>", "depthwise"))
    training = training_of(report, TrainingRequest(batch=1))
    depthwise = training.layers[1]
    assert depthwise.backward_macs == 2 * 16 * 16 * 32 * 9 == 147_456


LATER_KINDS = [
    "input: 10x16\nlayers:\n  - dense: 16\n  - mla: {heads: 2, q_rank: 8, kv_rank: 4, nope_dim: 4, rope_dim: 2, v_dim: 4}\n",
    "input: 10x16\nlayers:\n  - mla: {heads: 2, kv_rank: 4, nope_dim: 4, rope_dim: 2, v_dim: 4, causal: false}\n",
    "input: 10x16\nlayers:\n  - dense: 16\n  - moe: {experts: 8, per_token: 2, hidden: 32}\n",
    "input: 10x16\nlayers:\n  - dense: 16\n  - moe: {experts: 4, per_token: 2, hidden: 8, shared_hidden: 12, shared_gate: true}\n",
]
"""moe and mla: forward and backward MACs, and mla's optimizer state. Not their kept bytes: the
references are written out as matmuls (eager, no flash). Not moe's optimizer state: the reference
holds each expert as modules of its own and an expert no token of the batch chose has no gradient,
so torch.optim keeps no state for it; transformers holds the experts fused, as archcalc counts them
(both checked against transformers' modules below)."""


ATTENTION_OPTION_SPECS = [
    "input: 10x16\nlayers:\n  - dense: 16\n  - attention: {heads: 2, causal: true, sliding_window: 4}\n",
    "input: 10x16\nlayers:\n  - attention: {heads: 2, sliding_window: 5}\n",
    "input: 10x16\nlayers:\n  - dense: 16\n  - attention: {heads: 2, out_bias: false, qk_norm: true, causal: true}\n",
    "input: 10x16\nlayers:\n  - dense: 16\n  - attention: {heads: 4, bias: false, relative_buckets: 32}\n",
]
"""Attention's later arguments: forward and backward MACs and the optimizer state against the reference's
nn.Linears and matmuls (their kept bytes: the tests against transformers' modules below)."""


@pytest.mark.parametrize("text", ATTENTION_OPTION_SPECS)
def test_attention_options_train_as_pytorch_does(text: str) -> None:
    report = analyze(load_text(text, "<attention options>", "options"))
    expected = archcalc_training(report)
    assert expected == dataclasses.replace(measure_training(report.spec, BATCH), activation_bytes=expected.activation_bytes)


@pytest.mark.parametrize("text", LATER_KINDS)
def test_moe_and_mla_train_as_pytorch_does(text: str) -> None:
    report = analyze(load_text(text, "<later kinds>", "later"))
    expected = archcalc_training(report)
    measured = dataclasses.replace(measure_training(report.spec, BATCH), activation_bytes=expected.activation_bytes)
    if "moe" in text:
        measured = dataclasses.replace(measured, optimizer_state_bytes=expected.optimizer_state_bytes)
    assert expected == measured


def later_kind(text: str, attention: AttentionPath = AttentionPath.FLASH, precision: Precision = Precision.FP32) -> tuple[int, int]:
    """archcalc's kept bytes and AdamW state for `input: 10x16`, a dense layer, then the layer written, at batch 2."""
    report = analyze(load_text(f"input: 10x16\nlayers:\n  - dense: 16\n  - {text}\n", "<later kind>", "later"))
    training = training_of(report, TrainingRequest(batch=BATCH, attention=attention, precision=precision))
    return training.memory.activation_bytes, training.memory.optimizer_state_bytes


def test_moe_keeps_what_mixtrals_grouped_experts_keep() -> None:
    """transformers 5 runs a Mixtral-style block's experts as grouped matmuls by default (experts_implementation
    "grouped_mm"): what autograd keeps, and AdamW's state for the fused experts, as archcalc counts them."""
    measured = blocks.train_block(blocks.mixtral_moe(8, 2, 32, 16, "grouped_mm"), blocks.run_moe, BATCH, 10, 16, dense=True)
    assert later_kind("moe: {experts: 8, per_token: 2, hidden: 32}") == (measured.kept_bytes, measured.optimizer_state_bytes) == (30_512, 101_524)


def test_moe_with_an_expert_loop_keeps_each_experts_output_once_more() -> None:
    """experts_implementation "eager" loops over the experts: index_add_ keeps each pair's scaled output
    (D values) for its shape, torch.where's two indices replace the sort's three, and there are no offsets."""
    measured = blocks.train_block(blocks.mixtral_moe(8, 2, 32, 16, "eager"), blocks.run_moe, BATCH, 10, 16, dense=True)
    pairs = BATCH * 10 * 2
    archcalc, _ = later_kind("moe: {experts: 8, per_token: 2, hidden: 32}")
    assert measured.kept_bytes == archcalc + pairs * 16 * 4 - pairs * 8 - 8 * 4 == 32_720


def test_moe_with_a_shared_expert_as_qwen2_moe_keeps() -> None:
    """Qwen2-MoE: a shared expert scaled by sigmoid(gate), and top-k weights not normalised (norm_topk_prob
    false, `normalized: false`): neither the k weights nor their sum is kept, 4·(k + 1) bytes a token fewer."""
    measured = blocks.train_block(blocks.qwen2_moe(4, 2, 8, 12, 16), blocks.run_moe, BATCH, 10, 16, dense=True)
    text = "moe: {experts: 4, per_token: 2, hidden: 8, shared_hidden: 12, shared_gate: true, normalized: false}"
    assert later_kind(text) == (measured.kept_bytes, measured.optimizer_state_bytes) == (19_776, 19_748)
    assert later_kind(text.replace("false}", "true}"))[0] == 19_776 + BATCH * 10 * (2 + 1) * 4


def test_moe_and_a_sliding_window_in_bf16() -> None:
    """In bfloat16 (--precision bf16) the router's softmax, top-k weights and their sum stay float32, and
    so does each pair's weight in Mixtral's block; Qwen-MoE's router casts the k weights to the
    activations' dtype, 2 bytes a pair fewer than archcalc counts. The sliding window's mask is kept in
    the activations' dtype."""
    bf16 = torch.bfloat16
    mixtral = blocks.train_block(blocks.mixtral_moe(8, 2, 32, 16, "grouped_mm"), blocks.run_moe, BATCH, 10, 16, dense=True, dtype=bf16)
    assert later_kind("moe: {experts: 8, per_token: 2, hidden: 32}", precision=Precision.BF16)[0] == mixtral.kept_bytes == 16_432
    qwen = blocks.train_block(blocks.qwen2_moe(4, 2, 8, 12, 16), blocks.run_moe, BATCH, 10, 16, dense=True, dtype=bf16)
    text = "moe: {experts: 4, per_token: 2, hidden: 8, shared_hidden: 12, shared_gate: true, normalized: false}"
    assert later_kind(text, precision=Precision.BF16)[0] - BATCH * 10 * 2 * 2 == qwen.kept_bytes == 10_696
    block, rotary = blocks.decoder_attention("mistral", 2, 8, 16, 4)
    run = blocks.run_with_rotary(block, rotary, BATCH, 10, blocks.sliding_window_mask(block, BATCH, 10))
    mistral = blocks.train_block(block, run, BATCH, 10, 16, dense=True, dtype=bf16)
    text = "attention: {heads: 2, head_dim: 8, bias: false, causal: true, sliding_window: 4}"
    assert later_kind(text, precision=Precision.BF16)[0] == mistral.kept_bytes == 4_400


MLA = "mla: {{heads: 2, {q}kv_rank: 4, nope_dim: 4, rope_dim: 2, v_dim: {v}}}"


@pytest.mark.parametrize("q_rank", [8, None])
def test_mla_with_one_head_width_keeps_what_the_flash_kernel_keeps(q_rank: int | None) -> None:
    """DeepseekV3Attention through scaled_dot_product_attention with v as wide as q and k: the CPU's flash
    kernel runs (q, k, v, its output and logsumexp), and its output is copied for the out projection."""
    block = blocks.deepseek_attention(2, q_rank, 4, 4, 2, 6, 16, "sdpa")
    measured = blocks.train_block(block, blocks.run_with_rotary(block, blocks.deepseek_rotary(), BATCH, 10), BATCH, 10, 16, dense=True)
    archcalc = later_kind(MLA.format(q="q_rank: 8, " if q_rank else "", v=6))
    assert archcalc == (measured.kept_bytes, measured.optimizer_state_bytes) == ((11_360, 7_044) if q_rank else (9_360, 6_716))


@pytest.mark.parametrize("implementation", ["sdpa", "eager"])
def test_mla_with_deepseeks_narrower_values_takes_the_math_path(implementation: str) -> None:
    """DeepSeek's v is narrower than q and k (128 against 192): the CPU's flash kernel refuses it and
    scaled_dot_product_attention takes the math path, which keeps what transformers' eager attention
    keeps and archcalc counts with --attention eager (v copied for its matmul, softmax(scores))."""
    block = blocks.deepseek_attention(2, 8, 4, 4, 2, 4, 16, implementation)
    measured = blocks.train_block(block, blocks.run_with_rotary(block, blocks.deepseek_rotary(), BATCH, 10), BATCH, 10, 16, dense=True)
    archcalc = later_kind(MLA.format(q="q_rank: 8, ", v=4), AttentionPath.EAGER)
    assert archcalc == (measured.kept_bytes, measured.optimizer_state_bytes) == (10_560, 6_404)


ATTENTION_OPTIONS = [
    ("qwen3", "attention: {heads: 2, head_dim: 8, bias: false, causal: true, qk_norm: true}", None, (13_280, 10_528)),
    ("qwen2", "attention: {heads: 2, head_dim: 8, causal: true, out_bias: false}", None, (7_840, 10_788)),
    ("mistral", "attention: {heads: 2, head_dim: 8, bias: false, causal: true, sliding_window: 4}", 4, (8_640, 10_392)),
    ("mistral", "attention: {heads: 2, head_dim: 8, bias: false, causal: true, sliding_window: 16}", 16, (7_840, 10_392)),
]


@pytest.mark.parametrize(("family", "text", "window", "figures"), ATTENTION_OPTIONS, ids=["qk_norm", "out_bias", "sliding_window", "window_past_the_end"])
def test_attention_options_keep_what_sdpa_keeps(family: str, text: str, window: int | None, figures: tuple[int, int]) -> None:
    """Qwen 3's, Qwen 2's and Mistral's attention through scaled_dot_product_attention's flash kernel.
    A sliding window shorter than the sequence reaches the kernel as a boolean mask, which it keeps as
    floats (batch × N × N); for a longer one transformers hands it none. Models with a sliding window hold
    q, k and v as three tensors (nn.MultiheadAttention one)."""
    block, rotary = blocks.decoder_attention(family, 2, 8, 16, window)
    mask = blocks.sliding_window_mask(block, BATCH, 10) if window is not None else None
    measured = blocks.train_block(block, blocks.run_with_rotary(block, rotary, BATCH, 10, mask), BATCH, 10, 16, dense=True)
    assert later_kind(text) == (measured.kept_bytes, measured.optimizer_state_bytes) == figures


def test_relative_buckets_keep_what_t5s_attention_keeps() -> None:
    """T5's attention is matmuls in transformers, whatever --attention says: q, k and v copied for them,
    softmax(scores), the N·M bucket ids its bias table looks up (int64, once for the batch; the bias is
    added to the scores, which keeps nothing), the heads' output."""
    measured = blocks.train_block(blocks.t5_attention(4, 8, 32, 16), blocks.run_t5, BATCH, 10, 16, dense=True)
    text = "attention: {heads: 4, head_dim: 8, bias: false, relative_buckets: 32}"
    assert later_kind(text) == later_kind(text, AttentionPath.EAGER) == (measured.kept_bytes, measured.optimizer_state_bytes) == (16_800, 19_612)
