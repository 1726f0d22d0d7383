"""HuggingFace config.json: the anchors every published count must meet, --tokens, and hostile configs
(each a located error with exit 2, never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from archcalc.formats.hf.config import Config
from archcalc.formats.hf.reader import family_module
from tests.conftest import ARCHSPECS

ZOO = ARCHSPECS / "zoo" / "hf"

ANCHORS = [
    # config, params, active params, non-trainable state: transformers 5.25 on the meta device, each the published count
    ("mistral-7b-v0.1", 7_241_732_096, 7_241_732_096, 0),
    ("mixtral-8x7b-v0.1", 46_702_792_704, 12_879_925_248, 0),
    ("qwen2.5-7b", 7_615_616_512, 7_615_616_512, 0),
    ("gemma-2-9b", 9_241_705_984, 9_241_705_984, 0),
    ("phi-3-mini-4k-instruct", 3_821_079_552, 3_821_079_552, 0),
    ("llama-3.1-70b", 70_553_706_496, 70_553_706_496, 0),
    ("llama-3.1-405b", 405_853_388_800, 405_853_388_800, 0),
    ("gpt2", 124_439_808, 124_439_808, 0),
    ("bert-base-uncased", 109_482_240, 109_482_240, 0),
    ("t5-small", 60_506_624, 60_506_624, 0),
    ("qwen1.5-moe-a2.7b", 14_315_784_192, 2_689_173_504, 0),
    ("deepseek-v3", 671_026_404_352, 37_552_282_624, 14_848),  # the MTP layer left out; 58 × 256 routing biases kept
]


def shown(*arguments: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["show", *arguments, "--format", "json"])
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


@pytest.mark.parametrize(("name", "params", "active", "state"), ANCHORS, ids=[anchor[0] for anchor in ANCHORS])
def test_the_anchors(name: str, params: int, active: int, state: int) -> None:
    totals = shown(str(ZOO / f"{name}.json"))["totals"]
    assert isinstance(totals, dict)
    assert (totals["params"], totals["active_params"], totals["non_trainable"]) == (params, active, state)


def test_every_zoo_config_has_an_anchor() -> None:
    assert sorted(path.stem for path in ZOO.glob("*.json")) == sorted(anchor[0] for anchor in ANCHORS)


def test_tokens_and_memory() -> None:
    """--tokens sets the sequence, --memory stores weights at the config's dtype, --batch scales the cache."""
    mixtral = str(ZOO / "mixtral-8x7b-v0.1.json")
    document = shown(mixtral, "--tokens", "4096", "--memory", "--batch", "4")
    assert document["input_shape"] == [4096]
    memory = document["memory"]
    assert isinstance(memory, dict)
    assert memory["dtype"] == "bfloat16" and memory["param_bytes"] == 2 * 46_702_792_704
    assert memory["kv_cache_values"] == 4 * 4096 * 2 * 8 * 128 * 32  # batch × tokens × (k, v) × kv heads × head width × layers
    assert shown(str(ZOO / "gpt2.json"))["input_shape"] == [1024]  # the default 2,048 stops at GPT-2's 1,024 positions
    deepseek = shown(str(ZOO / "deepseek-v3.json"), "--tokens", "100", "--memory")["memory"]
    assert isinstance(deepseek, dict) and deepseek["kv_cache_values"] == 100 * (512 + 64) * 61  # MLA: the latent and the rope key
    gemma = shown(str(ZOO / "gemma-2-9b.json"), "--tokens", "8192", "--memory")["memory"]
    assert isinstance(gemma, dict) and gemma["kv_cache_values"] == 2 * 8 * 256 * (21 * 4096 + 21 * 8192)  # local layers keep 4,096 tokens


def test_tokens_for_a_yaml_sequence() -> None:
    assert shown(str(ARCHSPECS / "zoo/language/llama3_8b.yaml"), "--tokens", "100")["input_shape"] == [100]
    result = CliRunner().invoke(app, ["show", str(ARCHSPECS / "seed/cnn.yaml"), "--tokens", "5"])
    assert result.exit_code == 2 and "--tokens sets the length of a sequence, and the input 4×4×1 is not one" in result.output


def test_import_writes_a_spec_with_the_same_totals(tmp_path: Path) -> None:
    target = tmp_path / "deepseek.yaml"
    assert CliRunner().invoke(app, ["import", str(ZOO / "deepseek-v3.json"), "-o", str(target)]).exit_code == 0
    assert shown(str(target))["totals"] == shown(str(ZOO / "deepseek-v3.json"))["totals"]


LLAMA = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2}

