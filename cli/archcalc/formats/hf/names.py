"""What a HuggingFace tensor name stands for: a parameter, state a checkpoint keeps (a persistent
buffer), or a buffer that older checkpoints saved although the model recomputes it on loading.

Shared by the config reader (which names each layer after the transformers module it stands for) and
the safetensors reader (which groups a checkpoint's tensors under the same names), so that a
checkpoint's totals and its config's are counted by the same rule.
"""

from __future__ import annotations

import enum
import re


class TensorRole(enum.Enum):
    """How a stored tensor counts."""

    PARAMETER = "parameter"  # totals.params: what `model.parameters()` holds
    STATE = "state"  # totals.non_trainable: a persistent buffer transformers loads from the checkpoint
    DERIVED = "derived"  # not counted: recomputed when the model is built, though an old checkpoint may hold it


PERSISTENT_BUFFERS = ("e_score_correction_bias",)
"""Buffers transformers registers as persistent and loads: DeepSeek-V3's router correction bias."""

DERIVED_BUFFERS = ("inv_freq", "position_ids", "attn.bias", "attn.masked_bias", "_float_tensor")
"""Buffers recomputed from the config (rotary frequencies, position ids, GPT-2's causal mask), which
checkpoints written by older transformers releases still hold: they are not parameters."""

REPEATED_BLOCK = re.compile(r"^(?P<stack>(?:[A-Za-z_][\w.]*?\.)?(?:layers|h|layer|block))\.(?P<index>\d+)\.")
"""`model.layers.17.mlp...`: a stack of numbered blocks (`layers` for Llama and its kin, `h` for
GPT-2, `layer` for BERT, `block` for T5), which archcalc writes as one `repeat` named after the stack."""


def tensor_role(name: str) -> TensorRole:
    """The role of a tensor by its name alone (its last components)."""
    if name.rsplit(".", 1)[-1] in PERSISTENT_BUFFERS:
        return TensorRole.STATE
    if any(name == buffer or name.endswith("." + buffer) for buffer in DERIVED_BUFFERS):
        return TensorRole.DERIVED
    return TensorRole.PARAMETER


def stack_of(name: str) -> tuple[str, int] | None:
    """(`model.layers`, 17) for `model.layers.17.mlp.up_proj.weight`; None for a tensor outside a stack."""
    match = REPEATED_BLOCK.match(name)
    if match is None:
        return None
    return match.group("stack"), int(match.group("index"))
