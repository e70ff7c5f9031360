"""Atomic output: every file gridparty writes appears whole or not at all.

A file is written to a temporary sibling ``.<stem>.<8 hex digits>.tmp<suffix>`` and renamed over
the target when complete. A run that is killed (SIGKILL, out of memory, power loss) leaves its
temporary file behind; the next write to the same target removes such leftovers of that target
(and their SQLite ``-journal``/``-wal``/``-shm`` files), unless another gridparty writer is busy
in the same folder at that moment (on systems without ``fcntl``, files still open elsewhere are
kept).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from gridparty.core.errors import DataFileError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

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
    with ExitStack() as stack:
        _remove_leftovers(target, stack)
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


def _leftovers(target: Path) -> list[Path]:
    """Temporary files of earlier writes to ``target`` that are still there, sorted.

    Only names :func:`atomic_path` gives ``target``'s temporary files match (and the SQLite
    files GDAL keeps beside them); nothing else in the folder does.
    """
    pattern = re.compile(
        rf"\.{re.escape(target.stem)}\.[0-9a-f]{{8}}\.tmp{re.escape(target.suffix)}"
        r"(-journal|-wal|-shm)?"
    )
    return sorted(
        p
        for p in target.parent.iterdir()
        if pattern.fullmatch(p.name) and p.is_file() and not p.is_symlink()
    )


def _remove_leftovers(target: Path, stack: ExitStack) -> None:
    """Remove :func:`_leftovers` of ``target`` when no other writer is busy in its folder.

    Every write holds a shared lock on the folder while it runs; leftovers are removed only
    under an exclusive one, so a temporary file still being written is never removed.
    """
    if fcntl is None:  # pragma: no cover - Windows: an open file cannot be removed there
        for path in _leftovers(target):
            with suppress(OSError):
                path.unlink()
        return
    try:
        folder = os.open(target.parent, os.O_RDONLY)
    except OSError:  # a folder we cannot open for locking: leave leftovers alone
        return
    stack.callback(os.close, folder)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # another write runs in this folder now: its file may be among them
        pass
    else:
        for path in _leftovers(target):
            path.unlink(missing_ok=True)
    with suppress(OSError):  # a file system without locks: the write goes on unlocked
        fcntl.flock(folder, fcntl.LOCK_SH)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically and return the path."""
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
