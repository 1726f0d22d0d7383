"""formats/hf/names.py: which stored tensors are parameters, kept state, or recomputed buffers."""

from __future__ import annotations

import pytest

from archcalc.formats.hf.names import TensorRole, stack_of, tensor_role


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("model.layers.3.mlp.gate.e_score_correction_bias", TensorRole.STATE),
        ("model.layers.3.mlp.gate.weight", TensorRole.PARAMETER),
        ("model.layers.0.self_attn.rotary_emb.inv_freq", TensorRole.DERIVED),
        ("embeddings.position_ids", TensorRole.DERIVED),
        ("transformer.h.0.attn.bias", TensorRole.DERIVED),  # GPT-2's causal mask, saved by old releases
        ("transformer.h.0.attn.masked_bias", TensorRole.DERIVED),
        ("transformer.h.0.attn.c_attn.bias", TensorRole.PARAMETER),  # the projection's bias is a parameter
        ("lm_head.weight", TensorRole.PARAMETER),
    ],
)
def test_tensor_roles(name: str, role: TensorRole) -> None:
    assert tensor_role(name) is role


@pytest.mark.parametrize(
    ("name", "stack"),
    [
        ("model.layers.17.mlp.up_proj.weight", ("model.layers", 17)),
        ("transformer.h.11.ln_1.weight", ("transformer.h", 11)),
        ("encoder.layer.0.output.dense.weight", ("encoder.layer", 0)),
        ("encoder.block.2.layer.0.SelfAttention.q.weight", ("encoder.block", 2)),  # the first stack, not T5's `layer` inside it
        ("model.embed_tokens.weight", None),
    ],
)
def test_stacks(name: str, stack: tuple[str, int] | None) -> None:
    assert stack_of(name) == stack
