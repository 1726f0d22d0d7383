"""Qwen2 and Qwen2.5: Llama's block with biases on q, k and v (not on the output projection), and a
sliding window on the layers from `max_window_layers` on when `use_sliding_window`."""

from __future__ import annotations

from archcalc.formats.hf.config import Config
from archcalc.formats.hf.decoder import FULL, SLIDING, causal_lm, gated_mlp, layer_types, pre_norm_block, self_attention
from archcalc.model import Layer

DEFAULTS: dict[str, object] = {
    "vocab_size": 151936,
    "hidden_size": 4096,
    "intermediate_size": 22016,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "head_dim": None,  # None: hidden_size // num_attention_heads
    "hidden_act": "silu",
    "tie_word_embeddings": False,
    "use_sliding_window": False,
    "sliding_window": 4096,
    "max_window_layers": 28,
    "layer_types": None,  # None: sliding from max_window_layers on, with use_sliding_window
}
"""transformers 5.25's Qwen2Config, for the keys that change a count."""

ARCHITECTURES = {"Qwen2Model": False, "Qwen2ForCausalLM": True}


def sliding_windows(config: Config) -> list[int | None]:
    """Each layer's window: Qwen2Config's rule, or `layer_types` as written."""
    count = config.count("num_hidden_layers")
    window = config.optional_count("sliding_window") if config.flag("use_sliding_window") else None
    first = config.count("max_window_layers", minimum=0)
    default = [SLIDING if window is not None and index >= first else FULL for index in range(count)]
    return [window if kind == SLIDING else None for kind in layer_types(config, default)]


def build(config: Config, with_head: bool) -> tuple[Layer, ...]:
    mlp = gated_mlp(config)
    blocks = [pre_norm_block(config, self_attention(config, sliding_window=window, bias=True, out_bias=False), mlp) for window in sliding_windows(config)]
    return causal_lm(config, with_head, blocks)
