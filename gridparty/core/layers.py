"""Normalise one layer to the schema of its level (columns, ids, dtypes, CRS, geometry)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridparty.core import coords as _coords
from gridparty.core.columns import (
    ColumnMapping,
    LoadIssue,
    as_id_strings,
    coerce_attribute,
    column_label,
    dissolve_parts,
    map_columns,
    mapping_for_level,
    part_ids,
    row_ids,
    set_id_index,
)
from gridparty.core.dtypes import ID_DTYPE, KIND_DTYPES
from gridparty.core.errors import GeometryError, InputError, RepairWarning
from gridparty.core.geometry import made_valid
from gridparty.core.schema import LEVELS, Level

__all__ = [
    "COORDS",
    "coords_by_level",
    "empty_layer",
    "is_normalised",
    "normalise_layer",
    "typed_columns",
]

COORDS = ("wgs84", "cgcs2000", "gcj02", "bd09")


def coords_by_level(coords: str | Mapping[str, str]) -> dict[str, str]:
    """The datum of each level: one for all (``"gcj02"``), or per level.

    A mapping such as ``{"household": "gcj02"}`` (households digitised on a Gaode map beside
    WGS84 footprints) leaves the levels it does not name in WGS84.

    Raises
    ------
    InputError
        An unknown level or datum.
    """
    given = {name: coords for name in LEVELS} if isinstance(coords, str) else dict(coords)
    unknown = sorted(set(given) - set(LEVELS))
    if unknown:
        raise InputError(
            f"coords names unknown levels {unknown}; use {', '.join(LEVELS)}, e.g. "
            "coords={'household': 'gcj02'}."
        )
    bad = sorted({str(d) for d in given.values()} - set(COORDS))
    if bad:
        raise InputError(f"coords={coords!r}: {bad} not known; use one of {', '.join(COORDS)}.")
    return {name: given.get(name, "wgs84") for name in LEVELS}


def empty_layer(level: Level) -> gpd.GeoDataFrame:
    """An empty layer with the schema and dtypes of ``level`` in EPSG:4326."""
    data = {c: pd.Series(dtype=KIND_DTYPES[k]) for c, k in level.attributes.items()}
    if level.parent_column:
        data = {level.parent_column: pd.Series(dtype=ID_DTYPE), **data}
    index = pd.Index([], name=level.id_column, dtype=ID_DTYPE)
    return gpd.GeoDataFrame(data, index=index, geometry=gpd.GeoSeries([], crs=4326, index=index))


def is_normalised(frame: object, level: Level) -> bool:
    """True when ``frame`` already has the schema of ``level`` (cheap checks only)."""
    if not isinstance(frame, gpd.GeoDataFrame) or frame.index.name != level.id_column:
        return False
    if frame.crs is None or frame.crs.to_epsg() != 4326 or frame.index.dtype != ID_DTYPE:
        return False
    wanted = {c: KIND_DTYPES[k] for c, k in level.attributes.items()}
    if level.parent_column:
        wanted[level.parent_column] = ID_DTYPE
    return all(c in frame.columns and frame[c].dtype == d for c, d in wanted.items()) and (
        frame.index.is_unique
    )


def normalise_layer(
    frame: pd.DataFrame,
    level: Level,
    *,
    columns: ColumnMapping | None = None,
    coords: str = "wgs84",
    repair: bool = False,
    strict: bool = True,
    argument: str | None = None,
    merge_parts: bool = False,
) -> tuple[gpd.GeoDataFrame, list[LoadIssue]]:
    """Return a new frame with the schema of ``level`` and the problems found while loading.

    Parameters
    ----------
    frame : GeoDataFrame
        The user's layer; never modified.
    level : Level
        Which level it is.
    columns : mapping, optional
        Explicit ``{user column: code name}`` mapping (flat, or nested by level name).
    coords : {"wgs84", "cgcs2000", "gcj02", "bd09"}
        Datum of the coordinates: GCJ-02 (Gaode, Tencent) and BD-09 (Baidu) data are
        converted to WGS84.
    repair : bool
        Repair invalid geometries with ``shapely.make_valid`` (a :class:`RepairWarning` says
        which); otherwise they are kept and reported by validation.
    strict : bool
        Raise on duplicate or missing ids; with ``False`` keep them and report them.
    argument : str, optional
        Name used in error messages (defaults to the layer name).
    merge_parts : bool
        Dissolve polygon rows that share an id (one unit stored as several features) into one
        (Multi)Polygon; each other column keeps its first non-blank value, and the level's own
        columns whose values differ between the parts are ``part_conflict`` load issues per id
        and column.

    Returns
    -------
    (GeoDataFrame, list of dict)
        The layer (index = id, EPSG:4326) and load issues (duplicate/missing ids, merged
        parts and their conflicts, repairs).

    Notes
    -----
    The dtypes are the same with and without pyarrow (see :mod:`gridparty.core.dtypes`):
    the index (ids) and the parent id are ``string`` (:data:`~gridparty.core.dtypes.ID_DTYPE`,
    Python-backed, missing = ``pd.NA``), text attributes ``string``, yes/no attributes
    ``boolean`` and counts ``Int64``, whatever the input held (object, pandas' ``str``, Arrow's
    ``string[pyarrow]``/``bool[pyarrow]``/``int64[pyarrow]``, numpy). Other columns are kept
    as given.
    """
    argument = argument or level.layer
    if coords not in COORDS:
        raise InputError(f"coords={coords!r} is not known; use one of {', '.join(COORDS)}.")
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(
            f"{argument} must be a GeoDataFrame, got {type(frame).__name__}; read files with "
            "gridparty.read_layer() or build one with geopandas.GeoDataFrame(..., geometry=..., crs=...)."
        )
    if (
        is_normalised(frame, level)
        and not columns
        and coords == "wgs84"
        and not repair
        and not merge_parts
    ):
        # the schema is there already: only the content is checked (a new frame either way)
        layer = _coords.ensure_wgs84(frame, argument)
        _counts_not_negative(layer, layer, level, argument, {})
        return layer, []
    renames = map_columns(frame, level, mapping_for_level(columns, level), argument)
    renamed = frame.rename(columns=renames)
    originals = None
    if merge_parts:
        renamed, originals = part_ids(renamed, level)  # type: ignore[assignment]  # a GeoDataFrame in, the same out
    sources = {code: str(s) for s, code in renames.items()}
    table, issues = set_id_index(pd.DataFrame(renamed, copy=True), level, argument, strict=strict)
    table = typed_columns(table, level, argument, sources)
    geometry = _geometry(renamed.geometry.set_axis(table.index), level, argument, coords)
    layer = gpd.GeoDataFrame(table.drop(columns=renamed.geometry.name), geometry=geometry)
    if layer.geometry.name != "geometry":
        layer = layer.rename_geometry("geometry")
    if originals is not None:
        merged, found = dissolve_parts(layer, originals, level, sources)
        layer = gpd.GeoDataFrame(merged, geometry="geometry", crs=layer.crs)
        issues += found
    if repair:
        layer, repaired = _repair(layer, level)
        issues += repaired
    return layer, issues


def typed_columns(
    table: pd.DataFrame, level: Level, argument: str, sources: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The parent id and attributes in their dtypes; ``sources`` (code → the user's column
    name) makes messages name the column as the user knows it, e.g. ``'党员数' (formal_members)``."""
    blank = pd.Series(pd.NA, index=table.index, dtype="object")
    named = sources or {}
    out = {}
    if level.parent_column:
        parent = table.get(level.parent_column, blank)
        out[level.parent_column] = as_id_strings(parent).set_axis(table.index)
    for column, kind in level.attributes.items():
        values = table.get(column, blank)
        out[column] = coerce_attribute(values, kind, argument, column, named.get(column))
    _counts_not_negative(pd.DataFrame(out, index=table.index), table, level, argument, named)
    rest = table.drop(columns=[c for c in out if c in table])
    return pd.concat([pd.DataFrame(out, index=table.index), rest], axis=1)


