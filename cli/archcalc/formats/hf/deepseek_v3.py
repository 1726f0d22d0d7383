"""DeepSeek-V3: multi-head latent attention, three dense layers, then 58 mixtures of 256 routed experts
(8 a token) and a shared one, each router with a routing bias the checkpoint keeps. The multi-token
prediction layers (`num_nextn_predict_layers`) are not built by transformers, nor counted here."""

from __future__ import annotations

from archcalc.formats.hf.config import Config
from archcalc.formats.hf.decoder import activation, causal_lm, gated_mlp, pre_norm_block
from archcalc.kinds.latent_attention import LatentAttention
from archcalc.kinds.moe import MixtureOfExperts
from archcalc.model import Layer

DEFAULTS: dict[str, object] = {
    "vocab_size": 129280,
    "hidden_size": 7168,
    "intermediate_size": 18432,
    "moe_intermediate_size": 2048,
    "num_hidden_layers": 61,
    "num_attention_heads": 128,
    "n_shared_experts": 1,
    "n_routed_experts": 256,
    "num_experts_per_tok": 8,
    "first_k_dense_replace": 3,
    "kv_lora_rank": 512,
    "q_lora_rank": 1536,  # null: queries projected from the width directly
    "qk_rope_head_dim": 64,
    "qk_nope_head_dim": 128,
    "v_head_dim": 128,
    "hidden_act": "silu",
    "tie_word_embeddings": False,
    "attention_bias": False,
    "num_nextn_predict_layers": 1,
}
"""transformers 5.25's DeepseekV3Config, for the keys that change a count."""

ALIASES = {"num_local_experts": "n_routed_experts", "num_mtp_layers": "num_nextn_predict_layers"}
ARCHITECTURES = {"DeepseekV3Model": False, "DeepseekV3ForCausalLM": True}
UNREAD_KEYS = ("head_dim", "qk_head_dim")
"""transformers' keys that resemble a read one (v_head_dim): head widths it works out from the rope and nope widths."""


def build(config: Config, with_head: bool) -> tuple[Layer, ...]:
    attention = config.made(
        LatentAttention,
        "num_attention_heads",
        "self_attn",
        heads=config.count("num_attention_heads"),
        kv_rank=config.count("kv_lora_rank"),
        q_rank=config.optional_count("q_lora_rank"),
        nope_dim=config.count("qk_nope_head_dim"),
        rope_dim=config.count("qk_rope_head_dim"),
        v_dim=config.count("v_head_dim"),
        bias=config.flag("attention_bias"),
        causal=True,
    )
    experts = config.made(
        MixtureOfExperts,
        "n_routed_experts",
        "mlp",
        experts=config.count("n_routed_experts"),
        per_token=config.count("num_experts_per_tok"),
        hidden=config.count("moe_intermediate_size"),
        shared_hidden=config.count("moe_intermediate_size") * config.count("n_shared_experts", minimum=0),
        score_correction=True,
        activation=activation(config, "hidden_act"),
    )
    dense = gated_mlp(config)
    first_experts = config.count("first_k_dense_replace", minimum=0)
    blocks = [pre_norm_block(config, attention, dense if index < first_experts else experts) for index in range(config.count("num_hidden_layers"))]
    return causal_lm(config, with_head, blocks)


def notes(config: Config) -> tuple[str, ...]:
    """What a reader of the totals should know: the multi-token prediction layers are left out."""
    mtp = config.count("num_nextn_predict_layers", minimum=0)
    if not mtp:
        return ()
    return (f"{mtp} multi-token prediction layer{'s' if mtp > 1 else ''} (num_nextn_predict_layers) not counted: transformers does not build them",)
