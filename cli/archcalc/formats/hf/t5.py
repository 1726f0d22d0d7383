"""T5: a shared embedding, an encoder and a decoder of pre-norm blocks (RMS norms, no biases), a learned
relative position bias in each stack's first block, and the LM head, tied to the embedding (always,
as transformers 5.25 builds T5).

archcalc's spec is one path: the decoder reads `--tokens` tokens as the encoder does, looked up in the
same shared table, so the encoder is a branch from that lookup (its output, the encoder's last
hidden state, an extra output) and the decoder attends to its N tokens by cross-attention."""

from __future__ import annotations

from archcalc.formats.hf.config import Config
from archcalc.formats.hf.decoder import activation
from archcalc.kinds.attention import Attention
from archcalc.kinds.composite import Block, Repeat, Residual
from archcalc.kinds.dense import Dense
from archcalc.kinds.elementwise import Activation
from archcalc.kinds.embedding import Embedding
from archcalc.kinds.graph import Branch
from archcalc.kinds.mlp import GatedMLP
from archcalc.kinds.norm import RMSNorm
from archcalc.model import Layer

DEFAULTS: dict[str, object] = {
    "vocab_size": 32128,
    "d_model": 512,
    "d_kv": 64,
    "d_ff": 2048,
    "num_layers": 6,
    "num_decoder_layers": None,  # None: as many as the encoder's
    "num_heads": 8,
    "relative_attention_num_buckets": 32,
    "feed_forward_proj": "relu",  # "gated-gelu" in T5 1.1: a gated MLP
    "tie_word_embeddings": True,
}
"""transformers 5.25's T5Config, for the keys that change a count."""

ALIASES = {"hidden_size": "d_model", "num_attention_heads": "num_heads", "num_hidden_layers": "num_layers", "head_dim": "d_kv"}
ARCHITECTURES = {"T5EncoderModel": "encoder", "T5Model": "model", "T5ForConditionalGeneration": "lm"}


def feed_forward(config: Config, name: str) -> Layer:
    written = config.word("feed_forward_proj") or "relu"
    gated = written.startswith("gated-")
    function = activation(config, "feed_forward_proj") if not gated and written in ("relu", "gelu") else None
    if gated:
        inner = written.removeprefix("gated-")
        if inner not in ("gelu", "relu", "silu", "gelu_new"):
            raise config.error("feed_forward_proj", f"'feed_forward_proj' is '{written}'; T5 reads 'relu', 'gelu' or 'gated-' and one of them")
        return config.made(GatedMLP, "d_ff", name, hidden=config.count("d_ff"), activation="gelu" if "gelu" in inner else inner)
    if function is None:
        raise config.error("feed_forward_proj", f"'feed_forward_proj' is '{written}'; T5 reads 'relu', 'gelu' or 'gated-' and one of them")
    return config.made(
        Block,
        "d_ff",
        name,
        layers=(
            config.made(Dense, "d_ff", "wi", units=config.count("d_ff"), bias=False),
            config.made(Activation, "feed_forward_proj", None, function=function),
            config.made(Dense, "d_model", "wo", units=config.count("d_model"), bias=False),
        ),
    )


def attention(config: Config, name: str, first: bool, causal: bool, context: int | None = None) -> Layer:
    buckets = config.count("relative_attention_num_buckets") if first else None
    return config.made(
        Attention,
        "num_heads",
        name,
        heads=config.count("num_heads"),
        head_dim=config.count("d_kv"),
        bias=False,
        causal=causal,
        context=context,
        relative_buckets=buckets,
    )


def norm(config: Config, name: str) -> Layer:
    return config.made(RMSNorm, "d_model", name)


def stack(config: Config, name: str, count: int, block: list[Layer], first: list[Layer]) -> Layer:
    """Block 0 (which holds the relative position bias), then the other blocks, alike."""
    parts: list[Layer] = [config.made(Block, "num_layers", f"{name}.0", layers=tuple(first))]
    if count > 1:
        parts.append(config.made(Repeat, "num_layers", None, times=count - 1, layers=tuple(block)))
    return config.made(Block, "num_layers", name, layers=tuple(parts))


def encoder_layers(config: Config) -> tuple[Layer, ...]:
    def block(first: bool) -> list[Layer]:
        return [
            config.made(Residual, "num_layers", None, layers=(norm(config, "layer.0.layer_norm"), attention(config, "layer.0.SelfAttention", first, False))),
            config.made(Residual, "num_layers", None, layers=(norm(config, "layer.1.layer_norm"), feed_forward(config, "layer.1.DenseReluDense"))),
        ]

    count = config.count("num_layers")
    return (stack(config, "encoder.block", count, block(False), block(True)), norm(config, "encoder.final_layer_norm"))


def decoder_layers(config: Config) -> tuple[Layer, ...]:
    tokens = config.tokens

    def block(first: bool) -> list[Layer]:
        return [
            config.made(Residual, "num_layers", None, layers=(norm(config, "layer.0.layer_norm"), attention(config, "layer.0.SelfAttention", first, True))),
            config.made(
                Residual, "num_layers", None, layers=(norm(config, "layer.1.layer_norm"), attention(config, "layer.1.EncDecAttention", False, False, tokens))
            ),
            config.made(Residual, "num_layers", None, layers=(norm(config, "layer.2.layer_norm"), feed_forward(config, "layer.2.DenseReluDense"))),
        ]

    count = config.optional_count("num_decoder_layers") or config.count("num_layers")
    return (stack(config, "decoder.block", count, block(False), block(True)), norm(config, "decoder.final_layer_norm"))


def build(config: Config, role: str) -> tuple[Layer, ...]:
    vocab, width = config.count("vocab_size"), config.count("d_model")
    shared = config.made(Embedding, "vocab_size", "shared", vocab=vocab, dim=width)
    if role == "encoder":
        return (shared, *encoder_layers(config))
    layers = [shared, config.made(Branch, "num_layers", "encoder", layers=encoder_layers(config)), *decoder_layers(config)]
    if role == "lm":
        config.flag("tie_word_embeddings")  # checked, though transformers 5.25 ties T5's head whatever it says (see notes)
        layers.append(config.made(Dense, "vocab_size", "lm_head", units=vocab, bias=False, tie="shared"))
    return tuple(layers)


def notes(config: Config) -> tuple[str, ...]:
    """transformers 5.25 ties T5's head to the shared embedding always; a file's `tie_word_embeddings:
    false` (T5 1.1's) only stops the decoder's output being scaled."""
    if config.flag("tie_word_embeddings"):
        return ()
    return (
        "tie_word_embeddings is false, yet transformers 5.25 ties T5's lm_head to the shared embedding "
        "(false only leaves the decoder's output unscaled): counted once",
    )
