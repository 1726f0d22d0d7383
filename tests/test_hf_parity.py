"""archcalc against transformers itself: random small configs of every family built on the meta
device (shapes without data), as the class their `architectures` names, and counted exactly.

Each config is fed to archcalc twice: as written (the keys the test chose, so that every key left out
is read from archcalc's table of transformers' defaults), and as transformers saves it (every key).
Parameters and the persistent buffers a checkpoint stores must be equal, every parameter must fall
under a layer named after its module, and for the decoder families the MACs must equal a formula
written here from the torch model's own linear layers and attention shapes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from archcalc.engine import analyze  # noqa: E402
from archcalc.formats.hf.names import TensorRole, stack_of, tensor_role  # noqa: E402
from archcalc.formats.hf.reader import read_hf_config  # noqa: E402
from archcalc.model import Layer, Spec  # noqa: E402

pytestmark = pytest.mark.parity

TOKENS = 8
SEEDS = 4
Config = dict[str, Any]


def heads_and_width(rng: random.Random) -> tuple[int, int, int]:
    """Query heads, key/value heads (a divisor) and a head width."""
    heads = rng.choice([1, 2, 4, 6])
    kv_heads = rng.choice([kv for kv in range(1, heads + 1) if heads % kv == 0])
    return heads, kv_heads, rng.choice([2, 4, 6, 8])


def llama_like(rng: random.Random, explicit_head_dim: bool = True) -> Config:
    heads, kv_heads, head = heads_and_width(rng)
    config: Config = {
        "vocab_size": rng.randint(10, 90),
        "hidden_size": heads * head,
        "intermediate_size": rng.randint(4, 40),
        "num_hidden_layers": rng.randint(1, 5),
        "num_attention_heads": heads,
        "num_key_value_heads": kv_heads,
        "tie_word_embeddings": rng.random() < 0.5,
    }
    if explicit_head_dim and rng.random() < 0.5:
        config["head_dim"] = rng.choice([2, 4, 6])  # a head width of its own
    return config


def llama(rng: random.Random) -> Config:
    return {**llama_like(rng), "attention_bias": rng.random() < 0.5, "mlp_bias": rng.random() < 0.5}


def mistral(rng: random.Random) -> Config:
    return {**llama_like(rng), "sliding_window": rng.choice([None, 2, 3, 5, 100])}


def mixtral(rng: random.Random) -> Config:
    experts = rng.randint(2, 6)
    return {**llama_like(rng), "sliding_window": rng.choice([None, 3]), "num_local_experts": experts, "num_experts_per_tok": rng.randint(1, experts)}


def qwen2(rng: random.Random) -> Config:
    config = llama_like(rng, explicit_head_dim=False)
    config.update(use_sliding_window=rng.random() < 0.5, sliding_window=rng.choice([2, 3, 5]), max_window_layers=rng.randint(0, 4))
    return config


def qwen2_moe(rng: random.Random) -> Config:
    config = qwen2(rng)
    experts = rng.randint(2, 6)
    layers = config["num_hidden_layers"]
    config.update(
        num_experts=experts,
        num_experts_per_tok=rng.randint(1, experts),
        moe_intermediate_size=rng.randint(2, 12),
        shared_expert_intermediate_size=rng.randint(2, 20),
        decoder_sparse_step=rng.randint(1, 2),
        mlp_only_layers=sorted(rng.sample(range(layers), rng.randint(0, layers))),
        qkv_bias=rng.random() < 0.7,
    )
    return config


def qwen3(rng: random.Random) -> Config:
    config = llama_like(rng)
    config.update(attention_bias=rng.random() < 0.3, use_sliding_window=rng.random() < 0.5, sliding_window=rng.choice([2, 3]))
    config.update(max_window_layers=rng.randint(0, 4))
    return config


def qwen3_moe(rng: random.Random) -> Config:
    config = llama_like(rng)
    experts = rng.randint(2, 6)
    layers = config["num_hidden_layers"]
    config.update(
        num_experts=experts,
        num_experts_per_tok=rng.randint(1, experts),
        moe_intermediate_size=rng.randint(2, 12),
        decoder_sparse_step=rng.randint(1, 2),
        mlp_only_layers=sorted(rng.sample(range(layers), rng.randint(0, layers))),
        use_sliding_window=rng.random() < 0.3,
        sliding_window=3,
    )
    return config


def gemma(rng: random.Random) -> Config:
    return {**llama_like(rng), "head_dim": rng.choice([2, 4, 8])}


def gemma2(rng: random.Random) -> Config:
    return {**gemma(rng), "sliding_window": rng.choice([2, 3, 5])}


def gemma3_text(rng: random.Random) -> Config:
    return {**gemma2(rng), "sliding_window_pattern": rng.randint(2, 4)}


def phi3(rng: random.Random) -> Config:
    return {**llama_like(rng, explicit_head_dim=False), "sliding_window": rng.choice([None, 2, 5])}


def deepseek_v3(rng: random.Random) -> Config:
    experts = rng.randint(2, 6)
    return {
        "vocab_size": rng.randint(10, 90),
        "hidden_size": rng.choice([8, 12, 16]),
        "intermediate_size": rng.randint(4, 30),
        "moe_intermediate_size": rng.randint(2, 10),
        "num_hidden_layers": rng.randint(1, 5),
        "num_attention_heads": rng.choice([1, 2, 4]),
        "num_key_value_heads": 1,
        "n_routed_experts": experts,
        "num_experts_per_tok": rng.randint(1, experts),
        "n_group": 1,
        "topk_group": 1,
        "n_shared_experts": rng.randint(0, 2),
        "first_k_dense_replace": rng.randint(0, 2),
        "q_lora_rank": rng.choice([None, 4, 6]),
        "kv_lora_rank": rng.choice([2, 4]),
        "qk_rope_head_dim": rng.choice([2, 4]),
        "qk_nope_head_dim": rng.choice([2, 6]),
        "v_head_dim": rng.choice([2, 4]),
        "attention_bias": rng.random() < 0.3,
        "tie_word_embeddings": rng.random() < 0.3,
    }


def gpt2(rng: random.Random) -> Config:
    heads = rng.choice([1, 2, 4])
    return {
        "vocab_size": rng.randint(10, 90),
        "n_embd": heads * rng.choice([2, 4, 6]),
        "n_head": heads,
        "n_layer": rng.randint(1, 4),
        "n_positions": rng.randint(TOKENS, 20),
        "n_inner": rng.choice([None, 6, 20]),
        "tie_word_embeddings": rng.random() < 0.7,
    }


def bert(rng: random.Random) -> Config:
    heads = rng.choice([1, 2, 4])
    return {
        "vocab_size": rng.randint(10, 90),
        "hidden_size": heads * rng.choice([2, 4, 6]),
        "num_attention_heads": heads,
        "num_hidden_layers": rng.randint(1, 4),
        "intermediate_size": rng.randint(4, 30),
        "max_position_embeddings": rng.randint(TOKENS, 20),
        "type_vocab_size": rng.randint(1, 3),
        "tie_word_embeddings": rng.random() < 0.7,
    }


def t5(rng: random.Random) -> Config:
    return {
        "vocab_size": rng.randint(10, 90),
        "d_model": rng.choice([4, 8, 12]),
        "d_kv": rng.choice([2, 4]),
        "num_heads": rng.choice([1, 2, 3]),
        "d_ff": rng.randint(4, 30),
        "num_layers": rng.randint(1, 4),
        "num_decoder_layers": rng.choice([None, 1, 3]),
        "relative_attention_num_buckets": rng.randint(2, 16),
        "feed_forward_proj": rng.choice(["relu", "gated-gelu"]),
        "tie_word_embeddings": rng.random() < 0.5,
    }


FAMILIES: dict[str, tuple[Callable[[random.Random], Config], tuple[str, ...]]] = {
    "llama": (llama, ("LlamaModel", "LlamaForCausalLM")),
    "mistral": (mistral, ("MistralModel", "MistralForCausalLM")),
    "mixtral": (mixtral, ("MixtralModel", "MixtralForCausalLM")),
    "qwen2": (qwen2, ("Qwen2Model", "Qwen2ForCausalLM")),
    "qwen2_moe": (qwen2_moe, ("Qwen2MoeModel", "Qwen2MoeForCausalLM")),
    "qwen3": (qwen3, ("Qwen3Model", "Qwen3ForCausalLM")),
    "qwen3_moe": (qwen3_moe, ("Qwen3MoeModel", "Qwen3MoeForCausalLM")),
    "gemma": (gemma, ("GemmaModel", "GemmaForCausalLM")),
    "gemma2": (gemma2, ("Gemma2Model", "Gemma2ForCausalLM")),
    "gemma3_text": (gemma3_text, ("Gemma3TextModel", "Gemma3ForCausalLM")),
    "phi3": (phi3, ("Phi3Model", "Phi3ForCausalLM")),
    "deepseek_v3": (deepseek_v3, ("DeepseekV3Model", "DeepseekV3ForCausalLM")),
    "gpt2": (gpt2, ("GPT2Model", "GPT2LMHeadModel")),
    "bert": (bert, ("BertModel", "BertForMaskedLM")),
    "t5": (t5, ("T5Model", "T5ForConditionalGeneration", "T5EncoderModel")),
}
DECODERS = {"llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "gemma", "gemma2", "gemma3_text", "phi3", "deepseek_v3"}


def case(family: str, seed: int) -> tuple[Config, str]:
    rng = random.Random(f"{family}-{seed}")
    make, classes = FAMILIES[family]
    return {**make(rng), "pad_token_id": None}, rng.choice(classes)  # the defaults' padding ids (Phi-3's 32,000) are past a small vocabulary


def built(family: str, written: Config, architecture: str) -> tuple[Any, Any]:
    """The transformers config (after its own defaults) and the model, on the meta device."""
    config = transformers.CONFIG_MAPPING[family](**written)
    with torch.device("meta"):
        model = getattr(transformers, architecture)(config)
    return config, model


def archcalc_spec(text: str) -> Spec:
    return read_hf_config(text.encode(), "config.json", "random", TOKENS)


def names(layers: tuple[Layer, ...]) -> Iterator[str]:
    for layer in layers:
        if layer.name is not None:
            yield layer.name
        for argument in ("layers", "shortcut"):
            inner = getattr(layer, argument, ())
            if isinstance(inner, tuple):
                yield from names(inner)


def persistent_buffers(model: Any) -> dict[str, int]:
    buffers = {name for name, _ in model.named_buffers()}
    return {name: tensor.numel() for name, tensor in model.state_dict().items() if name in buffers}


@pytest.mark.parametrize("seed", range(SEEDS))
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_random_config_counts_as_transformers_builds_it(family: str, seed: int) -> None:
    written, architecture = case(family, seed)
    config, model = built(family, written, architecture)
    params = sum(parameter.numel() for parameter in model.parameters())
    state = persistent_buffers(model)
    as_written = json.dumps({"model_type": family, "architectures": [architecture], **written})
    as_saved = json.dumps({**json.loads(config.to_json_string()), "architectures": [architecture]})
    for text in (as_written, as_saved):
        report = analyze(archcalc_spec(text))
        assert (report.total.params, report.total.non_trainable) == (params, sum(state.values())), (text, architecture)
    assert all(tensor_role(name) is TensorRole.STATE for name in state)
    assert all(tensor_role(name) is TensorRole.PARAMETER for name, _ in model.named_parameters())
    spec_names = set(names(archcalc_spec(as_written).layers))
    for name, _ in model.named_parameters():  # the naming contract with the checkpoint reader
        stack = stack_of(name)
        module = stack[0] if stack is not None else name.rsplit(".", 1)[0]
        assert any(module == spec or module.startswith(spec + ".") or spec.startswith(module + ".") for spec in spec_names), (name, sorted(spec_names))


def window_pairs(tokens: int, window: int | None) -> int:
    """Query-key pairs of causal attention, by counting: token i reads min(i + 1, w) keys (all N without a window, as the kernels compute)."""
    if window is None:
        return tokens * tokens
    return sum(min(index + 1, window) for index in range(tokens))


def layer_window(family: str, config: Any, index: int) -> int | None:
    """Each layer's sliding window as transformers' attention reads it (none for Llama, Gemma, DeepSeek)."""
    window: int | None = config.sliding_window if family not in ("llama", "gemma", "deepseek_v3") else None
    if family in ("qwen2", "qwen2_moe", "qwen3", "gemma2", "gemma3_text") and config.layer_types[index] != "sliding_attention":
        return None
    return window


@pytest.mark.parametrize("seed", range(SEEDS))
@pytest.mark.parametrize("family", sorted(DECODERS))
def test_a_random_decoders_macs_are_its_linear_layers_and_attention(family: str, seed: int) -> None:
    """MACs per sequence = every linear layer once a token, a mixture's router and its k chosen experts
    a token, and each attention's scores and weighted sum over the pairs it reads. torch cannot count
    on the meta device, so the formula reads the model's shapes."""
    written, architecture = case(family, seed)
    config, model = built(family, written, architecture)
    linear = sum(module.weight.numel() for module in model.modules() if isinstance(module, torch.nn.Linear))
    experts = 0
    for module in model.modules():
        if hasattr(module, "experts") and hasattr(module, "gate") and hasattr(module.experts, "gate_up_proj"):
            count = module.experts.gate_up_proj.shape[0]
            per_expert = (module.experts.gate_up_proj.numel() + module.experts.down_proj.numel()) // count
            experts += module.gate.weight.numel() + config.num_experts_per_tok * per_expert
    attention = 0
    for index in range(config.num_hidden_layers):
        if family == "deepseek_v3":
            qk = config.qk_nope_head_dim + config.qk_rope_head_dim
            attention += TOKENS * TOKENS * config.num_attention_heads * (qk + config.v_head_dim)
        else:
            head = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
            attention += 2 * window_pairs(TOKENS, layer_window(family, config, index)) * config.num_attention_heads * head
    expected = TOKENS * (linear + experts) + attention
    report = analyze(archcalc_spec(json.dumps({"model_type": family, "architectures": [architecture], **written})))
    assert report.total.macs == expected, (written, architecture)


