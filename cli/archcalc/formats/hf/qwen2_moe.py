"""Qwen-MoE (Qwen1.5-MoE, Qwen2-MoE): Qwen2's attention (q, k, v biases) and in every sparse layer a
mixture of 60 small experts, 4 a token, beside one shared expert scaled by a learned sigmoid gate."""

from __future__ import annotations

from archcalc.formats.hf.config import Config
from archcalc.formats.hf.decoder import FULL, SLIDING, activation, causal_lm, gated_mlp, layer_types, pre_norm_block, self_attention
from archcalc.kinds.moe import MixtureOfExperts
from archcalc.model import Layer

DEFAULTS: dict[str, object] = {
    "norm_topk_prob": False,
    "vocab_size": 151936,
    "hidden_size": 2048,
    "intermediate_size": 5632,
    "num_hidden_layers": 24,
    "num_attention_heads": 16,
    "num_key_value_heads": 16,
    "head_dim": None,  # None: hidden_size // num_attention_heads
    "hidden_act": "silu",
    "tie_word_embeddings": False,
    "use_sliding_window": False,
    "sliding_window": 4096,
    "max_window_layers": 28,
    "layer_types": None,
    "decoder_sparse_step": 1,
    "moe_intermediate_size": 1408,
    "shared_expert_intermediate_size": 5632,
    "num_experts_per_tok": 4,
    "num_experts": 60,
    "mlp_only_layers": [],
    "qkv_bias": True,
}
"""transformers 5.25's Qwen2MoeConfig, for the keys that change a count."""

ARCHITECTURES = {"Qwen2MoeModel": False, "Qwen2MoeForCausalLM": True}


def sparse_layers(config: Config, count: int) -> list[bool]:
    """Which layers hold experts: every `decoder_sparse_step`-th, unless listed in `mlp_only_layers`."""
    dense = set(config.counts("mlp_only_layers"))
    step = config.count("decoder_sparse_step")
    experts = config.count("num_experts", minimum=0)
    return [index not in dense and experts > 0 and (index + 1) % step == 0 for index in range(count)]


def build(config: Config, with_head: bool) -> tuple[Layer, ...]:
    count = config.count("num_hidden_layers")
    window = config.optional_count("sliding_window") if config.flag("use_sliding_window") else None
    first = config.count("max_window_layers", minimum=0)
    default = [SLIDING if index % 2 == 0 and index < first and window is not None else FULL for index in range(count)]
    windows = [window if kind == SLIDING else None for kind in layer_types(config, default)]
    bias = config.flag("qkv_bias")
    dense = gated_mlp(config)
    blocks = []
    for sparse, layer_window in zip(sparse_layers(config, count), windows, strict=True):
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
                shared_hidden=config.count("shared_expert_intermediate_size"),
                shared_gate=True,
                activation=activation(config, "hidden_act"),
            )
        blocks.append(pre_norm_block(config, self_attention(config, sliding_window=layer_window, bias=bias, out_bias=False), mlp))
    return causal_lm(config, with_head, blocks)
