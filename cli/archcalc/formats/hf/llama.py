"""Llama (1, 2, 3, 3.1): pre-norm blocks of grouped-query attention and a SwiGLU MLP, RMS norms."""

from __future__ import annotations

from archcalc.formats.hf.config import Config
from archcalc.formats.hf.decoder import causal_lm, gated_mlp, pre_norm_block, self_attention
from archcalc.model import Layer

DEFAULTS: dict[str, object] = {
    "vocab_size": 32000,
    "hidden_size": 4096,
    "intermediate_size": 11008,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": None,  # None: as many as the query heads
    "head_dim": None,  # None: hidden_size // num_attention_heads
    "hidden_act": "silu",
    "tie_word_embeddings": False,
    "attention_bias": False,
    "mlp_bias": False,
}
"""transformers 5.25's LlamaConfig, for the keys that change a count."""

ARCHITECTURES = {"LlamaModel": False, "LlamaForCausalLM": True}
"""The classes counted, and whether each has the LM head."""


def build(config: Config, with_head: bool) -> tuple[Layer, ...]:
    bias = config.flag("attention_bias")
    attention = self_attention(config, bias=bias, out_bias=bias)
    block = pre_norm_block(config, attention, gated_mlp(config, bias=config.flag("mlp_bias")))
    return causal_lm(config, with_head, [block] * config.count("num_hidden_layers"))
