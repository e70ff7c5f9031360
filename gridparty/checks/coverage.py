"""Spatial coverage of a parent polygon layer by a child layer: gaps, overlaps, spill-overs.

"Full coverage, no blind spots" (全覆盖, 无盲区) asks three things of any pair of polygon
layers — grids in communities (the default), communities in streets, subdistricts in a district:

* **gaps** — parts of a parent covered by no child at all (uncovered land, 空白点);
* **overlaps** — parts covered by two children (households there are counted twice);
* **spill-overs** (``outside``) — parts of a child outside its declared parent.

Every part is one row with its area (m²), its width (m), and the buildings, households and
member households inside it. Parts smaller than ``min_area_m2`` or narrower than
``min_width_m`` are **slivers** (digitising noise): they keep their rows, with
``kind="sliver"``, so nothing is silently dropped.

Width is the diameter of the largest circle that fits inside the part, see
:mod:`gridparty.spatial.tiling`. Every length and area is measured in a metric CRS.

How it stays fast (the benchmark ``benchmarks/bench_coverage.py`` measures it): most parents
are tiled exactly by their own children, and that is proved for all of them at once with
numpy on the coordinates: the children's oriented boundary segments must add up to the
parent's (see :func:`_tiled`). Such a parent has no gap, no spill-over and no overlap inside,
and is done. Only the other parents are differenced exactly (GEOS), and only their children
(and children without a parent) are intersected with their neighbours. A child its parent covers
is not differenced, and when that parent overlaps no other parent the child is *confined*: it
meets the interior of its own parent and of no other, and cannot overlap a confined child of
another parent, so those pairs need no test. A compiled screen
(:func:`gridparty.spatial.tiling.interiors_meet`) decides most remaining pairs before GEOS, and
the element-wise GEOS steps run on every core (:func:`gridparty.core.parallel.chunked`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gridparty.core import coords as _coords
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import ColumnError, DuplicateIdError, InputError
from gridparty.core.geometry import measurable, take_or, to_wgs84_array
from gridparty.core.model import ISSUE_COLUMNS, Hierarchy
from gridparty.core.parallel import chunked
from gridparty.core.results import Tables, figures
from gridparty.core.schema import LEVELS
from gridparty.spatial.kernels import covers_verdicts, polygon_arrays
from gridparty.spatial.tiling import (
    boundaries_match,
    classify_parts,
    holes_filled,
    interiors_meet,
    leaking_holes_filled,
    padded,
    polygon_parts,
)

__all__ = [
    "COVERAGE_CHECKS",
    "DEFAULT_MIN_AREA_M2",
    "DEFAULT_MIN_WIDTH_M",
    "SpatialCoverage",
    "check_tolerances",
    "merge_parts",
    "same_level_overlaps",
    "spatial_coverage",
    "street_outlines",
    "unit_overlaps",
]

#: Parts below this area (m²) are slivers; the same default as :func:`gridparty.checks.validate`.
DEFAULT_MIN_AREA_M2 = 1.0
#: Parts narrower than this (m) are slivers. A project default, not a domain rule: narrower
#: than any lane a grid could leave uncovered on purpose, wider than the offsets between
#: boundaries traced from different base maps (the Beijing test data's spill-overs are 0.85 m).
DEFAULT_MIN_WIDTH_M = 2.0

#: Input problems a coverage check reports: check → (severity, meaning).
COVERAGE_CHECKS: dict[str, tuple[str, str]] = {
    "empty_geometry": ("error", "no geometry, or an empty one: left out of the check"),
    "wrong_geometry_type": ("error", "not a polygon: left out of the check"),
    "invalid_geometry": ("warning", "invalid geometry: measured on a make_valid copy"),
    "no_parent": ("warning", "the child declares no parent: it covers land, spill-over unknown"),
    "unknown_parent": ("error", "the declared parent is not in the parent layer"),
    "no_children": ("warning", "the parent has no children: all of it is a gap"),
    "not_recorded": (
        "warning",
        "no children loaded at all (e.g. no grids): coverage is not checked, no parent is a gap",
    ),
}

_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
_COUNTS = ("buildings", "households", "member_households")


@dataclass(frozen=True)
class SpatialCoverage(Tables):
    """Result of :func:`spatial_coverage` (all geometry in EPSG:4326, measures in metres).

    Attributes
    ----------
    parent_level, child_level : str
        Names of the two layers (``"community"``, ``"grid"``).
    gaps : GeoDataFrame
        One row per uncovered part of a parent: ``parent_id``, ``kind`` (``"gap"`` or
        ``"sliver"``), ``area_m2``, ``width_m``, ``buildings``, ``households`` (sum of the
        buildings' ``households``), ``member_households``.
    overlaps : GeoDataFrame
        One row per part covered by two children: ``child_id``, ``other_id``, their parents
        ``parent_id``, ``other_parent_id``, ``kind`` (``"overlap"`` or ``"sliver"``) and the
        measures and counts above (households there are counted twice).
    outside : GeoDataFrame
        One row per part of a child outside its declared parent: ``child_id``, ``parent_id``,
        ``kind`` (``"outside"`` or ``"sliver"``), measures and counts.
    by_parent : DataFrame
        Per parent, every part of the three tables that belongs to it, real parts and slivers
        apart: ``area_m2``, ``children``; ``gaps`` and ``gap_m2`` (real gaps),
        ``gap_slivers`` and ``gap_sliver_m2``; ``overlap_m2`` (real overlaps of its children,
        an overlap between children of two parents counted for both), ``overlap_slivers`` and
        ``overlap_sliver_m2``; ``outside_m2`` (real spill-overs of its children),
        ``outside_slivers`` and ``outside_sliver_m2``; ``slivers`` and ``sliver_m2`` (all
        three kinds together: the rows of :attr:`slivers` that concern the parent);
        ``covered_m2`` (area minus every gap, sliver gaps included: ``area_m2 - gap_m2 -
        gap_sliver_m2``), ``coverage_ratio`` (covered / area) and the buildings, households
        and member households in its real gaps (``*_in_gaps``).
    by_child : DataFrame
        Per child: ``parent_id``, ``area_m2``, ``outside_m2``, ``overlap_m2``, ``overlaps``
        (real ones only).
    problems : DataFrame
        Input problems (``level, id, check, severity, message``), see :data:`COVERAGE_CHECKS`.
    crs : pyproj.CRS
        The metric CRS of every measure.
    min_area_m2, min_width_m : float
        The sliver tolerances used.

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> cov = gp.spatial_coverage(h.communities, h.grids, parent_column="community_id")
    >>> len(cov.gaps), len(cov.overlaps), len(cov.outside)
    (1, 1, 1)
    """

    parent_level: str
    child_level: str
    gaps: gpd.GeoDataFrame
    overlaps: gpd.GeoDataFrame
    outside: gpd.GeoDataFrame
    by_parent: pd.DataFrame
    by_child: pd.DataFrame
    problems: pd.DataFrame
    crs: pyproj.CRS
    min_area_m2: float
    min_width_m: float

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name (``gaps``, ``overlaps``, ``outside``, ``by_parent``, ...)."""
        return {
            "gaps": self.gaps,
            "overlaps": self.overlaps,
            "outside": self.outside,
            "by_parent": self.by_parent,
            "by_child": self.by_child,
            "problems": self.problems,
        }

    @property
    def slivers(self) -> gpd.GeoDataFrame:
        """Every sliver of the three tables, with a ``problem`` column (gap/overlap/outside)."""
        frames = [
            t[t["kind"] == "sliver"].assign(problem=name)
            for name, t in (
                ("gap", self.gaps),
                ("overlap", self.overlaps),
                ("outside", self.outside),
            )
        ]
        columns = [
            "problem",
            "parent_id",
            "child_id",
            "other_id",
            "area_m2",
            "width_m",
            *_COUNTS,
            "geometry",
        ]
        table = pd.concat([f.reindex(columns=columns) for f in frames], ignore_index=True)
        return gpd.GeoDataFrame(table, geometry="geometry", crs=4326).rename_axis("part")

    def summary(self) -> pd.DataFrame:
        """Headline figures: counts and areas (m²) of gaps, overlaps, spill-overs, slivers."""
        rows: dict[str, object] = {
            plural(self.parent_level): len(self.by_parent),
            plural(self.child_level): len(self.by_child),
            "area_m2": self.by_parent["area_m2"].sum(),
            "coverage_ratio": _ratio(
                self.by_parent["covered_m2"].sum(min_count=1), self.by_parent["area_m2"].sum()
            ),
        }
        for name, count, table in (
            ("gap", "gaps", self.gaps),
            ("overlap", "overlaps", self.overlaps),
            ("outside", "spill_overs", self.outside),
        ):
            real = table["kind"] != "sliver"
            rows[count] = int(real.sum())
            rows[f"{name}_m2"] = float(table.loc[real, "area_m2"].sum())
            rows[f"{name}_slivers"] = int((~real).sum())
        rows["problems"] = len(self.problems)
        return figures(rows)


def plural(level: str) -> str:
    """The layer name of a level (``"grid"`` → ``"grids"``, ``"community"`` → ``"communities"``)."""
    return LEVELS[level].layer if level in LEVELS else f"{level}s"


def spatial_coverage(
    parents: gpd.GeoDataFrame,
    children: gpd.GeoDataFrame,
    *,
    parent_column: str,
    metric_crs: pyproj.CRS | str | int | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    households: gpd.GeoDataFrame | None = None,
    min_area_m2: float = DEFAULT_MIN_AREA_M2,
    min_width_m: float = DEFAULT_MIN_WIDTH_M,
    parent_level: str = "community",
    child_level: str = "grid",
) -> SpatialCoverage:
    """Find the gaps, overlaps and spill-overs of ``children`` in ``parents``.

    Parameters
    ----------
    parents : GeoDataFrame
        Parent polygons (e.g. ``h.communities``, :func:`street_outlines`, a district outline);
        the index holds their ids (unique).
    children : GeoDataFrame
        Child polygons (e.g. ``h.grids``); the index holds their ids (unique).
    parent_column : str
        Column of ``children`` with the declared parent id (``"community_id"``).
    metric_crs : CRS-like, optional
        Projected CRS in metres for every measure; default the UTM zone of the data.
    buildings : GeoDataFrame, optional
        Footprints or points with a ``households`` column: counted in every part by their
        representative point (``shapely.point_on_surface``).
    households : GeoDataFrame, optional
        Member-household points, counted in every part.
    min_area_m2, min_width_m : float
        Parts below this area (m²) or narrower than this width (m) are slivers (kept, with
        ``kind="sliver"``). ``min_width_m=0`` separates by area only.
    parent_level, child_level : str
        Names of the layers in the result and in messages.

    Returns
    -------
    SpatialCoverage
        Gaps, overlaps and spill-overs (one row per part), per-parent and per-child tables
        and the input problems. Children with missing or unusable geometry are left out of
        the geometry and reported in ``problems``; a parent without children is all gap.

    Raises
    ------
    InputError, ColumnError, CRSError, DuplicateIdError
        A layer is not a GeoDataFrame, has no or a wrong CRS or repeated ids,
        ``parent_column`` is missing, or a tolerance is negative.

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> cov = gp.spatial_coverage(h.communities, h.grids, parent_column="community_id")
    >>> list(cov.by_parent.columns[:4]), round(float(cov.gaps["area_m2"].sum()))
    (['name', 'area_m2', 'children', 'gaps'], 1025)
    """
    check_tolerances(min_area_m2, min_width_m)
    parents = _layer(parents, "parents")
    children = _layer(children, "children")
    if parent_column not in children.columns:
        raise ColumnError(
            f"parent_column={parent_column!r} is not a column of children; its columns are "
            f"{[c for c in children.columns if c != children.geometry.name]}."
        )
    metric = _coords.choose_metric_crs(metric_crs, parents, children)
    layers = _Layers.build(parents, children, parent_column, metric)
    parts = _find_parts(layers)
    counter = _Counter.build(buildings, households, metric)
    tolerances = (min_area_m2, min_width_m)
    gaps = _part_table(parts.gaps, layers, counter, tolerances, "gap")
    overlaps = _part_table(parts.overlaps, layers, counter, tolerances, "overlap")
    outside = _part_table(parts.outside, layers, counter, tolerances, "outside")
    result = SpatialCoverage(
        parent_level=parent_level,
        child_level=child_level,
        gaps=gaps,
        overlaps=overlaps,
        outside=outside,
        by_parent=_by_parent(layers, gaps, overlaps, outside),
        by_child=_by_child(layers, overlaps, outside),
        problems=_problems(layers, parent_level, child_level),
        crs=metric,
        min_area_m2=float(min_area_m2),
        min_width_m=float(min_width_m),
    )
    return result if len(children) else _nothing_loaded(result)


def _nothing_loaded(result: SpatialCoverage) -> SpatialCoverage:
    """The result for a layer of children without rows: not "every parent is all gap" but one
    ``not_recorded`` problem; the parents' coverage is unknown (NaN), their gaps none."""
    child = plural(result.child_level)
    problem = pd.DataFrame(
        [
            {
                "level": result.child_level,
                "id": child,
                "check": "not_recorded",
                "severity": COVERAGE_CHECKS["not_recorded"][0],
                "message": f"no {child} loaded: the coverage of "
                f"{plural(result.parent_level)} by {child} is not checked",
            }
        ],
        columns=list(ISSUE_COLUMNS),
    ).astype(TEXT_DTYPE)
    by_parent = result.by_parent.assign(
        gaps=0,
        gap_m2=0.0,
        covered_m2=np.nan,
        coverage_ratio=np.nan,
        **dict.fromkeys(_COUNTS_IN_GAPS, 0),
    )
    return dataclasses.replace(
        result,
        gaps=result.gaps.iloc[:0],
        by_parent=by_parent[result.by_parent.columns],
        problems=problem.set_axis(pd.RangeIndex(1, 2, name="problem")),
    )


#: Columns of ``by_parent`` that count what lies in gaps.
_COUNTS_IN_GAPS = tuple(f"{c}_in_gaps" for c in _COUNTS)


def street_outlines(
    communities: gpd.GeoDataFrame,
    *,
    by: str = "street",
    fill_holes: bool = True,
    slit_m: float = 0.01,
    metric_crs: pyproj.CRS | str | int | None = None,
) -> gpd.GeoDataFrame:
    """Outlines of streets (or districts): communities dissolved by ``by``.

    Parameters
    ----------
    communities : GeoDataFrame
        ``h.communities`` (EPSG:4326) with a ``by`` column; rows without a value are left out.
    by : str
        Column to dissolve by (``"street"`` or ``"district"``).
    fill_holes : bool
        Fill the holes of each outline (default): a hole that the street's communities
        enclose is then a gap of the street, not land outside it.
    slit_m : float
        Holes that leak to the outside only through slits narrower than this (metres; where
        a community's corner misses its neighbour's edge by a hair) are filled too: they are
        found as the holes of the outline closed by ``slit_m`` (buffered out and back in).
    metric_crs : CRS-like, optional
        Projected CRS in metres to close the slits in; default the UTM zone of the communities
        that have a ``by`` value. Each outline depends only on its own communities and this CRS.

    Returns
    -------
    GeoDataFrame
        Index ``by`` (the names), geometry in EPSG:4326.

    Examples
    --------
    >>> import gridparty as gp
    >>> streets = gp.street_outlines(gp.sample_city().communities)
    >>> streets.index.tolist()
    ['北外滩街道', '外滩街道', '陆家嘴街道']
    """
    if by not in communities.columns:
        raise ColumnError(f"by={by!r} is not a column of communities; use 'street' or 'district'.")
    check_tolerances(0.0, slit_m)
    named = _layer(communities, "communities")
    named = named[named[by].notna()]
    groups = pd.Index(named[by].astype(TEXT_DTYPE).unique()).sort_values()
    row = groups.get_indexer(named[by].astype(TEXT_DTYPE))
    geoms = np.asarray(shapely.make_valid(named.geometry.array), dtype=object)  # type: ignore[type-var, call-overload]  # a GeometryArray is array-like
    merged = shapely.union_all(padded(geoms, row, len(groups)), axis=1)
    if fill_holes and len(groups):
        merged = holes_filled(merged)  # type: ignore[arg-type]  # shapely returns an array for arrays
        if slit_m > 0:
            metric = _coords.choose_metric_crs(metric_crs, named)
            merged = leaking_holes_filled(merged, metric, slit_m)
    index = pd.Index(groups, name=by, dtype=TEXT_DTYPE)
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries(merged, index=index, crs=4326))


