"""Which files are the same file: for refusing to write an output over an input."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from gridparty.core.errors import InputError

__all__ = ["SOURCES_ATTR", "frame_sources", "refuse_sources", "same_file", "source_path"]

#: Key in ``DataFrame.attrs`` under which :func:`gridparty.read_layer` records the file a
#: layer was read from (a tuple of resolved paths); :class:`gridparty.Hierarchy` collects it.
SOURCES_ATTR = "gridparty_sources"


def source_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as recorded among a hierarchy's sources: absolute, symlinks followed."""
    return Path(path).resolve()


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether ``a`` and ``b`` name the same file: the same path once symlinks are followed,
    or (both existing) hard links to one file."""
    if Path(a).resolve() == Path(b).resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return False


def frame_sources(frames: Iterable[object]) -> tuple[Path, ...]:
    """The source files recorded on ``frames`` (see :data:`SOURCES_ATTR`), in order, once each."""
    found: dict[Path, None] = {}
    for frame in frames:
        if isinstance(frame, pd.DataFrame):
            found.update(dict.fromkeys(frame.attrs.get(SOURCES_ATTR, ())))
    return tuple(found)


def refuse_sources(path: str | os.PathLike[str], sources: Iterable[Path]) -> None:
    """Raise :class:`~gridparty.core.errors.InputError` when ``path`` is one of ``sources``.

    Parameters
    ----------
    path : path
        The file about to be written.
    sources : iterable of Path
        The files the data was read from (e.g. :attr:`gridparty.Hierarchy.sources`).
    """
    for source in sources:
        if same_file(path, source):
            raise InputError(
                f"path={str(path)!r} is the file the data was read from ({str(source)!r}); "
                "writing it would destroy the input: choose another file name."
            )
