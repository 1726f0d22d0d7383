"""Gemma: Llama's block with a GeGLU MLP, heads of 256 whatever the width, and a tied head."""

from __future__ import annotations

from archcalc.formats.hf.config import Config
from archcalc.formats.hf.decoder import causal_lm, gated_mlp, pre_norm_block, self_attention
from archcalc.model import Layer

DEFAULTS: dict[str, object] = {
    "vocab_size": 256000,
    "hidden_size": 3072,
    "intermediate_size": 24576,
    "num_hidden_layers": 28,
    "num_attention_heads": 16,
    "num_key_value_heads": 16,
    "head_dim": 256,
    "hidden_act": "gelu_pytorch_tanh",
    "tie_word_embeddings": True,
    "attention_bias": False,
}
"""transformers 5.25's GemmaConfig, for the keys that change a count."""

ARCHITECTURES = {"GemmaModel": False, "GemmaForCausalLM": True}


def build(config: Config, with_head: bool) -> tuple[Layer, ...]:
    bias = config.flag("attention_bias")
    block = pre_norm_block(config, self_attention(config, bias=bias, out_bias=bias), gated_mlp(config))
    return causal_lm(config, with_head, [block] * config.count("num_hidden_layers"))
