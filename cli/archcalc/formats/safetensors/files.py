"""Which safetensors files make one checkpoint: a file, an index (`model.safetensors.index.json`)
and the shards it names, or a folder holding either; each file's header read, and none of its weights."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from archcalc.errors import Origin, SpecError
from archcalc.formats.safetensors.header import MAX_HEADER_BYTES, Header, read_header
from archcalc.printable import printable, quoted
from archcalc.values import value

SUFFIX = ".safetensors"
INDEX_SUFFIX = ".safetensors.index.json"
MAX_INDEX_BYTES = MAX_HEADER_BYTES
"""An index lists every tensor once, as a header does: DeepSeek-V3's is 8.9 MB, for 91,000 tensors."""


@value
class Files:
    """The headers of one checkpoint's files, in the order read, and what was left out (a folder's
    files that its index does not name)."""

    headers: tuple[Header, ...]
    left_out: tuple[str, ...] = ()


def holds_checkpoint(folder: Path) -> bool:
    """A folder is a checkpoint when it holds a safetensors file or an index (not in a subfolder)."""
    try:
        return any(entry.name.endswith((SUFFIX, INDEX_SUFFIX)) and entry.is_file() for entry in folder.iterdir())
    except OSError:
        return False


def file_headers(path: Path, source: str) -> Files:
    return Files((read_header(path, source),))


def folder_headers(folder: Path, source: str) -> Files:
    """An index if the folder has one (only the files it names are read: a folder may hold the
    same weights twice, as `consolidated.safetensors` beside a model's shards); else every
    `.safetensors` file in it, in name order."""
    try:
        entries = sorted(entry for entry in folder.iterdir() if entry.is_file())
    except OSError as error:
        raise SpecError(f"cannot read the folder {source}: {error.strerror}") from None
    indexes = [entry for entry in entries if entry.name.endswith(INDEX_SUFFIX)]
    if len(indexes) > 1:
        names = ", ".join(quoted(entry.name) for entry in indexes)
        raise SpecError(
            f"the folder holds {len(indexes)} indexes ({names}), so which files are one checkpoint is not clear", Origin(source), None, "give one index"
        )
    if indexes:
        files = index_headers(indexes[0], _inside(source, indexes[0].name))
        named = {header.source for header in files.headers}
        left_out = tuple(entry.name for entry in entries if entry.name.endswith(SUFFIX) and _inside(source, entry.name) not in named)
        return Files(files.headers, left_out)
    shards = [entry for entry in entries if entry.name.endswith(SUFFIX)]
    if not shards:
        raise SpecError(f"the folder {source} holds no .safetensors file")
    return Files(tuple(read_header(shard, _inside(source, shard.name)) for shard in shards))


def index_headers(path: Path, source: str) -> Files:
    """The files an index names, each header read, and each tensor found where the index says."""
    origin = Origin(source)
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_INDEX_BYTES + 1)
    except OSError as error:
        raise SpecError(f"cannot read {source}: {error.strerror}") from None
    if len(data) > MAX_INDEX_BYTES:
        raise SpecError(f"the index is larger than {MAX_INDEX_BYTES:,} bytes; archcalc reads no more", origin)
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        where = f" at line {error.lineno}, column {error.colno}" if isinstance(error, json.JSONDecodeError) else ""
        raise SpecError(f"the index is not JSON{where}", origin) from None
    weight_map = document.get("weight_map") if isinstance(document, dict) else None
    if not isinstance(weight_map, dict) or not all(isinstance(item, str) for pair in weight_map.items() for item in pair):
        raise SpecError("the index's weight_map is not a mapping of tensor names to file names", origin)
    folder = path.parent
    by_file: dict[str, list[str]] = {}
    for tensor, file_name in weight_map.items():
        by_file.setdefault(file_name, []).append(tensor)
    headers = []
    for file_name, tensors in sorted(by_file.items()):
        shard = folder / _shard_name(file_name, origin)
        shard_source = _inside(_folder_of(source), file_name)
        if not shard.is_file():
            raise SpecError(
                f"the index names {quoted(file_name)} (for {quoted(tensors[0])}), which is not in {printable(str(folder))}", origin, None, "a shard is missing"
            )
        header = read_header(shard, shard_source)
        held = {tensor.name for tensor in header.tensors}
        missing = [tensor for tensor in tensors if tensor not in held]
        if missing:
            raise SpecError(f"the index places {quoted(missing[0])} in {quoted(file_name)}, which does not hold it", origin)
        listed = set(tensors)
        unlisted = [name for name in held if name not in listed]
        if unlisted:
            raise SpecError(f"{quoted(file_name)} holds {quoted(unlisted[0])}, which the index does not list (or places in another file)", origin)
        headers.append(header)
    return Files(tuple(headers))


def _shard_name(file_name: str, origin: Origin) -> str:
    """A file the index names must be beside it: a path that leads elsewhere is refused."""
    parts = PurePosixPath(file_name).parts
    if not parts or file_name.startswith(("/", "\\")) or ".." in parts or "\\" in file_name or ":" in file_name:
        raise SpecError(f"the index names the file {quoted(file_name)}, which is not a file beside it", origin)
    return file_name


def _folder_of(source: str) -> str:
    parent = PurePosixPath(source).parent
    return "" if str(parent) == "." else str(parent)


def _inside(folder: str, name: str) -> str:
    return printable(name if not folder else f"{folder.rstrip('/')}/{name}")