HOSTILE: list[tuple[str, str, str]] = [
    # (config.json's text, the message, where)
    ('[{"model_type": "llama"}]', "a HuggingFace config.json is a JSON object of settings, not a list", "1:1"),
    ('{"model_type": "llama",\n  "hidden_size": 64,', "not readable JSON", "2:21"),
    ('{"architectures": ["LlamaForCausalLM"], "model_type": null}', "missing required key 'model_type'", "1:41"),
    ('{"model_type": "falcon"}', "model_type 'falcon' is a family archcalc does not read; archcalc reads gpt2, bert, t5, llama", "1:2"),
    ('{"model_type": "gemma3"}', "give its text_config as a config of model_type gemma3_text", "1:2"),
    (json.dumps({**LLAMA, "architectures": ["LlamaForSequenceClassification"]}), "for this family it counts LlamaModel, LlamaForCausalLM", "1:25"),
    (json.dumps({**LLAMA, "architectures": "LlamaForCausalLM"}), "'architectures' must be a list of class names", "1:25"),
    ('{"model_type": "llama",\n "hidden_size": "4096"}', "'hidden_size' must be a whole number, got '4096'", "2:2"),
    ('{"model_type": "llama",\n "num_hidden_layers": -3}', "'num_hidden_layers' must be at least 1, got -3", "2:2"),
    ('{"model_type": "llama",\n "vocab_size": 1e40}', "'vocab_size' is 1e+40: larger than any model's", "2:2"),
    ('{"model_type": "llama",\n "vocab_size": 10000000000000000000000000000000000000000}', "'vocab_size' is 1e+40", "2:2"),
    ('{"model_type": "llama",\n "num_hidden_layers": 1000000000}', "'num_hidden_layers' is 1,000,000,000: deeper than any model", "2:2"),
    ('{"model_type": "llama",\n "intermediate_size": 2.5}', "'intermediate_size' must be a whole number, got 2.5", "2:2"),
    ('{"model_type": "llama",\n "num_attention_heads": true}', "'num_attention_heads' must be a whole number, got True", "2:2"),
    ('{"model_type": "llama",\n "vocab_size": null}', "'vocab_size' must be a whole number, got null", "2:2"),
    ('{"model_type": "llama",\n "tie_word_embeddings": "no"}', "'tie_word_embeddings' must be true or false", "2:2"),
    ('{"model_type": "llama",\n "num_attention_heads": 8, "num_key_value_heads": 3}', "kv_heads=3 does not divide heads=8", "2:28"),
    ('{"model_type": "llama",\n "hidden_size": 4, "num_attention_heads": 8}', "8 heads share a width of 4: each would be 0 wide", "2:20"),
    ('{"model_type": "llama",\n "torch_dtype": "float64"}', "'torch_dtype' is 'float64'; archcalc's number formats are float32", "2:2"),
    ('{"model_type": "llama",\n "hidden_act": "swiglu2"}', "'hidden_act' is 'swiglu2', an activation archcalc does not know", "2:2"),
    ('{"model_type": "gemma2", "num_hidden_layers": 2,\n "layer_types": ["full_attention"]}', "'layer_types' must list 2 entries, one per layer", "2:2"),
    ('{"model_type": "qwen2_moe",\n "mlp_only_layers": "all"}', "'mlp_only_layers' must be a list of whole numbers", "2:2"),
    ('{"model_type": "mixtral",\n "num_experts_per_tok": 9}', "mlp: per_token=9 is more than the 8 experts there are to choose from", "2:2"),
    ('{"model_type": "gpt2",\n "add_cross_attention": true}', "archcalc counts GPT-2 as a decoder alone", "2:2"),
    ('{"model_type": "t5",\n "feed_forward_proj": "gated-tanh"}', "T5 reads 'relu', 'gelu' or 'gated-' and one of them", "2:2"),
    ('{"model_type": "llama", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "not readable JSON", ""),
]


@pytest.mark.parametrize(("text", "message", "where"), HOSTILE)
def test_hostile_configs_are_located_errors(tmp_path: Path, text: str, message: str, where: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(text)
    result = CliRunner().invoke(app, ["show", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"archcalc: error: {path}:{where}"), result.stderr
    assert message in result.stderr, result.stderr


def test_a_config_without_architectures_says_what_it_counted(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({key: value for key, value in LLAMA.items() if key != "architectures"}))
    assert shown(str(path))["notes"] == ["no 'architectures' given: counted as LlamaForCausalLM"]


def test_byte_budgets_count_the_weights_at_the_configs_dtype() -> None:
    """Mistral-7B's 7,241,732,096 parameters in bfloat16 are 14,483,464,192 bytes: within 15 GB, over 14 GB."""
    mistral = str(ZOO / "mistral-7b-v0.1.json")
    assert CliRunner().invoke(app, ["check", mistral, "--max-param-bytes", "15G"]).exit_code == 0
    assert CliRunner().invoke(app, ["check", mistral, "--max-param-bytes", "14G"]).exit_code == 1


MISSPELT = Path(__file__).parent / "data" / "hf_misspelt_key.json"


def llama_params(width: int, vocab: int = 32_000, inner: int = 1376, layers: int = 4) -> int:
    """LlamaForCausalLM with as many key/value heads as query heads: the embedding and the untied head,
    then per layer q, k, v, o (4 × width²), the gated MLP (3 × width × inner) and two RMS norms, and the last norm."""
    return 2 * vocab * width + layers * (4 * width * width + 3 * width * inner + 2 * width) + width


def test_a_misspelt_key_is_named_and_the_count_is_transformers() -> None:
    """`hiden_size` is no key of LlamaConfig: transformers keeps hidden_size's default, 4,096, and so
    does archcalc (598,249,472 parameters, not the 45,421,056 of a width of 512), but it says so."""
    document = shown(str(MISSPELT))
    assert llama_params(4096) == 598_249_472 and llama_params(512) == 45_421_056
    totals = document["totals"]
    assert isinstance(totals, dict) and totals["params"] == 598_249_472
    assert document["notes"] == [
        "'hiden_size' is not a key of llama configs; did you mean 'hidden_size'? transformers ignores it too, and uses hidden_size's default, 4,096"
    ]  # bos_token_id, rms_norm_eps, transformers_version: keys of every config archcalc does not read, and no misspelling
    result = CliRunner().invoke(app, ["show", str(MISSPELT)])
    assert result.exit_code == 0 and "did you mean 'hidden_size'?" in result.stdout


@pytest.mark.parametrize(
    ("settings", "note"),
    [
        (
            {"model_type": "llama", "num_key_value_head": 8},
            "'num_key_value_head' is not a key of llama configs; did you mean 'num_key_value_heads'? "
            "transformers ignores it too, and uses num_key_value_heads's default, null",
        ),
        (
            {"model_type": "llama", "tie_word_embedding": True},
            "did you mean 'tie_word_embeddings'? transformers ignores it too, and uses tie_word_embeddings's default, false",
        ),
        ({"model_type": "llama", "hidden_act": "gelu", "hiden_act": "relu"}, None),  # hidden_act is written: the stray key changes nothing
        (
            {"model_type": "gpt2", "n_emb": 64, "n_head": 4},
            "'n_emb' is not a key of gpt2 configs; did you mean 'n_embd'? transformers ignores it too, and uses n_embd's default, 768",
        ),
        ({"model_type": "gpt2", "hidden_size": 64, "n_head": 4}, None),  # GPT-2 reads hidden_size as n_embd
        (
            {"model_type": "mistral", "use_sliding_window": True},
            "'use_sliding_window' is not a key of mistral configs; did you mean 'sliding_window'? "
            "transformers ignores it too, and uses sliding_window's default, 4,096",
        ),  # Qwen2's key, which MistralConfig does not have
        ({"model_type": "qwen2", "use_sliding_window": False, "sliding_windw": 64}, None),  # no count reads sliding_window here
        ({"model_type": "gemma3_text", "_sliding_window_pattern": 6}, None),  # transformers' own copy of sliding_window_pattern
        ({"model_type": "deepseek_v3", "num_hidden_layers": 4, "head_dim": 64, "qk_head_dim": 192}, None),  # DeepseekV3Config's own
    ],
)
def test_only_near_misses_of_keys_left_at_their_default_are_named(tmp_path: Path, settings: dict[str, object], note: str | None) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(settings))
    written = shown(str(path)).get("notes", [])
    assert isinstance(written, list)
    notes = [line for line in written if "not a key" in line]
    if note is None:
        assert notes == []
    else:
        assert len(notes) == 1 and note in notes[0], notes


@pytest.mark.parametrize("name", [anchor[0] for anchor in ANCHORS])
def test_every_key_a_reader_reads_has_a_default_and_no_zoo_key_is_a_near_miss(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """The near-miss notes take a family's read keys for the keys a config may mean, and the parity
    test finds transformers' keys near its DEFAULTS: so every key read must be in DEFAULTS (or an alias's)."""
    read: list[set[str]] = []
    near_misses = Config.near_misses

    def recorded(self: Config, family: str, unread: tuple[str, ...] = ()) -> tuple[str, ...]:
        read.append(set(self.read))  # after every read, as the reader asks for the notes
        return near_misses(self, family, unread)

    monkeypatch.setattr(Config, "near_misses", recorded)
    notes = shown(str(ZOO / f"{name}.json")).get("notes", [])
    assert isinstance(notes, list) and not [note for note in notes if "not a key" in note]  # a published config misspells nothing
    assert len(read) == 1
    family = family_module(json.loads((ZOO / f"{name}.json").read_text()), "", "config.json")
    assert read[0] <= set(family.DEFAULTS) | set(getattr(family, "ALIASES", {}).values()), read[0] - set(family.DEFAULTS)


MISTRAL_BF16_BYTES = 2 * 7_241_732_096  # torch_dtype bfloat16: 2 bytes a parameter


def invoked(*arguments: str) -> str:
    result = CliRunner().invoke(app, list(arguments))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_command_sizes_a_config_at_its_torch_dtype() -> None:
    """show, check, compare and report all take Mistral-7B's torch_dtype, bfloat16, without --dtype,
    and say so; --dtype sets another for all."""
    mistral = str(ZOO / "mistral-7b-v0.1.json")
    memory = shown(mistral, "--memory")["memory"]
    assert isinstance(memory, dict) and (memory["dtype"], memory["param_bytes"]) == ("bfloat16", MISTRAL_BF16_BYTES)
    compared = json.loads(invoked("compare", mistral, mistral, "--memory", "--format", "json"))
    assert [spec["memory"] for spec in compared["specs"]] == [memory, memory]
    table = invoked("compare", mistral, mistral, "--memory", "--format", "csv").splitlines()
    assert ",memory_dtype,param_bytes,peak_activation_bytes,kv_cache_bytes," in table[0] and f",bfloat16,{MISTRAL_BF16_BYTES}," in table[1]
    text = invoked("compare", mistral, mistral, "--memory", "--wide")
    assert "param bytes (bfloat16)" in text and "memory at bfloat16 (2 bytes a value), as `show --memory` counts it" in text
    assert invoked("check", mistral, "--max-param-bytes", str(MISTRAL_BF16_BYTES))  # exit 0: exactly at the limit
    assert CliRunner().invoke(app, ["check", mistral, "--max-param-bytes", str(MISTRAL_BF16_BYTES - 1)]).exit_code == 1
    page = invoked("report", mistral)
    assert f"memory at bfloat16 (2 bytes a value): parameters {MISTRAL_BF16_BYTES:,}" in page
    at_float32 = json.loads(invoked("compare", mistral, mistral, "--memory", "--dtype", "float32", "--format", "json"))
    assert at_float32["specs"][0]["memory"]["param_bytes"] == 2 * MISTRAL_BF16_BYTES
    assert "memory at float32 (4 bytes a value)" in invoked("report", mistral, "--dtype", "float32")


def test_compare_keeps_each_specs_own_dtype_and_says_which() -> None:
    """Mistral-7B at its bfloat16 against a YAML spec at float32 (a YAML spec's default): a dtype column."""
    mistral, ann = str(ZOO / "mistral-7b-v0.1.json"), str(ARCHSPECS / "seed/ann.yaml")
    compared = json.loads(invoked("compare", mistral, ann, "--memory", "--format", "json"))
    assert [spec["memory"]["dtype"] for spec in compared["specs"]] == ["bfloat16", "float32"]
    assert compared["specs"][1]["memory"] == shown(ann, "--memory")["memory"]
    table = invoked("compare", mistral, ann, "--memory", "--format", "csv").splitlines()
    assert ",memory_dtype,param_bytes,peak_activation_bytes," in table[0] and ",bfloat16," in table[1] and ",float32," in table[2]
    assert "memory at each spec's own dtype (its config's torch_dtype, else float32)" in invoked("compare", mistral, ann, "--memory", "--wide")


def test_a_flood_of_near_misses_is_bounded(tmp_path: Path) -> None:
    """A hostile config of 1,500 keys like `hidden_siz7`: ten named, the rest counted, and only the
    first 1,000 compared (MAX_KEYS_LOOKED_AT: difflib costs 35 µs a key)."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**LLAMA, **{f"hidden_siz{index}": 1 for index in range(1500)}, "hidden_size": 64}))
    notes = shown(str(path))["notes"]
    assert isinstance(notes, list) and notes == [  # hidden_size is written: no key took its default
        "1,500 keys archcalc does not read: the first 1,000 were looked at for misspellings, not the rest"
    ]
    path.write_text(json.dumps({"model_type": "llama", "architectures": ["LlamaForCausalLM"], **{f"hidden_siz{index}": 1 for index in range(1500)}}))
    notes = shown(str(path))["notes"]
    assert isinstance(notes, list) and len(notes) == 12
    assert notes[0].startswith("'hidden_siz0' is not a key of llama configs; did you mean 'hidden_size'?")
    assert notes[10:] == [
        "and 990 more keys archcalc does not read, each a near miss of one it does",
        "1,500 keys archcalc does not read: the first 1,000 were looked at for misspellings, not the rest",
    ]
