"""What each stored tensor is to the model: a weight, a bias, state that is not trained, or data
reported apart (quantization's scales, zero points and group indices; buffers a model rebuilds).

A checkpoint says nothing of a tensor but its name, dtype and shape, so the name decides, as
transformers' own loading does, by the rule the config reader counts with (formats/hf/names.py).
A quantized weight packs several weights into one stored value (GPTQ and AWQ's `qweight`: eight
4-bit weights an I32); it counts as the weights it stands for, with the bits a weight takes read
from its neighbours' shapes, never assumed.
"""

from __future__ import annotations

import enum
import re

from archcalc.errors import Origin, SpecError
from archcalc.formats.hf.names import TensorRole, tensor_role
from archcalc.formats.safetensors.header import DTYPE_BITS, Tensor
from archcalc.printable import quoted


class Role(enum.Enum):
    WEIGHT = "weight"
    BIAS = "bias"
    STATE = "state"  # a persistent buffer the model keeps and counts as non-trainable (a router's correction bias)
    QUANTIZATION = "quantization"  # scales, zero points, group indices: how weights are stored, not weights
    BUFFER = "buffer"  # a buffer transformers rebuilds and does not count (rotary inv_freq, position ids, causal masks)


QUANTIZATION_NAMES = frozenset(
    {
        "weight_scale_inv",  # DeepSeek-V3's FP8 block scales
        "weight_scale",  # FP8 and compressed-tensors
        "input_scale",
        "output_scale",
        "k_scale",
        "v_scale",
        "weight_zero_point",
        "input_zero_point",
        "weight_g_idx",
        "scales",  # GPTQ, AWQ
        "qzeros",
        "g_idx",
        "SCB",  # bitsandbytes 8-bit
        "weight_format",
        "absmax",  # bitsandbytes 4-bit, below `weight.`
        "quant_map",
        "nested_absmax",
        "nested_quant_map",
    }
)
"""The last part of the name of quantization data, of every scheme transformers loads from safetensors."""

MORE_STATE = frozenset({"running_mean", "running_var"})
"""Batch norms' running statistics (a vision model's checkpoint): state, as archcalc's batchnorm counts them."""

MORE_BUFFERS = frozenset({"num_batches_tracked", "token_type_ids"})
"""Buffers beyond those formats/hf/names.py knows that PyTorch does not count: a batch norm's step
counter, and BERT's token-type ids an older checkpoint saved."""

BITSANDBYTES_STATE = re.compile(r"\.quant_state\.bitsandbytes__(nf4|fp4)$")


def role_of(tensor: Tensor) -> Role:
    """The one place that decides a tensor's role from its name: quantization data here; state and
    recomputed buffers by the rule the config reader shares (formats/hf/names.py)."""
    last = tensor.name.rsplit(".", 1)[-1]
    if last in QUANTIZATION_NAMES or BITSANDBYTES_STATE.search(tensor.name):
        return Role.QUANTIZATION
    shared = tensor_role(tensor.name)
    if shared is TensorRole.STATE or last in MORE_STATE:
        return Role.STATE
    if shared is TensorRole.DERIVED or last in MORE_BUFFERS:
        return Role.BUFFER
    if last == "bias" or last.endswith("_bias"):
        return Role.BIAS
    return Role.WEIGHT


PACKED_NAME = "qweight"


def unpacked_values(tensor: Tensor, neighbours: dict[str, Tensor], origin: Origin) -> int:
    """How many weights a stored tensor stands for: its values, or for a packed `qweight` (GPTQ,
    AWQ) its values × the weights one value packs. Both schemes pack the zero points along the
    output axis as they pack the weights, beside scales that are not packed, so qzeros' columns /
    scales' columns = bits / 32; without them, GPTQ's g_idx gives the input width. A bitsandbytes
    4-bit weight (a U8 beside its quant_state) holds two."""
    module = tensor.name.rsplit(".", 1)[0]
    if tensor.name.endswith("." + PACKED_NAME) or tensor.name == PACKED_NAME:
        return tensor.values * DTYPE_BITS[tensor.dtype] // _bits_per_weight(tensor, module, neighbours, origin)
    if tensor.dtype == "U8" and any(f"{tensor.name}.quant_state.bitsandbytes__{kind}" in neighbours for kind in ("nf4", "fp4")):
        return tensor.values * 2
    return tensor.values


def _bits_per_weight(tensor: Tensor, module: str, neighbours: dict[str, Tensor], origin: Origin) -> int:
    stored_bits = DTYPE_BITS[tensor.dtype]
    zeros, scales, group_index = (neighbours.get(f"{module}.{name}") for name in ("qzeros", "scales", "g_idx"))
    bits: int | None = None
    if zeros is not None and scales is not None and len(zeros.shape) == 2 and len(scales.shape) == 2 and scales.shape[1]:
        packed_columns, columns = zeros.shape[1], scales.shape[1]
        if (packed_columns * stored_bits) % columns == 0:
            bits = packed_columns * stored_bits // columns
    elif group_index is not None and len(group_index.shape) == 1 and len(tensor.shape) == 2 and group_index.shape[0]:
        bits = tensor.shape[0] * stored_bits // group_index.shape[0] if (tensor.shape[0] * stored_bits) % group_index.shape[0] == 0 else None
    if bits is None or bits not in (2, 3, 4, 8):
        problem = f"tensor {quoted(tensor.name)} packs quantized weights, and its qzeros and scales (or g_idx) do not say how many bits a weight takes"
        raise SpecError(problem, origin, None, "a GPTQ or AWQ checkpoint stores them beside each qweight")
    if (tensor.values * stored_bits) % bits:
        raise SpecError(f"tensor {quoted(tensor.name)}: {tensor.values:,} values of {tensor.dtype} do not hold whole {bits}-bit weights", origin)
    return bits
