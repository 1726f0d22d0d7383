"""Gemma 3's text model (model_type gemma3_text): Gemma 2's block with q and k norms, five local
layers to each global one."""

from __future__ import annotations

from archcalc.formats.hf.config import Config
from archcalc.formats.hf.decoder import FULL, SLIDING, causal_lm, gated_mlp, layer_types, sandwich_block, self_attention
from archcalc.model import Layer

DEFAULTS: dict[str, object] = {
    "vocab_size": 262208,
    "hidden_size": 2304,
    "intermediate_size": 9216,
    "num_hidden_layers": 26,
    "num_attention_heads": 8,
    "num_key_value_heads": 4,
    "head_dim": 256,
    "hidden_activation": "gelu_pytorch_tanh",
    "tie_word_embeddings": True,
    "attention_bias": False,
    "sliding_window": 4096,
    "sliding_window_pattern": 6,  # every 6th layer global
    "layer_types": None,
}
"""transformers 5.25's Gemma3TextConfig, for the keys that change a count."""

ARCHITECTURES = {"Gemma3TextModel": False, "Gemma3ForCausalLM": True}
UNREAD_KEYS = ("_sliding_window_pattern",)
"""transformers' keys that resemble a read one: its own copy of sliding_window_pattern, which it keeps for older configs."""


def build(config: Config, with_head: bool) -> tuple[Layer, ...]:
    count = config.count("num_hidden_layers")
    window = config.optional_count("sliding_window")
    pattern = config.count("sliding_window_pattern")
    bias = config.flag("attention_bias")
    mlp = gated_mlp(config, act_key="hidden_activation")
    default = [SLIDING if (index + 1) % pattern else FULL for index in range(count)]
    blocks = [
        sandwich_block(config, self_attention(config, sliding_window=window if kind == SLIDING else None, bias=bias, out_bias=bias, qk_norm=True), mlp)
        for kind in layer_types(config, default)
    ]
    return causal_lm(config, with_head, blocks)
