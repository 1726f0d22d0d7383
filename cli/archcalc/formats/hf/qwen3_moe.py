"""Qwen3-MoE: Qwen3's attention (q and k norms) and in every sparse layer a mixture of 128 experts, 8 a
token, with no shared expert."""

from __future__ import annotations

from archcalc.formats.hf.config import Config
from archcalc.formats.hf.decoder import activation, causal_lm, gated_mlp, pre_norm_block, self_attention
from archcalc.formats.hf.qwen2_moe import sparse_layers
from archcalc.kinds.moe import MixtureOfExperts
from archcalc.model import Layer

DEFAULTS: dict[str, object] = {
    "norm_topk_prob": False,
    "vocab_size": 151936,
    "hidden_size": 2048,
    "intermediate_size": 6144,
    "num_hidden_layers": 24,
    "num_attention_heads": 32,
    "num_key_value_heads": 4,
    "head_dim": None,  # None: hidden_size // num_attention_heads
    "hidden_act": "silu",
    "tie_word_embeddings": False,
    "attention_bias": False,
    "use_sliding_window": False,
    "sliding_window": 4096,
    "decoder_sparse_step": 1,
    "moe_intermediate_size": 768,
    "num_experts_per_tok": 8,
    "num_experts": 128,
    "mlp_only_layers": [],
}
"""transformers 5.25's Qwen3MoeConfig, for the keys that change a count."""

ALIASES = {"num_local_experts": "num_experts"}
ARCHITECTURES = {"Qwen3MoeModel": False, "Qwen3MoeForCausalLM": True}


def build(config: Config, with_head: bool) -> tuple[Layer, ...]:
    count = config.count("num_hidden_layers")
    window = config.optional_count("sliding_window") if config.flag("use_sliding_window") else None
    bias = config.flag("attention_bias")
    attention = self_attention(config, sliding_window=window, bias=bias, out_bias=bias, qk_norm=True)
    dense = gated_mlp(config)
    blocks = []
    for sparse in sparse_layers(config, count):
        mlp = dense
        if sparse:
            mlp = config.made(
                MixtureOfExperts,
                "num_experts",
                "mlp",
                experts=config.count("num_experts"),
                per_token=config.count("num_experts_per_tok"),
                normalized=config.flag("norm_topk_prob"),
                hidden=config.count("moe_intermediate_size"),
                activation=activation(config, "hidden_act"),
            )
        blocks.append(pre_norm_block(config, attention, mlp))
    return causal_lm(config, with_head, blocks)
