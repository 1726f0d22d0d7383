"""Spec text (a YAML file, standard input, or an arrow chain) -> a validated `Spec`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

from archcalc.errors import Origin, SpecError
from archcalc.model import Spec
from archcalc.printable import printable
from archcalc.spec.chain import is_chain, parse_chain
from archcalc.spec.document import default_name, parse_spec
from archcalc.spec.yaml_source import load_located

MAX_SPEC_BYTES = 5_000_000
"""A spec is a page of YAML; refusing anything this large keeps a stray 100 MB file from costing time."""

__all__ = ["MAX_SPEC_BYTES", "Spec", "load_spec", "load_text"]


def load_spec(argument: str) -> Spec:
    """A CLI argument -> Spec: `-` reads standard input, an arrow chain is read as written, else a file."""
    if argument == "-":
        if sys.stdin is None:  # `<&-`: there is no standard input at all
            raise SpecError("standard input is closed", Origin("<stdin>"), None, "pipe a spec in, or give a file")
        try:
            data = _read_limited(sys.stdin.buffer, "<stdin>")
        except OSError as error:  # a directory, or a terminal that went away
            raise SpecError(f"cannot read standard input: {error.strerror or error}", Origin("<stdin>")) from None
        return load_text(data, "<stdin>", "stdin")
    if is_chain(argument):
        return parse_chain(argument, Origin("<chain>", 1, 1), printable(argument.replace(" ", "")))
    path = Path(argument)
    if not path.exists():
        raise SpecError(f"no such file: {argument}", hint="give a YAML spec, '-' for standard input, or a chain such as 16->8->2")
    if path.is_dir():
        raise SpecError(f"{argument} is a directory; give a spec file")
    source = printable(argument)  # a file name reaches messages, tables and annotations
    try:
        with path.open("rb") as stream:
            data = _read_limited(stream, source)
    except OSError as error:
        raise SpecError(f"cannot read {source}: {error.strerror}") from None
    return load_text(data, source, default_name(argument))


def load_text(data: bytes | str, source: str, name: str) -> Spec:
    """YAML text -> Spec, every error naming `source`."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark is not part of the YAML
        except UnicodeDecodeError as error:
            raise SpecError(f"the spec is not UTF-8 text (byte {error.start})", Origin(source)) from None
    return parse_spec(load_located(data, source), name)


def _read_limited(stream: BinaryIO, source: str) -> bytes:
    data = stream.read(MAX_SPEC_BYTES + 1)
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(f"the spec is larger than {MAX_SPEC_BYTES // 1_000_000} MB; archcalc reads specs of a few KB", Origin(source))
    return data
