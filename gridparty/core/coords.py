"""Coordinate systems: WGS84 / CGCS2000 / GCJ-02 / BD-09, and the CRS checks every reader uses.

Datums
------
``wgs84``
    GPS coordinates, EPSG:4326. Everything gridparty stores is in this system.
``cgcs2000``
    China Geodetic Coordinate System 2000 (EPSG:4490), used by Tianditu and official surveys. It
    differs from WGS84 by centimetres, far below what grid-governance maps resolve, so gridparty
    treats it as WGS84 and only relabels it (no shift is applied).
``gcj02``
    The obfuscated "Mars" datum of Gaode/AMap, Tencent and Google China: WGS84 plus a deterministic,
    deliberately irregular offset of roughly 100–700 m computed on the Krasovsky ellipsoid
    (a = 6378245.0 m, e² = 0.00669342162296594323).
``bd09``
    Baidu's datum: GCJ-02 with a further rotation and shift of roughly 500–1,000 m.

The forward directions (WGS84 → GCJ-02 → BD-09) are closed formulas. The inverse directions are
solved by fixed-point iteration until the change of both coordinates is below
:data:`TOLERANCE_DEG` (1e-10°, about 0.01 mm) or :data:`MAX_ITERATIONS` steps have run; the
round trip error is far below 0.01 m (the tests check that bound in metres with ``pyproj.Geod``;
about 2e-7 m is measured over a million random points in China).

The GCJ-02 formula is the one published in open-source implementations (eviltransform,
coordtransform, gcoord); results of the official conversion services differ from it by a
systematic ~0.5 m, which does not matter at the scale of grids and buildings.

"Inside China" is the usual rough rectangle :data:`CHINA_RECTANGLE` (72.004–137.8347°E,
0.8293–55.8271°N, edges included) that the published implementations (eviltransform,
coordtransform) use: points outside it are returned unchanged by every conversion, including the
BD-09 ones (some libraries apply the BD-09 shift worldwide; gridparty does not). The rectangle also
covers parts of neighbouring countries, where the shift is applied although those maps do not use
it; this does not matter for Chinese city data. The inverse conversions decide "inside" on the
coordinates they are given (the GCJ-02 or BD-09 input), so within about 0.01° of the rectangle's
edge – open sea, deserts and Russia – a round trip is not guaranteed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import CRSError, InputError, MetricCRSWarning

__all__ = [
    "CHINA_RECTANGLE",
    "COORD_SYSTEMS",
    "MAX_AREA_SCALE_ERROR",
    "MAX_ITERATIONS",
    "TOLERANCE_DEG",
    "DatumOffset",
    "UTMZone",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "check_metric_crs",
    "choose_metric_crs",
    "convert_coords",
    "convert_geometries",
    "detect_datum_offset",
    "ensure_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "in_own_zones",
    "metric_crs",
    "swap_xy",
    "to_metric",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

#: Names accepted for ``src``/``dst`` (case, ``-`` and ``_`` are ignored: "GCJ-02" works).
COORD_SYSTEMS: tuple[str, ...] = ("wgs84", "cgcs2000", "gcj02", "bd09")
#: (min lon, min lat, max lon, max lat) in degrees of the rough "inside China" rectangle.
CHINA_RECTANGLE: tuple[float, float, float, float] = (72.004, 0.8293, 137.8347, 55.8271)
#: Stop the inverse iterations when both coordinates change by less than this (degrees).
TOLERANCE_DEG: float = 1e-10
#: Upper bound on inverse iterations (about 5 are needed in practice).
MAX_ITERATIONS: int = 50
#: A metric CRS given by the user may misstate a feature's area by this share before
#: :func:`choose_metric_crs` warns (the UTM zones gridparty chooses stay within 0.2 %).
MAX_AREA_SCALE_ERROR: float = 0.005

_KRASOVSKY_A = 6378245.0  # semi-major axis, metres
_KRASOVSKY_EE = 0.00669342162296594323  # first eccentricity squared
_BD_X_PI = math.pi * 3000.0 / 180.0
_BD_DLON, _BD_DLAT = 0.0065, 0.006  # BD-09 final shift, degrees
_BD_DZ, _BD_DTHETA = 2e-5, 3e-6  # BD-09 radius (degrees) and angle (radians) perturbations
# (x, y) ranges of China's latitudes and longitudes: data inside both looks like [lat, lon].
_SWAPPED_X, _SWAPPED_Y = (3.0, 54.0), (73.0, 136.0)
_MAX_IDS_SHOWN = 5

FloatArray = NDArray[np.float64]
_RawFunc = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]
GeomT = TypeVar("GeomT")


# --------------------------------------------------------------------------- raw formulas
def _gcj_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS84 at WGS84 ``lon``/``lat`` (degrees), no rectangle test."""
    x, y = lon - 105.0, lat - 35.0
    waves = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += waves + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += waves + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = np.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180.0 / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def _wgs_to_gcj(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def _gcj_to_bd(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    z = np.hypot(lon, lat) + _BD_DZ * np.sin(lat * _BD_X_PI)
    theta = np.arctan2(lat, lon) + _BD_DTHETA * np.cos(lon * _BD_X_PI)
    return z * np.cos(theta) + _BD_DLON, z * np.sin(theta) + _BD_DLAT


def _bd_to_gcj_start(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Baidu's published closed-form inverse (error up to ~1e-6°): the iteration's start."""
    x, y = lon - _BD_DLON, lat - _BD_DLAT
    z = np.hypot(x, y) - _BD_DZ * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - _BD_DTHETA * np.cos(x * _BD_X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(
    forward: _RawFunc,
    lon: FloatArray,
    lat: FloatArray,
    start: tuple[FloatArray, FloatArray],
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(x, y) == (lon, lat)`` by fixed-point iteration from ``start``.

    Each step moves every unfinished point by its residual; a point is finished when that move
    is below :data:`TOLERANCE_DEG` in both coordinates. ``forward`` is identity plus an offset
    whose derivatives are below 0.03, so every step gains about two digits.
    """
    x, y = start[0].copy(), start[1].copy()
    todo = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    for _ in range(MAX_ITERATIONS):
        if todo.size == 0:
            break
        fx, fy = forward(x[todo], y[todo])
        dx, dy = lon[todo] - fx, lat[todo] - fy
        x[todo] += dx
        y[todo] += dy
        todo = todo[np.maximum(np.abs(dx), np.abs(dy)) >= TOLERANCE_DEG]
    return x, y


def _gcj_to_wgs(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _invert(_wgs_to_gcj, lon, lat, (lon, lat))


def _bd_to_gcj(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _invert(_gcj_to_bd, lon, lat, _bd_to_gcj_start(lon, lat))


def _wgs_to_bd(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _gcj_to_bd(*_wgs_to_gcj(lon, lat))


def _bd_to_wgs(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _gcj_to_wgs(*_bd_to_gcj(lon, lat))


_RAW: dict[tuple[str, str], _RawFunc] = {
    ("wgs84", "gcj02"): _wgs_to_gcj,
    ("gcj02", "wgs84"): _gcj_to_wgs,
    ("gcj02", "bd09"): _gcj_to_bd,
    ("bd09", "gcj02"): _bd_to_gcj,
    ("wgs84", "bd09"): _wgs_to_bd,
    ("bd09", "wgs84"): _bd_to_wgs,
}


# --------------------------------------------------------------------------- array API
def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Whether points lie in the rough "inside China" rectangle :data:`CHINA_RECTANGLE`.

    Parameters
    ----------
    lon, lat : array_like
        Longitudes and latitudes in degrees (any broadcastable shapes).

    Returns
    -------
    numpy.ndarray of bool
        True inside the rectangle, edges included; False outside and for NaN.
    """
    return _inside(*_as_float_arrays(lon, lat))


def _inside(lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    min_lon, min_lat, max_lon, max_lat = CHINA_RECTANGLE
    return (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)


def _as_float_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """New, writable float64 arrays of the broadcast shape of ``lon`` and ``lat``."""
    arrays = []
    for name, value in (("lon", lon), ("lat", lat)):
        try:
            arrays.append(np.asarray(value, dtype=np.float64))
        except (TypeError, ValueError):
            raise InputError(
                f"{name} must be numbers in degrees; got {value!r:.80}. "
                "Pass a number or a numeric array (use NaN for a missing value)."
            ) from None
    try:
        lon_b, lat_b = np.broadcast_arrays(*arrays)
    except ValueError:
        raise InputError(
            f"lon and lat must have the same shape; got shapes {arrays[0].shape} and "
            f"{arrays[1].shape}. Pass one longitude for every latitude."
        ) from None
    return lon_b.copy(), lat_b.copy()


def _shift_inside(lon: FloatArray, lat: FloatArray, raw: _RawFunc) -> None:
    """Apply ``raw`` in place to the points inside China (NaN and outside points untouched)."""
    inside = _inside(lon, lat)
    lon[inside], lat[inside] = raw(lon[inside], lat[inside])


def _convert(lon: ArrayLike, lat: ArrayLike, raw: _RawFunc | None) -> tuple[FloatArray, FloatArray]:
    lon_a, lat_a = _as_float_arrays(lon, lat)
    missing = np.isnan(lon_a) | np.isnan(lat_a)
    lon_a[missing] = lat_a[missing] = np.nan  # a point missing one coordinate cannot be placed
    if raw is not None:
        _shift_inside(lon_a, lat_a, raw)
    # ``a[()]`` turns 0-d arrays (scalar input) into numpy scalars and leaves others as they are.
    return lon_a[()], lat_a[()]


_ARRAY_DOC = """

    Parameters
    ----------
    lon, lat : array_like
        Longitudes and latitudes in degrees, any (broadcastable) shapes. A point with NaN in
        either coordinate comes back as (NaN, NaN).

    Returns
    -------
    tuple of numpy.ndarray
        New ``(lon, lat)`` arrays in degrees of the broadcast shape (numpy scalars for scalar
        input). Points outside :data:`CHINA_RECTANGLE` are returned unchanged.
    """


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return _convert(lon, lat, _wgs_to_gcj)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return _convert(lon, lat, _gcj_to_wgs)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return _convert(lon, lat, _gcj_to_bd)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return _convert(lon, lat, _bd_to_gcj)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return _convert(lon, lat, _wgs_to_bd)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return _convert(lon, lat, _bd_to_wgs)


wgs84_to_gcj02.__doc__ = "Convert WGS84 (or CGCS2000) to GCJ-02 (closed formula)." + _ARRAY_DOC
gcj02_to_wgs84.__doc__ = "Convert GCJ-02 to WGS84 (iterative inverse, error < 0.01 m)." + _ARRAY_DOC
gcj02_to_bd09.__doc__ = "Convert GCJ-02 to BD-09 (closed formula)." + _ARRAY_DOC
bd09_to_gcj02.__doc__ = "Convert BD-09 to GCJ-02 (iterative inverse, error < 0.01 m)." + _ARRAY_DOC
wgs84_to_bd09.__doc__ = "Convert WGS84 (or CGCS2000) to BD-09 via GCJ-02." + _ARRAY_DOC
bd09_to_wgs84.__doc__ = "Convert BD-09 to WGS84 via GCJ-02 (iterative inverses)." + _ARRAY_DOC


def _coord_system(value: object, argument: str) -> str:
    """Normalise a coordinate-system name; CGCS2000 becomes WGS84."""
    name = value.lower().replace("-", "").replace("_", "").strip() if isinstance(value, str) else ""
    if name not in COORD_SYSTEMS:
        raise InputError(
            f"{argument} must be one of {', '.join(repr(c) for c in COORD_SYSTEMS)}; got "
            f"{value!r}. Use 'gcj02' for Gaode/AMap/Tencent coordinates, 'bd09' for Baidu, "
            "'wgs84' for GPS/OpenStreetMap and 'cgcs2000' for Tianditu/official data."
        )
    return "wgs84" if name == "cgcs2000" else name


def _raw_between(src: object, dst: object) -> _RawFunc | None:
    """The raw conversion from ``src`` to ``dst``; None when they are the same datum."""
    src_name, dst_name = _coord_system(src, "src"), _coord_system(dst, "dst")
    return None if src_name == dst_name else _RAW[(src_name, dst_name)]


def convert_coords(
    lon: ArrayLike, lat: ArrayLike, src: str, dst: str
) -> tuple[FloatArray, FloatArray]:
    """Convert longitudes/latitudes between WGS84, CGCS2000, GCJ-02 and BD-09.

    Parameters
    ----------
    lon, lat : array_like
        Longitudes and latitudes in degrees, any (broadcastable) shapes. A point with NaN in
        either coordinate comes back as (NaN, NaN).
    src, dst : {"wgs84", "cgcs2000", "gcj02", "bd09"}
        Source and target systems (case, ``-`` and ``_`` ignored). CGCS2000 is treated as WGS84:
        the two differ by centimetres.

    Returns
    -------
    tuple of numpy.ndarray
        New ``(lon, lat)`` in degrees (numpy scalars for scalar input). Points outside
        :data:`CHINA_RECTANGLE` are unchanged.

    Raises
    ------
    InputError
        ``src`` or ``dst`` is not a known system, or ``lon``/``lat`` are not numeric.
    """
    return _convert(lon, lat, _raw_between(src, dst))


# --------------------------------------------------------------------------- geometries
def _map_xy(geoms: GeomT, func: _RawFunc, argument: str) -> GeomT:
    """Apply ``func(x, y) -> (x, y)`` to every vertex; Z values, index, CRS and name are kept."""

    def on_coords(coords: FloatArray) -> FloatArray:
        out = coords.copy()
        out[:, 0], out[:, 1] = func(coords[:, 0], coords[:, 1])
        return out

    if isinstance(geoms, gpd.GeoDataFrame):
        out = geoms.copy()
        out[geoms.geometry.name] = _map_xy(geoms.geometry, func, argument)
        return out
    if isinstance(geoms, gpd.GeoSeries):
        # include_z=None keeps each geometry's Z (shapely's documented value; the stubs say bool).
        values = shapely.transform(np.asarray(geoms.values), on_coords, include_z=None)  # type: ignore[call-overload]
        return gpd.GeoSeries(values, index=geoms.index, crs=geoms.crs, name=geoms.name)  # type: ignore[return-value]  # GeomT is this GeoSeries' type
    if isinstance(geoms, shapely.Geometry):
        return cast(GeomT, shapely.transform(geoms, on_coords, include_z=None))  # type: ignore[call-overload]
    array = np.asarray(geoms, dtype=object)
    if not (shapely.is_geometry(array) | shapely.is_missing(array)).all():
        raise InputError(
            f"{argument} must hold shapely geometries (a GeoSeries, GeoDataFrame or array of "
            f"geometries); got {type(geoms).__name__} {geoms!r:.80}. Build them with "
            "shapely or geopandas first."
        )
    return cast(GeomT, shapely.transform(array, on_coords, include_z=None))  # type: ignore[call-overload]


def convert_geometries(geoms: GeomT, src: str, dst: str) -> GeomT:
    """Convert every vertex of geometries between WGS84, CGCS2000, GCJ-02 and BD-09.

    Parameters
    ----------
    geoms : GeoSeries, GeoDataFrame, shapely geometry or array of geometries
        Geometries of any type (holes, multi-parts, collections, Z) in lon/lat degrees.
        Missing geometries (None) stay missing.
    src, dst : {"wgs84", "cgcs2000", "gcj02", "bd09"}
        Source and target systems, as in :func:`convert_coords`.

    Returns
    -------
    same type as ``geoms``
        New geometries (the input is not modified); a GeoSeries/GeoDataFrame keeps its index,
        name, other columns and CRS label. Vertices outside :data:`CHINA_RECTANGLE` are unchanged.

    Raises
    ------
    InputError
        Unknown ``src``/``dst``, or ``geoms`` holds something other than geometries.
    CRSError
        ``geoms`` carries a projected CRS: the conversions work on degrees only.

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> gcj = gp.convert_geometries(h.households.geometry, "wgs84", "gcj02")
    >>> len(gcj), round(float(gcj.iloc[0].x - h.households.geometry.iloc[0].x), 3)
    (1086, 0.004)
    """
    raw = _raw_between(src, dst)
    crs = getattr(geoms, "crs", None)
    if crs is not None and not pyproj.CRS.from_user_input(crs).is_geographic:
        raise CRSError(
            f"geoms has the projected CRS {crs.name!r}, but GCJ-02/BD-09 conversion works on "
            "lon/lat degrees. Convert first with geoms.to_crs('EPSG:4326')."
        )
    return _map_xy(geoms, lambda x, y: _convert(x, y, raw), "geoms")


def swap_xy(gdf: GeomT) -> GeomT:
    """Swap x and y of every vertex: repairs data stored as ``[lat, lon]``.

    Parameters
    ----------
    gdf : GeoDataFrame, GeoSeries, shapely geometry or array of geometries
        Geometries whose x holds latitudes and y longitudes (degrees).

    Returns
    -------
    same type as ``gdf``
        New geometries with x and y exchanged (Z kept); index, columns and CRS label kept.

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> swapped = gp.swap_xy(h.households)
    >>> bool((swapped.geometry.x == h.households.geometry.y).all())
    True
    """
    return _map_xy(gdf, lambda x, y: (y, x), "gdf")


# --------------------------------------------------------------------------- CRS checks
def _check_layer(gdf: object, argument: str) -> gpd.GeoSeries:
    """The geometry column of a GeoDataFrame/GeoSeries, or an InputError naming ``argument``."""
    if isinstance(gdf, gpd.GeoSeries):
        return gdf
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(
            f"{argument} must be a geopandas GeoDataFrame; got {type(gdf).__name__}. "
            "Build one with geopandas.GeoDataFrame(df, geometry=..., crs='EPSG:4326')."
        )
    try:
        return gdf.geometry
    except AttributeError:
        raise InputError(
            f"{argument} has no active geometry column (columns: {list(gdf.columns)}). "
            "Set one with gdf.set_geometry('column_name')."
        ) from None


def _span(xy: FloatArray) -> str:
    return (
        f"x {xy[:, 0].min():.6g}..{xy[:, 0].max():.6g}, "
        f"y {xy[:, 1].min():.6g}..{xy[:, 1].max():.6g}"
    )


def _ids(geoms: gpd.GeoSeries, rows: NDArray[np.bool_]) -> str:
    labels = geoms.index[rows][:_MAX_IDS_SHOWN].tolist()
    more = int(rows.sum()) - len(labels)
    return f"{labels}" + (f" and {more} more" if more > 0 else "")


def _per_row_any(flags: NDArray[np.bool_], index: NDArray[np.intp], n: int) -> NDArray[np.bool_]:
    return np.bincount(index, weights=flags, minlength=n) > 0


def _no_crs_error(geoms: gpd.GeoSeries, argument: str) -> CRSError:
    xy = shapely.get_coordinates(np.asarray(geoms.values))
    span = f" (coordinates span {_span(xy)})" if len(xy) else ""
    return CRSError(
        f"{argument} has no CRS, so gridparty cannot tell what its coordinates mean{span}. "
        "Set it with gdf.set_crs('EPSG:4326') if the coordinates are lon/lat degrees (also "
        "for Gaode/GCJ-02 or Baidu/BD-09 data, then read with coords='gcj02' or 'bd09'); "
        "if they are projected metres, set the EPSG they were made in, e.g. "
        "gdf.set_crs('EPSG:32650') for UTM zone 50N or gdf.set_crs('EPSG:4547') for "
        "CGCS2000 3-degree Gauss-Kruger CM 114E. Reading files: read_hierarchy(..., crs=...) "
        "(--crs EPSG on the command line) sets it for files that have none."
    )


def _check_finite(
    geoms: gpd.GeoSeries, xy: FloatArray, index: NDArray[np.intp], argument: str
) -> None:
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        rows = _per_row_any(np.asarray(bad), index, len(geoms))
        raise InputError(
            f"{argument} has NaN or infinite coordinates in {int(rows.sum())} feature(s), ids "
            f"{_ids(geoms, rows)}. Fix those coordinates, or drop the features with "
            "gdf.drop(index=[...]), before passing it."
        )


def _check_geographic(
    geoms: gpd.GeoSeries, xy: FloatArray, index: NDArray[np.intp], argument: str
) -> None:
    """Reject swapped [lat, lon] data and coordinates outside [-180, 180] x [-90, 90]."""
    x, y = xy[:, 0], xy[:, 1]
    looks_swapped = (
        (x >= _SWAPPED_X[0]) & (x <= _SWAPPED_X[1]) & (y >= _SWAPPED_Y[0]) & (y <= _SWAPPED_Y[1])
    )
    out_of_range = (np.abs(x) > 180.0) | (np.abs(y) > 90.0)
    n = len(geoms)
    swapped_rows = _per_row_any(looks_swapped & out_of_range, index, n)
    if looks_swapped.all() or swapped_rows.any():
        rows = swapped_rows if swapped_rows.any() and not looks_swapped.all() else None
        where = f"features {_ids(geoms, rows)}" if rows is not None else "all features"
        raise CRSError(
            f"{argument} looks like it has latitude and longitude swapped ({where}): x spans "
            f"{x.min():.6g}..{x.max():.6g} (latitudes of China) and y spans {y.min():.6g}.."
            f"{y.max():.6g} (longitudes of China), i.e. points were stored as [lat, lon]. Swap "
            "them with gdf = gridparty.core.coords.swap_xy(gdf) (or swap_xy(gdf.geometry.loc[ids]) "
            "for only the listed rows) and pass the result; for a CSV/Excel table whose columns "
            "are labelled the wrong way round, name them swapped: lon='<the latitude-labelled "
            "column>', lat='<the longitude-labelled one>' (--lon/--lat on the command line)."
        )
    if out_of_range.any():
        rows = _per_row_any(out_of_range, index, n)
        first = xy[out_of_range][0]
        raise CRSError(
            f"{argument} has a geographic CRS (degrees) but {int(rows.sum())} feature(s) lie "
            f"outside lon [-180, 180] x lat [-90, 90], ids {_ids(geoms, rows)}, e.g. "
            f"({first[0]:.6g}, {first[1]:.6g}). If the coordinates are projected metres, set "
            "the CRS they were made in with gdf.set_crs('EPSG:....', allow_override=True) "
            "(e.g. 'EPSG:32650' for UTM zone 50N); otherwise fix those coordinates."
        )


def _check_projected(xy: FloatArray, crs: pyproj.CRS, argument: str) -> None:
    """Reject lon/lat degrees that carry a projected (metre) CRS label."""
    if ((np.abs(xy[:, 0]) <= 180.0) & (np.abs(xy[:, 1]) <= 90.0)).all():
        raise CRSError(
            f"{argument} has the projected CRS {crs.name!r} (metres), but all its coordinates "
            f"({_span(xy)}) look like lon/lat degrees. If they are degrees, relabel with "
            "gdf.set_crs('EPSG:4326', allow_override=True)."
        )


def _is_wgs84_like(crs: pyproj.CRS) -> bool:
    """EPSG:4326 in either axis order (e.g. OGC:CRS84) or CGCS2000 (EPSG:4490)."""
    return crs.equals(pyproj.CRS.from_epsg(4326), ignore_axis_order=True) or (crs.to_epsg() == 4490)


def ensure_wgs84(gdf: gpd.GeoDataFrame, argument: str = "gdf") -> gpd.GeoDataFrame:
    """Check a layer's CRS and coordinates and return a new copy in EPSG:4326.

    EPSG:4326, OGC:CRS84 and CGCS2000 (EPSG:4490, treated as WGS84: the difference is
    centimetres) are relabelled EPSG:4326 without touching coordinates; any other CRS is
    converted with ``to_crs``. GCJ-02/BD-09 data must be labelled EPSG:4326 and converted with
    :func:`convert_geometries` afterwards (no CRS code exists for them).

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer. An empty layer is returned as an empty EPSG:4326 copy (even without a CRS).
    argument : str
        The layer's name in the caller, used in error messages (e.g. ``"households"``).

    Returns
    -------
    GeoDataFrame
        A new frame in EPSG:4326 (lon/lat degrees); the input is not modified.

    Raises
    ------
    CRSError
        No CRS; geographic coordinates outside [-180, 180] x [-90, 90]; coordinates that look
        like [lat, lon] of China (x within 3–54, y within 73–136; fix with :func:`swap_xy`);
        lon/lat degrees labelled with a projected CRS; conversion giving non-finite values.
    InputError
        ``gdf`` is not a GeoDataFrame, or has NaN/infinite coordinates.
    """
    geoms = _check_layer(gdf, argument)
    xy, index = shapely.get_coordinates(np.asarray(geoms.values), return_index=True)
    if len(xy) == 0:
        return gdf.set_crs("EPSG:4326", allow_override=True)
    if gdf.crs is None:
        raise _no_crs_error(geoms, argument)
    _check_finite(geoms, xy, index, argument)
    crs = pyproj.CRS.from_user_input(gdf.crs)
    if crs.is_geographic:
        _check_geographic(geoms, xy, index, argument)
        if _is_wgs84_like(crs):
            return gdf.set_crs("EPSG:4326", allow_override=True)
    else:
        _check_projected(xy, crs, argument)
    out = gdf.to_crs("EPSG:4326")
    out_values = np.asarray(_check_layer(out, argument).values)
    out_xy, out_index = shapely.get_coordinates(out_values, return_index=True)
    if not np.isfinite(out_xy).all():
        rows = _per_row_any(np.asarray(~np.isfinite(out_xy).all(axis=1)), out_index, len(out))
        raise CRSError(
            f"{argument}: converting from {crs.name!r} to EPSG:4326 gave no valid position for "
            f"features {_ids(geoms, rows)}, so the coordinates ({_span(xy)}) do not fit that "
            "CRS. Set the CRS they were made in with gdf.set_crs(..., allow_override=True)."
        )
    return out


class UTMZone(pyproj.CRS):
    """A WGS84 / UTM zone that :func:`metric_crs` chose for the data (not one given by the user).

    It is the CRS of its EPSG code in every respect. In addition, gridparty measures the area,
    perimeter and width of a feature lying in another UTM zone (more than 3° of longitude from
    this zone's central meridian, where the transverse Mercator scale grows past 0.2 %; 34 %
    more area at Kashgar in zone 50N) in that feature's own zone (:func:`in_own_zones`), so
    every such measure stays within 0.5 % of the geodesic one. Relations between features
    (overlaps, distances, buffers) are worked out in this zone. A CRS given explicitly
    (``metric_crs='EPSG:32650'``) is used as it is for every feature.
    """


def _utm_codes(lon: FloatArray, lat: FloatArray) -> NDArray[np.int64]:
    """EPSG codes of the WGS84 / UTM zones of points (326xx north, 327xx south; 0 for NaN)."""
    finite = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = np.where(finite, lon, 0.0), np.where(finite, lat, 0.0)
    zone = np.floor((lon + 180.0) / 6.0).astype(np.int64) % 60 + 1
    return np.where(finite, np.where(lat >= 0.0, 32600, 32700) + zone, 0)


def _lonlat_centres(geoms: np.ndarray, crs: object) -> tuple[FloatArray, FloatArray]:
    """Longitude and latitude (degrees) of the middle of each geometry's lon/lat bounding box.

    The box is that of the vertices converted to lon/lat (a box in a projected CRS can be far
    off: transverse Mercator splits a feature 90° from its meridian across the world). NaN for
    a missing or empty geometry, or one whose vertices do not convert.
    """
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    lon, lat = np.full(len(geoms), np.nan), np.full(len(geoms), np.nan)
    if not len(xy):
        return lon, lat
    to_lonlat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    x, y = to_lonlat.transform(xy[:, 0], xy[:, 1])
    start = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    rows = owner[start]
    with np.errstate(invalid="ignore"):  # inf - inf for vertices that do not convert
        lon[rows] = (np.minimum.reduceat(x, start) + np.maximum.reduceat(x, start)) / 2.0
        lat[rows] = (np.minimum.reduceat(y, start) + np.maximum.reduceat(y, start)) / 2.0
    return lon, lat


def _utm_name(code: int) -> str:
    """``"UTM zone 50N (114°E–120°E)"`` for EPSG:32650."""
    zone, west = code % 100, (code % 100 - 1) * 6 - 180
    degrees = [f"{abs(d)}°{'E' if d >= 0 else 'W'}" for d in (west, west + 6)]
    return f"UTM zone {zone}{'N' if code < 32700 else 'S'} ({degrees[0]}–{degrees[1]})"


def metric_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> UTMZone:
    """The WGS84 / UTM zone (EPSG:326xx north, 327xx south) where the data lies.

    The zone is that of the median longitude and the median latitude of the features' centres
    (the middles of their bounding boxes; the larger middle value for an even count), so a few
    stray features – a placeholder at 0°, 0° – do not move it. Features lying in another zone are measured in their own zones (see
    :class:`UTMZone`), with a :class:`~gridparty.core.errors.MetricCRSWarning` saying how many.

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
        A layer with a CRS and at least one non-empty geometry.

    Returns
    -------
    UTMZone
        A projected CRS in metres, e.g. EPSG:32650 for Beijing, EPSG:32651 for Shanghai (data
        crossing 180° is not handled).

    Raises
    ------
    CRSError
        The layer has no CRS.
    InputError
        The layer has no coordinates, so no zone can be chosen.

    Warns
    -----
    MetricCRSWarning
        Some features lie outside the chosen zone (more than 3° of longitude from its central
        meridian): their areas, perimeters and widths are measured in their own UTM zones.
    """
    zone, lon, lat = _median_zone(gdf)
    codes = _utm_codes(lon, lat)
    outside = int(np.count_nonzero((codes != 0) & (codes != zone.to_epsg())))
    if outside:
        warnings.warn(
            f"{outside:,} of {np.count_nonzero(codes):,} features lie outside "
            f"{_utm_name(cast(int, zone.to_epsg()))}, where most of the data is (more than 3° from its "
            "central meridian): their areas, perimeters and widths are measured in their own "
            "UTM zones; distances between features are measured in this zone. Check them "
            "(a placeholder at 0°, 0°?), or pass metric_crs= to measure everything in one CRS.",
            MetricCRSWarning,
            stacklevel=2,
        )
    return zone


def _median_zone(gdf: object) -> tuple[UTMZone, FloatArray, FloatArray]:
    """:func:`metric_crs` without the warning, and the lon/lat of every feature's centre."""
    geoms = _check_layer(gdf, "gdf")
    if geoms.crs is None:
        raise _no_crs_error(geoms, "gdf")
    lon, lat = _lonlat_centres(np.asarray(geoms.values), geoms.crs)
    found = np.isfinite(lon) & np.isfinite(lat)
    if not found.any():
        raise InputError(
            f"gdf has no coordinates ({len(geoms)} rows, all empty or missing), so no UTM zone "
            "can be chosen for it. Pass a metric CRS explicitly, e.g. "
            "to_metric(gdf, crs='EPSG:32650')."
        )
    # The upper median: a real feature's value, the larger of the middle two for an even count
    # (placeholders at 0°, 0° lie below Chinese data).
    centre = (np.quantile(v[found], 0.5, method="higher") for v in (lon, lat))
    # pyproj annotates from_epsg as returning CRS; it returns the class it is called on.
    zone = cast(UTMZone, UTMZone.from_epsg(int(_utm_codes(*map(np.atleast_1d, centre))[0])))
    return zone, lon, lat


def in_own_zones(geoms: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    """Metric geometries ready for measuring: those outside ``crs``'s zone moved into their own.

    Use the result for areas, perimeters and widths of single features (or of parts of them),
    never to relate features to each other: geometries of different zones do not share a plane.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
        Geometries in ``crs`` (metres); missing ones (``None``) are kept.
    crs : pyproj.CRS
        Their CRS. Only a :class:`UTMZone` (the zone :func:`metric_crs` chose) moves anything.

    Returns
    -------
    numpy.ndarray
        ``geoms`` itself when every geometry lies in ``crs``'s zone (or ``crs`` was given by
        the user); otherwise a copy in which each geometry whose bounding-box centre lies in
        another UTM zone is in the coordinates of that zone.
    """
    if not isinstance(crs, UTMZone) or not len(geoms):
        return geoms
    codes = _utm_codes(*_lonlat_centres(geoms, crs))
    moved = (codes != 0) & (codes != crs.to_epsg())
    if not moved.any():
        return geoms
    out = np.array(geoms, dtype=object)
    for code in np.unique(codes[moved]):
        rows = np.flatnonzero(codes == code)
        forward = pyproj.Transformer.from_crs(crs, int(code), always_xy=True).transform
        out[rows] = shapely.transform(
            out[rows],
            lambda xy, f=forward: np.column_stack(f(xy[:, 0], xy[:, 1])),  # type: ignore[misc]  # a lambda's default argument
        )
    return out


def check_metric_crs(crs: object, argument: str = "metric_crs") -> pyproj.CRS:
    """``crs`` as a projected CRS in metres, or a CRSError naming ``argument``.

    The one check every function taking a metric CRS goes through.
    """
    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError:
        raise CRSError(
            f"{argument}={crs!r:.80} is not a CRS pyproj can read. Pass e.g. 'EPSG:32650' or "
            f"leave {argument}=None to use the UTM zone of the data."
        ) from None
    units = {axis.unit_name for axis in parsed.axis_info}
    if not parsed.is_projected or not units <= {"metre", "meter"}:
        raise CRSError(
            f"{argument}={crs!r:.80} is not a projected CRS in metres (it is {parsed.name!r}, "
            f"units: {', '.join(sorted(units)) or 'none'}). Pass e.g. 'EPSG:32650' (UTM zone 50N) "
            f"or leave {argument}=None to use the UTM zone of the data."
        )
    return parsed


def choose_metric_crs(
    crs: object, *frames: gpd.GeoDataFrame | gpd.GeoSeries, argument: str = "metric_crs"
) -> pyproj.CRS:
    """``crs`` checked by :func:`check_metric_crs`, or the UTM zone of the first frame with geometry.

    Raises
    ------
    CRSError
        ``crs`` is unreadable, geographic or not in metres.
    InputError
        ``crs`` is None and no frame has any geometry.

    Warns
    -----
    MetricCRSWarning
        A given ``crs`` stretches or shrinks the areas of some features of ``frames`` by more
        than :data:`MAX_AREA_SCALE_ERROR` (they lie far from where it is true to scale), or
        :func:`metric_crs` chose a zone some features lie outside of.
    """
    if crs is not None:
        parsed = check_metric_crs(crs, argument)
        _warn_if_distorted(parsed, frames, argument)
        return parsed
    for frame in frames:
        # A boolean mask keeps a GeoDataFrame (the geopandas stubs allow a Series too).
        present = cast(
            gpd.GeoDataFrame, frame[gpd.GeoSeries(frame.geometry).notna()] if len(frame) else frame
        )
        if len(present) and np.isfinite(present.total_bounds).all():
            return metric_crs(present)
    raise InputError(
        f"the layers have no geometry, so no metric CRS can be chosen; pass {argument}=."
    )


def _warn_if_distorted(
    crs: pyproj.CRS, frames: tuple[gpd.GeoDataFrame | gpd.GeoSeries, ...], argument: str
) -> None:
    """Warn when ``crs`` misstates the area of a feature by more than MAX_AREA_SCALE_ERROR."""
    if isinstance(crs, UTMZone) or not frames:
        return  # a chosen zone measures far features in their own zones
    centres = [
        _lonlat_centres(np.asarray(gpd.GeoSeries(f.geometry).values), f.crs)
        for f in frames
        if len(f) and f.crs is not None
    ]
    lon = np.concatenate([c[0] for c in centres]) if centres else np.zeros(0)
    lat = np.concatenate([c[1] for c in centres]) if centres else np.zeros(0)
    found = np.isfinite(lon) & np.isfinite(lat)
    if not found.any():
        return
    scale = pyproj.Proj(crs).get_factors(lon[found], lat[found]).areal_scale
    error = np.abs(np.nan_to_num(np.asarray(scale, dtype=np.float64), nan=np.inf) - 1.0)
    bad = int(np.count_nonzero(error > MAX_AREA_SCALE_ERROR))
    if bad:
        warnings.warn(
            f"{argument}={crs.to_string()!r} misstates the areas of {bad:,} of {len(error):,} "
            f"features by more than {MAX_AREA_SCALE_ERROR:.1%} (up to {error.max():.1%}): they "
            "lie far from where that CRS is true to scale. Leave "
            f"{argument}=None to measure every feature in its own UTM zone.",
            MetricCRSWarning,
            stacklevel=3,
        )


def to_metric(
    gdf: gpd.GeoDataFrame | gpd.GeoSeries, crs: object = None
) -> gpd.GeoDataFrame | gpd.GeoSeries:
    """Return a new copy of ``gdf`` in a metric CRS, for lengths (metres) and areas (m²).

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
        A layer with a CRS.
    crs : pyproj.CRS, str or int, optional
        A projected CRS in metres. Default: :func:`metric_crs` of ``gdf``.

    Returns
    -------
    GeoDataFrame or GeoSeries
        A new object in the metric CRS; the input is not modified.

    Raises
    ------
    CRSError
        ``gdf`` has no CRS, or ``crs`` is unreadable, geographic or not in metres.
    InputError
        ``crs`` is None and ``gdf`` has no coordinates.
    """
    geoms = _check_layer(gdf, "gdf")
    if geoms.crs is None:
        raise _no_crs_error(geoms, "gdf")
    return gdf.to_crs(metric_crs(gdf) if crs is None else check_metric_crs(crs))


# --------------------------------------------------------------------------- datum offsets
#: Points of each layer looked at by :func:`detect_datum_offset` (an even sample of larger layers).
DATUM_SAMPLE = 20_000
#: A datum is named only when its residual is at most this share of every other datum's, and
#: of the GCJ-02 offset at that place (100–700 m in China).
DATUM_MARGIN = 0.5
#: How much larger (as a share of the features) the agreement of declared and spatial parents
#: must be under the best datum than under the next one for :func:`detect_datum_offset`'s
#: ``declared=`` to name it.
DATUM_AGREEMENT_MARGIN = 0.1


@dataclass(frozen=True)
class DatumOffset:
    """How far a layer sits from a WGS84 reference, and which datum explains it.

    Attributes
    ----------
    datum : {"wgs84", "gcj02", "bd09"} or None
        The datum the layer's coordinates are really in: the one whose conversion to WGS84
        brings the layer onto the reference (residual at most :data:`DATUM_MARGIN` of any
        other's and of the GCJ-02 offset there). ``None`` when no datum does (unrelated layers,
        or a shift of another cause). Outside China, where no offset applies, ``"wgs84"``.
    east_m, north_m : float
        Median shift of the layer's features from their matching reference features (the
        nearest ones once the layer is read as ``datum``), metres. With ``datum=None``, from
        the nearest reference features as given: a lower bound of a larger shift.
    distance_m : float
        Length of that shift, metres.
    gcj02_m, bd09_m : float
        Length of the GCJ-02 and BD-09 offsets at the reference's centre, metres (0 outside
        China).
    residual_m : dict
        Median distance (metres) from a layer feature to the nearest reference feature when
        the layer is read as each datum.
    points : int
        Features of the layer compared.
    agreement : dict or None
        With ``declared=``: the share of the compared features that lie inside their declared
        parent when the layer is read as each datum; ``None`` otherwise.
    polygons : bool
        The reference is mostly large polygons (median width at least
        :data:`LARGE_POLYGON_M`): the nearest-feature measure cannot tell a datum there, and
        :attr:`message` says so when no datum was named.

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> shifted = gp.convert_geometries(h.households, "wgs84", "gcj02")
    >>> found = gp.detect_datum_offset(shifted, h.buildings)
    >>> found.datum, round(found.distance_m, -1), found.points
    ('gcj02', 480.0, 1086)
    """

    datum: str | None
    east_m: float
    north_m: float
    distance_m: float
    gcj02_m: float
    bd09_m: float
    residual_m: dict[str, float]
    points: int
    agreement: dict[str, float] | None = None
    polygons: bool = False

    @property
    def message(self) -> str:
        """What the offset means and how to fix it, for people."""
        if self.agreement is not None and not self.points:
            return (
                "no feature declares a parent that is in the reference (by id or name): "
                "detection is not possible, which does not mean there is no shift. Fill the "
                "declared parents, or compare with a point layer known to be WGS84."
            )
        if self.agreement is not None:
            told = ", ".join(f"{d} {share:.0%}" for d, share in self.agreement.items())
            base = (
                f"of the {self.points:,} features that declare a parent, the share inside it "
                f"when read as each datum: {told}"
            )
            same = "declared and spatial parents agree best in WGS84; nothing to convert."
            unclear = "no datum makes them agree clearly; check the declared parents."
        else:
            base = (
                f"the layer sits {round(self.distance_m):,} m from the reference (east "
                f"{round(self.east_m):,} m, north {round(self.north_m):,} m); the GCJ-02 offset "
                f"here is {round(self.gcj02_m):,} m and the BD-09 offset {round(self.bd09_m):,} m"
            )
            same = "the layer is in WGS84 like the reference; nothing to convert."
            unclear = "no datum explains the shift; do the layers show the same place?"
            if self.polygons:
                unclear += (
                    " The reference is large polygons (communities, grids): distances to them "
                    "cannot tell a datum, so detection is not possible this way. Pass declared= "
                    "(the column holding each feature's declared parent id or name) to compare "
                    "declared and spatial parents."
                )
        if self.datum in ("gcj02", "bd09"):
            source = "GCJ-02 (Gaode/AMap or Tencent)" if self.datum == "gcj02" else "BD-09 (Baidu)"
            return (
                f"{base}: its coordinates are {source} labelled as "
                f"WGS84. Read it with coords={self.datum!r}, or convert it with "
                f"gridparty.core.coords.convert_geometries(layer, {self.datum!r}, 'wgs84')."
            )
        return f"{base}: {same if self.datum == 'wgs84' else unclear}"


def detect_datum_offset(
    layer: gpd.GeoDataFrame | gpd.GeoSeries,
    reference: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    declared: str | pd.Series | None = None,
) -> DatumOffset:
    """Measure the shift between a layer and a WGS84 reference, and name the datum behind it.

    Chinese map services publish GCJ-02 (Gaode/AMap, Tencent) or BD-09 (Baidu) coordinates; a
    file exported from them usually says EPSG:4326, so nothing looks wrong until the layer lies
    100–700 m (GCJ-02) or 500–1,000 m (BD-09) off another layer of the same place. This reads
    the layer as WGS84, as GCJ-02 and as BD-09 in turn, converts it to WGS84, and measures the
    median distance from each of its features (a point on its surface) to the nearest feature
    of the reference, in the reference's UTM zone (metres).

    Parameters
    ----------
    layer : GeoDataFrame or GeoSeries
        The suspect layer (e.g. households digitised on a Gaode map), labelled EPSG:4326.
    reference : GeoDataFrame or GeoSeries
        A layer of the same place known to be WGS84 (e.g. OpenStreetMap building footprints).
        The features need not be the same ones: each layer feature is compared with its
        nearest reference feature.

    declared : str or Series, optional
        Each feature's declared parent in ``reference`` (the parents' polygons, e.g.
        communities or grids): a column of ``layer`` or a Series aligned with it, holding
        parent ids (the reference's index) or names (its ``name`` column). Then the datum is
        the one under which most features lie inside their declared parent (clearly more
        than under the others, by :data:`DATUM_AGREEMENT_MARGIN`, and over half of them), and
        ``agreement`` gives each datum's share. Use it when the reference is a layer of large
        polygons: distances to the nearest polygon cannot tell a datum there.

    Returns
    -------
    DatumOffset
        The datum (or ``None``), the median shift in metres, the offsets expected at that place
        and :attr:`DatumOffset.message` saying what to do. With ``declared`` and no feature
        whose declared parent is in the reference, ``points`` is 0 and the message says that
        detection is not possible.

    Raises
    ------
    InputError, CRSError
        A layer is not a GeoDataFrame/GeoSeries, has no usable geometry, or its CRS does not fit.

    Examples
    --------
    >>> found = detect_datum_offset(households, buildings)  # doctest: +SKIP
    >>> found.datum, round(found.distance_m)  # doctest: +SKIP
    ('gcj02', 480)
    """
    if declared is not None:
        return _by_declared_parents(layer, reference, declared)
    points = _surface_points(layer, "layer")
    targets = _surface_points(reference, "reference")
    crs = _median_zone(gpd.GeoSeries(shapely.points(targets), crs=4326))[0]
    to_metric_xy = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform
    tree = cKDTree(np.column_stack(to_metric_xy(targets[:, 0], targets[:, 1])))
    residual: dict[str, float] = {}
    nearest: dict[str, NDArray[np.intp]] = {}
    datum: str | None
    for datum in ("wgs84", "gcj02", "bd09"):
        lon, lat = convert_coords(points[:, 0], points[:, 1], datum, "wgs84")
        # Many points in, arrays out (the stubs type a single point's scalars).
        distance, nearest[datum] = tree.query(np.column_stack(to_metric_xy(lon, lat)))  # type: ignore[assignment]
        residual[datum] = float(np.median(distance))
    best = min(residual, key=residual.__getitem__)
    gcj_m, bd_m = _local_offsets(targets.mean(axis=0), to_metric_xy)
    outside = gcj_m == 0.0
    # Clearly better than the other datums, and close: within a fraction of the offsets here.
    clear = residual[best] <= DATUM_MARGIN * min(
        gcj_m, *(r for d, r in residual.items() if d != best)
    )
    datum = best if clear else ("wgs84" if outside else None)
    as_given = np.column_stack(to_metric_xy(points[:, 0], points[:, 1]))
    shift = np.median(as_given - tree.data[nearest[datum or "wgs84"]], axis=0)
    return _offset(
        datum,
        shift,
        (gcj_m, bd_m),
        residual_m=residual,
        points=len(points),
        polygons=_large_polygons(reference, crs),
    )


def _local_offsets(centre: FloatArray, to_metric_xy: Callable[..., Any]) -> tuple[float, float]:
    """Length (m) of the GCJ-02 and the BD-09 offset at ``centre`` (lon, lat)."""
    gcj_m, bd_m = (
        _offset_m(centre, convert_coords(centre[0], centre[1], "wgs84", d), to_metric_xy)
        for d in ("gcj02", "bd09")
    )
    return gcj_m, bd_m


def _offset(
    datum: str | None, shift: FloatArray, offsets: tuple[float, float], **rest: object
) -> DatumOffset:
    """A :class:`DatumOffset` from the median shift (east, north; metres) and the local offsets."""
    return DatumOffset(
        datum=datum,
        east_m=float(shift[0]),
        north_m=float(shift[1]),
        distance_m=float(np.hypot(*shift)),
        gcj02_m=offsets[0],
        bd09_m=offsets[1],
        **rest,  # type: ignore[arg-type]
    )


#: Polygons of at least this median width (square root of the area, metres) are large units
#: (communities, grids), not footprints: the nearest-feature measure cannot tell a datum there.
LARGE_POLYGON_M = 100.0


def _large_polygons(layer: object, crs: pyproj.CRS) -> bool:
    geoms = _check_layer(layer, "reference")
    polygonal = np.isin(shapely.get_type_id(np.asarray(geoms.values)), [3, 6])
    if polygonal.mean() <= 0.5:
        return False
    area = shapely.area(np.asarray(geoms[polygonal].to_crs(crs).array))  # type: ignore[operator]  # a GeoSeries, not one geometry
    return bool(np.median(np.sqrt(area)) >= LARGE_POLYGON_M)


def _positions(labels: pd.Series, keys: pd.Series) -> np.ndarray:
    """The position in ``labels`` of each key, -1 where it is missing, not found, or found more
    than once (an id or name that does not name one parent)."""
    once = labels.notna() & ~labels.duplicated(keep=False)
    lookup = pd.Series(np.flatnonzero(once.to_numpy()), index=labels[once].to_numpy())
    return keys.map(lookup).fillna(-1).to_numpy(dtype=np.int64)


def _by_declared_parents(
    layer: gpd.GeoDataFrame | gpd.GeoSeries,
    reference: gpd.GeoDataFrame | gpd.GeoSeries,
    declared: str | pd.Series,
) -> DatumOffset:
    """:func:`detect_datum_offset` by the share of features inside their declared parent."""
    geoms = _check_layer(layer, "layer")
    if isinstance(declared, str):
        if not isinstance(layer, gpd.GeoDataFrame) or declared not in layer.columns:
            raise InputError(
                f"declared={declared!r} is not a column of layer; name the column holding each "
                "feature's declared parent id or name, or pass a Series aligned with layer."
            )
        declared = layer[declared]
    given = pd.Series(declared)
    # aligned already (a column of layer): kept by position, so repeated ids do not matter
    aligned = given if given.index.equals(geoms.index) else given.reindex(geoms.index)
    keys = aligned.astype(TEXT_DTYPE).str.strip()
    parents = ensure_wgs84(
        gpd.GeoDataFrame(geometry=_check_layer(reference, "reference")), "reference"
    )
    pos = _positions(pd.Series(parents.index, dtype=TEXT_DTYPE), keys)
    names = (
        reference["name"]
        if isinstance(reference, gpd.GeoDataFrame) and "name" in reference
        else None
    )
    if names is not None:
        pos = np.where(pos >= 0, pos, _positions(names.astype(TEXT_DTYPE), keys))
    present = np.asarray(geoms.values)
    usable = (pos >= 0) & ~(shapely.is_missing(present) | shapely.is_empty(present))
    parent_geoms = np.asarray(parents.geometry.values)
    agreement: dict[str, float] = {}
    if not usable.any():
        return DatumOffset(None, 0.0, 0.0, 0.0, 0.0, 0.0, {}, 0, agreement=agreement)
    checked = ensure_wgs84(gpd.GeoDataFrame(geometry=geoms[usable]), "layer")
    xy = shapely.get_coordinates(
        shapely.point_on_surface(shapely.make_valid(np.asarray(checked.geometry.values)))
    )
    owners = shapely.make_valid(parent_geoms[pos[usable]])
    for datum in ("wgs84", "gcj02", "bd09"):
        lon, lat = convert_coords(xy[:, 0], xy[:, 1], datum, "wgs84")
        agreement[datum] = float(np.mean(shapely.contains_xy(owners, lon, lat)))
    ranked = sorted(agreement, key=agreement.__getitem__, reverse=True)
    best, second = ranked[0], ranked[1]
    clear = agreement[best] > 0.5 and agreement[best] - agreement[second] >= DATUM_AGREEMENT_MARGIN
    found: str | None = best if clear else None
    crs = _median_zone(gpd.GeoSeries(shapely.points(xy), crs=4326))[0]
    to_metric_xy = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform
    lon, lat = convert_coords(xy[:, 0], xy[:, 1], found or "wgs84", "wgs84")
    shift = np.median(
        np.column_stack(to_metric_xy(xy[:, 0], xy[:, 1])) - np.column_stack(to_metric_xy(lon, lat)),
        axis=0,
    )
    return _offset(
        found,
        shift,
        _local_offsets(xy.mean(axis=0), to_metric_xy),
        residual_m={},
        points=int(usable.sum()),
        agreement=agreement,
    )


def _surface_points(layer: object, argument: str) -> FloatArray:
    """lon/lat of a point on every usable feature (an even sample of at most DATUM_SAMPLE)."""
    geoms = _check_layer(layer, argument)
    present = np.asarray(geoms.values)
    usable = ~(shapely.is_missing(present) | shapely.is_empty(present))
    checked = ensure_wgs84(gpd.GeoDataFrame(geometry=geoms[usable]), argument)
    values = np.asarray(checked.geometry.values)
    if len(values) > DATUM_SAMPLE:
        values = values[np.linspace(0, len(values) - 1, DATUM_SAMPLE).astype(np.int64)]
    xy = shapely.get_coordinates(shapely.point_on_surface(shapely.make_valid(values)))
    if not len(xy):
        raise InputError(
            f"{argument} has no features with geometry, so no offset can be measured; pass a "
            "layer with points or polygons."
        )
    return xy


def _offset_m(
    origin: FloatArray, moved: tuple[FloatArray, FloatArray], to_metric_xy: Callable[..., Any]
) -> float:
    x0, y0 = to_metric_xy(origin[0], origin[1])
    x1, y1 = to_metric_xy(moved[0], moved[1])
    return float(np.hypot(x1 - x0, y1 - y0))
