"""The language-model kinds: `moe`, `mla`, and attention's sliding window, q/k/v-only biases, q/k
norms and relative position buckets. Hand-worked figures, refusals, and PyTorch parity."""

from __future__ import annotations

import pytest

from archcalc.arithmetic import sliding_window_reads
from archcalc.engine.memory import kv_cache_values
from archcalc.errors import SpecError
from archcalc.model import Cost
from archcalc.render.layer_text import explain
from tests.conftest import report_from, spec_from
from tests.explained import worked_out

LAYERS = [
    # experts: router 16×8 = 128; each expert 3×16×32 = 1,536, ×8 = 12,288; a token runs the router and 2 experts: 128 + 3,072 = 3,200
    ("moe: {experts: 8, per_token: 2, hidden: 32}", Cost(12_416, 0, 0, 10 * 3_200), 12_416 - 6 * 1_536),
    # a shared expert 3×16×8 = 384 and its gate 16: 400 more a token and in all
    ("moe: {experts: 8, per_token: 2, hidden: 32, shared_hidden: 8, shared_gate: true}", Cost(12_816, 0, 0, 10 * 3_600), 12_816 - 6 * 1_536),
    ("moe: {experts: 8, per_token: 8, hidden: 32, router_bias: true, score_correction: true}", Cost(12_416, 8, 8, 10 * (128 + 8 * 1_536)), 12_424),
    # q 16×8 + 8×2×6 = 224 (+8 norm), kv 16×6 + 4×2×8 = 160 (+4 norm), out 2×4×16 = 128: 524; MACs 10×512 + 10·10·2·6 + 10·10·2·4
    ("mla: {heads: 2, q_rank: 8, kv_rank: 4, nope_dim: 4, rope_dim: 2, v_dim: 4}", Cost(524, 0, 0, 5_120 + 1_200 + 800), 524),
    # without q_rank: q 16×2×6 = 192; with bias: kv_a 6 + out 16 = 22 biases
    ("mla: {heads: 2, kv_rank: 4, nope_dim: 4, rope_dim: 2, v_dim: 4, bias: true}", Cost(192 + 164 + 128, 22, 0, 10 * 480 + 2_000), 506),
    # 4 heads of 4: projections 10×16×16×4 = 10,240; causal window 3 reads 1 + 2 + 3×8 = 27 pairs: 2×27×4×4 = 864
    ("attention: {heads: 4, causal: true, sliding_window: 3}", Cost(1_024, 64, 0, 10_240 + 864), 1_088),
    # q, k, v biases alone (48), a norm over each head's q and k (2×4)
    ("attention: {heads: 4, out_bias: false, qk_norm: true}", Cost(1_032, 48, 0, 10_240 + 2 * 100 * 16), 1_080),
    # T5's relative position bias: 32 buckets × 4 heads, a lookup
    ("attention: {heads: 4, bias: false, relative_buckets: 32}", Cost(1_024 + 128, 0, 0, 10_240 + 2 * 100 * 16), 1_152),
]


@pytest.mark.parametrize(("layer", "cost", "active"), LAYERS)
def test_figures_worked_by_hand(layer: str, cost: Cost, active: int) -> None:
    report = report_from(f"input: 10x16\nlayers:\n  - {layer}\n")
    assert report.total == cost
    assert report.active_params == active


@pytest.mark.parametrize(("layer", "cost", "active"), LAYERS)
def test_explanations_work_out_to_the_figures(layer: str, cost: Cost, active: int) -> None:
    """--explain's arithmetic, read back as arithmetic, gives each layer's parameters and MACs."""
    result = report_from(f"input: 10x16\nlayers:\n  - {layer}\n").layers[0]
    figures = worked_out(explain(result).splitlines())
    assert cost.params in figures and cost.macs in figures


def test_caches() -> None:
    """MLA keeps the latent and the rope key a token; a sliding window keeps at most w tokens' keys and values."""
    assert kv_cache_values(report_from("input: 10x16\nlayers:\n  - mla: {heads: 2, kv_rank: 4, nope_dim: 4, rope_dim: 2, v_dim: 4}\n")) == 10 * (4 + 2)
    assert kv_cache_values(report_from("input: 10x16\nlayers:\n  - attention: {heads: 4, causal: true, sliding_window: 3}\n")) == 2 * 3 * 4 * 4
    assert kv_cache_values(report_from("input: 10x16\nlayers:\n  - attention: {heads: 4, causal: true, sliding_window: 30}\n")) == 2 * 10 * 4 * 4


