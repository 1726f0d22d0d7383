"""A file written for `-o FILE` (import, and any command that writes a file): whole or not at all,
never through a link, never over a file that is not a regular one, and never over an existing file
without --force.

The text goes to a new file with a random name in the target's folder, created exclusively (a link
planted at a guessable name cannot redirect it). Then, without --force, the target is made a hard
link to it, which fails if the target exists, so of twenty writers at once exactly one wins; with
--force it is renamed over the target, which replaces a link at the target instead of following it.
The random name is removed either way. `-o -` is standard output, as `-` is standard input.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat

from archcalc.errors import ArchcalcError
from archcalc.printable import printable

STANDARD_OUTPUT = "-"

_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK}
"""What `os.link` says on a file system without hard links (FAT, some network and container mounts)."""


class OutputError(ArchcalcError):
    """An `-o` file that cannot or may not be written."""


def check_target(path: str, force: bool) -> None:
    """Mistakes found before any work: an empty name, a folder, something not a regular file, an
    existing file without --force. The write checks again (another writer may come in between)."""
    if path == "":
        raise OutputError("an empty -o names no file (is a variable unset?)", hint="give the file's name, or '-' for standard output")
    if path == STANDARD_OUTPUT:
        return
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as error:
        raise OutputError(f"cannot write {printable(path)}: {error.strerror}") from None
    if stat.S_ISDIR(status.st_mode):  # --force would not help: a file is never written over a folder
        raise OutputError(f"{printable(path)} is a directory", hint="give -o a file's name, such as model.yaml")
    if not stat.S_ISREG(status.st_mode):
        raise OutputError(f"{printable(path)} is {_kind(status.st_mode)}, not a regular file; archcalc writes only regular files", hint="give -o another name")
    if not force:
        raise OutputError(f"{printable(path)} exists already", hint="give --force to overwrite it")


def write_file(path: str, data: str | bytes, force: bool) -> None:
    """`data` (text as UTF-8) written to `path` whole, as the module's docstring says. Raises
    OutputError; standard output (`-`) is the caller's to write."""
    check_target(path, force)
    folder = os.path.dirname(path) or "."
    content = data.encode("utf-8") if isinstance(data, str) else data
    temporary = _write_temporary(folder, os.path.basename(path), content, path)
    try:
        if force:
            os.replace(temporary, path)
        else:
            _link_new(temporary, path, content)
    except FileExistsError:
        raise OutputError(f"{printable(path)} exists already", hint="give --force to overwrite it") from None
    except IsADirectoryError:
        raise OutputError(f"{printable(path)} is a directory", hint="give -o a file's name, such as model.yaml") from None
    except OSError as error:
        raise OutputError(f"cannot write {printable(path)}: {error.strerror or error}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):  # renamed over the target
            os.unlink(temporary)


def _write_temporary(folder: str, name: str, content: bytes, path: str) -> str:
    """A new file of `content` in `folder`, created exclusively under a random name (mode 0666 less
    the umask, as any new file); removed again if writing it fails."""
    for _ in range(100):
        temporary = os.path.join(folder, f".{name[:200]}.{secrets.token_hex(8)}.partial")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        except OSError as error:
            raise OutputError(f"cannot write {printable(path)}: {error.strerror or error}") from None
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as error:
            os.unlink(temporary)
            raise OutputError(f"cannot write {printable(path)}: {error.strerror or error}") from None
        return temporary
    raise OutputError(f"cannot write {printable(path)}: no free temporary name in its folder")


def _link_new(temporary: str, path: str, content: bytes) -> None:
    """`path` made a new name of `temporary`; FileExistsError if it exists. Where the file system
    has no hard links, `path` is created exclusively and written (whole, or removed again)."""
    try:
        os.link(temporary, path)  # the temporary file is no link: nothing to follow
        return
    except OSError as error:
        if isinstance(error, FileExistsError) or error.errno not in _NO_HARD_LINKS:
            raise
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(content)
    except OSError:
        os.unlink(path)
        raise


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"