def merge_parts(
    table: gpd.GeoDataFrame, keys: list[str], *, slivers: bool = False
) -> gpd.GeoDataFrame:
    """Real (non-sliver) parts, or the slivers, merged per ``keys``: total ``area_m2`` and one
    MultiPolygon.

    Parameters
    ----------
    table : GeoDataFrame
        ``gaps``, ``overlaps`` or ``outside`` of a :class:`SpatialCoverage`.
    keys : list of str
        Columns to group by, e.g. ``["parent_id"]`` or ``["child_id", "other_id"]``.
    slivers : bool
        Merge the slivers instead of the real parts.

    Returns
    -------
    GeoDataFrame
        The key columns, ``area_m2`` and the geometry (EPSG:4326), one row per group.
    """
    parts = table[(table["kind"] == "sliver") == slivers]
    grouped = parts.groupby(keys, sort=True)
    group = grouped.ngroup().to_numpy()
    area = grouped["area_m2"].sum().reset_index()
    geoms = np.asarray(parts.geometry.array, dtype=object)
    merged = shapely.multipolygons(geoms, indices=group) if len(parts) else np.empty(0, object)
    return gpd.GeoDataFrame(area, geometry=gpd.GeoSeries(merged, crs=4326))


def unit_overlaps(
    h: Hierarchy,
    *,
    metric_crs: pyproj.CRS | str | int | None = None,
    min_area_m2: float = DEFAULT_MIN_AREA_M2,
    min_width_m: float = DEFAULT_MIN_WIDTH_M,
) -> gpd.GeoDataFrame:
    """:func:`same_level_overlaps` of the communities, streets and districts of ``h`` in one
    table, a ``level`` column first (``community``, ``street``, ``district``).

    Streets and districts are the outlines of their communities (:func:`street_outlines`);
    ``metric_crs`` defaults to ``h.metric_crs``. The other parameters and columns are those of
    :func:`same_level_overlaps`.
    """
    frames = []
    for level in ("community", "street", "district"):
        metric = h.metric_crs if metric_crs is None else metric_crs
        units = (
            h.communities
            if level == "community"
            else street_outlines(h.communities, by=level, metric_crs=metric)
        )
        found = same_level_overlaps(
            units,
            metric_crs=metric,
            min_area_m2=min_area_m2,
            min_width_m=min_width_m,
        )
        frames.append(found.assign(level=pd.array([level] * len(found), dtype=TEXT_DTYPE)))
    table = pd.concat(frames, ignore_index=True)
    columns = ["level", *(c for c in frames[0].columns if c != "level")]
    return gpd.GeoDataFrame(table[columns], geometry="geometry", crs=4326)


