"""Keras models -> a `Spec`: a `.keras` archive's config.json, or the JSON of `model.to_json()`.

Plain JSON, no TensorFlow: each layer's config is read by its class (layers.py), the layers' graph
by their names (graph.py). Sequential and Functional models, in the formats of Keras 2 (tf.keras)
and Keras 3, channels last.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from pathlib import Path

from archcalc.errors import Origin, SpecError
from archcalc.formats.graph.nesting import nest
from archcalc.formats.keras.graph import KerasGraph
from archcalc.model import Spec
from archcalc.printable import describe, printable

MAX_KERAS_BYTES = 2**31 - 1
"""A `.keras` archive holds its weights too; only its config.json is read."""

MAX_CONFIG_BYTES = 5_000_000
"""config.json is a page of JSON per layer; larger is not a model config."""


def read_keras_archive(data: bytes | Path, source: str, name: str) -> Spec:
    """A `.keras` archive (a zip: config.json, metadata.json, the weights) -> Spec, from its config alone."""
    try:
        with zipfile.ZipFile(data if isinstance(data, Path) else io.BytesIO(data)) as archive:
            try:
                entry = archive.getinfo("config.json")
            except KeyError:
                raise SpecError("this zip file holds no config.json; a .keras archive does", Origin(source)) from None
            if entry.file_size > MAX_CONFIG_BYTES:
                raise SpecError(f"the archive's config.json is larger than {MAX_CONFIG_BYTES // 1_000_000} MB", Origin(source))
            if entry.flag_bits & 0x1:
                raise SpecError("the archive's config.json is encrypted; Keras writes it in the clear", Origin(source))
            if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise SpecError(f"the archive's config.json is compressed by method {entry.compress_type}; Keras stores or deflates it", Origin(source))
            config = _read_at_most(archive, entry, source)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        raise SpecError(f"not a readable .keras archive: {printable(str(error)[:200])}", Origin(source)) from None
    return read_keras_json(config, f"{source}:config.json", name)


def _read_at_most(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, source: str) -> bytes:
    """The entry's bytes, never more than it declares: an entry that says 1,000 bytes and inflates to
    1 GB (a zip bomb) is refused at byte 1,001, not after a gigabyte (zipfile's own check comes at the end)."""
    with archive.open(entry) as stream:
        data = stream.read(entry.file_size + 1)
    if len(data) > entry.file_size:
        raise SpecError(f"the archive's config.json inflates past the {entry.file_size:,} bytes it declares", Origin(source))
    return data


def read_keras_json(data: bytes, source: str, name: str) -> Spec:
    """The JSON of `model.to_json()` (or a .keras archive's config.json) -> Spec."""
    origin = Origin(source)
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise SpecError(f"not readable JSON: {error}", origin) from None
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
        raise SpecError("a Keras model config is a mapping with 'class_name' and 'config'", origin)
    kind = document.get("class_name")
    if kind not in ("Sequential", "Functional", "Model"):
        raise SpecError(f"archcalc reads Keras Sequential and Functional models, not {describe(kind)}", origin)
    config = document["config"]
    layers = config.get("layers")
    if not isinstance(layers, list) or not layers:
        raise SpecError(f"the Keras {kind} config lists no layers", origin)
    reader = KerasGraph(origin)
    graph = reader.sequential(layers, document) if kind == "Sequential" else reader.functional(layers, config)
    spec_name = printable(config["name"]) if isinstance(config.get("name"), str) else name  # it reaches titles and logs
    version = document.get("keras_version")
    keras = printable(version) if isinstance(version, str) and version else "3"  # it reaches the description
    description = f"a Keras {kind} model (Keras {keras})"
    return Spec(spec_name or name, graph.input_shape, nest(graph, origin), origin, description, from_model=True)
