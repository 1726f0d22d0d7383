"""How a spec or model file is read: the choices `show`, `compare`, `import` and `check --against`
pass on. A YAML spec says everything itself but its sequence length (`--tokens`)."""

from __future__ import annotations

from archcalc.values import value


@value
class ReadOptions:
    """`--untie` and `--input`, as the ONNX reader takes them, and `--tokens`."""

    untie: bool = False
    """Count every layer's copy of a weight the file stores once: an exporter merges tensors of equal
    values, so a file cannot tell a tied weight from an untrained model's identical copies."""

    input: str | None = None
    """The graph input the spec starts from, of a model with several (`input_ids`, `attention_mask`)."""

    tokens: int | None = None
    """The length of a sequence input (`--tokens`): a HuggingFace config's, or a spec's whose input is one."""


DEFAULT = ReadOptions()