def same_level_overlaps(
    units: gpd.GeoDataFrame,
    *,
    metric_crs: pyproj.CRS | str | int | None = None,
    min_area_m2: float = DEFAULT_MIN_AREA_M2,
    min_width_m: float = DEFAULT_MIN_WIDTH_M,
) -> gpd.GeoDataFrame:
    """Land claimed by two units of one level (two communities, streets or districts).

    Parameters
    ----------
    units : GeoDataFrame
        Polygons of one level, index = their ids (``h.communities``, or
        :func:`street_outlines` for streets and districts).
    metric_crs : CRS-like, optional
        Projected CRS in metres for every measure; default the UTM zone of the data.
    min_area_m2, min_width_m : float
        Overlaps below this area (m²) are left out; those of at least ``min_area_m2`` but
        narrower than ``min_width_m`` (m) are kept with ``kind="sliver"`` (the rule of
        :func:`spatial_coverage`).

    Returns
    -------
    GeoDataFrame
        One row per pair of units that overlap, the first id the smaller: ``id``,
        ``other_id``, ``kind`` (``"overlap"`` or ``"sliver"``), ``area_m2``, ``width_m`` (of the
        widest part) and the overlap's geometry (EPSG:4326); largest first.
    """
    check_tolerances(min_area_m2, min_width_m)
    units = _layer(units, "units")
    columns = ["id", "other_id", "kind", "area_m2", "width_m"]
    empty = gpd.GeoDataFrame(
        {
            c: pd.Series(dtype=TEXT_DTYPE if "id" in c or c == "kind" else "float64")
            for c in columns
        },
        geometry=gpd.GeoSeries([], crs=4326),
    )
    usable = _usable(np.asarray(units.geometry.array, dtype=object))
    if usable.sum() < 2:
        return empty
    metric = _coords.choose_metric_crs(metric_crs, units)
    geoms = measurable(units[usable], metric)
    ids = units.index[usable].astype(TEXT_DTYPE).to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.intersection(geoms[left], geoms[right])
    parts, owner, other = polygon_parts(shared, left, right)
    area, width, _ = classify_parts(parts, min_area_m2, min_width_m)
    if not len(parts):
        return empty
    pair = pd.DataFrame({"owner": owner, "other": other, "area": area, "width": width})
    grouped = pair.groupby(["owner", "other"], sort=False)
    totals = grouped[["area", "width"]].agg({"area": "sum", "width": "max"}).reset_index()
    totals = totals[totals["area"] >= min_area_m2]
    if not len(totals):
        return empty
    # groups are numbered in order of appearance, as the rows of totals before the filter
    merged = np.asarray(shapely.multipolygons(parts, indices=grouped.ngroup().to_numpy()))
    at = totals.index.to_numpy()
    first = ids[totals["owner"].to_numpy()]
    second = ids[totals["other"].to_numpy()]
    swap = first > second
    table = pd.DataFrame(
        {
            "id": pd.array(np.where(swap, second, first), dtype=TEXT_DTYPE),
            "other_id": pd.array(np.where(swap, first, second), dtype=TEXT_DTYPE),
            "kind": pd.array(
                np.where(totals["width"].to_numpy() < min_width_m, "sliver", "overlap"),
                dtype=TEXT_DTYPE,
            ),
            "area_m2": totals["area"].to_numpy(),
            "width_m": totals["width"].to_numpy(),
        }
    )
    geometry = to_wgs84_array(merged[at], metric).to_numpy()
    out = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geometry, crs=4326))
    out = out.sort_values(["area_m2", "id", "other_id"], ascending=[False, True, True])
    return out.reset_index(drop=True)


