"""BERT: word, token-type and position embeddings summed and normalised, post-norm encoder blocks, and
the pooler (BertModel) or the masked-LM head tied to the word embeddings (BertForMaskedLM)."""

from __future__ import annotations

from archcalc.formats.hf.config import Config
from archcalc.formats.hf.decoder import activation
from archcalc.kinds.attention import Attention
from archcalc.kinds.composite import Repeat, Residual
from archcalc.kinds.counted import Counted
from archcalc.kinds.dense import Dense
from archcalc.kinds.elementwise import Activation
from archcalc.kinds.embedding import Embedding, PositionEmbedding, SegmentEmbedding, Take
from archcalc.kinds.norm import LayerNorm
from archcalc.model import Layer

DEFAULTS: dict[str, object] = {
    "vocab_size": 30522,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "hidden_act": "gelu",
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "tie_word_embeddings": True,
}
"""transformers 5.25's BertConfig, for the keys that change a count."""

ARCHITECTURES = {"BertForMaskedLM": "masked_lm", "BertModel": "model"}


def longest(config: Config) -> int:
    return config.count("max_position_embeddings")


def build(config: Config, role: str) -> tuple[Layer, ...]:
    prefix = "bert." if role == "masked_lm" else ""
    width, vocab = config.count("hidden_size"), config.count("vocab_size")
    act = activation(config, "hidden_act")
    block = (
        config.made(
            Residual, "num_hidden_layers", None, layers=(config.made(Attention, "num_attention_heads", "attention", heads=config.count("num_attention_heads")),)
        ),
        config.made(LayerNorm, "hidden_size", "attention.output.LayerNorm"),
        config.made(
            Residual,
            "num_hidden_layers",
            None,
            layers=(
                config.made(Dense, "intermediate_size", "intermediate.dense", units=config.count("intermediate_size")),
                config.made(Activation, "hidden_act", None, function=act),
                config.made(Dense, "hidden_size", "output.dense", units=width),
            ),
        ),
        config.made(LayerNorm, "hidden_size", "output.LayerNorm"),
    )
    layers: list[Layer] = [
        config.made(Embedding, "vocab_size", f"{prefix}embeddings.word_embeddings", vocab=vocab, dim=width),
        config.made(SegmentEmbedding, "type_vocab_size", f"{prefix}embeddings.token_type_embeddings", types=config.count("type_vocab_size")),
        config.made(PositionEmbedding, "max_position_embeddings", f"{prefix}embeddings.position_embeddings", length=config.count("max_position_embeddings")),
        config.made(LayerNorm, "hidden_size", f"{prefix}embeddings.LayerNorm"),
        config.made(Repeat, "num_hidden_layers", f"{prefix}encoder.layer", times=config.count("num_hidden_layers"), layers=block),
    ]
    if role == "model":
        layers += [
            config.made(Take, "hidden_size", None, index=0),
            config.made(Dense, "hidden_size", "pooler.dense", units=width),
            config.made(Activation, "hidden_size", None, function="tanh"),
        ]
        return tuple(layers)
    tie = f"{prefix}embeddings.word_embeddings" if config.flag("tie_word_embeddings") else None
    layers += [
        config.made(Dense, "hidden_size", "cls.predictions.transform.dense", units=width),
        config.made(Activation, "hidden_act", None, function=act),
        config.made(LayerNorm, "hidden_size", "cls.predictions.transform.LayerNorm"),
        config.made(Dense, "vocab_size", "cls.predictions.decoder", units=vocab, tie=tie),
    ]
    if tie is None:  # untied, transformers keeps the head's own bias vector apart from the decoder's, unused
        shape = (config.tokens, vocab)
        layers.append(config.made(Counted, "tie_word_embeddings", "cls.predictions.bias", input=shape, output=shape, biases=vocab))
    return tuple(layers)
