"""Distributed spatial coverage: one task per partition of communities, with a halo.

:func:`gridparty.checks.coverage.spatial_coverage` of grids in communities, partition by
partition. Every community and every grid has one *home* task: a community the task of its
partition, a grid the task of its declared community, and a grid whose declared community is
missing or unknown (an orphan) a task of its own grid partition. A task keeps only the rows
about its home units; to compute them exactly it reads, besides them, a halo:

* every grid that declares a home community, or whose bounding box meets a home community's
  (the gaps of a community, whether its grids tile it);
* every community whose bounding box meets a home community's (whether it overlaps a
  neighbour, ``shapely.coverage_invalid_edges``);
* every grid whose bounding box meets one of those grids' (the overlaps of a home grid with
  any other grid), and the declared community of each of them.

Rows of the halo are read in the layers' order, so the sub-problem orders its units as the
whole layer does and each part gets the same owner ids; the tables are concatenated and
sorted as :func:`spatial_coverage` sorts them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely

from gridparty.checks.coverage import (
    DEFAULT_MIN_AREA_M2,
    DEFAULT_MIN_WIDTH_M,
    SpatialCoverage,
    check_tolerances,
    spatial_coverage,
)
from gridparty.core.errors import InputError
from gridparty.core.layers import empty_layer
from gridparty.core.schema import LEVELS
from gridparty.distributed.engine import compute, layer_ids, margin_degrees
from gridparty.distributed.partitioned import Partition, PartitionedHierarchy, select_rows

__all__ = ["distributed_coverage", "filled_grids", "unit_boxes"]

#: Margin (m) added to bounding boxes in lon/lat: a straight edge in metres bends in degrees.
_MARGIN_M = 1.0

#: Order of the problem rows of :func:`spatial_coverage`: (parent or child level, check).
_PROBLEM_ORDER = (
    ("parent", "empty_geometry"),
    ("parent", "wrong_geometry_type"),
    ("parent", "invalid_geometry"),
    ("child", "empty_geometry"),
    ("child", "wrong_geometry_type"),
    ("child", "invalid_geometry"),
    ("child", "no_parent"),
    ("child", "unknown_parent"),
    ("parent", "no_children"),
)


def distributed_coverage(
    ph: PartitionedHierarchy,
    *,
    client: Any = None,
    min_area_m2: float = DEFAULT_MIN_AREA_M2,
    min_width_m: float = DEFAULT_MIN_WIDTH_M,
    filled: Mapping[str, str] | None = None,
    counts: bool = False,
    progress: bool = False,
) -> SpatialCoverage:
    """:func:`gridparty.spatial_coverage` of the grids in the communities, computed on Dask.

    Parameters
    ----------
    ph : PartitionedHierarchy
        From :func:`read_partitioned`; ids unique across partitions.
    client : distributed.Client, optional
        The cluster to run on; without one, Dask's default scheduler.
    min_area_m2, min_width_m : float
        Sliver tolerances (m², m), see :func:`gridparty.spatial_coverage`.
    filled : mapping, optional
        Community id of grids that declare none (grid id → community id), e.g. from
        :func:`distributed_assign`'s ``spatial`` column, as :func:`gridparty.validate` fills
        them before checking coverage.
    counts : bool
        Count the buildings, their households and the member households in every part, as
        ``spatial_coverage(..., buildings=h.buildings, households=h.households)`` does (each
        task reads the buildings and households near its own units); otherwise the counts
        are 0, as without those layers.
    progress : bool
        Show a progress bar (tasks done).

    Returns
    -------
    SpatialCoverage
        The result of ``spatial_coverage(h.communities, h.grids, parent_column="community_id",
        metric_crs=h.metric_crs)`` for ``h = ph.to_hierarchy()``, table for table (with
        ``buildings=h.buildings, households=h.households`` when ``counts``).

    Examples
    --------
    >>> import gridparty as gp, tempfile, pathlib
    >>> folder = gp.write_partitioned(gp.synthetic_city(0.2), pathlib.Path(tempfile.mkdtemp()) / "c")
    >>> cov = gp.distributed_coverage(gp.read_partitioned(folder))
    >>> len(cov.by_parent), len(cov.by_child)
    (5, 30)
    """
    import dask

    if not isinstance(ph, PartitionedHierarchy):
        raise InputError(
            f"ph must be a gridparty.PartitionedHierarchy (gridparty.read_partitioned(folder)), "
            f"got {type(ph).__name__}."
        )
    check_tolerances(min_area_m2, min_width_m)
    crs = ph.metric_crs
    communities, grids = ph.partitions["community"], ph.partitions["grid"]
    tolerances = (float(min_area_m2), float(min_width_m))
    fill = dict(filled or {})
    points = (ph.partitions["building"], ph.partitions["household"]) if counts else None
    if not any(p.rows for p in grids):  # nothing to cover with: no part, one problem row
        return _coverage(
            select_rows(communities, "community")[0],
            empty_layer(LEVELS["grid"]),
            crs,
            tolerances,
            None,
            None,
        )
    known = dask.delayed(layer_ids, pure=True)(communities, "community")
    # one node of the graph for each input every task shares, not a copy in each task
    shared = [dask.delayed(v, pure=True, traverse=False) for v in (communities, grids, fill)]
    near = dask.delayed(points, pure=True, traverse=False)
    tasks = [
        dask.delayed(_coverage_task, pure=True)(
            *shared[:2], crs, tolerances, shared[2], near, home=(level, i), known=known
        )
        for level, parts in (("community", communities), ("grid", grids))
        for i, part in enumerate(parts)
        if part.rows
    ]
    return _combine(compute(tasks, client, progress), crs, tolerances)


def filled_grids(table: pd.DataFrame) -> dict[str, str]:
    """Grid id → community id of the grids that declare no community, from an assignment
    table (:func:`distributed_assign`'s): the parents :func:`gridparty.validate` fills."""
    grids = table[(table["level"] == "grid") & table["declared"].isna() & table["spatial"].notna()]
    return dict(zip(grids["id"], grids["spatial"], strict=True))


#: The building and household partitions, when parts are counted.
_Points = tuple[list[Partition], list[Partition]] | None


def _coverage(
    parents: Any,
    children: Any,
    crs: pyproj.CRS,
    tolerances: tuple[float, float],
    points: _Points,
    boxes: np.ndarray | None,
) -> SpatialCoverage:
    """:func:`spatial_coverage` with the buildings and households meeting ``boxes`` (all of
    them without ``boxes``) when ``points`` are given."""
    layers = {}
    if points is not None:
        for name, level, parts in (
            ("buildings", "building", points[0]),
            ("households", "household", points[1]),
        ):
            layers[name] = (
                select_rows(parts, level, boxes=boxes)[0] if boxes is None or len(boxes) else None
            )
    return spatial_coverage(
        parents,
        children,
        parent_column="community_id",
        metric_crs=crs,
        buildings=layers.get("buildings"),
        households=layers.get("households"),
        min_area_m2=tolerances[0],
        min_width_m=tolerances[1],
    )


def unit_boxes(frame: Any) -> np.ndarray:
    """Bounding boxes of the located rows, grown by :data:`_MARGIN_M` (lon/lat)."""
    bounds = frame.geometry.bounds.to_numpy()
    bounds = bounds[~np.isnan(bounds).any(axis=1)]
    if not len(bounds):
        return np.empty(0, dtype=object)
    dx, dy = margin_degrees(_MARGIN_M, float(np.abs(bounds[:, [1, 3]]).max()))
    boxes: np.ndarray = shapely.box(
        bounds[:, 0] - dx, bounds[:, 1] - dy, bounds[:, 2] + dx, bounds[:, 3] + dy
    )
    return boxes


def _fill(grids: Any, fill: dict[str, str]) -> Any:
    """Grids with the community ids of ``fill`` where they declare none."""
    if not fill or not len(grids):
        return grids
    given = grids["community_id"]
    values = given.array.copy()
    missing = given.isna().to_numpy()
    values[missing] = [fill.get(i) for i in grids.index[missing]]
    return grids.assign(community_id=values)


def _coverage_task(
    communities: list[Partition],
    grids: list[Partition],
    crs: pyproj.CRS,
    tolerances: tuple[float, float],
    fill: dict[str, str],
    points: _Points,
    *,
    home: tuple[str, int],
    known: frozenset[str],
) -> dict[str, Any] | None:
    """The rows of the coverage tables about one task's home communities and grids (None
    for a grid partition without orphans)."""
    level, i = home
    if level == "community":
        own = communities[i].read("community")
        own_ids = set(own.index)
        near = select_rows(
            grids,
            "grid",
            boxes=unit_boxes(own),
            ids={g for g, c in fill.items() if c in own_ids},
            parents=("community_id", own_ids),
        )
        near = (_fill(near[0], fill), near[1])
        mine = near[0][near[0]["community_id"].isin(own_ids)]
        boxes = np.concatenate([unit_boxes(own), unit_boxes(near[0])])
    else:
        part = _fill(grids[i].read("grid"), fill)
        mine = part[~part["community_id"].isin(known)]
        if not len(mine):
            return None  # every grid of the partition has a home community task
        own_ids = set()
        boxes = unit_boxes(mine)
    children, child_pos = select_rows(grids, "grid", boxes=boxes, ids=set(mine.index))
    children = _fill(children, fill)
    declared = set(children["community_id"].dropna()) & known
    parents, _ = select_rows(
        communities,
        "community",
        boxes=unit_boxes(own) if level == "community" else None,
        ids=declared | own_ids,
    )
    # the parts a task keeps lie in its own communities and grids
    own_boxes = (
        np.concatenate([unit_boxes(own), unit_boxes(mine)])
        if level == "community"
        else unit_boxes(mine)
    )
    found = _coverage(parents, children, crs, tolerances, points, own_boxes)
    grid_ids = set(mine.index)
    return {
        "gaps": found.gaps[found.gaps["parent_id"].isin(own_ids)],
        "overlaps": found.overlaps[found.overlaps["child_id"].isin(grid_ids)],
        "outside": found.outside[found.outside["child_id"].isin(grid_ids)],
        "by_parent": found.by_parent[found.by_parent.index.isin(own_ids)],
        "by_child": found.by_child[found.by_child.index.isin(grid_ids)],
        "child_pos": child_pos[children.index.isin(grid_ids)],
        "problems": found.problems[
            found.problems["id"].isin(own_ids) & (found.problems["level"] == "community")
            | found.problems["id"].isin(grid_ids) & (found.problems["level"] == "grid")
        ],
    }


def _combine(
    found: list[dict[str, Any] | None], crs: pyproj.CRS, tolerances: tuple[float, float]
) -> SpatialCoverage:
    """One :class:`SpatialCoverage` from the tasks' rows, ordered as the single machine orders."""
    pieces = [p for p in found if p is not None]
    tables = {
        name: pd.concat([p[name] for p in pieces]) for name in pieces[0] if name != "child_pos"
    }
    for name, owners in (
        ("gaps", ["parent_id"]),
        ("overlaps", ["child_id", "other_id", "parent_id", "other_parent_id"]),
        ("outside", ["child_id", "parent_id"]),
    ):
        table = tables[name].sort_values(
            [*owners, "area_m2"], ascending=[True] * len(owners) + [False]
        )
        tables[name] = table.set_axis(pd.RangeIndex(1, len(table) + 1, name="part"))
    child_pos = np.concatenate([p["child_pos"] for p in pieces])
    by_child = tables["by_child"].iloc[np.argsort(child_pos, kind="stable")]
    # by_parent: the community tasks come first, in partition order, each in its rows' order
    by_parent = tables["by_parent"]
    order = {key: n for n, key in enumerate(_PROBLEM_ORDER)}
    position = {
        "community": pd.Series(np.arange(len(by_parent)), index=by_parent.index),
        "grid": pd.Series(np.arange(len(by_child)), index=by_child.index),
    }
    problems = tables["problems"]
    rank = [
        order[("parent" if lvl == "community" else "child", chk)]
        for lvl, chk in zip(problems["level"], problems["check"], strict=True)
    ]
    pos = [position[lvl][i] for lvl, i in zip(problems["level"], problems["id"], strict=True)]
    problems = problems.iloc[np.lexsort((np.asarray(pos, dtype=np.int64), np.asarray(rank)))]
    return SpatialCoverage(
        parent_level="community",
        child_level="grid",
        gaps=tables["gaps"],
        overlaps=tables["overlaps"],
        outside=tables["outside"],
        by_parent=by_parent,
        by_child=by_child,
        problems=problems.set_axis(pd.RangeIndex(1, len(problems) + 1, name="problem")),
        crs=crs,
        min_area_m2=tolerances[0],
        min_width_m=tolerances[1],
    )
