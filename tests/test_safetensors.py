"""safetensors checkpoints (formats/safetensors): counted from their headers alone, every lying header
a located error (exit 2), quantization and buffers said apart, and `check --against` by layer name.

Files are written here by hand (struct + json), so each test says exactly what a header holds; the
PyTorch-made checkpoints are in tests/test_safetensors_parity.py."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.formats.safetensors.header import DTYPE_BITS, MAX_HEADER_BYTES

runner = CliRunner()

Entry = tuple[str, list[int]]  # dtype and shape


def header_bytes(tensors: dict[str, Entry], metadata: dict[str, str] | None = None) -> tuple[bytes, int]:
    """A header laying `tensors` out one after another, in order, as the format asks; and the data's size."""
    document: dict[str, object] = {} if metadata is None else {"__metadata__": metadata}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        count = 1
        for size in shape:
            count *= size
        size_bytes = count * DTYPE_BITS[dtype] // 8
        document[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size_bytes]}
        offset += size_bytes
    return json.dumps(document).encode(), offset


def write(path: Path, tensors: dict[str, Entry], metadata: dict[str, str] | None = None) -> Path:
    text, data = header_bytes(tensors, metadata)
    path.write_bytes(struct.pack("<Q", len(text)) + text + bytes(data))
    return path


def write_raw(path: Path, header: object, data: int) -> Path:
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + bytes(data))
    return path


