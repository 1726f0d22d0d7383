"""Spec text (a YAML file, standard input, or an arrow chain), or a model file (ONNX, Keras) -> a validated `Spec`."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import BinaryIO

from archcalc.errors import Origin, SpecError
from archcalc.formats.missing import missing_file_hint
from archcalc.formats.options import DEFAULT, ReadOptions
from archcalc.formats.yaml.chain import is_chain, parse_chain
from archcalc.formats.yaml.document import default_name, parse_spec
from archcalc.formats.yaml.located import load_located
from archcalc.model import Spec
from archcalc.printable import printable

MAX_SPEC_BYTES = 5_000_000
"""A spec is a page of YAML; refusing anything this large keeps a stray 100 MB file from costing time."""

__all__ = ["MAX_SPEC_BYTES", "OnnxOnlyOption", "ReadOptions", "Spec", "load_model", "load_spec", "load_text"]


def load_model(argument: str, options: ReadOptions = DEFAULT) -> Spec:
    """A model file (ONNX, Keras, a HuggingFace config) -> Spec, refusing a YAML spec or a chain: what `archcalc import` reads."""
    spec = load_spec(argument, options)
    if not spec.from_model:
        raise SpecError(f"{argument} is a spec already; import reads model files (ONNX, Keras, HuggingFace config.json)")
    if spec.checkpoint is not None:
        raise SpecError(f"{argument} is a checkpoint, which holds parameters but no architecture to write as a spec", hint="import its config.json")
    return spec


def load_spec(argument: str, options: ReadOptions = DEFAULT) -> Spec:
    """A CLI argument -> Spec: `-` reads standard input, an arrow chain is read as written, else a file.
    A file (or standard input) is read as what its content is: an ONNX model, a Keras model, a
    HuggingFace config.json or checkpoint, or a YAML spec; `options` say how a model file is read
    (formats/options.py), and `options.tokens` (--tokens) sets the length of a sequence input."""
    spec = _load_spec(argument, options)
    tokens = options.tokens
    if tokens is None or (spec.from_model and spec.input_shape == (tokens,)):
        return spec
    return with_tokens(spec, tokens)


def with_tokens(spec: Spec, tokens: int) -> Spec:
    """The spec on a sequence of `tokens` positions: token ids [N], or a sequence [N, D]."""
    from archcalc.values import replace  # lazy: only --tokens resizes a spec

    if spec.reads_token_ids:
        return replace(spec, input_shape=(tokens,))
    if len(spec.input_shape) == 2:
        return replace(spec, input_shape=(tokens, spec.input_shape[1]))
    from archcalc.text import shape  # lazy: only for the message

    raise SpecError(f"--tokens sets the length of a sequence, and the input {shape(spec.input_shape)} is not one", spec.origin)


def _load_spec(argument: str, options: ReadOptions) -> Spec:
    if argument == "-":
        if sys.stdin is None:  # `<&-`: there is no standard input at all
            raise SpecError("standard input is closed", Origin("<stdin>"), None, "pipe a spec in, or give a file")
        try:
            return _read_source(sys.stdin.buffer, "<stdin>", "stdin", None, options)
        except OSError as error:  # a directory, or a terminal that went away
            raise SpecError(f"cannot read standard input: {error.strerror or error}", Origin("<stdin>")) from None
    if is_chain(argument):
        _onnx_only(options, Origin("<chain>"))
        return parse_chain(argument, Origin("<chain>", 1, 1), printable(argument.replace(" ", "")))
    path = Path(argument)
    if not path.exists():
        raise SpecError(f"no such file: {argument}", hint=missing_file_hint(argument))
    if path.is_dir():
        from archcalc.formats.safetensors import holds_checkpoint, read_checkpoint  # lazy: only a folder given

        if holds_checkpoint(path):
            _onnx_only(options, Origin(printable(argument)))
            return read_checkpoint(path, printable(argument))
        raise SpecError(f"{argument} is a directory; give a spec file")
    source = printable(argument)  # a file name reaches messages, tables and annotations
    try:
        with path.open("rb") as stream:
            return _read_source(stream, source, default_name(argument), path, options)
    except OSError as error:
        raise SpecError(f"cannot read {source}: {error.strerror}") from None


ONNX_START = b"\x08"
"""A serialised ONNX ModelProto starts with its first field, ir_version (field 1, a varint): no YAML
or JSON text starts with this byte."""

ZIP_START = b"PK\x03\x04"
"""A `.keras` archive is a zip file."""


SNIFFED_BYTES = 4096
"""Enough to recognise every format by its start: a safetensors header's length and `{`, and the
`weight_map` key near the start of a checkpoint's index."""


