"""Files written whole or not at all: a temporary file beside the target, renamed over it on success."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import UsageError


@contextmanager
def atomic_path(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside `path`: write it inside the block; on success it replaces `path`
    (with the mode a new file would get), on any error it is removed and `path` is untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _unwritable(folder: Path) -> str | None:
    """Why no file can be written in `folder` (created if missing), or None if one can."""
    if folder.exists() and not folder.is_dir():
        return "not a folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-check.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return f"cannot write there ({exc.strerror or exc})"
    return None


def writable_folder(path: Path, flag: str) -> Path:
    """`path` as an output folder, created if missing and checked by writing a file in it, so that a
    job stops before its work rather than after it. UsageError naming `flag` if it cannot be used."""
    path = Path(path)
    reason = _unwritable(path)
    if reason:
        raise UsageError(f"{flag} {path}: {reason}")
    return path


def writable_file(path: Path, flag: str) -> Path:
    """`path` as an output file: not a folder, and in a folder that can be written (as writable_folder)."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{flag} {path}: is a folder, expected a file name")
    reason = _unwritable(path.parent)
    if reason:
        raise UsageError(f"{flag} {path}: folder {path.parent}: {reason}")
    return path
