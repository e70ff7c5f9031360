"""Exceptions and warnings raised by gridparty.

Every exception derives from :class:`GridpartyError` *and* from a standard exception, so
callers can catch either ``gridparty.GridpartyError`` or the familiar built-in
(``ValueError``, ``FileNotFoundError`` ...). Messages name the argument, show the bad
value and say how to fix it.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "ColumnError",
    "DataFileError",
    "DuplicateIdError",
    "GeometryError",
    "GridpartyError",
    "GridpartyWarning",
    "InputError",
    "LayerError",
    "MetricCRSWarning",
    "NoSolutionError",
    "OutputTextWarning",
    "ReadWarning",
    "RepairWarning",
]


class GridpartyError(Exception):
    """Base class of every error gridparty raises on purpose."""


class InputError(GridpartyError, ValueError):
    """An argument has a value gridparty cannot work with."""


class ColumnError(InputError):
    """A required column (id, parent id, lon/lat) is missing or ambiguous."""


class CRSError(InputError):
    """A layer has no CRS, a CRS that does not fit its coordinates, or swapped lat/lon."""


class GeometryError(InputError):
    """A layer holds geometry of the wrong type, or none at all."""


class DuplicateIdError(InputError):
    """Ids of one layer are not unique, or missing.

    ``problem`` is the message without the advice (what is wrong, in which layer), so that the
    problems of several layers can be told in one message.
    """

    def __init__(self, message: str, *, problem: str | None = None) -> None:
        super().__init__(message)
        self.problem = problem if problem is not None else message


class LayerError(InputError):
    """A named layer is not in the file or folder."""


class DataFileError(GridpartyError, FileNotFoundError):
    """A file or folder that should hold data does not exist or cannot be read."""


class NoSolutionError(GridpartyError, RuntimeError):
    """A solver (CBC) stopped at its time limit before finding any solution."""


class GridpartyWarning(UserWarning):
    """Base class of gridparty's warnings."""


class RepairWarning(GridpartyWarning):
    """gridparty repaired input because the caller asked it to (``repair=True``)."""


class MetricCRSWarning(GridpartyWarning):
    """Some features lie outside the UTM zone chosen for measuring (measured in their own)."""


class ReadWarning(GridpartyWarning):
    """A file was read in a way that may not be what it holds, or was not read at all.

    Raised for a text encoding guessed from the bytes (a Shapefile without ``.cpg`` or a CSV
    table that is not UTF-8), text whose NUL characters GDAL would have cut, and a file in a
    folder that is named like a layer but is not read. The message names the file and says
    how to make the reading explicit.
    """


class OutputTextWarning(GridpartyWarning):
    """Text written to a file was changed to fit its format: characters the format cannot hold
    replaced by U+FFFD, or text cut to Excel's 32,767 characters per cell."""