# -- inputs -------------------------------------------------------------------------------------


def check_tolerances(min_area_m2: float, min_width_m: float) -> None:
    for name, value, unit in (
        ("min_area_m2", min_area_m2, "square metres"),
        ("min_width_m", min_width_m, "metres"),
    ):
        if not isinstance(value, int | float) or not np.isfinite(value) or value < 0:
            raise InputError(f"{name}={value!r} must be a number >= 0 ({unit}).")


def _layer(frame: object, argument: str) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(
            f"{argument} must be a GeoDataFrame indexed by id, got {type(frame).__name__}."
        )
    if not frame.index.is_unique:
        repeated = list(frame.index[frame.index.duplicated()].unique()[:5])
        raise DuplicateIdError(
            f"{argument} has repeated ids in its index, e.g. {repeated}; give every row a "
            "unique id (or load the layers into a gridparty.Hierarchy with strict=False)."
        )
    return _coords.ensure_wgs84(frame, argument)


def _usable(geoms: np.ndarray) -> np.ndarray:
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    return np.asarray(present) & np.isin(shapely.get_type_id(geoms), _POLYGONAL)


@dataclass(frozen=True)
class _Layers:
    """Both layers in metres, with the declared parent position of every child."""

    parents: gpd.GeoDataFrame
    children: gpd.GeoDataFrame
    parent_column: str
    parent_m: np.ndarray
    child_m: np.ndarray
    parent_ok: np.ndarray
    child_ok: np.ndarray
    parent_pos: np.ndarray  # row of the declared parent; -1 none/unknown
    crs: pyproj.CRS

    @classmethod
    def build(
        cls, parents: gpd.GeoDataFrame, children: gpd.GeoDataFrame, column: str, crs: pyproj.CRS
    ) -> _Layers:
        parent_m, child_m = measurable(parents, crs), measurable(children, crs)
        declared = children[column].astype(TEXT_DTYPE)
        pos = parents.index.astype(TEXT_DTYPE).get_indexer(declared)
        return cls(
            parents,
            children,
            column,
            parent_m,
            child_m,
            _usable(parent_m),
            _usable(child_m),
            pos.astype(np.int64),
            crs,
        )

    def area(self, geoms: np.ndarray) -> np.ndarray:
        """Areas (m²) of metric geometries, each measured in its own UTM zone when it lies in another
        zone than an automatically chosen ``crs`` (:func:`gridparty.core.coords.in_own_zones`)."""
        return shapely.area(_coords.in_own_zones(geoms, self.crs))

    @property
    def parent_ids(self) -> np.ndarray:
        return self.parents.index.astype(TEXT_DTYPE).to_numpy(dtype=object)  # type: ignore[no-any-return]  # pandas-stubs type this call's result as Any

    @property
    def child_ids(self) -> np.ndarray:
        return self.children.index.astype(TEXT_DTYPE).to_numpy(dtype=object)  # type: ignore[no-any-return]  # pandas-stubs type this call's result as Any


