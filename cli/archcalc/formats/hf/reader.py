"""A HuggingFace config.json -> a `Spec`, read by its `model_type` and counted as the class its
`architectures` names, with transformers' default for every key it leaves out.

Each family is one module here (llama.py, mixtral.py, …) holding transformers' defaults for the keys
that change a count (`DEFAULTS`), the classes it counts (`ARCHITECTURES`), how its layers are made
(`build`) and, where there are any, transformers' keys for it that archcalc does not read but that
resemble one it does (`UNREAD_KEYS`); only the family a file names is imported. Layers are named
after the transformers modules they stand for, so that a checkpoint's tensors (formats/hf/names.py)
group under the same names.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from archcalc.errors import Origin, SpecError
from archcalc.formats.graph.nesting import positioned
from archcalc.formats.hf.config import Config, parse_json
from archcalc.model import DType, Spec
from archcalc.printable import describe, printable

FAMILIES = {
    "gpt2": "gpt2",
    "bert": "bert",
    "t5": "t5",
    "llama": "llama",
    "mistral": "mistral",
    "mixtral": "mixtral",
    "qwen2": "qwen2",
    "qwen2_moe": "qwen2_moe",
    "qwen3": "qwen3",
    "qwen3_moe": "qwen3_moe",
    "gemma": "gemma",
    "gemma2": "gemma2",
    "gemma3_text": "gemma3",
    "phi3": "phi3",
    "deepseek_v3": "deepseek_v3",
}
"""Each `model_type` archcalc reads, and its module in this package."""

DEFAULT_TOKENS = 2048
"""The sequence's length without --tokens: 2,048, or a shorter learned position table's length."""


def read_hf_config(data: bytes, source: str, name: str, tokens: int | None = None) -> Spec:
    """config.json's bytes -> Spec of `tokens` token ids (DEFAULT_TOKENS when None)."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise SpecError(f"config.json is not UTF-8 text (byte {error.start})", Origin(source)) from None
    document = parse_json(text, source)
    family = family_module(document, text, source)
    config = Config(document, family.DEFAULTS, text, source, aliases=getattr(family, "ALIASES", None))
    architecture = chosen_architecture(config, family)
    longest = family.longest(config) if hasattr(family, "longest") else None
    config.tokens = tokens if tokens is not None else min(DEFAULT_TOKENS, longest) if longest is not None else DEFAULT_TOKENS
    layers = positioned(family.build(config, family.ARCHITECTURES[architecture]), None)
    notes = family.notes(config) if hasattr(family, "notes") else ()
    model_type = document["model_type"]
    notes = (*config.near_misses(model_type, getattr(family, "UNREAD_KEYS", ())), *notes)  # after every read: the keys the count took defaults for
    if "architectures" not in document:
        notes = (f"no 'architectures' given: counted as {architecture}", *notes)
    description = f"{architecture} ({model_type}), {config.tokens:,} tokens"
    dtype = config.dtype()
    return Spec(
        spec_name(document, name),
        (config.tokens,),
        layers,
        Origin(source),
        description,
        budget_dtype=dtype or DType.FLOAT32,  # `check --max-param-bytes` counts the weights as they are stored
        notes=tuple(notes),
        from_model=True,
        dtype=dtype,
    )


def family_module(document: dict[str, object], text: str, source: str) -> ModuleType:
    model_type = document.get("model_type")
    known = ", ".join(FAMILIES)
    where = Config(document, {}, text, source).origin("model_type")
    if model_type is None:
        raise SpecError("missing required key 'model_type': it names the model's family", where, None, f"archcalc reads {known}")
    if not isinstance(model_type, str) or model_type not in FAMILIES:
        hint = f"archcalc reads {known}"
        if model_type == "gemma3":
            hint = "this is Gemma 3 with its vision tower; archcalc reads the text model: give its text_config as a config of model_type gemma3_text"
        raise SpecError(f"model_type {describe(model_type)} is a family archcalc does not read", where, None, hint)
    return importlib.import_module(f"archcalc.formats.hf.{FAMILIES[model_type]}")


def chosen_architecture(config: Config, family: ModuleType) -> str:
    """The first class in `architectures` that the family counts; without `architectures`, its last
    listed (the language model with its head: GPT2LMHeadModel, LlamaForCausalLM, BertModel's pooler)."""
    known: dict[str, object] = family.ARCHITECTURES
    written = config.settings.get("architectures")
    if written is None:
        return list(known)[-1]
    if not isinstance(written, list) or not written or not all(isinstance(item, str) for item in written):
        raise config.error("architectures", f"'architectures' must be a list of class names, got {describe(written)}")
    for architecture in written:
        if architecture in known:
            return str(architecture)
    listed = ", ".join(printable(item) for item in written)
    raise config.error("architectures", f"archcalc does not count {listed}", f"for this family it counts {', '.join(known)}")


def spec_name(document: dict[str, object], name: str) -> str:
    """The file's stem; for a file named config.json, the model's own name if it records one."""
    if name != "config":
        return name
    written = document.get("_name_or_path")
    if isinstance(written, str) and written.strip("/"):
        return printable(written.rstrip("/").rsplit("/", 1)[-1])
    return printable(str(document["model_type"]))
