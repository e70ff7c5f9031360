"""Small vectorised geometry helpers shared by the analysis modules."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import shapely

__all__ = ["large_parts", "measurable", "take_or", "to_wgs84_array"]


def measurable(frame: gpd.GeoDataFrame | gpd.GeoSeries, crs: pyproj.CRS) -> np.ndarray:
    """Geometries in the metric ``crs`` as a shapely array, invalid ones repaired for measuring.

    The repair (``make_valid``) applies to this copy only; the layer keeps its geometry and
    :func:`gridparty.validate` reports it as invalid. Missing geometries stay ``None``.
    """
    geoms = np.asarray(gpd.GeoSeries(frame.geometry).to_crs(crs).array, dtype=object)
    bad = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
    return geoms


def large_parts(geoms: np.ndarray, min_area_m2: float) -> tuple[np.ndarray, np.ndarray]:
    """Split polygonal geometries into parts with an area >= ``min_area_m2`` (metric CRS).

    Returns
    -------
    (ndarray, ndarray)
        The regrouped geometry per input (``None`` where no part is large enough) and the
        total area of the kept parts in m².
    """
    parts, owner = shapely.get_parts(geoms, return_index=True)
    keep = (shapely.area(parts) >= min_area_m2) & np.isin(
        shapely.get_type_id(parts),
        (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON),
    )
    out = np.full(len(geoms), None, dtype=object)
    area = np.zeros(len(geoms))
    if keep.any():
        kept_owner = owner[keep]
        groups = np.unique(kept_owner)
        out[groups] = shapely.multipolygons(
            parts[keep], indices=np.searchsorted(groups, kept_owner)
        )
        np.add.at(area, kept_owner, shapely.area(parts[keep]))
    return out, area


def take_or(values: np.ndarray, pos: np.ndarray, fill: object) -> np.ndarray:
    """``values[pos]`` with ``fill`` where ``pos`` is -1 (safe when ``values`` is empty).

    The row lookup every "position of the parent/partner, -1 for none" array needs.
    """
    values = np.asarray(values)
    return np.append(values, np.asarray([fill], dtype=values.dtype))[pos]


def to_wgs84_array(geoms: np.ndarray, crs: pyproj.CRS) -> gpd.GeoSeries:
    """Metric geometries back to EPSG:4326 (as a GeoSeries with a fresh index)."""
    return gpd.GeoSeries(geoms, crs=crs).to_crs(4326)
