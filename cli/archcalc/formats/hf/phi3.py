"""Phi-3: Llama's block with q, k, v in one projection and gate and up in another (the same counts),
and a sliding window on every layer when the config gives one."""

from __future__ import annotations

from archcalc.formats.hf.config import Config
from archcalc.formats.hf.decoder import causal_lm, gated_mlp, pre_norm_block, self_attention
from archcalc.model import Layer

DEFAULTS: dict[str, object] = {
    "vocab_size": 32064,
    "hidden_size": 3072,
    "intermediate_size": 8192,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": None,  # None: as many as the query heads
    "head_dim": None,  # None: hidden_size // num_attention_heads
    "hidden_act": "silu",
    "tie_word_embeddings": False,
    "sliding_window": None,
}
"""transformers 5.25's Phi3Config, for the keys that change a count."""

ARCHITECTURES = {"Phi3Model": False, "Phi3ForCausalLM": True}


def build(config: Config, with_head: bool) -> tuple[Layer, ...]:
    attention = self_attention(config, sliding_window=config.optional_count("sliding_window"))
    block = pre_norm_block(config, attention, gated_mlp(config))
    return causal_lm(config, with_head, [block] * config.count("num_hidden_layers"))