# -- the geometry --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parts:
    """Polygonal parts (metres) and who they belong to."""

    gaps: tuple[np.ndarray, np.ndarray, np.ndarray]  # parts, parent row, -1
    overlaps: tuple[np.ndarray, np.ndarray, np.ndarray]  # parts, child row, other child row
    outside: tuple[np.ndarray, np.ndarray, np.ndarray]  # parts, child row, parent row


def _find_parts(layers: _Layers) -> _Parts:
    kids = np.flatnonzero(layers.child_ok)
    tree = shapely.STRtree(layers.child_m[kids])
    tiled, clean = _tiled(layers)
    pos = layers.parent_pos
    exact = ~tiled & layers.parent_ok
    inside = _inside(layers, exact)
    settled = layers.child_ok & take_or(tiled, pos, False)
    confined = (settled | inside) & take_or(clean, pos, False)
    return _Parts(
        gaps=_gaps(layers, np.flatnonzero(exact), tree, kids, confined),
        overlaps=_overlaps(
            layers, np.flatnonzero(layers.child_ok & ~settled), tree, kids, confined
        ),
        outside=_outside(layers, exact, inside),
    )


def _tiled(layers: _Layers) -> tuple[np.ndarray, np.ndarray]:
    """Parents that their own children tile exactly (no gap, no spill-over, no overlap inside),
    and parents that overlap no other parent (``clean``).

    A parent is clean when it has usable geometry and its interior meets no other parent's
    (:func:`_clean`). A clean parent is tiled when its declared
    children all have usable geometry and the boundaries of its children, oriented
    counter-clockwise, add up to its own boundary segment by segment
    (:func:`gridparty.spatial.tiling.boundaries_match`): every point of the parent lies in
    exactly one child and no point outside it in any; being clean leaves no room for an
    overlap with the children of another parent. Children that share a parent's vertices
    exactly (as tiled data does) pass; any other parent is differenced exactly.
    """
    n = len(layers.parent_m)
    own = layers.parent_pos >= 0
    clean = _clean(layers.parent_m, layers.parent_ok)
    candidate = clean & (np.bincount(layers.parent_pos[own], minlength=n) > 0)
    candidate[layers.parent_pos[own & ~layers.child_ok]] = False
    rows = np.flatnonzero(candidate)
    out = np.zeros(n, dtype=bool)
    row = np.full(n, -1)
    row[rows] = np.arange(len(rows))
    kids = np.flatnonzero(own & (take_or(row, layers.parent_pos, -1) >= 0))
    out[rows] = boundaries_match(
        layers.parent_m[rows], layers.child_m[kids], row[layers.parent_pos[kids]]
    )
    return out, clean


