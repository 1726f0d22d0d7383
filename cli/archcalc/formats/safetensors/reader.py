"""The headers of one checkpoint's files -> a Spec: each tensor given its role, the model's figures
grouped into layers, and what is not the model's (quantization data, rebuilt buffers) said apart."""

from __future__ import annotations

from pathlib import Path

from archcalc.errors import Origin, SpecError
from archcalc.formats.graph.nesting import positioned
from archcalc.formats.safetensors.files import SUFFIX, Files, file_headers, folder_headers, index_headers
from archcalc.formats.safetensors.header import MAX_TENSORS, Tensor
from archcalc.formats.safetensors.layers import CountedTensor, grouped_layers, module_tree
from archcalc.formats.safetensors.roles import Role, role_of, unpacked_values
from archcalc.model import Checkpoint, Spec
from archcalc.printable import quoted

DEFAULT_NAMES = ("model", "diffusion_pytorch_model")
"""The file names transformers (and diffusers) write: a checkpoint so named is named after its folder."""


def checkpoint_spec(path: Path, source: str) -> Spec:
    origin = Origin(source)
    if path.is_dir():
        files = folder_headers(path, source)
        name = path.resolve().name
    elif _is_index(path, source):
        files = index_headers(path, source)
        name = path.resolve().parent.name
    else:
        files = file_headers(path, source)
        stem = path.name.removesuffix(SUFFIX)
        name = path.resolve().parent.name if stem in DEFAULT_NAMES else stem
    return _spec(files, name or "checkpoint", origin)


def _is_index(path: Path, source: str) -> bool:
    """An index is JSON text; a safetensors file starts with its header's length, whose top bytes are zero."""
    try:
        with path.open("rb") as stream:
            head = stream.read(9)
    except OSError as error:
        raise SpecError(f"cannot read {source}: {error.strerror}") from None
    return head.lstrip()[:1] == b"{" and head[4:8] != b"\0\0\0\0"


def _spec(files: Files, name: str, origin: Origin) -> Spec:
    listed = sum(len(header.tensors) for header in files.headers)
    if listed > MAX_TENSORS:
        raise SpecError(f"its files list {listed:,} tensors; archcalc reads at most {MAX_TENSORS:,} in a checkpoint", origin)
    tensors: dict[str, Tensor] = {}
    for header in files.headers:
        for tensor in header.tensors:
            if tensor.name in tensors:
                raise SpecError(f"tensor {quoted(tensor.name)} is stored twice (in {header.source} and another file of the checkpoint)", origin)
            tensors[tensor.name] = tensor
    if not tensors:
        raise SpecError("the checkpoint holds no tensor", origin)
    counted: list[CountedTensor] = []
    by_dtype: dict[str, int] = {}
    apart: dict[str, list[int]] = {}
    for tensor in tensors.values():
        role = role_of(tensor)
        if role in (Role.QUANTIZATION, Role.BUFFER):
            entry = apart.setdefault(tensor.name.rsplit(".", 1)[-1], [0, 0])
            entry[0] += 1
            entry[1] += tensor.values
            continue
        values = unpacked_values(tensor, tensors, origin)
        storage = tensor.dtype if values == tensor.values else f"{tensor.dtype} (packed)"
        by_dtype[storage] = by_dtype.get(storage, 0) + values
        weights, biases, state = (values if role is kind else 0 for kind in (Role.WEIGHT, Role.BIAS, Role.STATE))
        counted.append(CountedTensor(tuple(tensor.name.split(".")), weights, biases, state, tensor.dtype, tensor.shape))
    grouped = grouped_layers(module_tree(counted), origin)
    checkpoint = Checkpoint(
        files=tuple(header.source for header in files.headers),
        file_bytes=sum(header.file_bytes for header in files.headers),
        values_by_dtype=tuple(sorted(by_dtype.items(), key=lambda item: -item[1])),
        apart=tuple((what, tensors, values) for what, (tensors, values) in sorted(apart.items())),
        not_built=grouped.not_built,
    )
    count = len(files.headers)
    description = f"safetensors checkpoint: {len(tensors):,} tensors in {count} file{'s' if count != 1 else ''}, {checkpoint.file_bytes:,} bytes"
    return Spec(name, (), positioned(grouped.layers, None), origin, description, notes=_notes(checkpoint, files), from_model=True, checkpoint=checkpoint)


def _notes(checkpoint: Checkpoint, files: Files) -> tuple[str, ...]:
    notes = ["a checkpoint holds parameters, not shapes or MACs: no shape or MAC is given, none is invented"]
    notes.append(
        "stored as " + ", ".join(f"{dtype} {values:,}" for dtype, values in checkpoint.values_by_dtype) + f"; the files' bytes: {checkpoint.file_bytes:,}"
    )
    if checkpoint.apart:
        listed = ", ".join(f"{what} ({tensors:,} tensors, {values:,} values)" for what, tensors, values in checkpoint.apart)
        notes.append(f"not counted as the model's: {listed}")
    if checkpoint.not_built:
        notes.append(f"multi-token-prediction layers transformers does not build, counted here: {', '.join(checkpoint.not_built)}")
    if files.left_out:
        notes.append(f"files the index does not name, not read: {', '.join(files.left_out)}")
    return tuple(notes)
