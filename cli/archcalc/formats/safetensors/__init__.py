"""safetensors checkpoints -> a `Spec` of `stored` layers: a model's parameters as saved, read from
the files' headers alone (never a weight), grouped by module and counted as the model counts them.

Entry points for formats/__init__.py (which recognises a file by its first bytes): `holds_checkpoint`
recognises a folder, `read_checkpoint` reads a file, an index or a folder.
"""

from __future__ import annotations

from pathlib import Path

from archcalc.formats.safetensors.files import holds_checkpoint
from archcalc.model import Spec

__all__ = ["holds_checkpoint", "read_checkpoint"]


def read_checkpoint(path: Path, source: str) -> Spec:
    """A safetensors file, an index, or a folder holding either -> Spec (only headers are read)."""
    from archcalc.formats.safetensors.reader import checkpoint_spec  # lazy: folder checks need none of the reader

    return checkpoint_spec(path, source)
