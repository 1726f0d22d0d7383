"""The later language-model layers as transformers 5 itself runs them, trained one step, to check the
bytes `archcalc train` says autograd keeps (used only by the parity tests).

Each block is transformers' own module (MixtralSparseMoeBlock, Qwen2MoeSparseMoeBlock,
DeepseekV3Attention, Qwen3Attention, Qwen2Attention, MistralAttention, T5Attention), built from a
small config that says what the archcalc layer says, after an nn.Linear standing for the spec's
`dense` before it (so that the block's input needs a gradient). The input is (batch, tokens, width)
and does not require grad. Rotary position embeddings are computed outside the block, once for the
whole model, as transformers' models do: their cos and sin are left out like parameters (archcalc
counts no rotary embedding; docs/training.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from tests.torch_reference.training import SavedStorages, optimizer_state_bytes

Run = Callable[[nn.Module, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class BlockTraining:
    kept_bytes: int  # what autograd keeps for backward, each storage once
    optimizer_state_bytes: int  # torch.optim.AdamW's state after one step


ROTARY: dict[str, torch.Tensor] = {}
"""The cos and sin of the latest rotary embedding computed, to leave out of the kept bytes."""


def train_block(block: nn.Module, run: Run, batch: int, tokens: int, width: int, dense: bool, dtype: torch.dtype = torch.float32) -> BlockTraining:
    """One AdamW step of [nn.Linear(width, width) if `dense`] then `block`, `run(block, x)` giving its
    output, everything in `dtype` (bfloat16: archcalc's --precision bf16)."""
    torch.manual_seed(0)
    before = (nn.Linear(width, width) if dense else nn.Identity()).to(dtype)
    for parameter in block.parameters():  # transformers leaves some parameters uninitialised (torch.empty) until a model initialises them
        nn.init.normal_(parameter, std=0.1)
    block.to(dtype).train()
    for name, table in ROTARY.items():
        ROTARY[name] = table.to(dtype)
    example = torch.randn(batch, tokens, width, dtype=dtype)
    excluded = [*block.parameters(), *block.buffers(), *before.parameters(), *ROTARY.values()]
    with SavedStorages(excluded) as saved:
        output = run(block, before(example))
    step = torch.optim.AdamW([*before.parameters(), *block.parameters()])
    output.sum().backward()
    step.step()
    return BlockTraining(saved.bytes, optimizer_state_bytes(step))


def rotary(config: object, batch: int, tokens: int, module: type[nn.Module]) -> tuple[torch.Tensor, torch.Tensor]:
    positions = torch.arange(tokens)[None].expand(batch, -1)
    cos, sin = module(config)(torch.zeros(batch, tokens, 1), positions)
    ROTARY.update(cos=cos, sin=sin)
    return cos, sin


def mixtral_moe(experts: int, per_token: int, hidden: int, width: int, implementation: str) -> nn.Module:
    """Mixtral's block: a router softmax in float32, top-k normalised by their sum, fused experts run
    as `implementation` says ("grouped_mm", transformers' default for a model; "eager", a loop over experts)."""
    from transformers import MixtralConfig  # lazy: transformers is the parity extra's
    from transformers.models.mixtral.modeling_mixtral import MixtralSparseMoeBlock

    config = MixtralConfig(
        hidden_size=width, intermediate_size=hidden, num_local_experts=experts, num_experts_per_tok=per_token, experts_implementation=implementation
    )
    return MixtralSparseMoeBlock(config)


def qwen2_moe(experts: int, per_token: int, hidden: int, shared_hidden: int, width: int) -> nn.Module:
    """Qwen2-MoE's block: the router's top-k weights not normalised (norm_topk_prob false), a shared expert scaled by sigmoid(gate)."""
    from transformers import Qwen2MoeConfig  # lazy: transformers is the parity extra's
    from transformers.models.qwen2_moe.modeling_qwen2_moe import Qwen2MoeSparseMoeBlock

    config = Qwen2MoeConfig(
        hidden_size=width,
        moe_intermediate_size=hidden,
        shared_expert_intermediate_size=shared_hidden,
        num_experts=experts,
        num_experts_per_tok=per_token,
        experts_implementation="grouped_mm",
    )
    return Qwen2MoeSparseMoeBlock(config)


def deepseek_attention(heads: int, q_rank: int | None, kv_rank: int, nope: int, rope: int, v: int, width: int, implementation: str) -> nn.Module:
    from transformers import DeepseekV3Config  # lazy: transformers is the parity extra's
    from transformers.models.deepseek_v3.modeling_deepseek_v3 import DeepseekV3Attention

    config = DeepseekV3Config(
        hidden_size=width,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        q_lora_rank=q_rank,
        kv_lora_rank=kv_rank,
        qk_nope_head_dim=nope,
        qk_rope_head_dim=rope,
        v_head_dim=v,
        rope_interleave=False,
    )
    config._attn_implementation = implementation
    return DeepseekV3Attention(config, 0)


def run_with_rotary(block: nn.Module, rotary_module: type[nn.Module], batch: int, tokens: int, mask: torch.Tensor | None = None) -> Run:
    """A decoder attention's forward: (hidden states, (cos, sin), mask) -> its output. The cos and sin
    are computed here, before the step, and left out of the kept bytes (ROTARY)."""
    rotary(block.config, batch, tokens, rotary_module)

    def run(block: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return block(x, (ROTARY["cos"], ROTARY["sin"]), mask)[0]  # type: ignore[no-any-return]

    return run


def deepseek_rotary() -> type[nn.Module]:
    from transformers.models.deepseek_v3.modeling_deepseek_v3 import DeepseekV3RotaryEmbedding  # lazy: transformers is the parity extra's

    return DeepseekV3RotaryEmbedding  # type: ignore[no-any-return]


def decoder_attention(family: str, heads: int, head_dim: int, width: int, sliding_window: int | None = None) -> tuple[nn.Module, type[nn.Module]]:
    """Qwen 3's (RMS norms over each head's q and k, no biases), Qwen 2's (q, k and v biases, none on
    the output) or Mistral's (a sliding window) attention, through scaled_dot_product_attention."""
    import transformers  # lazy: transformers is the parity extra's
    from transformers.models.mistral import modeling_mistral
    from transformers.models.qwen2 import modeling_qwen2
    from transformers.models.qwen3 import modeling_qwen3

    modules = {"qwen3": modeling_qwen3, "qwen2": modeling_qwen2, "mistral": modeling_mistral}
    prefix = {"qwen3": "Qwen3", "qwen2": "Qwen2", "mistral": "Mistral"}[family]
    extra = {"sliding_window": sliding_window} if family == "mistral" else {}
    config = getattr(transformers, f"{prefix}Config")(
        hidden_size=width, num_attention_heads=heads, num_key_value_heads=heads, head_dim=head_dim, attention_dropout=0.0, **extra
    )
    config._attn_implementation = "sdpa"
    module = modules[family]
    return getattr(module, f"{prefix}Attention")(config, 0), getattr(module, f"{prefix}RotaryEmbedding")


def sliding_window_mask(block: nn.Module, batch: int, tokens: int) -> torch.Tensor | None:
    """The mask Mistral's model hands its attention layers: boolean, (batch, 1, N, N), None where the window hides nothing."""
    from transformers.masking_utils import create_sliding_window_causal_mask  # lazy: transformers is the parity extra's

    config = block.config
    positions = torch.arange(tokens)[None].expand(batch, -1)
    return create_sliding_window_causal_mask(config, torch.zeros(batch, tokens, config.hidden_size), None, None, position_ids=positions)  # type: ignore[no-any-return]


def t5_attention(heads: int, head_dim: int, buckets: int, width: int) -> nn.Module:
    """T5's encoder self-attention with its relative position bias (transformers runs it as matmuls, always)."""
    from transformers import T5Config  # lazy: transformers is the parity extra's
    from transformers.models.t5.modeling_t5 import T5Attention

    config = T5Config(d_model=width, d_kv=head_dim, num_heads=heads, relative_attention_num_buckets=buckets, dropout_rate=0.0)
    return T5Attention(config, has_relative_attention_bias=True)


def run_t5(block: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return block(x)[0]  # type: ignore[no-any-return]


def run_moe(block: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return block(x)  # type: ignore[no-any-return]
