"""Qwen3: Qwen2's layout without the q, k, v biases, with an RMS norm over each head's queries and keys."""

from __future__ import annotations

from archcalc.formats.hf.config import Config
from archcalc.formats.hf.decoder import causal_lm, gated_mlp, pre_norm_block, self_attention
from archcalc.formats.hf.qwen2 import sliding_windows
from archcalc.model import Layer

DEFAULTS: dict[str, object] = {
    "vocab_size": 151936,
    "hidden_size": 4096,
    "intermediate_size": 22016,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "head_dim": 128,
    "hidden_act": "silu",
    "tie_word_embeddings": False,
    "attention_bias": False,
    "use_sliding_window": False,
    "sliding_window": 4096,
    "max_window_layers": 28,
    "layer_types": None,
}
"""transformers 5.25's Qwen3Config, for the keys that change a count."""

ARCHITECTURES = {"Qwen3Model": False, "Qwen3ForCausalLM": True}


def build(config: Config, with_head: bool) -> tuple[Layer, ...]:
    bias = config.flag("attention_bias")
    mlp = gated_mlp(config)
    blocks = [
        pre_norm_block(config, self_attention(config, sliding_window=window, bias=bias, out_bias=bias, qk_norm=True), mlp) for window in sliding_windows(config)
    ]
    return causal_lm(config, with_head, blocks)
