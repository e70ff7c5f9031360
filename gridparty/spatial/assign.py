"""Spatial parent assignment: which polygon holds each child, and does it agree with the data?

Four array-level functions do the work and :func:`assign` applies them to a whole
:class:`~gridparty.core.model.Hierarchy`:

* :func:`locate_points` — the polygon containing each point (households in building
  footprints, building points in grids). Point-in-polygon is tested in the layers' own CRS
  (longitude/latitude for a hierarchy, like ``geopandas.sjoin``), by a compiled kernel
  (``engine="numba"``, the default) or by GEOS (``engine="shapely"``); off the boundary the two
  give identical answers. A point exactly on a polygon's boundary is outside for GEOS; the
  kernel counts it inside when it lies on a left or bottom edge (see :mod:`gridparty.spatial.kernels`).
* :func:`verify_points` — one point-in-polygon test per declared (point, polygon) pair.
* :func:`nearest_within` — the nearest target within a tolerance in metres (building points).
* :func:`largest_overlap` — the parent a polygon overlaps most, with the share of its area.

Inputs are GeoDataFrames, GeoSeries or arrays of shapely geometries (arrays are taken to be in
EPSG:4326 where a CRS matters); nothing is modified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gridparty.core.coords import check_metric_crs
from gridparty.core.dtypes import FLAG_DTYPE, TEXT_DTYPE
from gridparty.core.errors import CRSError, GeometryError, InputError
from gridparty.core.geometry import measurable
from gridparty.core.model import Hierarchy
from gridparty.core.schema import LEVEL_NAMES, LEVELS
from gridparty.spatial import kernels as _kernels

__all__ = [
    "ENGINES",
    "Assignment",
    "assign",
    "largest_overlap",
    "locate_points",
    "nearest_within",
    "verify_points",
]

Engine = Literal["numba", "shapely"]
ENGINES: tuple[str, ...] = ("numba", "shapely")
GeometryInput: TypeAlias = (
    gpd.GeoDataFrame | gpd.GeoSeries | np.ndarray | Sequence[shapely.Geometry]
)

#: Levels that have a parent, top down (the categories of the table's ``level`` column).
_CHILD_LEVELS = ("grid", "building", "household")

#: Columns of :attr:`Assignment.table`.
TABLE_COLUMNS = ("level", "id", "declared", "spatial", "agree", "share", "distance_m", "n_hits")


# -- inputs -------------------------------------------------------------------------------------


def _geoms(obj: GeometryInput, argument: str) -> tuple[np.ndarray, pyproj.CRS | None]:
    """The geometries of ``obj`` as an object array, and its CRS (``None`` for plain arrays)."""
    if isinstance(obj, gpd.GeoDataFrame | gpd.GeoSeries):
        return np.asarray(obj.geometry.array, dtype=object), obj.crs
    if isinstance(obj, pd.DataFrame | pd.Series):
        raise InputError(
            f"{argument} is a plain pandas {type(obj).__name__}; pass a GeoDataFrame or GeoSeries "
            "(geopandas.GeoDataFrame(frame, geometry=..., crs=...))."
        )
    try:
        geoms = np.asarray(obj, dtype=object)
    except (TypeError, ValueError):
        geoms = np.empty(0, dtype=object)
    if geoms.ndim != 1 or not shapely.is_valid_input(geoms).all():
        raise InputError(
            f"{argument} must be a GeoDataFrame, GeoSeries or 1-d array of shapely geometries; "
            f"got {type(obj).__name__}."
        )
    return geoms, None


def _same_crs(crs_a: pyproj.CRS | None, crs_b: pyproj.CRS | None, names: tuple[str, str]) -> None:
    if crs_a is not None and crs_b is not None and crs_a != crs_b:
        raise CRSError(
            f"{names[0]} is in {crs_a.to_string()} but {names[1]} in {crs_b.to_string()}; "
            f"bring both into one CRS first, e.g. {names[0]}.to_crs({names[1]}.crs)."
        )


def _type_error(geoms: np.ndarray, allowed: tuple[str, ...], argument: str) -> GeometryError:
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    found = sorted(set(shapely.get_type_id(geoms[present]).tolist()))
    names = [shapely.GeometryType(t).name.title().replace("poly", "Poly") for t in found]
    return GeometryError(
        f"{argument} holds {', '.join(names)} geometries but must hold {' or '.join(allowed)}; "
        "did you pass the layers in the wrong order?"
    )


def _point_xy(geoms: np.ndarray, argument: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        return _kernels.point_xy(geoms)
    except TypeError:
        raise _type_error(geoms, ("Point",), argument) from None


def _polygon_arrays(geoms: np.ndarray, argument: str) -> _kernels.PolygonArrays:
    try:
        return _kernels.polygon_arrays(geoms)
    except TypeError:
        raise _type_error(geoms, ("Polygon", "MultiPolygon"), argument) from None


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise InputError(f"engine={engine!r} is not known; use one of {', '.join(ENGINES)}.")


def _positions(declared_pos: object, n_points: int, n_polygons: int) -> np.ndarray:
    pos = np.asarray(declared_pos)
    if pos.shape != (n_points,) or not np.issubdtype(pos.dtype, np.integer):
        raise InputError(
            f"declared_pos must be an integer array with one entry per point ({n_points}); got "
            f"shape {pos.shape} of {pos.dtype}. Use -1 where a point declares no polygon."
        )
    bad = (pos < -1) | (pos >= n_polygons)
    if bad.any():
        raise InputError(
            f"declared_pos holds positions outside 0..{n_polygons - 1} (and -1 for none): "
            f"{pos[bad][:5].tolist()}; positions index the rows of polygons."
        )
    return pos.astype(np.int64, copy=False)


def _geoseries(obj: GeometryInput, argument: str) -> gpd.GeoSeries:
    geoms, crs = _geoms(obj, argument)
    return gpd.GeoSeries(geoms, crs=crs if crs is not None else 4326)


# -- point in polygon ---------------------------------------------------------------------------


def locate_points(
    points: GeometryInput,
    polygons: GeometryInput,
    *,
    engine: Engine = "numba",
    declared_pos: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Find the polygon that contains each point.

    Parameters
    ----------
    points : GeoDataFrame, GeoSeries or array of Points
        The points (missing or empty points are in no polygon).
    polygons : GeoDataFrame, GeoSeries or array of Polygons/MultiPolygons
        The polygons, in the same CRS as the points. Holes and multi-part polygons count.
    engine : {"numba", "shapely"}
        Compiled kernel (default; the first call in a fresh install compiles it, about 5 s) or
        GEOS through ``shapely.STRtree.query(..., predicate="within")``.
    declared_pos : array of int, optional
        Position (row number in ``polygons``) each point declares, ``-1`` for none. Points
        inside their declared polygon keep it after one point-in-polygon test; only the others
        are searched.

    Returns
    -------
    (ndarray of int64, ndarray of int32)
        ``parent_pos``: row number of the containing polygon in ``polygons`` (the smallest when
        several overlap; with ``declared_pos``, the declared one when it contains the point),
        ``-1`` for none. ``n_hits``: how many polygons contain the point; a point kept by its
        declared polygon counts 1 (overlapping polygons are not searched for it).

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> pos, hits = gp.locate_points(h.households.geometry.values, h.buildings.geometry.values)
    >>> int((pos >= 0).sum()), int(hits.max())
    (1086, 1)
    """
    _check_engine(engine)
    pts, pts_crs = _geoms(points, "points")
    polys, polys_crs = _geoms(polygons, "polygons")
    _same_crs(pts_crs, polys_crs, ("points", "polygons"))
    declared = None if declared_pos is None else _positions(declared_pos, len(pts), len(polys))
    if engine == "shapely":
        return _locate_shapely(pts, polys, declared)
    x, y = _point_xy(pts, "points")
    arrays = _polygon_arrays(polys, "polygons")
    if declared is None:
        return _kernels.search_points(x, y, arrays)
    kept = _kernels.verify_pairs(x, y, declared, arrays)
    parent = np.where(kept, declared, -1)
    hits = kept.astype(np.int32)
    rest = np.flatnonzero(~kept)
    if len(rest):
        parent[rest], hits[rest] = _kernels.search_points(x[rest], y[rest], arrays)
    return parent, hits