def show_json(path: Path | str) -> dict[str, object]:
    result = runner.invoke(app, ["show", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    found = document["totals"]
    assert isinstance(found, dict)
    assert found.pop("active_params") == found["params"]  # a checkpoint holds no routing: all it stores is active
    return document


def totals(path: Path | str) -> dict[str, int]:
    found = show_json(path)["totals"]
    assert isinstance(found, dict)
    return found


LLAMA_LIKE: dict[str, Entry] = {
    "lm_head.weight": ("BF16", [32, 8]),
    "model.embed_tokens.weight": ("BF16", [32, 8]),
    **{
        f"model.layers.{layer}.{name}": entry
        for layer in range(3)
        for name, entry in {
            "input_layernorm.weight": ("BF16", [8]),
            "self_attn.q_proj.weight": ("BF16", [8, 8]),
            "self_attn.q_proj.bias": ("BF16", [8]),
            "mlp.up_proj.weight": ("BF16", [8, 8]),
        }.items()
    },
    "model.norm.weight": ("F32", [8]),
}
LLAMA_WEIGHTS = 2 * 256 + 3 * (8 + 64 + 64) + 8
LLAMA_BIASES = 3 * 8


def test_a_file_is_counted_from_its_header(tmp_path: Path) -> None:
    document = show_json(write(tmp_path / "model.safetensors", LLAMA_LIKE, {"format": "pt"}))
    assert document["totals"] == {"params": LLAMA_WEIGHTS + LLAMA_BIASES, "weights": LLAMA_WEIGHTS, "biases": LLAMA_BIASES, "non_trainable": 0, "macs": 0}
    assert document["name"] == tmp_path.name  # transformers' default file name: named after its folder
    checkpoint = document["checkpoint"]
    assert isinstance(checkpoint, dict)
    assert checkpoint["values_by_dtype"] == [{"dtype": "BF16", "values": LLAMA_WEIGHTS + LLAMA_BIASES - 8}, {"dtype": "F32", "values": 8}]
    assert checkpoint["file_bytes"] == (tmp_path / "model.safetensors").stat().st_size
    assert document["input_shape"] == [] and document["output_shape"] == []


def test_numbered_layers_collapse_into_a_repeat_with_heads_last(tmp_path: Path) -> None:
    layers = show_json(write(tmp_path / "model.safetensors", LLAMA_LIKE))["layers"]
    assert isinstance(layers, list)
    assert [(layer["name"], layer["type"], layer.get("times")) for layer in layers] == [
        ("model.embed_tokens", "stored", None),
        ("model.layers", "repeat", None),
        ("model.norm", "stored", None),
        ("lm_head", "stored", None),
    ]
    repeat = layers[1]
    assert [(child["name"], child["params"], child["times"]) for child in repeat["children"]] == [
        ("input_layernorm", 3 * 8, 3),
        ("mlp.up_proj", 3 * 64, 3),
        ("self_attn.q_proj", 3 * 72, 3),
    ]
    assert repeat["label"] == "model.layers: repeat ×3"


def test_layers_that_differ_are_runs_of_repeats(tmp_path: Path) -> None:
    """DeepSeek's first layers are dense, the rest mixtures of experts: a block of two repeats."""
    tensors: dict[str, Entry] = {f"model.layers.{layer}.mlp.up_proj.weight": ("BF16", [4, 4]) for layer in range(2)}
    tensors |= {f"model.layers.{layer}.mlp.experts.{expert}.up_proj.weight": ("BF16", [2, 4]) for layer in range(2, 5) for expert in range(4)}
    layers = show_json(write(tmp_path / "m.safetensors", tensors))["layers"]
    assert isinstance(layers, list)
    (block,) = layers
    assert block["name"] == "model.layers" and [child["name"] for child in block["children"]] == ["model.layers.0-1", "model.layers.2-4"]
    (experts,) = block["children"][1]["children"]
    assert experts["name"] == "mlp.experts" and experts["label"] == "mlp.experts: repeat ×4 (×3)" and experts["params"] == 3 * 4 * 8


def test_state_quantization_data_and_buffers_are_counted_apart(tmp_path: Path) -> None:
    """A router's correction bias is non-trainable state (as the config counts it); DeepSeek's FP8 block
    scales and an old checkpoint's rotary inv_freq are not the model's figures at all."""
    tensors: dict[str, Entry] = {
        "model.layers.0.mlp.gate.weight": ("BF16", [4, 8]),
        "model.layers.0.mlp.gate.e_score_correction_bias": ("F32", [4]),
        "model.layers.0.mlp.down_proj.weight": ("F8_E4M3", [256, 256]),
        "model.layers.0.mlp.down_proj.weight_scale_inv": ("F32", [2, 2]),
        "model.layers.0.self_attn.rotary_emb.inv_freq": ("F32", [4]),
    }
    document = show_json(write(tmp_path / "m.safetensors", tensors))
    assert document["totals"] == {"params": 32 + 65536, "weights": 32 + 65536, "biases": 0, "non_trainable": 4, "macs": 0}
    checkpoint = document["checkpoint"]
    assert isinstance(checkpoint, dict)
    assert checkpoint["values_by_dtype"] == [{"dtype": "F8_E4M3", "values": 65536}, {"dtype": "BF16", "values": 32}, {"dtype": "F32", "values": 4}]
    assert checkpoint["not_counted"] == [{"name": "inv_freq", "tensors": 1, "values": 4}, {"name": "weight_scale_inv", "tensors": 1, "values": 4}]


GPTQ_IN, GPTQ_OUT, GROUP = 64, 16, 32


@pytest.mark.parametrize(
    ("neighbours", "bits"),
    [
        ({"qzeros": ("I32", [GPTQ_IN // GROUP, GPTQ_OUT * 4 // 32]), "scales": ("F16", [GPTQ_IN // GROUP, GPTQ_OUT]), "g_idx": ("I32", [GPTQ_IN])}, 4),
        ({"qzeros": ("I32", [GPTQ_IN // GROUP, GPTQ_OUT * 8 // 32]), "scales": ("F16", [GPTQ_IN // GROUP, GPTQ_OUT])}, 8),
        ({"g_idx": ("I32", [GPTQ_IN])}, 4),  # no zero points: the input width from the group index
    ],
)
def test_a_packed_qweight_counts_the_weights_it_stands_for(tmp_path: Path, neighbours: dict[str, Entry], bits: int) -> None:
    """GPTQ's qweight packs 32/bits weights into each I32: 64 inputs × 16 outputs are 1,024 weights, whatever
    the bits, and scales, zero points and g_idx are reported apart."""
    module = "model.layers.0.self_attn.q_proj"
    tensors: dict[str, Entry] = {f"{module}.qweight": ("I32", [GPTQ_IN * bits // 32, GPTQ_OUT]), f"{module}.bias": ("F16", [GPTQ_OUT])}
    tensors |= {f"{module}.{name}": entry for name, entry in neighbours.items()}
    document = show_json(write(tmp_path / "m.safetensors", tensors))
    assert document["totals"] == {"params": GPTQ_IN * GPTQ_OUT + GPTQ_OUT, "weights": GPTQ_IN * GPTQ_OUT, "biases": GPTQ_OUT, "non_trainable": 0, "macs": 0}
    checkpoint = document["checkpoint"]
    assert isinstance(checkpoint, dict)
    assert checkpoint["values_by_dtype"] == [{"dtype": "I32 (packed)", "values": GPTQ_IN * GPTQ_OUT}, {"dtype": "F16", "values": GPTQ_OUT}]
    assert {entry["name"] for entry in checkpoint["not_counted"]} == set(neighbours)


def test_old_gpt2_masks_are_buffers_and_its_biases_are_biases(tmp_path: Path) -> None:
    tensors: dict[str, Entry] = {
        "h.0.attn.bias": ("F32", [1, 1, 4, 4]),
        "h.0.attn.c_attn.bias": ("F32", [24]),
        "h.0.attn.c_attn.weight": ("F32", [8, 24]),
    }
    assert totals(write(tmp_path / "m.safetensors", tensors)) == {"params": 24 + 192, "weights": 192, "biases": 24, "non_trainable": 0, "macs": 0}


def test_a_table_names_what_a_checkpoint_cannot_know(tmp_path: Path) -> None:
    result = runner.invoke(app, ["show", str(write(tmp_path / "model.safetensors", LLAMA_LIKE))])
    assert result.exit_code == 0, result.output
    assert f"{tmp_path.name} · safetensors checkpoint: 15 tensors in 1 file" in result.stdout
    assert "no shape or MAC is given, none is invented" in result.stdout
    assert "MACs 0" not in result.stdout


def sharded(folder: Path, extra: dict[str, object] | None = None) -> Path:
    """LLAMA_LIKE in two shards and their index, as save_pretrained writes them."""
    folder.mkdir(exist_ok=True)
    names = list(LLAMA_LIKE)
    first, second = names[:7], names[7:]
    write(folder / "model-00001-of-00002.safetensors", {name: LLAMA_LIKE[name] for name in first})
    write(folder / "model-00002-of-00002.safetensors", {name: LLAMA_LIKE[name] for name in second})
    weight_map = {name: "model-00001-of-00002.safetensors" for name in first} | {name: "model-00002-of-00002.safetensors" for name in second}
    index = {"metadata": {"total_size": 1}, "weight_map": weight_map, **(extra or {})}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))
    return folder


def test_an_index_and_its_folder_are_one_checkpoint(tmp_path: Path) -> None:
    folder = sharded(tmp_path / "tiny-llama")
    expected = {"params": LLAMA_WEIGHTS + LLAMA_BIASES, "weights": LLAMA_WEIGHTS, "biases": LLAMA_BIASES, "non_trainable": 0, "macs": 0}
    assert totals(folder) == totals(folder / "model.safetensors.index.json") == expected
    assert show_json(folder)["name"] == "tiny-llama"
    (folder / "consolidated.safetensors").write_bytes((folder / "model-00001-of-00002.safetensors").read_bytes())
    document = show_json(folder)  # the same weights again, in a file the index does not name: not read, and said
    assert document["totals"] == expected
    assert "files the index does not name, not read: consolidated.safetensors" in document["notes"]  # type: ignore[operator]


def test_a_file_is_known_by_its_content_and_an_index_by_its_weight_map(tmp_path: Path) -> None:
    folder = sharded(tmp_path / "shards")
    (folder / "weights").write_bytes((folder / "model-00001-of-00002.safetensors").read_bytes())
    assert totals(folder / "weights")["params"] > 0
    renamed = folder / "listing.json"
    renamed.write_text((folder / "model.safetensors.index.json").read_text())
    assert totals(renamed)["params"] == LLAMA_WEIGHTS + LLAMA_BIASES


def test_a_folder_is_one_checkpoint_for_every_command(tmp_path: Path) -> None:
    folder = sharded(tmp_path / "tiny")
    result = runner.invoke(app, ["compare", str(folder), str(folder / "model.safetensors.index.json"), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [spec["totals"]["params"] for spec in json.loads(result.stdout)["specs"]] == [LLAMA_WEIGHTS + LLAMA_BIASES] * 2
    result = runner.invoke(app, ["check", str(folder), "--max-params", "100"])
    assert result.exit_code == 1, result.output


def test_a_folder_without_an_index_reads_every_file_and_refuses_a_tensor_twice(tmp_path: Path) -> None:
    write(tmp_path / "a.safetensors", {"x.weight": ("F32", [2])})
    write(tmp_path / "b.safetensors", {"y.weight": ("F32", [3])})
    assert totals(tmp_path)["params"] == 5
    write(tmp_path / "c.safetensors", {"x.weight": ("F32", [2])})
    result = runner.invoke(app, ["show", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"archcalc: error: {tmp_path}: tensor 'x.weight' is stored twice (in {tmp_path}/c.safetensors and another file of the checkpoint)\n"


def bad_length(path: Path) -> Path:
    path.write_bytes(struct.pack("<Q", MAX_HEADER_BYTES + 1) + b"{}")
    return path


def lying_offsets(path: Path, first: list[int], second: list[int], data: int) -> Path:
    header = {"a": {"dtype": "F32", "shape": [2], "data_offsets": first}, "b": {"dtype": "F32", "shape": [2], "data_offsets": second}}
    return write_raw(path, header, data)


TWICE = b'{"a": {"dtype": "U8", "shape": [], "data_offsets": [0, 1]}, "a": {"dtype": "U8", "shape": [], "data_offsets": [1, 2]}}'


def one(dtype: object, shape: object, offsets: object, data: int) -> Callable[[Path], object]:
    """A file of one tensor 'a' whose entry says what the arguments say, followed by `data` bytes."""
    return lambda path: write_raw(path, {"a": {"dtype": dtype, "shape": shape, "data_offsets": offsets}}, data)


def raw(data: bytes) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(data)


HOSTILE: list[tuple[str, Callable[[Path], object], str]] = [
    ("past the end", lambda path: lying_offsets(path, [0, 8], [8, 16], 12), "tensor 'b': its data_offsets end at byte 16 of the data, past the file's end"),
    ("overlap", lambda path: lying_offsets(path, [0, 8], [4, 12], 12), "tensors 'a' and 'b' overlap (bytes 4 to 8 of the data)"),
    ("gap", lambda path: lying_offsets(path, [0, 8], [12, 20], 20), "bytes 8 to 12 of the data belong to no tensor (a gap before 'b')"),
    ("trailing", lambda path: lying_offsets(path, [0, 8], [8, 16], 20), "the last 4 bytes of the file belong to no tensor"),
    ("dtype", one("BF61", [1], [0, 2], 2), "tensor 'a': unknown dtype 'BF61'; did you mean 'BF16'?"),
    ("size", one("BF16", [2, 3], [0, 8], 8), "shape [2, 3] of BF16 takes 12 bytes, but its data_offsets [0, 8] hold 8"),
    ("sub-byte", one("F4", [3], [0, 2], 2), "3 values of F4 are 12 bits, not whole bytes"),
    ("huge header", raw(struct.pack("<Q", MAX_HEADER_BYTES + 1) + b"{}"), "its header claims 100,000,001 bytes; safetensors allows at most 100,000,000"),
    ("no brace", raw(struct.pack("<Q", 4) + b"[{}]"), "its header does not start with '{'"),
    ("short", raw(b"\x02\x00"), "not a safetensors file: 2 bytes, fewer than the 8"),
    ("truncated header", raw(struct.pack("<Q", 50) + b"{}"), "its header claims 50 bytes, but the file has 2 after the length"),
    ("not json", raw(struct.pack("<Q", 4) + b"{1:}"), "its header is not JSON: Expecting property name enclosed in double quotes at byte 9"),
    ("twice", raw(struct.pack("<Q", len(TWICE)) + TWICE + b"\0\0"), "its header names 'a' twice"),
    ("negative", one("U8", [-1], [0, 0], 0), "tensor 'a': its shape is not a list of whole numbers from 0"),
    ("offsets", one("U8", [1], [1, 0], 1), "its data_offsets are not [start, end] with 0 ≤ start ≤ end"),
    ("metadata", lambda path: write_raw(path, {"__metadata__": {"format": 1}}, 0), "its header's __metadata__ is not a mapping of strings to strings"),
    ("qweight", lambda path: write(path, {"q.qweight": ("I32", [8, 4])}), "tensor 'q.qweight' packs quantized weights, and its qzeros and scales (or g_idx)"),
]


@pytest.mark.parametrize(("case", "make", "message"), HOSTILE, ids=[case for case, _, _ in HOSTILE])
def test_a_lying_header_is_a_located_error(tmp_path: Path, case: str, make: Callable[[Path], object], message: str) -> None:
    path = tmp_path / "model.safetensors"
    make(path)
    result = runner.invoke(app, ["show", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"archcalc: error: {path}: ") and message in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_the_header_must_match_the_reference_reader(tmp_path: Path) -> None:
    """What the safetensors package itself refuses, archcalc refuses too, and what it reads archcalc reads."""
    safetensors = pytest.importorskip("safetensors")
    for _, make, _ in HOSTILE[:10]:
        path = tmp_path / "case.safetensors"
        make(path)
        with pytest.raises(Exception):  # noqa: B017  (the package raises its own SafetensorError, or OSError)
            safetensors.safe_open(str(path), "numpy")
    good = write(tmp_path / "good.safetensors", LLAMA_LIKE)
    with safetensors.safe_open(str(good), "numpy") as opened:
        assert len(list(opened.keys())) == len(LLAMA_LIKE)


def index_case(tmp_path: Path, change: str) -> tuple[Path, str]:
    folder = sharded(tmp_path / "ckpt")
    index = folder / "model.safetensors.index.json"
    document = json.loads(index.read_text())
    if change == "missing":
        (folder / "model-00002-of-00002.safetensors").unlink()
        message = "the index names 'model-00002-of-00002.safetensors' (for 'model.layers.1.self_attn.q_proj.weight'), which is not in"
    elif change == "misplaced":
        document["weight_map"]["model.norm.weight"] = "model-00001-of-00002.safetensors"
        message = "the index places 'model.norm.weight' in 'model-00001-of-00002.safetensors', which does not hold it"
    elif change == "escape":
        document["weight_map"]["model.norm.weight"] = "../model.safetensors"
        message = "the index names the file '../model.safetensors', which is not a file beside it"
    else:
        document["weight_map"] = ["model.norm.weight"]
        message = "the index's weight_map is not a mapping of tensor names to file names"
    index.write_text(json.dumps(document))
    return index, message


@pytest.mark.parametrize("change", ["missing", "misplaced", "escape", "shape"])
def test_a_lying_index_is_a_located_error(tmp_path: Path, change: str) -> None:
    index, message = index_case(tmp_path, change)
    result = runner.invoke(app, ["show", str(index)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"archcalc: error: {index}: ") and message in result.stderr, result.stderr


def test_a_folder_with_two_indexes_is_refused(tmp_path: Path) -> None:
    folder = sharded(tmp_path / "ckpt")
    (folder / "other.safetensors.index.json").write_text((folder / "model.safetensors.index.json").read_text())
    result = runner.invoke(app, ["show", str(folder)])
    assert result.exit_code == 2
    assert "the folder holds 2 indexes ('model.safetensors.index.json', 'other.safetensors.index.json')" in result.stderr


def test_a_checkpoint_on_standard_input_is_asked_for_by_path(tmp_path: Path) -> None:
    data = write(tmp_path / "model.safetensors", LLAMA_LIKE).read_bytes()
    result = runner.invoke(app, ["show", "-"], input=data)
    assert result.exit_code == 2
    assert (
        result.stderr == "archcalc: error: <stdin>: a safetensors checkpoint is read from its file, whose size its header is checked against; give its path\n"
    )


TINY_SPEC = """name: tiny
input: 4
layers:
  - embedding: {vocab: 32, dim: 8, name: model.embed_tokens}
  - repeat:
      name: model.layers
      times: 3
      layers:
        - rmsnorm
        - dense: {units: 8, name: q}
        - dense: {units: 8, bias: false}
  - rmsnorm: {name: model.norm}
  - dense: {units: 32, bias: false, name: lm_head}
"""


def test_check_against_a_checkpoint_passes_by_layer_name(tmp_path: Path) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(TINY_SPEC)
    folder = sharded(tmp_path / "ckpt")
    (folder / "model.safetensors.index.json").unlink()
    for shard in folder.glob("*.safetensors"):
        shard.unlink()
    float32 = {name: ("F32", shape) for name, (_, shape) in LLAMA_LIKE.items()}
    write(folder / "model.safetensors", float32)
    result = runner.invoke(app, ["check", str(spec), "--against", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    against = json.loads(result.stdout)["against"]
    assert against["agrees"] and against["notes"] == ["compared by layer name in weights, biases and non-trainable state: a checkpoint holds no shapes or MACs"]


def test_check_against_a_checkpoint_locates_each_layer_that_differs(tmp_path: Path) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(TINY_SPEC.replace("units: 8, bias: false}", "units: 8}").replace("name: model.norm", "name: model.final_norm"))
    checkpoint = write(tmp_path / "model.safetensors", LLAMA_LIKE)
    result = runner.invoke(app, ["check", str(spec), "--against", str(checkpoint)])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        f"{spec}:5:5: layer 2 (repeat 'model.layers'): biases 48 here, 24 in {checkpoint} (node 'model.layers')",
        f"{spec}:12:5: layer 3 (rmsnorm 'model.final_norm'): {checkpoint} has nothing for it (weights 8 here)",
        f"the spec has nothing for node 'model.norm' of {checkpoint} (weights 8)",
    ]


def test_check_ignores_deepseek_mtp_layers_and_says_so(tmp_path: Path) -> None:
    """DeepSeek-V3 stores its multi-token-prediction layer as model.layers.{num_hidden_layers}, which
    transformers does not build: the checkpoint counts it, the drift gate leaves it out and says so."""
    tensors = dict(LLAMA_LIKE)
    tensors |= {"model.layers.3.eh_proj.weight": ("BF16", [8, 16]), "model.layers.3.enorm.weight": ("BF16", [8]), "model.layers.3.hnorm.weight": ("BF16", [8])}
    checkpoint = write(tmp_path / "model.safetensors", tensors)
    document = show_json(checkpoint)
    assert document["checkpoint"]["not_built"] == ["model.layers.3"]  # type: ignore[index]
    assert document["totals"]["params"] == LLAMA_WEIGHTS + LLAMA_BIASES + 128 + 16  # type: ignore[index]
    spec = tmp_path / "tiny.yaml"
    spec.write_text(TINY_SPEC)
    result = runner.invoke(app, ["check", str(spec), "--against", str(checkpoint)])
    assert result.exit_code == 0, result.output
    assert "ignored DeepSeek's multi-token-prediction layers model.layers.3 (144 params), which transformers does not build" in result.stdout


def test_a_checkpoint_saved_from_the_base_model_lines_up(tmp_path: Path) -> None:
    """GPT-2's original checkpoint names `h.0...` what GPT2LMHeadModel calls `transformer.h.0...`."""
    spec = tmp_path / "gpt.yaml"
    spec.write_text(
        "input: 4\nlayers:\n  - embedding: {vocab: 10, dim: 4, name: transformer.wte}\n"
        "  - repeat: {times: 2, name: transformer.h, layers: [{dense: 4}]}\n"
        "  - layernorm: {name: transformer.ln_f}\n"
    )
    checkpoint = write(
        tmp_path / "model.safetensors",
        {
            "wte.weight": ("F32", [10, 4]),
            "h.0.c.weight": ("F32", [4, 4]),
            "h.0.c.bias": ("F32", [4]),
            "h.1.c.weight": ("F32", [4, 4]),
            "h.1.c.bias": ("F32", [4]),
            "ln_f.weight": ("F32", [4]),
            "ln_f.bias": ("F32", [4]),
        },
    )
    result = runner.invoke(app, ["check", str(spec), "--against", str(checkpoint)])
    assert result.exit_code == 0, result.output + result.stderr


def test_llama_3_1_405b_header_set_counts_the_published_figure(tmp_path: Path) -> None:
    """Its 191 shards as published (benchmarks/checkpoints.py, the weights a hole in sparse files): 405,853,388,800."""
    from benchmarks.checkpoints import llama_405b, write_shards

    folder = write_shards(tmp_path / "Llama-3.1-405B", llama_405b(), 191)
    document = show_json(folder)
    assert document["totals"] == {"params": 405_853_388_800, "weights": 405_853_388_800, "biases": 0, "non_trainable": 0, "macs": 0}
    checkpoint = document["checkpoint"]
    assert isinstance(checkpoint, dict) and len(checkpoint["files"]) == 191 and checkpoint["file_bytes"] > 2 * 405_853_388_800


@pytest.mark.slow
def test_deepseek_v3_header_set_counts_the_published_figures(tmp_path: Path) -> None:
    """DeepSeek-V3's 91,991 tensors in FP8 with block scales: without its multi-token-prediction layer
    (model.layers.61), 671,026,404,352 parameters and 14,848 values of router correction bias; its
    block scales are not parameters."""
    from benchmarks.checkpoints import deepseek_v3, write_shards

    folder = write_shards(tmp_path / "DeepSeek-V3", deepseek_v3(), 8)
    document = show_json(folder)
    layers = {layer["name"]: layer for layer in document["layers"]}  # type: ignore[attr-defined]
    assert document["checkpoint"]["not_built"] == ["model.layers.61"]  # type: ignore[index]
    mtp = layers["model.layers.61"]
    totals = document["totals"]
    assert isinstance(totals, dict)
    assert (totals["params"] - mtp["params"], totals["non_trainable"] - mtp["non_trainable"]) == (671_026_404_352, 14_848)
    assert [(entry["name"], entry["tensors"]) for entry in document["checkpoint"]["not_counted"]] == [("weight_scale_inv", 45_808)]  # type: ignore[index]
    stack = layers["model.layers"]
    assert [run["label"] for run in stack["children"]] == ["model.layers.0-2: repeat ×3", "model.layers.3-60: repeat ×58"]


ZOO = Path(__file__).resolve().parent.parent / "archspecs" / "zoo" / "hf"


@pytest.mark.parametrize("model", ["llama-3.1-405b", pytest.param("deepseek-v3", marks=pytest.mark.slow)])
def test_a_zoo_config_passes_against_its_published_header_set(tmp_path: Path, model: str) -> None:
    """The drift gate at full size: the zoo's config.json against the published checkpoint's headers
    (sparse files); DeepSeek-V3's multi-token-prediction layer is ignored, and the verdict says so."""
    from benchmarks.checkpoints import deepseek_v3, llama_405b, write_shards

    config = ZOO / f"{model}.json"
    if not config.exists():
        pytest.skip("the zoo's HuggingFace configs come with the config reader (formats/hf)")
    tensors, shards = (llama_405b(), 191) if model == "llama-3.1-405b" else (deepseek_v3(), 8)
    folder = write_shards(tmp_path / model, tensors, shards)
    result = runner.invoke(app, ["check", str(config), "--against", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    against = json.loads(result.stdout)["against"]
    assert against["agrees"]
    ignored = [note for note in against["notes"] if note.startswith("ignored")]
    expected = ["ignored DeepSeek's multi-token-prediction layers model.layers.61 (13,463,426,048 params), which transformers does not build"]
    assert ignored == (expected if model == "deepseek-v3" else [])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["show", "CHECKPOINT", "--memory"], "a checkpoint holds no shapes, so its activations cannot be counted; its config.json has them"),
        (["check", "CHECKPOINT", "--max-activation-bytes", "1K"], "a checkpoint holds no shapes, so its activations cannot be counted"),
        (["import", "CHECKPOINT"], "is a checkpoint, which holds parameters but no architecture to write as a spec; import its config.json"),
    ],
)
def test_what_a_checkpoint_cannot_know_is_refused_not_invented(tmp_path: Path, arguments: list[str], message: str) -> None:
    checkpoint = str(write(tmp_path / "model.safetensors", LLAMA_LIKE))
    result = runner.invoke(app, [checkpoint if argument == "CHECKPOINT" else argument for argument in arguments])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and message not in result.stdout  # check too: its table marks the spec ERROR, standard error says why


def test_more_tensors_than_any_checkpoint_holds_are_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 100 MB header could list 1.5 million tensors; past MAX_TENSORS (250,000) a file, or a
    checkpoint's files together, are refused: here with the bound at 20."""
    from archcalc.formats.safetensors import header, reader

    monkeypatch.setattr(header, "MAX_TENSORS", 20)
    monkeypatch.setattr(reader, "MAX_TENSORS", 20)
    big = write(tmp_path / "big.safetensors", {f"t{number}.weight": ("U8", [1]) for number in range(21)})
    result = runner.invoke(app, ["show", str(big)])
    assert result.exit_code == 2 and "its header lists 21 tensors; archcalc reads at most 20 in a checkpoint" in result.stderr
    folder = tmp_path / "shards"
    folder.mkdir()
    for part in range(2):
        write(folder / f"part{part}.safetensors", {f"p{part}.t{number}.weight": ("U8", [1]) for number in range(15)})
    result = runner.invoke(app, ["show", str(folder)])
    assert result.exit_code == 2 and "its files list 30 tensors; archcalc reads at most 20 in a checkpoint" in result.stderr


def test_the_input_rules_page_states_the_checkpoint_limits_the_code_holds() -> None:
    from archcalc.formats.safetensors.files import MAX_INDEX_BYTES
    from archcalc.formats.safetensors.header import MAX_TENSORS

    page = (Path(__file__).resolve().parent.parent / "docs" / "input-rules.md").read_text()
    for limit, stated in {
        "a safetensors header": f"{MAX_HEADER_BYTES:,} bytes",
        "a safetensors index": f"{MAX_INDEX_BYTES:,} bytes",
        "tensors in a checkpoint": f"{MAX_TENSORS:,}",
    }.items():
        assert f"| {limit} | {stated} |" in page, limit


def test_a_bitsandbytes_4bit_weight_counts_two_weights_a_byte(tmp_path: Path) -> None:
    """bitsandbytes stores a 4-bit layer's 64×16 weights as 512 bytes (U8, [512, 1]) beside its quant state."""
    module = "model.layers.0.mlp.up_proj.weight"
    tensors: dict[str, Entry] = {
        module: ("U8", [512, 1]),
        f"{module}.absmax": ("F32", [16]),
        f"{module}.quant_map": ("F32", [16]),
        f"{module}.quant_state.bitsandbytes__nf4": ("U8", [80]),
    }
    document = show_json(write(tmp_path / "m.safetensors", tensors))
    assert document["totals"]["weights"] == 64 * 16  # type: ignore[index]
    assert [entry["name"] for entry in document["checkpoint"]["not_counted"]] == ["absmax", "bitsandbytes__nf4", "quant_map"]  # type: ignore[index]
