"""Checkpoints that transformers writes (`save_pretrained`), counted from their headers alone: each
equals PyTorch's own count of the model it was saved from. Small random configs of four families,
one saved in shards with an index; a tied head saved once, a BERT pooler, a mixture of experts.

Runs with the parity extra (`pip install '.[parity]'`, `pytest -m parity`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from archcalc.app import app

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

pytestmark = pytest.mark.parity

runner = CliRunner()


def configs() -> dict[str, Any]:
    small = {"vocab_size": 96, "hidden_size": 32, "num_hidden_layers": 3, "num_attention_heads": 4}
    return {
        "llama": (transformers.LlamaForCausalLM, transformers.LlamaConfig(**small, intermediate_size=48, num_key_value_heads=2)),
        "llama-tied": (transformers.LlamaForCausalLM, transformers.LlamaConfig(**small, intermediate_size=48, tie_word_embeddings=True)),
        "gpt2": (transformers.GPT2LMHeadModel, transformers.GPT2Config(vocab_size=96, n_embd=32, n_layer=3, n_head=4, n_positions=64)),
        "bert": (transformers.BertModel, transformers.BertConfig(**small, intermediate_size=48, max_position_embeddings=64)),
        "mixtral": (
            transformers.MixtralForCausalLM,
            transformers.MixtralConfig(**small, intermediate_size=48, num_key_value_heads=2, num_local_experts=4, num_experts_per_tok=2),
        ),
    }


def saved(tmp_path: Path, family: str, shards: bool) -> tuple[Path, Any]:
    model_class, config = configs()[family]
    torch.manual_seed(0)
    model = model_class(config)
    folder = tmp_path / family
    model.save_pretrained(folder, max_shard_size="20KB" if shards else "10GB")
    return folder, model


@pytest.mark.parametrize(("family", "shards"), [("llama", True), ("llama-tied", False), ("gpt2", False), ("bert", False), ("mixtral", True)])
def test_a_saved_checkpoint_counts_what_pytorch_counts(tmp_path: Path, family: str, shards: bool) -> None:
    folder, model = saved(tmp_path, family, shards)
    assert (folder / "model.safetensors.index.json").exists() == shards
    parameters = sum(parameter.numel() for parameter in model.parameters())  # a tied head counted once
    persistent = {name for name, _ in model.named_buffers()} & set(model.state_dict())
    state = sum(buffer.numel() for name, buffer in model.named_buffers() if name in persistent)
    arguments = [folder, folder / "model.safetensors.index.json"] if shards else [folder, folder / "model.safetensors"]
    for argument in arguments:
        result = runner.invoke(app, ["show", str(argument), "--format", "json"])
        assert result.exit_code == 0, result.output
        document = json.loads(result.stdout)
        assert (document["totals"]["params"], document["totals"]["non_trainable"]) == (parameters, state), family
        files = document["checkpoint"]["files"]
        assert document["checkpoint"]["file_bytes"] == sum(Path(file).stat().st_size for file in files)
        assert len(files) == (len(list(folder.glob("*.safetensors"))))


def test_a_checkpoint_of_identical_layers_is_one_repeat(tmp_path: Path) -> None:
    folder, model = saved(tmp_path, "mixtral", False)
    result = runner.invoke(app, ["show", str(folder), "--format", "json"])
    layers = {layer["name"]: layer for layer in json.loads(result.stdout)["layers"]}
    assert list(layers) == ["model.embed_tokens", "model.layers", "model.norm", "lm_head"]
    stack = layers["model.layers"]
    assert stack["type"] == "repeat" and stack["params"] == sum(parameter.numel() for parameter in model.model.layers.parameters())


@pytest.mark.parametrize(("family", "shards"), [("llama", True), ("llama-tied", False), ("gpt2", False), ("bert", False), ("mixtral", True)])
def test_a_config_passes_against_its_checkpoint_and_a_changed_one_fails(tmp_path: Path, family: str, shards: bool) -> None:
    """The drift gate between an architecture and its weights: the config save_pretrained wrote beside
    them matches, layer group by layer group; the same config with a wider MLP does not, located."""
    pytest.importorskip("archcalc.formats.hf.reader")  # the config reader (formats/hf)
    folder, _ = saved(tmp_path, family, shards)
    config = folder / "config.json"
    result = runner.invoke(app, ["check", str(config), "--against", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    against = json.loads(result.stdout)["against"]
    assert against["agrees"] and against["disagreements"] == []
    document = json.loads(config.read_text())
    key = "n_inner" if family == "gpt2" else "intermediate_size"
    document[key] = (document.get(key) or 4 * document["n_embd"]) + 8
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document))
    result = runner.invoke(app, ["check", str(changed), "--against", str(folder), "--format", "json"])
    assert result.exit_code == 1, result.output
    differing = json.loads(result.stdout)["against"]["disagreements"]
    assert [entry["model"]["name"] for entry in differing] == [{"gpt2": "transformer.h", "bert": "encoder.layer"}.get(family, "model.layers")]
