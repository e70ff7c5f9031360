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
    "FontWarning",
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
    """Base class of every error gridparty raises on purpose.

    Examples
    --------
    >>> import gridparty as gp
    >>> try:
    ...     gp.sample_layer("parks")
    ... except gp.GridpartyError as error:
    ...     print(type(error).__name__)
    LayerError
    """


class InputError(GridpartyError, ValueError):
    """An argument has a value gridparty cannot work with.

    Examples
    --------
    >>> import gridparty as gp
    >>> gp.zone_definition()
    Traceback (most recent call last):
    ...
    gridparty.core.errors.InputError: give exactly one of radius_m and area_km2 ...
    >>> issubclass(gp.InputError, ValueError)
    True
    """


class ColumnError(InputError):
    """A required column (id, parent id, lon/lat) is missing or ambiguous.

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> gp.spatial_coverage(h.communities, h.grids, parent_column="nope")
    Traceback (most recent call last):
    ...
    gridparty.core.errors.ColumnError: parent_column='nope' is not a column of children; ...
    """


class CRSError(InputError):
    """A layer has no CRS, a CRS that does not fit its coordinates, or swapped lat/lon.

    Examples
    --------
    >>> import gridparty as gp
    >>> grids = gp.sample_layer("grids").set_crs(None, allow_override=True)
    >>> gp.read_layer(grids, "grid")
    Traceback (most recent call last):
    ...
    gridparty.core.errors.CRSError: the GeoDataFrame has no CRS, ...
    """


class GeometryError(InputError):
    """A layer holds geometry of the wrong type, or none at all.

    Examples
    --------
    >>> import gridparty as gp
    >>> issubclass(gp.GeometryError, gp.InputError)
    True
    """


class DuplicateIdError(InputError):
    """Ids of one layer are not unique, or missing.

    ``problem`` is the message without the advice (what is wrong, in which layer), so that the
    problems of several layers can be told in one message.

    Examples
    --------
    >>> import pandas as pd
    >>> import gridparty as gp
    >>> grids = gp.sample_layer("grids")
    >>> gp.read_layer(pd.concat([grids, grids.head(1)]), "grid")
    Traceback (most recent call last):
    ...
    gridparty.core.errors.DuplicateIdError: the GeoDataFrame: 1 grid_id value shared by several rows ...
    """

    def __init__(self, message: str, *, problem: str | None = None) -> None:
        super().__init__(message)
        self.problem = problem if problem is not None else message


class LayerError(InputError):
    """A named layer is not in the file or folder.

    Examples
    --------
    >>> import gridparty as gp
    >>> gp.sample_layer("parks")
    Traceback (most recent call last):
    ...
    gridparty.core.errors.LayerError: name='parks' is not a sample-city layer; ...
    """


class DataFileError(GridpartyError, FileNotFoundError):
    """A file or folder that should hold data does not exist or cannot be read.

    Examples
    --------
    >>> import gridparty as gp
    >>> gp.read_hierarchy("no/such/folder")
    Traceback (most recent call last):
    ...
    gridparty.core.errors.DataFileError: 'no/such/folder' does not exist; ...
    >>> issubclass(gp.DataFileError, FileNotFoundError)
    True
    """


class NoSolutionError(GridpartyError, RuntimeError):
    """A solver (CBC) stopped at its time limit before finding any solution.

    Examples
    --------
    >>> import gridparty as gp
    >>> issubclass(gp.NoSolutionError, (gp.GridpartyError, RuntimeError))
    True
    """


class GridpartyWarning(UserWarning):
    """Base class of gridparty's warnings.

    Examples
    --------
    >>> import gridparty as gp
    >>> issubclass(gp.GridpartyWarning, UserWarning)
    True
    """


class RepairWarning(GridpartyWarning):
    """gridparty repaired input because the caller asked it to (``repair=True``).

    Examples
    --------
    >>> import gridparty as gp
    >>> issubclass(gp.RepairWarning, gp.GridpartyWarning)
    True
    """


class FontWarning(GridpartyWarning):
    """A printed map (``to_png``/``to_pdf``) is made without something it needs: no CJK font
    was found (Chinese text would show as boxes; install one, e.g. ``apt install
    fonts-noto-cjk``, or pass ``font=``), or basemap tiles could not be loaded.

    Examples
    --------
    >>> import gridparty as gp
    >>> issubclass(gp.FontWarning, gp.GridpartyWarning)
    True
    """


class MetricCRSWarning(GridpartyWarning):
    """Some features lie outside the UTM zone chosen for measuring (measured in their own).

    Examples
    --------
    >>> import gridparty as gp
    >>> issubclass(gp.MetricCRSWarning, gp.GridpartyWarning)
    True
    """


class ReadWarning(GridpartyWarning):
    """A file was read in a way that may not be what it holds, or was not read at all.

    Raised for a text encoding guessed from the bytes (a Shapefile without ``.cpg`` or a CSV
    table that is not UTF-8), text whose NUL characters GDAL would have cut, and a file in a
    folder that is named like a layer but is not read. The message names the file and says
    how to make the reading explicit.

    Examples
    --------
    >>> import gridparty as gp
    >>> issubclass(gp.ReadWarning, gp.GridpartyWarning)
    True
    """


class OutputTextWarning(GridpartyWarning):
    """Text written to a file was changed to fit its format: characters the format cannot hold
    replaced by U+FFFD, or text cut to Excel's 32,767 characters per cell.

    Examples
    --------
    >>> import gridparty as gp
    >>> issubclass(gp.OutputTextWarning, gp.GridpartyWarning)
    True
    """
