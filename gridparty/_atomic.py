"""Atomic output: every file gridparty writes appears whole or not at all."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import DataFileError

__all__ = ["atomic_path", "write_text"]


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` when the block succeeds.

    The temporary file keeps the final suffix (``.gpkg``, ``.xlsx`` ...) so writers that pick
    a format by extension still work. If the block raises, the temporary file is removed and
    any earlier file at ``path`` is left untouched.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write. Its folder must exist.

    Raises
    ------
    DataFileError
        If the folder of ``path`` does not exist.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise DataFileError(
            f"path={str(target)!r}: the folder {str(target.parent)!r} does not exist; create it first."
        )
    tmp = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.tmp{target.suffix}")
    try:
        yield tmp
        if not tmp.exists():
            raise DataFileError(
                f"path={str(target)!r}: the writer produced no file, so nothing was written "
                "(an earlier file there is kept)."
            )
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically and return the path."""
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
