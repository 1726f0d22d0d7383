"""Mixtral: Mistral's attention, and in every block a mixture of 8 experts of which each token runs 2."""

from __future__ import annotations

from archcalc.formats.hf.config import Config
from archcalc.formats.hf.decoder import activation, causal_lm, pre_norm_block, self_attention
from archcalc.kinds.moe import MixtureOfExperts
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
    "sliding_window": None,
    "num_local_experts": 8,
    "num_experts_per_tok": 2,
}
"""transformers 5.25's MixtralConfig, for the keys that change a count."""

ALIASES = {"num_experts": "num_local_experts"}
ARCHITECTURES = {"MixtralModel": False, "MixtralForCausalLM": True}


def build(config: Config, with_head: bool) -> tuple[Layer, ...]:
    attention = self_attention(config, sliding_window=config.optional_count("sliding_window"))
    experts = config.made(
        MixtureOfExperts,
        "num_local_experts",
        "mlp",
        experts=config.count("num_local_experts"),
        per_token=config.count("num_experts_per_tok"),
        hidden=config.count("intermediate_size"),
        activation=activation(config, "hidden_act"),
    )
    block = pre_norm_block(config, attention, experts)
    return causal_lm(config, with_head, [block] * config.count("num_hidden_layers"))
