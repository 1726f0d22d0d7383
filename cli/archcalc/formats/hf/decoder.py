"""What the decoder-only families share: an embedding, a stack of blocks (attention, then an MLP or a
mixture of experts, each in a residual with its norms), a last norm and the LM head, each layer named
after the transformers module it stands for (`model.embed_tokens`, `model.layers`, `model.norm`,
`lm_head`), so that a checkpoint's tensors group under the same names."""

from __future__ import annotations

from collections.abc import Sequence

from archcalc.formats.hf.config import Config
from archcalc.kinds.attention import Attention
from archcalc.kinds.composite import Block, Repeat, Residual
from archcalc.kinds.dense import Dense
from archcalc.kinds.embedding import Embedding
from archcalc.kinds.mlp import GatedMLP
from archcalc.kinds.norm import RMSNorm
from archcalc.model import Layer

ACTIVATIONS = {
    "silu": "silu",
    "swish": "silu",
    "gelu": "gelu",
    "gelu_new": "gelu",
    "gelu_fast": "gelu",
    "gelu_pytorch_tanh": "gelu",
    "gelu_python": "gelu",
    "quick_gelu": "gelu",
    "relu": "relu",
    "relu6": "relu6",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "leaky_relu": "leaky_relu",
}
"""transformers' activation names (ACT2FN) and archcalc's: the variants of GELU count alike."""

SLIDING, FULL = "sliding_attention", "full_attention"

MAX_PATTERN = 64
"""The longest pattern of blocks looked for (Gemma 3's is 6); past it, runs of alike blocks."""
LAYER_TYPES = (SLIDING, FULL)


def activation(config: Config, key: str) -> str:
    written = config.word(key) or "silu"
    if written not in ACTIVATIONS:
        known = ", ".join(sorted(ACTIVATIONS))
        raise config.error(key, f"'{key}' is '{written}', an activation archcalc does not know", f"it knows {known}")
    return ACTIVATIONS[written]


def head_width(config: Config) -> int:
    """`head_dim`, or the width shared out among the heads (rounded down, as transformers does)."""
    written = config.optional_count("head_dim")
    if written is not None:
        return written
    width, heads = config.count("hidden_size"), config.count("num_attention_heads")
    if heads > width:
        raise config.error("num_attention_heads", f"{heads:,} heads share a width of {width:,}: each would be 0 wide", "give 'head_dim'")
    return width // heads


def self_attention(
    config: Config, *, sliding_window: int | None = None, bias: bool = False, out_bias: bool = True, qk_norm: bool = False, head_dim: int | None = None
) -> Layer:
    """The self-attention of a decoder block (q, k, v, o projections, grouped-query when there are
    fewer key/value heads), causal."""
    heads = config.count("num_attention_heads")
    kv_heads = config.optional_count("num_key_value_heads") or heads
    return config.made(
        Attention,
        "num_attention_heads",
        "self_attn",
        heads=heads,
        kv_heads=kv_heads,
        head_dim=head_width(config) if head_dim is None else head_dim,
        bias=bias,
        out_bias=out_bias or not bias,
        causal=True,
        sliding_window=sliding_window,
        qk_norm=qk_norm,
    )


def gated_mlp(config: Config, key: str = "intermediate_size", name: str = "mlp", act_key: str = "hidden_act", bias: bool = False) -> Layer:
    return config.made(GatedMLP, key, name, hidden=config.count(key), activation=activation(config, act_key), bias=bias)


def norm(config: Config, name: str) -> Layer:
    return config.made(RMSNorm, "hidden_size", name)


def pre_norm_block(config: Config, attention: Layer, mlp: Layer) -> tuple[Layer, ...]:
    """Llama's block: x + attention(norm(x)), then x + mlp(norm(x))."""
    return (
        config.made(Residual, "num_hidden_layers", None, layers=(norm(config, "input_layernorm"), attention)),
        config.made(Residual, "num_hidden_layers", None, layers=(norm(config, "post_attention_layernorm"), mlp)),
    )


def sandwich_block(config: Config, attention: Layer, mlp: Layer) -> tuple[Layer, ...]:
    """Gemma 2's and 3's block: a norm before and after each of attention and the MLP."""
    return (
        config.made(Residual, "num_hidden_layers", None, layers=(norm(config, "input_layernorm"), attention, norm(config, "post_attention_layernorm"))),
        config.made(Residual, "num_hidden_layers", None, layers=(norm(config, "pre_feedforward_layernorm"), mlp, norm(config, "post_feedforward_layernorm"))),
    )


def layer_types(config: Config, default: list[str]) -> list[str]:
    """Which layers attend within a sliding window: `layer_types` as written, else the family's rule."""
    written = config.words("layer_types", config.count("num_hidden_layers"), LAYER_TYPES)
    return default if written is None else written


def stacked(config: Config, name: str, blocks: Sequence[tuple[Layer, ...]]) -> Layer:
    """The blocks as one `repeat` when they are all alike; else the shortest pattern that repeats
    (Gemma 2's local and global layers in turn), or runs of alike blocks (DeepSeek's first dense
    layers, then its experts), inside one `block` of that name."""
    count = len(blocks)
    kinds: dict[tuple[Layer, ...], int] = {}
    alike = [kinds.setdefault(block, len(kinds)) for block in blocks]  # each block as a number: equal blocks, equal numbers
    for period in range(1, min(count // 2, MAX_PATTERN) + 1):
        if all(alike[index] == alike[index % period] for index in range(count)):
            pattern = tuple(layer for block in blocks[:period] for layer in block)
            times, rest = divmod(count, period)
            if period == 1:
                return config.made(Repeat, "num_hidden_layers", name, times=count, layers=pattern)
            runs: list[Layer] = [config.made(Repeat, "num_hidden_layers", None, times=times, layers=pattern)]
            runs += [layer for block in blocks[times * period :] for layer in block] if rest else []
            return config.made(Block, "num_hidden_layers", name, layers=tuple(runs))
    if count == 1:
        return config.made(Repeat, "num_hidden_layers", name, times=1, layers=blocks[0])
    runs = []
    start = 0
    while start < count:
        end = start
        while end < count and alike[end] == alike[start]:
            end += 1
        runs.append(config.made(Repeat, "num_hidden_layers", None, times=end - start, layers=blocks[start]))
        start = end
    return config.made(Block, "num_hidden_layers", name, layers=tuple(runs))


def causal_lm(config: Config, with_head: bool, blocks: Sequence[tuple[Layer, ...]]) -> tuple[Layer, ...]:
    """`…Model` (the stack alone) or `…ForCausalLM` (under `model.`, and the LM head, tied to the
    embedding when `tie_word_embeddings`)."""
    prefix = "model." if with_head else ""
    vocab, width = config.count("vocab_size"), config.count("hidden_size")
    layers = [
        config.made(Embedding, "vocab_size", f"{prefix}embed_tokens", vocab=vocab, dim=width),
        stacked(config, f"{prefix}layers", blocks),
        norm(config, f"{prefix}norm"),
    ]
    if with_head:
        tie = f"{prefix}embed_tokens" if config.flag("tie_word_embeddings") else None
        layers.append(config.made(Dense, "tie_word_embeddings" if tie else "vocab_size", "lm_head", units=vocab, bias=False, tie=tie))
    return tuple(layers)
