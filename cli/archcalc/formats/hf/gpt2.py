"""GPT-2: learned positions, pre-norm blocks of causal attention (one q, k, v projection with biases)
and a 4× GELU MLP, a last layer norm, and a head tied to the token embedding."""

from __future__ import annotations

from archcalc.formats.hf.config import Config
from archcalc.formats.hf.decoder import activation
from archcalc.kinds.attention import Attention
from archcalc.kinds.composite import Repeat, Residual
from archcalc.kinds.dense import Dense
from archcalc.kinds.elementwise import Activation
from archcalc.kinds.embedding import Embedding, PositionEmbedding
from archcalc.kinds.norm import LayerNorm
from archcalc.model import Layer

DEFAULTS: dict[str, object] = {
    "vocab_size": 50257,
    "n_positions": 1024,
    "n_embd": 768,
    "n_layer": 12,
    "n_head": 12,
    "n_inner": None,  # None: 4 × n_embd
    "activation_function": "gelu_new",
    "tie_word_embeddings": True,
    "add_cross_attention": False,
}
"""transformers 5.25's GPT2Config, for the keys that change a count."""

ALIASES = {"hidden_size": "n_embd", "max_position_embeddings": "n_positions", "num_attention_heads": "n_head", "num_hidden_layers": "n_layer"}
ARCHITECTURES = {"GPT2Model": False, "GPT2LMHeadModel": True}


def longest(config: Config) -> int:
    """The position table's length: the longest sequence GPT-2 reads."""
    return config.count("n_positions")


def build(config: Config, with_head: bool) -> tuple[Layer, ...]:
    if config.flag("add_cross_attention"):
        raise config.error(
            "add_cross_attention", "archcalc counts GPT-2 as a decoder alone; 'add_cross_attention' adds attention to an encoder it does not read"
        )
    prefix = "transformer." if with_head else ""
    width, vocab = config.count("n_embd"), config.count("vocab_size")
    inner = config.optional_count("n_inner") or 4 * width
    act = activation(config, "activation_function")
    block = (
        config.made(
            Residual,
            "n_layer",
            None,
            layers=(config.made(LayerNorm, "n_embd", "ln_1"), config.made(Attention, "n_head", "attn", heads=config.count("n_head"), causal=True)),
        ),
        config.made(
            Residual,
            "n_layer",
            None,
            layers=(
                config.made(LayerNorm, "n_embd", "ln_2"),
                config.made(Dense, "n_inner", "mlp.c_fc", units=inner),
                config.made(Activation, "activation_function", None, function=act),
                config.made(Dense, "n_embd", "mlp.c_proj", units=width),
            ),
        ),
    )
    layers = [
        config.made(Embedding, "vocab_size", f"{prefix}wte", vocab=vocab, dim=width),
        config.made(PositionEmbedding, "n_positions", f"{prefix}wpe", length=config.count("n_positions")),
        config.made(Repeat, "n_layer", f"{prefix}h", times=config.count("n_layer"), layers=block),
        config.made(LayerNorm, "n_embd", f"{prefix}ln_f"),
    ]
    if with_head:
        tie = f"{prefix}wte" if config.flag("tie_word_embeddings") else None
        layers.append(config.made(Dense, "vocab_size", "lm_head", units=vocab, bias=False, tie=tie))
    return tuple(layers)