def test_active_params_count_each_repeat() -> None:
    report = report_from("input: 10x16\nlayers:\n  - repeat: {times: 3, layers: [{moe: {experts: 4, per_token: 1, hidden: 8}}]}\n")
    assert report.active_params == report.total.params - 3 * 3 * (3 * 16 * 8)


@pytest.mark.parametrize(("tokens", "window"), [(1, 1), (5, 3), (5, 4), (10, 100), (7, 1), (64, 8)])
def test_sliding_window_pairs_counted_one_by_one(tokens: int, window: int) -> None:
    """The closed forms against a count of the keys each token reads: min(i + 1, w) causal; otherwise
    ⌊w/2⌋ before and the rest after it, clipped at the ends."""
    assert sliding_window_reads(tokens, window, True) == sum(min(index + 1, window) for index in range(tokens))
    before, after = window // 2, window - 1 - window // 2
    centred = sum(min(tokens - 1, index + after) - max(0, index - before) + 1 for index in range(tokens))
    assert sliding_window_reads(tokens, window, False) == centred


def test_a_window_of_a_million_tokens_costs_no_loop() -> None:
    assert sliding_window_reads(10**6, 4096, True) == 4096 * 4097 // 2 + (10**6 - 4096) * 4096


BAD = [
    ("moe: {experts: 2, per_token: 3, hidden: 4}", "layer 1 (moe): per_token=3 is more than the 2 experts there are to choose from"),
    ("moe: {experts: 2, per_token: 1, hidden: 4, shared_gate: true}", "'shared_gate' scales the shared experts, and shared_hidden is 0"),
    ("moe: {experts: 2, per_token: 1, hidden: 0}", "'hidden' must be"),
    ("attention: {heads: 4, sliding_window: 3, context: 5}", "'sliding_window' slides over a sequence's own tokens; it does not go with 'context'"),
    ("attention: {heads: 4, bias: false, out_bias: false}", "without 'bias' there is none"),
    ("attention: {heads: 4, sliding_window: 0}", "'sliding_window' must be"),
    ("mla: {heads: 2, kv_rank: 4, nope_dim: 4, rope_dim: 2}", "missing required argument 'v_dim'"),
]


@pytest.mark.parametrize(("layer", "fragment"), BAD)
def test_refusals_are_located(layer: str, fragment: str) -> None:
    with pytest.raises(SpecError) as caught:
        spec_from(f"input: 10x16\nlayers:\n  - {layer}\n", "bad.yaml")
    assert fragment in caught.value.message
    assert caught.value.message.startswith("bad.yaml:3:")


@pytest.mark.parity
@pytest.mark.parametrize(
    "layer",
    [
        "moe: {experts: 4, per_token: 2, hidden: 6}",
        "moe: {experts: 3, per_token: 1, hidden: 5, shared_hidden: 7, shared_gate: true, router_bias: true, score_correction: true}",
        "mla: {heads: 2, q_rank: 8, kv_rank: 4, nope_dim: 4, rope_dim: 2, v_dim: 4}",
        "mla: {heads: 3, kv_rank: 5, nope_dim: 2, rope_dim: 4, v_dim: 6, bias: true}",
        "attention: {heads: 4, kv_heads: 2, causal: true, sliding_window: 3}",
        "attention: {heads: 4, sliding_window: 4}",
        "attention: {heads: 2, head_dim: 6, out_bias: false, qk_norm: true}",
        "attention: {heads: 4, bias: false, relative_buckets: 9}",
    ],
)
def test_the_kinds_match_pytorch(layer: str) -> None:
    pytest.importorskip("torch")
    from tests.torch_reference import TorchFigures, measure

    spec = spec_from(f"input: 10x16\nlayers:\n  - {layer}\n")
    report = report_from(f"input: 10x16\nlayers:\n  - {layer}\n")
    total = report.total
    assert measure(spec) == TorchFigures(report.output_shape, total.params, total.non_trainable, total.macs)
