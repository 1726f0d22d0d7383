"""One safetensors file's header, read and proven consistent with the file, without reading a weight.

The format (github.com/huggingface/safetensors): 8 bytes of little-endian length N, then N bytes of
JSON mapping each tensor's name to its dtype, shape and `data_offsets` (start and end, in bytes, in
the data that follows the header), plus an optional `__metadata__` of strings. The reference reader
refuses a header that does not start with `{`, an unknown dtype, a tensor whose bytes do not match
its shape, and data not covered exactly once by the tensors' ranges (a gap, an overlap, or bytes
past the file's end): so does archcalc, so that every count it gives stands for bytes that are there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NamedTuple, NoReturn

from archcalc.errors import Origin, SpecError, suggestion
from archcalc.printable import quoted
from archcalc.values import value

MAX_HEADER_BYTES = 100_000_000
"""The reference reader's own bound: a larger header is refused before any of it is read."""

MAX_TENSORS = 250_000
"""More tensors than any published checkpoint lists (DeepSeek-V3 91,991 in all its files), refused
before a header is parsed. Measured on a loaded two-core machine: `show --format json` of DeepSeek-V3's
header set takes 2.0 s of CPU and 118 MB; of one header of 250,000 tensors, 7.3 s and 330 MB."""

LENGTH_BYTES = 8

DTYPE_BITS = {
    "BOOL": 8,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
    "U8": 8,
    "I8": 8,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "F8_E4M3FNUZ": 8,
    "F8_E5M2FNUZ": 8,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "C64": 64,
    "F64": 64,
    "I64": 64,
    "U64": 64,
}
"""Every dtype safetensors 0.8 knows, and the bits one value takes (F4 and F6 pack several values in a byte)."""

METADATA_KEY = "__metadata__"


class Tensor(NamedTuple):
    """One tensor as its header declares it: name, dtype, shape and where its bytes are. A named tuple,
    not a `value`: a checkpoint has up to 250,000, and a tuple is made in a tenth of the time."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    start: int
    end: int

    @property
    def values(self) -> int:
        count = 1
        for size in self.shape:
            count *= size
        return count


@value
class Header:
    """One file's tensors (in the header's order), its size in bytes and its metadata strings."""

    source: str
    tensors: tuple[Tensor, ...]
    file_bytes: int
    metadata: tuple[tuple[str, str], ...] = ()


def read_header(path: Path, source: str) -> Header:
    """The header of the file at `path` (named `source` in messages), checked against the file's size."""
    origin = Origin(source)
    try:
        with path.open("rb") as stream:
            file_bytes = os.fstat(stream.fileno()).st_size
            length_bytes = stream.read(LENGTH_BYTES)
            if len(length_bytes) < LENGTH_BYTES:
                raise SpecError(f"not a safetensors file: {len(length_bytes)} bytes, fewer than the 8 of its header's length", origin)
            length = int.from_bytes(length_bytes, "little")
            if length > MAX_HEADER_BYTES:
                raise SpecError(
                    f"its header claims {length:,} bytes; safetensors allows at most {MAX_HEADER_BYTES:,}",
                    origin,
                    None,
                    "the file is not safetensors, or is damaged",
                )
            if LENGTH_BYTES + length > file_bytes:
                raise SpecError(
                    f"its header claims {length:,} bytes, but the file has {file_bytes - LENGTH_BYTES:,} after the length", origin, None, "truncated?"
                )
            text = stream.read(length)
    except OSError as error:
        raise SpecError(f"cannot read {source}: {error.strerror}") from None
    return parse_header(text, file_bytes, source)


def parse_header(text: bytes, file_bytes: int, source: str) -> Header:
    """The header's JSON bytes, checked: known dtypes, sizes that fit their shapes, and ranges that
    cover the data after the header exactly once."""
    origin = Origin(source)
    if not text.startswith(b"{"):
        raise SpecError(f"its header does not start with '{{' (it starts with {text[:8]!r})", origin, None, "the file is not safetensors, or is damaged")
    listed = text.count(b'"data_offsets"')  # one a tensor (or more, if a name holds the words): counted before parsing
    if listed > MAX_TENSORS:
        raise SpecError(f"its header lists {listed:,} tensors; archcalc reads at most {MAX_TENSORS:,} in a checkpoint", origin)
    try:
        decoded = text.decode("utf-8")
        document = json.loads(decoded)
        if isinstance(document, dict) and listed > len(document):  # a name written twice, which json keeps once
            json.loads(decoded, object_pairs_hook=_refuse_repeats)  # slower: only to say which
    except UnicodeDecodeError as error:
        raise SpecError(f"its header is not UTF-8 text (byte {error.start + LENGTH_BYTES:,} of the file)", origin) from None
    except json.JSONDecodeError as error:
        raise SpecError(f"its header is not JSON: {error.msg} at byte {error.pos + LENGTH_BYTES:,} of the file", origin) from None
    except _Repeated as error:
        raise SpecError(f"its header names {quoted(error.key)} twice", origin) from None
    if not isinstance(document, dict):
        raise SpecError("its header is not a JSON object", origin)
    metadata = _metadata(document.pop(METADATA_KEY, {}), origin)
    tensors = tuple(_tensor(name, entry, origin) for name, entry in document.items())
    _check_coverage(tensors, file_bytes - LENGTH_BYTES - len(text), origin)
    return Header(source, tensors, file_bytes, metadata)


