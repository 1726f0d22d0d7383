"""Mistral: Llama's block with grouped-query attention over a sliding window on every layer."""

from __future__ import annotations

from archcalc.formats.hf.config import Config
from archcalc.formats.hf.decoder import causal_lm, gated_mlp, pre_norm_block, self_attention
from archcalc.model import Layer

DEFAULTS: dict[str, object] = {
    "vocab_size": 32000,
    "hidden_size": 4096,
    "intermediate_size": 14336,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "head_dim": None,  # None: hidden_size // num_attention_heads
    "hidden_act": "silu",
    "tie_word_embeddings": False,
    "sliding_window": 4096,  # null: attention over the whole sequence
}
"""transformers 5.25's MistralConfig, for the keys that change a count."""

ARCHITECTURES = {"MistralModel": False, "MistralForCausalLM": True}


def build(config: Config, with_head: bool) -> tuple[Layer, ...]:
    attention = self_attention(config, sliding_window=config.optional_count("sliding_window"))
    block = pre_norm_block(config, attention, gated_mlp(config))
    return causal_lm(config, with_head, [block] * config.count("num_hidden_layers"))