def _clean(geoms: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """The usable polygons of ``geoms`` whose interior meets no other's.

    ``shapely.coverage_invalid_edges`` marks the edges of a polygon that lie in or cross
    another polygon; a polygon with such edges is not clean, and neither is every polygon
    whose interior it meets (one that wholly contains another has no invalid edge itself).
    """
    clean = usable.copy()
    ok = np.flatnonzero(usable)
    if not len(ok):
        return clean
    clean[ok] = shapely.is_empty(shapely.coverage_invalid_edges(geoms[ok]))
    dirty = np.flatnonzero(usable & ~clean)
    if len(dirty):
        near_dirty, near = shapely.STRtree(geoms[ok]).query(geoms[dirty])
        meet = interiors_meet(geoms[dirty], geoms[ok], near_dirty, near)
        clean[ok[near[meet]]] = False
    return clean


def _inside(layers: _Layers, exact: np.ndarray) -> np.ndarray:
    """Children of the ``exact`` parents that their parent covers: nothing of them lies outside
    it. The compiled screen :func:`gridparty.spatial.kernels.covers_verdicts` decides most
    pairs; a prepared GEOS predicate (several times cheaper than a difference) the rest."""
    pos = layers.parent_pos
    rows = np.flatnonzero(layers.child_ok & take_or(exact, pos, False))
    used, at = np.unique(pos[rows], return_inverse=True)
    polys = polygon_arrays(np.concatenate([layers.parent_m[used], layers.child_m[rows]]))
    verdict = covers_verdicts(polys, at, np.arange(len(rows)) + len(used))
    out = np.zeros(len(pos), dtype=bool)
    out[rows] = verdict > 0
    open_ = rows[verdict < 0]
    parents = layers.parent_m[pos[open_]]
    # GEOS's prepared geometries are not safe to share between threads: prepared, in one call,
    # then unprepared before the threaded steps that follow use the same parents
    shapely.prepare(parents)  # the metric copies, not the caller's geometries
    try:
        out[open_] = shapely.covers(parents, layers.child_m[open_])
    finally:
        shapely.destroy_prepared(parents)
    return out


def _gaps(
    layers: _Layers,
    rows: np.ndarray,
    tree: shapely.STRtree,
    kids: np.ndarray,
    confined: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parts of the parents ``rows`` covered by no child (union of the children inside each).

    A ``confined`` child (inside its declared parent, which overlaps no other parent) meets
    the interior of its own parent and of no other, so only the other pairs are related.
    """
    parent = layers.parent_m[rows]
    near_parent, near_kid = tree.query(parent)
    child = layers.child_m[kids]
    known = confined[kids[near_kid]]
    inside = layers.parent_pos[kids[near_kid]] == rows[near_parent]
    open_ = np.flatnonzero(~known)
    inside[open_] = interiors_meet(parent, child, near_parent[open_], near_kid[open_])
    union = chunked(
        shapely.union_all, padded(child[near_kid[inside]], near_parent[inside], len(rows)), axis=1
    )
    return polygon_parts(chunked(shapely.difference, parent, union), rows, np.full(len(rows), -1))


def _overlaps(
    layers: _Layers,
    suspects: np.ndarray,
    tree: shapely.STRtree,
    kids: np.ndarray,
    confined: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlapping parts of every pair with a suspect child (the others cannot overlap).

    Two ``confined`` children of different parents lie in parents that do not overlap, so
    they cannot overlap either and are not related.
    """
    if not len(suspects):
        return polygon_parts(np.empty(0, dtype=object), suspects, suspects)
    query_i, tree_i = tree.query(layers.child_m[suspects])
    a, b = suspects[query_i], kids[tree_i]
    n = np.int64(len(layers.child_m))
    code = np.unique(np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b))
    pairs = np.stack([code // n, code % n], axis=1)
    pos = layers.parent_pos
    apart = confined[pairs[:, 0]] & confined[pairs[:, 1]] & (pos[pairs[:, 0]] != pos[pairs[:, 1]])
    pairs = pairs[(pairs[:, 0] != pairs[:, 1]) & ~apart]
    child = layers.child_m
    pairs = pairs[interiors_meet(child, child, pairs[:, 0], pairs[:, 1])]
    inter = chunked(shapely.intersection, child[pairs[:, 0]], child[pairs[:, 1]])
    return polygon_parts(inter, pairs[:, 0], pairs[:, 1])


def _outside(
    layers: _Layers, exact: np.ndarray, inside: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parts of children outside their declared parent (only parents checked exactly; the
    children ``inside`` theirs have none and are not differenced)."""
    pos = layers.parent_pos
    rows = np.flatnonzero(layers.child_ok & take_or(exact, pos, False) & ~inside)
    spill = chunked(shapely.difference, layers.child_m[rows], layers.parent_m[pos[rows]])
    return polygon_parts(spill, rows, pos[rows])


# -- counts and tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Counter:
    """Building representative points (with households) and member-household points, metres."""

    building_points: np.ndarray
    building_households: np.ndarray
    household_points: np.ndarray

    @classmethod
    def build(
        cls,
        buildings: gpd.GeoDataFrame | None,
        households: gpd.GeoDataFrame | None,
        crs: pyproj.CRS,
    ) -> _Counter:
        points = np.empty(0, dtype=object)
        weights = np.empty(0)
        if buildings is not None and len(buildings):
            b = _layer(buildings, "buildings")
            points = shapely.point_on_surface(measurable(b, crs))
            column = b["households"] if "households" in b else pd.Series(0, index=b.index)
            weights = pd.to_numeric(column, errors="coerce").fillna(0).to_numpy(float)
        members = np.empty(0, dtype=object)
        if households is not None and len(households):
            members = measurable(_layer(households, "households"), crs)
        return cls(points, weights, members)

    def count(self, parts: np.ndarray) -> dict[str, np.ndarray]:
        """Buildings, their households, and member households inside each part."""
        out = {}
        for name, points, weights in (
            ("buildings", self.building_points, None),
            ("households", self.building_points, self.building_households),
            ("member_households", self.household_points, None),
        ):
            if not len(points) or not len(parts):
                out[name] = np.zeros(len(parts), dtype=np.int64)
                continue
            part_i, point_i = shapely.STRtree(points).query(parts, predicate="contains")
            w = None if weights is None else weights[point_i]
            out[name] = np.bincount(part_i, weights=w, minlength=len(parts)).astype(np.int64)
        return out


def _part_table(
    found: tuple[np.ndarray, np.ndarray, np.ndarray],
    layers: _Layers,
    counter: _Counter,
    tolerances: tuple[float, float],
    kind: str,
) -> gpd.GeoDataFrame:
    parts, owner, other = found
    area, width, sliver = classify_parts(_coords.in_own_zones(parts, layers.crs), *tolerances)
    columns = _owners(layers, owner, other, kind)
    table = pd.DataFrame(
        {
            **columns,
            "kind": pd.array(np.where(sliver, "sliver", kind), dtype=TEXT_DTYPE),
            "area_m2": area,
            "width_m": width,
            **counter.count(parts),
        }
    )
    geometry = to_wgs84_array(parts, layers.crs).to_numpy()
    out = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geometry, crs=4326))
    out = out.sort_values([*columns, "area_m2"], ascending=[True] * len(columns) + [False])
    return out.set_axis(pd.RangeIndex(1, len(out) + 1, name="part"))


def _owners(layers: _Layers, owner: np.ndarray, other: np.ndarray, kind: str) -> dict[str, Any]:
    parent_ids, child_ids = layers.parent_ids, layers.child_ids
    if kind == "gap":
        return {"parent_id": pd.array(parent_ids[owner], dtype=TEXT_DTYPE)}
    if kind == "outside":
        return {
            "child_id": pd.array(child_ids[owner], dtype=TEXT_DTYPE),
            "parent_id": pd.array(parent_ids[other], dtype=TEXT_DTYPE),
        }
    return {
        "child_id": pd.array(child_ids[owner], dtype=TEXT_DTYPE),
        "other_id": pd.array(child_ids[other], dtype=TEXT_DTYPE),
        "parent_id": _parent_of(layers, owner),
        "other_parent_id": _parent_of(layers, other),
    }


def _parent_of(layers: _Layers, rows: np.ndarray) -> pd.arrays.StringArray:
    pos = layers.parent_pos[rows]
    ids = take_or(layers.parent_ids, pos, None)
    return pd.array(ids, dtype=TEXT_DTYPE)  # type: ignore[no-any-return]  # pandas-stubs type this call's result as Any


def _by_parent(
    layers: _Layers, gaps: pd.DataFrame, overlaps: pd.DataFrame, outside: pd.DataFrame
) -> pd.DataFrame:
    index = pd.Index(layers.parent_ids, name="parent_id", dtype=TEXT_DTYPE)
    area = pd.Series(np.where(layers.parent_ok, layers.area(layers.parent_m), 0.0), index=index)
    own = layers.parent_pos[layers.parent_pos >= 0]
    real_gaps = _real(gaps)
    # An overlap belongs to the parents of both children (once when they share the parent).
    over = pd.concat(
        [
            overlaps[["parent_id", "kind", "area_m2"]],
            overlaps[["other_parent_id", "kind", "area_m2"]].set_axis(
                ["parent_id", "kind", "area_m2"], axis=1
            ),
        ]
    ).reset_index()
    over = over[over["parent_id"].notna()].drop_duplicates(["part", "parent_id"])
    columns: dict[str, pd.Series] = {
        "name": _names(layers.parents),
        "area_m2": area,
        "children": pd.Series(np.bincount(own, minlength=len(index)), index=index),
        "gaps": real_gaps.groupby("parent_id").size(),
        "gap_m2": real_gaps.groupby("parent_id")["area_m2"].sum(),
    }
    for name, table in (("gap", gaps), ("overlap", over), ("outside", outside)):
        if name != "gap":
            columns[f"{name}_m2"] = _real(table).groupby("parent_id")["area_m2"].sum()
        slivers = table[table["kind"] == "sliver"].groupby("parent_id")["area_m2"]
        columns[f"{name}_slivers"] = slivers.size()
        columns[f"{name}_sliver_m2"] = slivers.sum()
    table = pd.DataFrame(
        {**columns, **{c: real_gaps.groupby("parent_id")[c].sum() for c in _COUNTS}},
        index=index,
    )
    sums = [c for c in table.columns if c not in ("name", "area_m2")]
    table[sums] = table[sums].fillna(0)
    kinds = ("gap", "overlap", "outside")
    table.insert(
        table.columns.get_loc("outside_sliver_m2") + 1,  # type: ignore[operator, arg-type]  # a unique column: get_loc gives an int
        "slivers",
        table[[f"{k}_slivers" for k in kinds]].sum(axis=1),
    )
    table.insert(
        table.columns.get_loc("slivers") + 1,  # type: ignore[operator, arg-type]  # a unique column: get_loc gives an int
        "sliver_m2",
        table[[f"{k}_sliver_m2" for k in kinds]].sum(axis=1),
    )
    counts = ("children", "gaps", "slivers", *(f"{k}_slivers" for k in kinds), *_COUNTS)
    table = table.astype({c: "int64" for c in counts})
    covered = table["area_m2"] - table["gap_m2"] - table["gap_sliver_m2"]
    table["covered_m2"] = covered.clip(lower=0)
    table["coverage_ratio"] = _ratio(table["covered_m2"], table["area_m2"])  # type: ignore[call-overload]  # a numpy array
    return table.rename(columns=lambda c: c if c not in _COUNTS else f"{c}_in_gaps")


def _by_child(layers: _Layers, overlaps: pd.DataFrame, outside: pd.DataFrame) -> pd.DataFrame:
    index = pd.Index(layers.child_ids, name="child_id", dtype=TEXT_DTYPE)
    real = _real(overlaps)
    both = pd.concat(
        [
            real[["child_id", "area_m2"]],
            real[["other_id", "area_m2"]].set_axis(["child_id", "area_m2"], axis=1),
        ]
    )
    table = pd.DataFrame(
        {
            "parent_id": _parent_of(layers, np.arange(len(index))),
            "area_m2": np.where(layers.child_ok, layers.area(layers.child_m), 0.0),
            "outside_m2": _real(outside).groupby("child_id")["area_m2"].sum(),
            "overlap_m2": both.groupby("child_id")["area_m2"].sum(),
            "overlaps": both.groupby("child_id").size(),
        },
        index=index,
    )
    table[["outside_m2", "overlap_m2", "overlaps"]] = table[
        ["outside_m2", "overlap_m2", "overlaps"]
    ].fillna(0)
    return table.astype({"overlaps": "int64"})


def _real(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["kind"] != "sliver"]


def _names(frame: gpd.GeoDataFrame) -> pd.Series:
    if "name" in frame.columns:
        return pd.Series(
            frame["name"].astype(TEXT_DTYPE).array, index=frame.index.astype(TEXT_DTYPE)
        )
    return pd.Series(pd.NA, index=frame.index.astype(TEXT_DTYPE), dtype=TEXT_DTYPE)  # type: ignore[no-any-return]  # pandas-stubs type this call's result as Any


def _ratio(numerator: object, denominator: object) -> object:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.asarray(denominator) > 0, np.divide(numerator, denominator), np.nan)  # type: ignore[call-overload]  # numbers or arrays


def _problems(layers: _Layers, parent_level: str, child_level: str) -> pd.DataFrame:
    rows: list[tuple[str, object, str, str]] = []
    for level, frame, geoms in (
        (parent_level, layers.parents, layers.parent_m),
        (child_level, layers.children, layers.child_m),
    ):
        raw = np.asarray(frame.geometry.array, dtype=object)
        ids = frame.index.astype(TEXT_DTYPE)
        missing = shapely.is_missing(raw) | shapely.is_empty(raw)
        wrong = ~missing & ~_usable(geoms)
        invalid = ~missing & ~wrong & ~chunked(shapely.is_valid, raw)
        reasons = shapely.is_valid_reason(raw[invalid])
        rows += [(level, i, "empty_geometry", "no geometry") for i in ids[missing]]
        rows += [
            (level, i, "wrong_geometry_type", f"{t} with no area: left out")
            for i, t in zip(ids[wrong], frame.geometry.geom_type[wrong], strict=True)
        ]
        rows += [
            (level, i, "invalid_geometry", f"{r}; measured on a make_valid copy")
            for i, r in zip(ids[invalid], reasons, strict=True)
        ]
    declared = layers.children[layers.parent_column]
    child_ids = layers.children.index.astype(TEXT_DTYPE)
    none, unknown = (
        declared.isna().to_numpy(),
        (declared.notna() & (layers.parent_pos < 0)).to_numpy(),
    )
    rows += [(child_level, i, "no_parent", f"declares no {parent_level}") for i in child_ids[none]]
    rows += [
        (child_level, i, "unknown_parent", f"{parent_level} {p!r} is not a parent")
        for i, p in zip(child_ids[unknown], declared[unknown], strict=True)
    ]
    has = np.bincount(layers.parent_pos[layers.parent_pos >= 0], minlength=len(layers.parents))
    rows += [
        (parent_level, i, "no_children", f"no {child_level} declares it: all of it is a gap")
        for i in layers.parents.index.astype(TEXT_DTYPE)[has == 0]
    ]
    table = pd.DataFrame(rows, columns=["level", "id", "check", "message"])
    table["severity"] = table["check"].map(lambda c: COVERAGE_CHECKS[c][0])
    table = table[list(ISSUE_COLUMNS)].astype(TEXT_DTYPE)
    return table.set_axis(pd.RangeIndex(1, len(table) + 1, name="problem"))
