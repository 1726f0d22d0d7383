"""Gemma 2: local and global layers in turn (a sliding window of 4,096 on the even ones), a norm before
and after each of attention and the MLP."""

from __future__ import annotations

from archcalc.formats.hf.config import Config
from archcalc.formats.hf.decoder import FULL, SLIDING, causal_lm, gated_mlp, layer_types, sandwich_block, self_attention
from archcalc.model import Layer

DEFAULTS: dict[str, object] = {
    "vocab_size": 256000,
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
    "layer_types": None,  # None: sliding on the even layers (0, 2, …), global on the odd
}
"""transformers 5.25's Gemma2Config, for the keys that change a count."""

ARCHITECTURES = {"Gemma2Model": False, "Gemma2ForCausalLM": True}


def build(config: Config, with_head: bool) -> tuple[Layer, ...]:
    count = config.count("num_hidden_layers")
    window = config.optional_count("sliding_window")
    bias = config.flag("attention_bias")
    mlp = gated_mlp(config, act_key="hidden_activation")
    default = [SLIDING if (index + 1) % 2 else FULL for index in range(count)]
    blocks = [
        sandwich_block(config, self_attention(config, sliding_window=window if kind == SLIDING else None, bias=bias, out_bias=bias), mlp)
        for kind in layer_types(config, default)
    ]
    return causal_lm(config, with_head, blocks)
