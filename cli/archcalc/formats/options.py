"""How a model file is read: the choices `show`, `compare`, `import` and `check --against` pass on.
A YAML spec says everything itself and takes none of them."""

from __future__ import annotations

from archcalc.values import value


@value
class ReadOptions:
    """`--untie` and `--input`, as the ONNX reader takes them."""

    untie: bool = False
    """Count every layer's copy of a weight the file stores once: an exporter merges tensors of equal
    values, so a file cannot tell a tied weight from an untrained model's identical copies."""

    input: str | None = None
    """The graph input the spec starts from, of a model with several (`input_ids`, `attention_mask`)."""


DEFAULT = ReadOptions()