class _Repeated(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _refuse_repeats(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object whose keys are each written once: Python keeps the last of a repeated key, and
    a tensor listed twice would be counted once while its first range went unchecked."""
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Repeated(key)
            seen.add(key)
    return document


def _metadata(metadata: object, origin: Origin) -> tuple[tuple[str, str], ...]:
    if not isinstance(metadata, dict) or not all(isinstance(item, str) for pair in metadata.items() for item in pair):
        raise SpecError(f"its header's {METADATA_KEY} is not a mapping of strings to strings", origin)
    return tuple(metadata.items())


def _tensor(name: str, entry: object, origin: Origin) -> Tensor:
    """One entry, checked; the common case in a few comparisons (a checkpoint may list 100,000)."""
    if type(entry) is not dict:
        raise SpecError(f"tensor {quoted(name)}: its entry is not a JSON object", origin)
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    bits_each = DTYPE_BITS.get(dtype) if type(dtype) is str else None
    if bits_each is None or type(shape) is not list or type(offsets) is not list or not _counts(shape) or len(offsets) != 2 or not _counts(offsets):
        _refuse_entry(name, entry, origin)
    assert isinstance(dtype, str) and isinstance(shape, list) and isinstance(offsets, list) and bits_each is not None
    start, end = offsets
    if start > end:
        _refuse_entry(name, entry, origin)
    values = 1
    for size in shape:
        values *= size
    bits = values * bits_each
    if bits % 8:
        raise SpecError(f"tensor {quoted(name)}: {values:,} values of {dtype} are {bits:,} bits, not whole bytes", origin)
    if bits // 8 != end - start:
        shown = "[" + ", ".join(str(size) for size in shape) + "]"
        held = f"its data_offsets [{start:,}, {end:,}] hold {end - start:,}"
        raise SpecError(f"tensor {quoted(name)}: shape {shown} of {dtype} takes {bits // 8:,} bytes, but {held}", origin)
    return Tensor(name, dtype, tuple(shape), start, end)


def _counts(items: list[object]) -> bool:
    """Whole numbers from 0 (not JSON's true and false, which Python reads as 1 and 0)."""
    return all(type(item) is int and item >= 0 for item in items)


def _refuse_entry(name: str, entry: dict[str, object], origin: Origin) -> NoReturn:
    """What is wrong with an entry that failed the quick checks, said precisely."""
    where = f"tensor {quoted(name)}"
    for key in ("dtype", "shape", "data_offsets"):
        if key not in entry:
            raise SpecError(f"{where}: its entry has no {quoted(key)}", origin)
    dtype, shape = entry["dtype"], entry["shape"]
    if not isinstance(dtype, str) or dtype not in DTYPE_BITS:
        hint = suggestion(dtype, DTYPE_BITS) if isinstance(dtype, str) else None
        raise SpecError(f"{where}: unknown dtype {quoted(str(dtype))}", origin, None, hint or f"safetensors' dtypes are {', '.join(DTYPE_BITS)}")
    if not isinstance(shape, list) or not _counts(shape):
        raise SpecError(f"{where}: its shape is not a list of whole numbers from 0", origin)
    raise SpecError(f"{where}: its data_offsets are not [start, end] with 0 ≤ start ≤ end", origin)


def _check_coverage(tensors: tuple[Tensor, ...], data_bytes: int, origin: Origin) -> None:
    """Every byte of the data belongs to exactly one tensor, as the reference reader requires."""
    covered = 0
    previous: Tensor | None = None
    for tensor in sorted(tensors, key=lambda tensor: (tensor.start, tensor.end)):
        if tensor.end > data_bytes:
            raise SpecError(
                f"tensor {quoted(tensor.name)}: its data_offsets end at byte {tensor.end:,} of the data, past the file's end (the data has {data_bytes:,})",
                origin,
                None,
                "truncated, or a lying header",
            )
        if tensor.start < covered:
            assert previous is not None
            raise SpecError(f"tensors {quoted(previous.name)} and {quoted(tensor.name)} overlap (bytes {tensor.start:,} to {covered:,} of the data)", origin)
        if tensor.start > covered:
            raise SpecError(f"bytes {covered:,} to {tensor.start:,} of the data belong to no tensor (a gap before {quoted(tensor.name)})", origin)
        if tensor.end > tensor.start:
            covered, previous = tensor.end, tensor
    if covered != data_bytes:
        raise SpecError(
            f"the last {data_bytes - covered:,} bytes of the file belong to no tensor", origin, None, "a lying header, or data appended to the file"
        )