def transformers_keys(family: str) -> set[str]:
    """Every key transformers' config for the family writes or reads under another name."""
    config_class = transformers.CONFIG_MAPPING[family]
    return set(json.loads(config_class().to_json_string(use_diff=False))) | set(getattr(config_class, "attribute_map", {}))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_unread_keys_are_the_familys_own_keys_near_a_read_one(family: str) -> None:
    """UNREAD_KEYS is every key transformers has for the family that archcalc does not read and that
    is as near one it may read as a misspelling (NEAR_MISS): any other such key is not the family's."""
    import difflib
    import importlib

    from archcalc.formats.hf.config import CONFIG_KEYS, NEAR_MISS
    from archcalc.formats.hf.reader import FAMILIES as MODULES

    module = importlib.import_module(f"archcalc.formats.hf.{MODULES[family]}")
    aliases: dict[str, str] = getattr(module, "ALIASES", {})
    readable = set(module.DEFAULTS) | set(aliases) | set(aliases.values())
    near = {key for key in transformers_keys(family) - readable - set(CONFIG_KEYS) if difflib.get_close_matches(key, readable, n=1, cutoff=NEAR_MISS)}
    assert near == set(getattr(module, "UNREAD_KEYS", ())), near


def test_a_misspelt_key_counts_as_transformers_builds_it() -> None:
    """tests/data/hf_misspelt_key.json writes `hiden_size`: LlamaConfig keeps hidden_size's default."""
    from pathlib import Path

    path = Path(__file__).parent / "data" / "hf_misspelt_key.json"
    written = json.loads(path.read_text())
    settings = {key: value for key, value in written.items() if key not in ("model_type", "architectures")}
    for misspelt, params in ((settings, 598_249_472), ({**settings, "hidden_size": settings["hiden_size"]}, 45_421_056)):
        _, model = built("llama", misspelt, "LlamaForCausalLM")
        assert sum(parameter.numel() for parameter in model.parameters()) == params
        text = json.dumps({**written, **misspelt})
        assert analyze(read_hf_config(text.encode(), str(path), "misspelt", TOKENS)).total.params == params