def _is_checkpoint(head: bytes, path: Path | None) -> bool:
    """A safetensors file by its start: 8 bytes of length, whose top four are zero (no header nears
    4 GB; no text has NUL bytes), then `{`; its index by a `weight_map` near the start of a JSON
    object; a `.safetensors` file however it starts, so that a damaged one is refused as one."""
    safetensors = head[4:8] == b"\0\0\0\0" and head[8:9] == b"{"
    index = head.lstrip()[:1] == b"{" and b'"weight_map"' in head
    return safetensors or index or (path is not None and path.suffix.lower() == ".safetensors")


def _read_source(stream: BinaryIO, source: str, name: str, path: Path | None, options: ReadOptions) -> Spec:
    """What the first bytes say the stream holds, read with that format's own size bound."""
    head = stream.read(SNIFFED_BYTES)
    if len(head) < SNIFFED_BYTES:  # the stream has ended: a terminal's Ctrl-D is read once, and reading on would wait for another
        stream = io.BytesIO()
    onnx = head.startswith(ONNX_START) or (path is not None and path.suffix.lower() == ".onnx")
    if not onnx:
        _onnx_only(options, Origin(source))
    if _is_checkpoint(head, path):
        from archcalc.formats.safetensors import read_checkpoint  # lazy: only a checkpoint loads its reader

        if path is None:
            raise SpecError("a safetensors checkpoint is read from its file, whose size its header is checked against", Origin(source), None, "give its path")
        return read_checkpoint(path, source)
    if onnx:
        from archcalc.formats.onnx.reader import MAX_ONNX_BYTES, read_onnx  # lazy: onnx is an extra, loaded for an ONNX file only

        return read_onnx(head + _read_limited(stream, source, MAX_ONNX_BYTES - len(head), "an ONNX model"), source, path, name, options)
    if head.startswith(ZIP_START):
        from archcalc.formats.keras.archive import MAX_KERAS_BYTES, read_keras_archive  # lazy: only a Keras file loads its reader

        if path is not None:  # read from the file, which holds the weights too: only its config.json is read
            return read_keras_archive(path, source, name)
        return read_keras_archive(head + _read_limited(stream, source, MAX_KERAS_BYTES - len(head), "a Keras archive"), source, name)
    data = head + _read_limited(stream, source, MAX_SPEC_BYTES - len(head), "the spec")
    if data.lstrip()[:1] == b"{" and b'"class_name"' in data:
        from archcalc.formats.keras.archive import read_keras_json  # lazy: only a Keras file loads its reader

        return read_keras_json(data, source, name)
    if data.lstrip()[:1] in (b"{", b"[") and b'"model_type"' in data:
        from archcalc.formats.hf.reader import read_hf_config  # lazy: only a config.json needs the HuggingFace reader

        return read_hf_config(data, source, name, options.tokens)
    return load_text(data, source, name)


class OnnxOnlyOption(SpecError):
    """--untie or --input given for a spec that is no ONNX model. A command of several specs applies
    them to those that are, and refuses them only when none is (commands/shared.py, analyze_all)."""


def _onnx_only(options: ReadOptions, origin: Origin) -> None:
    """--untie and --input read an ONNX graph's stored weights and inputs: on anything else they would
    change nothing, so they are refused as a misplaced --tokens is."""
    for flag, given in (("--untie", options.untie), ("--input", options.input is not None)):
        if given:
            raise OnnxOnlyOption(f"{flag} is for an ONNX model, and this is not one", origin, None, f"leave {flag} out")


def load_text(data: bytes | str, source: str, name: str) -> Spec:
    """YAML text -> Spec, every error naming `source`."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark is not part of the YAML
        except UnicodeDecodeError as error:
            raise SpecError(f"the spec is not UTF-8 text (byte {error.start})", Origin(source)) from None
    return parse_spec(load_located(data, source), name)


def _read_limited(stream: BinaryIO, source: str, limit: int, what: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        usual = "archcalc reads specs of a few KB" if what == "the spec" else "archcalc reads no more"
        raise SpecError(f"{what} is larger than {limit / 1_000_000:,.0f} MB; {usual}", Origin(source))
    return data