def _counts_not_negative(
    typed: pd.DataFrame,
    given: pd.DataFrame,
    level: Level,
    argument: str,
    sources: Mapping[str, str],
) -> None:
    """The hierarchy's counts (households, members, grid workers) cannot be below 0.

    ``typed`` holds the counts as numbers, ``given`` the cells as read (shown in the message).
    """
    if LEVELS.get(level.name) is not level:  # not a level of the hierarchy (e.g. units)
        return
    for column in (c for c, kind in level.attributes.items() if kind == "int"):
        below = (typed[column] < 0).fillna(False).to_numpy(bool)
        if below.any():
            shown = given[column][below]
            raise InputError(
                f"{argument}: column {column_label(column, sources.get(column))} is a count but "
                f"holds {shown.unique()[:5].tolist()} (below 0; ids {row_ids(shown)}). Fix those "
                "cells or map another column with columns=."
            )


def _geometry(geometry: gpd.GeoSeries, level: Level, argument: str, coords: str) -> gpd.GeoSeries:
    geometry = _coords.ensure_wgs84(gpd.GeoDataFrame(geometry=geometry), argument).geometry
    if coords not in ("wgs84", "cgcs2000"):
        geometry = _coords.convert_geometries(geometry, coords, "wgs84")
    types = shapely.get_type_id(np.asarray(geometry.array))
    present = geometry.notna().to_numpy() & ~shapely.is_empty(np.asarray(geometry.array))
    allowed = np.isin(types, [shapely.GeometryType[t].value for t in _type_keys(level)])
    if present.any() and not (allowed & present).any():
        found = sorted(set(geometry[present].geom_type))  # type: ignore[call-overload]  # a mask gives a GeoSeries
        raise GeometryError(
            f"{argument} holds {', '.join(found)} geometries but {level.layer} must be "
            f"{' or '.join(level.geometry_types)}; did you pass the wrong layer?"
        )
    return geometry


def _type_keys(level: Level) -> list[str]:
    names = {"Polygon": "POLYGON", "MultiPolygon": "MULTIPOLYGON", "Point": "POINT"}
    return [names[t] for t in level.geometry_types]


def _repair(layer: gpd.GeoDataFrame, level: Level) -> tuple[gpd.GeoDataFrame, list[LoadIssue]]:
    geoms, bad = made_valid(np.asarray(layer.geometry.array))
    if not bad.any():
        return layer, []
    fixed = layer.copy()
    fixed["geometry"] = gpd.GeoSeries(geoms, index=layer.index, crs=layer.crs)
    ids = list(layer.index[bad])
    warnings.warn(
        f"repaired {len(ids)} invalid {level.layer} geometries with shapely.make_valid: "
        f"{ids[:5]}{' …' if len(ids) > 5 else ''}",
        RepairWarning,
        stacklevel=4,
    )
    issues = [
        {
            "level": level.name,
            "id": i,
            "check": "repaired_geometry",
            "severity": "info",
            "message": f"invalid {level.label_en} geometry repaired with make_valid (repair=True)",
        }
        for i in ids
    ]
    return fixed, issues