def _locate_shapely(
    pts: np.ndarray, polys: np.ndarray, declared: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    if not np.isin(shapely.get_type_id(pts), (-1, shapely.GeometryType.POINT)).all():
        raise _type_error(pts, ("Point",), "points")
    allowed = (-1, shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
    if not np.isin(shapely.get_type_id(polys), allowed).all():
        raise _type_error(polys, ("Polygon", "MultiPolygon"), "polygons")
    parent = np.full(len(pts), -1, dtype=np.int64)
    hits = np.zeros(len(pts), dtype=np.int32)
    rest = np.arange(len(pts))
    if declared is not None:
        kept = _verify_shapely(pts, polys, declared)
        parent[kept] = declared[kept]
        hits[kept] = 1
        rest = np.flatnonzero(~kept)
    point_i, poly_i = shapely.STRtree(polys).query(pts[rest], predicate="within")
    hits[rest] = np.bincount(point_i, minlength=len(rest))
    smallest = np.full(len(rest), np.iinfo(np.int64).max)
    np.minimum.at(smallest, point_i, poly_i)
    parent[rest] = np.where(hits[rest] > 0, smallest, -1)
    return parent, hits


def _verify_shapely(pts: np.ndarray, polys: np.ndarray, declared: np.ndarray) -> np.ndarray:
    out = np.zeros(len(pts), dtype=bool)
    has = np.flatnonzero(declared >= 0)
    if len(has):
        out[has] = shapely.within(pts[has], polys[declared[has]])
    return out


def verify_points(
    points: GeometryInput,
    polygons: GeometryInput,
    declared_pos: np.ndarray,
    *,
    engine: Engine = "numba",
) -> np.ndarray:
    """Is each point inside the polygon it declares? One point-in-polygon test per point.

    Parameters
    ----------
    points, polygons
        As for :func:`locate_points` (same CRS).
    declared_pos : array of int
        Row number in ``polygons`` of each point's declared polygon, ``-1`` for none.
    engine : {"numba", "shapely"}
        Compiled kernel (default) or GEOS (``shapely.within``).

    Returns
    -------
    ndarray of bool
        True where the point lies inside its declared polygon; False where it does not, where
        it declares none, or where point or polygon is missing.

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> declared = h.buildings.index.get_indexer(h.households["building_id"])
    >>> inside = gp.verify_points(h.households.geometry.values, h.buildings.geometry.values, declared)
    >>> int((~inside).sum())  # the household planted in the wrong building
    1
    """
    _check_engine(engine)
    pts, pts_crs = _geoms(points, "points")
    polys, polys_crs = _geoms(polygons, "polygons")
    _same_crs(pts_crs, polys_crs, ("points", "polygons"))
    declared = _positions(declared_pos, len(pts), len(polys))
    if engine == "shapely":
        return _verify_shapely(pts, polys, declared)
    x, y = _point_xy(pts, "points")
    return _kernels.verify_pairs(x, y, declared, _polygon_arrays(polys, "polygons"))


# -- nearest and overlap (metric) ----------------------------------------------------------------


def nearest_within(
    points: GeometryInput, targets: GeometryInput, tolerance_m: float, metric_crs: object
) -> tuple[np.ndarray, np.ndarray]:
    """The nearest target of each point, if it lies within ``tolerance_m`` metres.

    Parameters
    ----------
    points, targets : GeoDataFrame, GeoSeries or array of geometries
        Usually household points and building points. Arrays are taken to be in EPSG:4326.
    tolerance_m : float
        Largest distance in metres (>= 0).
    metric_crs : CRS-like
        Projected CRS in metres in which distances are measured (e.g. ``h.metric_crs``).

    Returns
    -------
    (ndarray of int64, ndarray of float64)
        Row number of the nearest target (the smallest among equally near ones), ``-1`` when
        none lies within the tolerance; and its distance in metres (NaN for none).

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> pos, dist = gp.nearest_within(h.households.geometry.values, h.buildings.geometry.values,
    ...                               5.0, h.metric_crs)
    >>> int((pos >= 0).sum()), float(dist.max())
    (1086, 0.0)
    """
    if not np.isfinite(tolerance_m) or tolerance_m < 0:
        raise InputError(f"tolerance_m={tolerance_m!r} must be a distance in metres >= 0.")
    metric = check_metric_crs(metric_crs)
    pts = np.asarray(_geoseries(points, "points").to_crs(metric).array, dtype=object)
    tgts = np.asarray(_geoseries(targets, "targets").to_crs(metric).array, dtype=object)
    pos = np.full(len(pts), -1, dtype=np.int64)
    dist = np.full(len(pts), np.nan)
    if not len(pts) or not len(tgts):
        return pos, dist
    (point_i, target_i), d = shapely.STRtree(tgts).query_nearest(
        pts, max_distance=tolerance_m, return_distance=True, all_matches=True
    )
    order = np.lexsort((target_i, d, point_i))
    point_i, target_i, d = point_i[order], target_i[order], d[order]
    first = np.r_[True, point_i[1:] != point_i[:-1]] if len(point_i) else np.zeros(0, bool)
    pos[point_i[first]] = target_i[first]
    dist[point_i[first]] = d[first]
    return pos, dist


def largest_overlap(
    children: GeometryInput, parents: GeometryInput, metric_crs: object
) -> tuple[np.ndarray, np.ndarray]:
    """The parent polygon each child polygon overlaps most, and the share of the child's area.

    Areas are measured in ``metric_crs`` (metres). Invalid geometries are measured on a
    ``make_valid`` copy; :func:`gridparty.checks.validate` reports them separately.

    Parameters
    ----------
    children, parents : GeoDataFrame, GeoSeries or array of Polygons/MultiPolygons
        E.g. buildings and grids, or grids and communities. Arrays are taken to be in EPSG:4326.
    metric_crs : CRS-like
        Projected CRS in metres (e.g. ``h.metric_crs``).

    Returns
    -------
    (ndarray of int64, ndarray of float64)
        Row number of the parent with the largest overlap (the smallest row number on a tie),
        ``-1`` when the child overlaps no parent; and the overlap area divided by the child's
        area (0–1; 0 for none).

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> pos, share = gp.largest_overlap(h.grids.geometry.values, h.communities.geometry.values, h.metric_crs)
    >>> len(pos), int((pos >= 0).sum()), round(float(share.min()), 2)
    (60, 60, 0.99)
    """
    parent, share, _ = _largest_overlap(children, parents, metric_crs)
    return parent, share


def _largest_overlap(
    children: GeometryInput, parents: GeometryInput, crs: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`largest_overlap` plus how many parents overlap each child (with area > 0).

    A child that a parent covers gets share 1 without measuring; only children that straddle
    parents (or lie partly outside) are projected to ``crs`` and intersected.
    """
    metric = check_metric_crs(crs)
    kid_s, par_s = _geoseries(children, "children"), _geoseries(parents, "parents")
    _same_crs(kid_s.crs, par_s.crs, ("children", "parents"))
    # repaired, not moved (_geoseries sets a CRS on both)
    kids, pars = measurable(kid_s, kid_s.crs), measurable(par_s, par_s.crs)  # type: ignore[arg-type]
    tree = shapely.STRtree(kids)
    par_i, kid_i = tree.query(pars, predicate="intersects")
    cov_par, cov_kid = tree.query(pars, predicate="covers")
    covered = np.isin(kid_i * len(pars) + par_i, cov_kid * len(pars) + cov_par)
    area = np.where(covered, np.inf, 0.0)  # covered: the whole child; touching: nothing
    partial = np.flatnonzero(~covered)
    partial = partial[~shapely.touches(kids[kid_i[partial]], pars[par_i[partial]])]
    kid_area = np.full(len(kids), np.nan)
    if len(partial):
        area[partial], kid_area = _metric_overlaps(
            kid_s, par_s, kid_i[partial], par_i[partial], metric
        )
    overlap = area > 0
    kid_i, par_i, area = kid_i[overlap], par_i[overlap], area[overlap]
    n_hits = np.bincount(kid_i, minlength=len(kids)).astype(np.int32)
    order = np.lexsort((par_i, -area, kid_i))
    kid_i, par_i, area = kid_i[order], par_i[order], area[order]
    first = np.r_[True, kid_i[1:] != kid_i[:-1]] if len(kid_i) else np.zeros(0, bool)
    best = np.full(len(kids), -1, dtype=np.int64)
    share = np.zeros(len(kids))
    kid_first, area_first = kid_i[first], area[first]
    best[kid_first] = par_i[first]
    with np.errstate(invalid="ignore", divide="ignore"):
        share[kid_first] = np.where(
            np.isinf(area_first), 1.0, np.minimum(area_first / kid_area[kid_first], 1.0)
        )
    return best, share, n_hits


def _metric_overlaps(
    kid_s: gpd.GeoSeries,
    par_s: gpd.GeoSeries,
    kid_i: np.ndarray,
    par_i: np.ndarray,
    metric: pyproj.CRS,
) -> tuple[np.ndarray, np.ndarray]:
    """Overlap areas (m²) of the pairs, and the area (m²) of every child (NaN if not measured)."""
    kid_u, kid_pos = np.unique(kid_i, return_inverse=True)
    par_u, par_pos = np.unique(par_i, return_inverse=True)
    # iloc of a GeoSeries is a GeoSeries (the stubs say Series).
    kids_m = measurable(kid_s.iloc[kid_u], metric)  # type: ignore[arg-type]
    pars_m = measurable(par_s.iloc[par_u], metric)  # type: ignore[arg-type]
    area = shapely.area(shapely.intersection(kids_m[kid_pos], pars_m[par_pos]))
    kid_area = np.full(len(kid_s), np.nan)
    kid_area[kid_u] = shapely.area(kids_m)
    return area, kid_area


# -- the whole hierarchy ------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """Result of :func:`assign`.

    Attributes
    ----------
    hierarchy : Hierarchy
        A new hierarchy whose missing parent ids are filled from space (declared ids are kept,
        even where space disagrees).
    table : DataFrame
        One row per grid, building and household: ``level``, ``id``, ``declared`` (the parent id
        in the data), ``spatial`` (the parent found in space, <NA> for none), ``agree`` (boolean,
        <NA> when either is missing), ``share`` (share of the child inside the parent: overlap
        area / child area for polygons, 1.0 for a point in a polygon, 0.0 for none, NaN for a
        nearest-point match), ``distance_m`` (0 for a point in a polygon, the distance in metres
        for a nearest-point match, NaN otherwise) and ``n_hits`` (how many parents contain the
        point or overlap the child; 1 for a household its declared footprint contains, as
        overlapping footprints are not searched for it).

    Examples
    --------
    >>> import gridparty as gp
    >>> result = gp.assign(gp.sample_city())
    >>> result.table.groupby("level").size().to_dict()
    {'grid': 60, 'building': 1321, 'household': 1086}
    >>> int((result.table["agree"] == False).sum())  # declared parent contradicted by space
    1
    """

    hierarchy: Hierarchy
    table: pd.DataFrame

    @classmethod
    def from_table(cls, h: Hierarchy, table: pd.DataFrame) -> Assignment:
        """The assignment of ``h`` given its table (e.g. from :func:`gridparty.distributed_assign`).

        Missing parent ids of ``h`` are filled from the table's ``spatial`` column; the table
        must hold the rows of ``h``'s grids, buildings and households in the layers' order.
        """
        filled = {}
        for name in _CHILD_LEVELS:
            child = h.layer(name)
            rows = table[table["level"] == name]
            if (
                len(rows) != len(child)
                or not (rows["id"].to_numpy() == child.index.to_numpy()).all()
            ):
                raise InputError(
                    f"table does not hold the {LEVELS[name].layer} of h in their order; pass the "
                    "table computed for this hierarchy."
                )
            declared, spatial = rows["declared"].array, rows["spatial"].array
            missing = pd.isna(declared)
            if (missing & pd.notna(spatial)).any():
                values = child[LEVELS[name].parent_column].array.copy()
                values[missing] = spatial[missing]
                column = str(LEVELS[name].parent_column)
                filled[LEVELS[name].layer] = child.assign(**{column: values})
        return cls(h.replace(**filled) if filled else h, table)

    @property
    def filled(self) -> dict[str, int]:
        """How many parent ids were filled from space, per level (``{"grid": 12, ...}``; every
        level of the table, 0 where none was missing or none could be found)."""
        return filled_counts(self.table)

    def describe(self) -> str:
        """One line for people: how many parent ids were filled from space, per level."""
        return describe_filled(self.filled)


def filled_counts(table: pd.DataFrame) -> dict[str, int]:
    """:attr:`Assignment.filled` of an assignment table (e.g. :func:`gridparty.distributed_assign`'s)."""
    filled = (table["declared"].isna() & table["spatial"].notna()).to_numpy(bool)
    counts = pd.Series(filled, index=table["level"].to_numpy()).groupby(level=0).sum()
    return {name: int(counts.get(name, 0)) for name in LEVEL_NAMES[1:]}


def describe_filled(filled: dict[str, int]) -> str:
    """:meth:`Assignment.describe` of the counts of :func:`filled_counts`."""
    parts = [
        f"{n:,} {LEVELS[name].layer} → {LEVELS[LEVELS[name].parent].label_en}"  # type: ignore[index]
        for name, n in filled.items()
        if n
    ]
    return "parents filled from space: " + (", ".join(parts) if parts else "none")


def with_parents(h: Hierarchy, *, tolerance_m: float = 5.0, engine: Engine = "numba") -> Assignment:
    """``h`` with its missing parent ids filled from space: the one way every analysis that
    needs parents (mentoring zones, flagship choice, coverage, validation) fills them.

    Runs :func:`assign` only when some grid, building or household lacks its parent id;
    otherwise returns ``h`` itself with an empty table. :attr:`Assignment.filled` and
    :meth:`Assignment.describe` say how many were filled.

    Examples
    --------
    >>> import gridparty as gp
    >>> from gridparty.spatial.assign import with_parents
    >>> with_parents(gp.sample_city()).describe()
    'parents filled from space: none'
    """
    from gridparty.core.model import Hierarchy

    if not isinstance(h, Hierarchy):
        raise InputError(f"h must be a gridparty.Hierarchy, got {type(h).__name__}.")
    missing = any(
        h.layer(name)[LEVELS[name].parent_column].isna().any() for name in LEVEL_NAMES[1:]
    )
    return (
        assign(h, tolerance_m=tolerance_m, engine=engine)
        if missing
        else Assignment(h, assignment_table([]))
    )


@dataclass(frozen=True)
class _Found:
    """Spatial parents of one level, by child row."""

    pos: np.ndarray
    share: np.ndarray
    distance_m: np.ndarray
    n_hits: np.ndarray

    @classmethod
    def empty(cls, n: int) -> _Found:
        return cls(np.full(n, -1, np.int64), np.zeros(n), np.full(n, np.nan), np.zeros(n, np.int32))

    def put(self, rows: np.ndarray, other: _Found) -> None:
        for name in ("pos", "share", "distance_m", "n_hits"):
            getattr(self, name)[rows] = getattr(other, name)


def assign(h: Hierarchy, *, tolerance_m: float = 5.0, engine: Engine = "numba") -> Assignment:
    """Assign every grid, building and household to its parent in space.

    Grids go to the community they overlap most; building footprints to the grid they overlap
    most and building points to the grid containing them; households to the footprint
    containing them (declared pairs are verified first with one point-in-polygon test each,
    only the rest are searched) or, for point buildings, to the nearest building within
    ``tolerance_m``. Areas and distances are measured in ``h.metric_crs``.

    Parameters
    ----------
    h : Hierarchy
        The hierarchy; not modified.
    tolerance_m : float
        Largest distance in metres from a household to a building given as a point.
    engine : {"numba", "shapely"}
        Point-in-polygon engine, see :func:`locate_points`.

    Returns
    -------
    Assignment
        The filled hierarchy and the assignment table.

    Examples
    --------
    >>> import gridparty as gp
    >>> result = gp.assign(gp.sample_city())
    >>> result.hierarchy
    <Hierarchy: 9 communities, 60 grids, 1,321 buildings, 1,086 households>
    >>> list(result.table.columns)
    ['level', 'id', 'declared', 'spatial', 'agree', 'share', 'distance_m', 'n_hits']
    """
    from gridparty.core.model import Hierarchy

    if not isinstance(h, Hierarchy):
        raise InputError(f"h must be a gridparty.Hierarchy, got {type(h).__name__}.")
    _check_engine(engine)
    if not np.isfinite(tolerance_m) or tolerance_m < 0:
        raise InputError(f"tolerance_m={tolerance_m!r} must be a distance in metres >= 0.")
    if not any(len(h.layer(name)) for name in ("grid", "building", "household")):
        return Assignment(h, assignment_table([]))
    parts = [
        assign_level(
            name,
            h.layer(name),
            h.layer(str(LEVELS[name].parent)),
            h.metric_crs,
            tolerance_m,
            engine,
        )
        for name in _CHILD_LEVELS
    ]
    return Assignment.from_table(h, assignment_table(parts))


def assign_level(
    name: str,
    child: gpd.GeoDataFrame,
    parent: gpd.GeoDataFrame,
    metric_crs: pyproj.CRS,
    tolerance_m: float,
    engine: Engine,
) -> pd.DataFrame:
    """The rows of :attr:`Assignment.table` for one level (``"grid"``, ``"building"`` or
    ``"household"``): each row of ``child`` against the rows of ``parent``.

    ``parent`` may be any subset of the parent layer, in the layer's order, that holds every
    parent the children could touch (within ``tolerance_m`` for households): ties go to the
    earliest row, so the answers equal those against the whole layer. This is what
    :mod:`gridparty.distributed` runs per partition.
    """
    if name == "grid":
        result = _polygons_in(child, parent, metric_crs)
    elif name == "building":
        result = _buildings_in_grids(child, parent, metric_crs, engine)
    else:
        result = _households_in_buildings(child, parent, metric_crs, tolerance_m, engine)
    spatial = parent.index.array.take(result.pos, allow_fill=True)
    declared = child[LEVELS[name].parent_column].array
    return _level_table(name, child.index.array, declared, spatial, result)


def _polygons_in(children: gpd.GeoDataFrame, parents: gpd.GeoDataFrame, crs: pyproj.CRS) -> _Found:
    pos, share, hits = _largest_overlap(children, parents, crs)
    return _Found(pos, share, np.full(len(pos), np.nan), hits)


_POINT = (shapely.GeometryType.POINT,)
_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def _only(frame: gpd.GeoDataFrame, kinds: tuple[int, ...]) -> np.ndarray:
    """The layer's geometries with every other type set to missing (rows keep their place).

    Wrong geometry types are reported by validation; here they simply match nothing.
    """
    geoms = np.asarray(frame.geometry.array, dtype=object)
    keep = np.isin(shapely.get_type_id(geoms), kinds)
    return geoms if keep.all() else np.where(keep, geoms, None)  # type: ignore[call-overload]  # None: missing


def _in_polygon(pos: np.ndarray, hits: np.ndarray) -> _Found:
    found = pos >= 0
    return _Found(pos, found.astype(float), np.where(found, 0.0, np.nan), hits)


def _buildings_in_grids(
    buildings: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, crs: pyproj.CRS, engine: Engine
) -> _Found:
    out = _Found.empty(len(buildings))
    types = shapely.get_type_id(np.asarray(buildings.geometry.array))
    footprints = np.flatnonzero(np.isin(types, _POLYGONAL))
    points = np.flatnonzero(types == shapely.GeometryType.POINT)
    if len(footprints):
        out.put(footprints, _polygons_in(buildings.iloc[footprints], grids, crs))
    if len(points):
        geoms = np.asarray(buildings.geometry.array[points], dtype=object)
        out.put(points, _in_polygon(*locate_points(geoms, _only(grids, _POLYGONAL), engine=engine)))
    return out


def _households_in_buildings(
    households: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    crs: pyproj.CRS,
    tolerance_m: float,
    engine: Engine,
) -> _Found:
    """Footprints by point in polygon (declared ones verified first), then point buildings."""
    out = _Found.empty(len(households))
    points = _only(households, _POINT)
    footprints = _only(buildings, _POLYGONAL)
    if not shapely.is_missing(footprints).all():
        declared = buildings.index.get_indexer(households["building_id"])  # type: ignore[arg-type]  # any array-like
        pos, hits = locate_points(points, footprints, engine=engine, declared_pos=declared)
        out = _in_polygon(pos, hits)
    rest = np.flatnonzero(out.pos < 0)
    building_points = _only(buildings, _POINT)
    if len(rest) and not shapely.is_missing(building_points).all():
        pos, dist = nearest_within(points[rest], building_points, tolerance_m, crs)
        found = pos >= 0
        out.put(rest, _Found(pos, np.where(found, np.nan, 0.0), dist, found.astype(np.int32)))
    return out


def _level_table(
    name: str, ids: object, declared: object, spatial: object, found: _Found
) -> pd.DataFrame:
    # pandas-stubs type neither array inputs as object nor categories as a tuple; pandas takes both.
    declared_s = pd.array(declared, dtype=TEXT_DTYPE)  # type: ignore[call-overload]
    spatial_s = pd.array(spatial, dtype=TEXT_DTYPE)  # type: ignore[call-overload]
    return pd.DataFrame(
        {
            "level": pd.Categorical.from_codes(  # type: ignore[call-overload]
                np.full(len(found.pos), _CHILD_LEVELS.index(name)), categories=_CHILD_LEVELS
            ),
            "id": pd.array(ids, dtype=TEXT_DTYPE),  # type: ignore[call-overload]
            "declared": declared_s,
            "spatial": spatial_s,
            "agree": pd.array(declared_s == spatial_s, dtype=FLAG_DTYPE),
            "share": found.share,
            "distance_m": found.distance_m,
            "n_hits": found.n_hits.astype(np.int64),
        }
    )


def assignment_table(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The assignment table of its per-level ``parts`` (an empty one, with its columns and
    dtypes, when there are none). Parts read back from Parquet get their dtypes back (an
    empty categorical column comes back without its categories)."""
    empty = _level_table("grid", [], [], [], _Found.empty(0))
    if not parts:
        return empty
    return pd.concat(parts, ignore_index=True).astype(empty.dtypes.to_dict())
