"""The header sets of real checkpoints, written as sparse files: every header as the published model's,
and its data a hole of the right size (a 405B checkpoint takes a few hundred KB of disk).

Tensor names, shapes and dtypes follow the published checkpoints' layouts: Llama-3.1-405B's 191
BF16 shards, DeepSeek-V3's 163 shards of FP8 weights with their block scales (`weight_scale_inv`),
its router correction biases and its multi-token-prediction layer (model.layers.61). Used by
benchmarks/run.py (how long reading them takes) and tests/test_safetensors.py (what they count).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

Entry = tuple[str, tuple[int, ...]]  # dtype and shape
BYTES = {"BF16": 2, "F32": 4, "F8_E4M3": 1}


def llama_405b() -> dict[str, Entry]:
    hidden, inner, layers, kv, vocab = 16384, 53248, 126, 1024, 128256
    tensors: dict[str, Entry] = {"model.embed_tokens.weight": ("BF16", (vocab, hidden))}
    for layer in range(layers):
        prefix = f"model.layers.{layer}."
        for name, shape in (
            ("self_attn.q_proj", (hidden, hidden)),
            ("self_attn.k_proj", (kv, hidden)),
            ("self_attn.v_proj", (kv, hidden)),
            ("self_attn.o_proj", (hidden, hidden)),
            ("mlp.gate_proj", (inner, hidden)),
            ("mlp.up_proj", (inner, hidden)),
            ("mlp.down_proj", (hidden, inner)),
        ):
            tensors[f"{prefix}{name}.weight"] = ("BF16", shape)
        tensors[f"{prefix}input_layernorm.weight"] = ("BF16", (hidden,))
        tensors[f"{prefix}post_attention_layernorm.weight"] = ("BF16", (hidden,))
    tensors["model.norm.weight"] = ("BF16", (hidden,))
    tensors["lm_head.weight"] = ("BF16", (vocab, hidden))
    return tensors


def _fp8(tensors: dict[str, Entry], module: str, shape: tuple[int, int]) -> None:
    """An FP8 linear weight and its scales, one per 128×128 block."""
    tensors[f"{module}.weight"] = ("F8_E4M3", shape)
    tensors[f"{module}.weight_scale_inv"] = ("F32", (-(-shape[0] // 128), -(-shape[1] // 128)))


def _deepseek_layer(tensors: dict[str, Entry], prefix: str, dense: bool) -> None:
    hidden = 7168
    for name, shape in (
        ("self_attn.q_a_proj", (1536, hidden)),
        ("self_attn.q_b_proj", (128 * 192, 1536)),
        ("self_attn.kv_a_proj_with_mqa", (576, hidden)),
        ("self_attn.kv_b_proj", (128 * 256, 512)),
        ("self_attn.o_proj", (hidden, 128 * 128)),
    ):
        _fp8(tensors, prefix + name, shape)
    norms = (("input_layernorm", hidden), ("post_attention_layernorm", hidden), ("self_attn.q_a_layernorm", 1536), ("self_attn.kv_a_layernorm", 512))
    for name, width in norms:
        tensors[f"{prefix}{name}.weight"] = ("BF16", (width,))
    experts = [("mlp.", 18432)] if dense else [*((f"mlp.experts.{expert}.", 2048) for expert in range(256)), ("mlp.shared_experts.", 2048)]
    for module, inner in experts:
        _fp8(tensors, prefix + module + "gate_proj", (inner, hidden))
        _fp8(tensors, prefix + module + "up_proj", (inner, hidden))
        _fp8(tensors, prefix + module + "down_proj", (hidden, inner))
    if not dense:
        tensors[f"{prefix}mlp.gate.weight"] = ("BF16", (256, hidden))
        tensors[f"{prefix}mlp.gate.e_score_correction_bias"] = ("F32", (256,))


def deepseek_v3() -> dict[str, Entry]:
    hidden, vocab = 7168, 129280
    tensors: dict[str, Entry] = {"model.embed_tokens.weight": ("BF16", (vocab, hidden))}
    for layer in range(62):  # 61 layers, then the multi-token-prediction layer
        _deepseek_layer(tensors, f"model.layers.{layer}.", dense=layer < 3)
    mtp = "model.layers.61."
    tensors[mtp + "embed_tokens.weight"] = ("BF16", (vocab, hidden))
    tensors[mtp + "enorm.weight"] = ("BF16", (hidden,))
    tensors[mtp + "hnorm.weight"] = ("BF16", (hidden,))
    tensors[mtp + "eh_proj.weight"] = ("BF16", (hidden, 2 * hidden))
    tensors[mtp + "shared_head.norm.weight"] = ("BF16", (hidden,))
    tensors[mtp + "shared_head.head.weight"] = ("BF16", (vocab, hidden))
    tensors["model.norm.weight"] = ("BF16", (hidden,))
    tensors["lm_head.weight"] = ("BF16", (vocab, hidden))
    return tensors


def write_shards(folder: Path, tensors: dict[str, Entry], shards: int) -> Path:
    """`tensors` split into `shards` files of about equal bytes, each a real header followed by a hole
    of its data's size, and their index, as save_pretrained names them. Returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    sizes = {name: _bytes(entry) for name, entry in tensors.items()}
    share = sum(sizes.values()) / shards
    groups: list[list[str]] = [[] for _ in range(shards)]
    done = 0
    for name in tensors:
        groups[min(int(done / share), shards - 1)].append(name)
        done += sizes[name]
    weight_map = {}
    for number, names in enumerate(groups, start=1):
        file_name = f"model-{number:05d}-of-{shards:05d}.safetensors"
        header: dict[str, object] = {"__metadata__": {"format": "pt"}}
        offset = 0
        for name in names:
            dtype, shape = tensors[name]
            header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + sizes[name]]}
            offset += sizes[name]
            weight_map[name] = file_name
        text = json.dumps(header, separators=(",", ":")).encode()
        with (folder / file_name).open("wb") as stream:
            stream.write(struct.pack("<Q", len(text)) + text)
            stream.truncate(8 + len(text) + offset)  # the data: a hole, no disk taken
    index = {"metadata": {"total_size": sum(sizes.values())}, "weight_map": weight_map}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))
    return folder


def _bytes(entry: Entry) -> int:
    dtype, shape = entry
    count = BYTES[dtype]
    for size in shape:
        count *= size
    return count
