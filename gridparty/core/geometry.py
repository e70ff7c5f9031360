"""Small vectorised geometry helpers shared by the analysis modules."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from gridparty.core.parallel import chunked

__all__ = ["made_valid", "measurable", "take_or", "to_wgs84_array"]


def measurable(frame: gpd.GeoDataFrame | gpd.GeoSeries, crs: pyproj.CRS) -> np.ndarray:
    """Geometries in the metric ``crs`` as a shapely array, invalid ones repaired for measuring.

    The repair (``make_valid``) applies to this copy only; the layer keeps its geometry and
    :func:`gridparty.checks.validate` reports it as invalid. Missing geometries stay ``None``.
    """
    series = gpd.GeoSeries(frame.geometry)
    geoms = np.asarray(series.array, dtype=object)
    return made_valid(chunked(_projected, geoms, source=series.crs, target=crs))[0]


def _projected(
    geoms: np.ndarray, source: pyproj.CRS | None, target: pyproj.CRS | int
) -> np.ndarray:
    return np.asarray(gpd.GeoSeries(geoms, crs=source).to_crs(target).array, dtype=object)


def made_valid(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``geoms`` (a shapely array) with the invalid ones made valid, and the mask of those.

    ``shapely.make_valid`` with the ``structure`` method (collapsed parts dropped); missing
    geometries stay ``None``. The input array is not changed (a copy when any is repaired).
    """
    geoms = np.asarray(geoms, dtype=object)
    bad = ~chunked(shapely.is_valid, geoms) & ~shapely.is_missing(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
    return geoms, bad


def take_or(values: np.ndarray, pos: np.ndarray, fill: object) -> np.ndarray:
    """``values[pos]`` with ``fill`` where ``pos`` is -1 (safe when ``values`` is empty).

    The row lookup every "position of the parent/partner, -1 for none" array needs. The result
    has the dtype both ``values`` and ``fill`` fit in (a longer string is not cut short).
    """
    values = np.asarray(values)
    filler = np.asarray([fill])
    out: np.ndarray = np.append(values, filler.astype(np.result_type(values, filler)))[pos]
    return out


def to_wgs84_array(geoms: np.ndarray, crs: pyproj.CRS) -> gpd.GeoSeries:
    """Metric geometries back to EPSG:4326 (as a GeoSeries with a fresh index)."""
    return gpd.GeoSeries(chunked(_projected, np.asarray(geoms), source=crs, target=4326), crs=4326)
