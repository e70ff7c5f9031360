"""Same-level overlaps and tiny outlines of communities, streets and districts, on Dask.

:func:`gridparty.checks.coverage.unit_overlaps` and the ``tiny_polygon`` rows of the street and
district outlines, without any task holding a whole layer:

* **communities**: one task per partition, with a halo of the communities whose bounding boxes
  meet its own (read in the layer's order, so every pair is intersected as on one machine). A
  pair of overlapping communities is kept by the task of the partition holding its first
  (smaller) id, so it is reported exactly once.
* **streets and districts**: a street's outline is the union of its communities, which may lie
  in several partitions. Every street (district) has a *home*: the first partition of
  communities that names it. One task per home reads only the communities of its streets
  (a filter on the ``street`` column) and dissolves them into outlines; a second task per home
  finds the overlaps of its outlines with those of the homes whose partitions' bounds meet its
  own, and keeps the pairs whose first name is its own.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gridparty.checks.coverage import (
    DEFAULT_MIN_AREA_M2,
    DEFAULT_MIN_WIDTH_M,
    check_tolerances,
    same_level_overlaps,
    street_outlines,
)
from gridparty.checks.validate import UPPER, tiny_polygons
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.distributed.coverage import unit_boxes
from gridparty.distributed.engine import bounds_meet, compute
from gridparty.distributed.partitioned import (
    Partition,
    PartitionedHierarchy,
    read_column,
    select_rows,
)

__all__ = ["distributed_unit_overlaps", "outline_tasks", "unit_names", "unit_overlap_table"]

#: Margin (m) of the bounding boxes compared: a straight edge in metres bends in degrees.
_MARGIN_M = 1.0


def distributed_unit_overlaps(
    ph: PartitionedHierarchy,
    *,
    client: Any = None,
    min_area_m2: float = DEFAULT_MIN_AREA_M2,
    min_width_m: float = DEFAULT_MIN_WIDTH_M,
    progress: bool = False,
) -> gpd.GeoDataFrame:
    """:func:`gridparty.checks.coverage.unit_overlaps` of a partitioned hierarchy, on Dask.

    Parameters
    ----------
    ph : PartitionedHierarchy
        From :func:`gridparty.read_partitioned`; ids unique across partitions.
    client : distributed.Client, optional
        The cluster to run on; without one, Dask's default scheduler.
    min_area_m2, min_width_m : float
        Overlaps below ``min_area_m2`` (m²) are left out, those narrower than ``min_width_m``
        (m) are slivers, see :func:`gridparty.checks.coverage.same_level_overlaps`.
    progress : bool
        Show a progress bar (tasks done).

    Returns
    -------
    GeoDataFrame
        ``unit_overlaps(ph.to_hierarchy())``, row for row, computed without reading a whole
        layer (see the module's description).

    Examples
    --------
    >>> import gridparty as gp, tempfile, pathlib
    >>> from gridparty.distributed.outlines import distributed_unit_overlaps
    >>> folder = gp.write_partitioned(gp.synthetic_city(0.2), pathlib.Path(tempfile.mkdtemp()) / "c")
    >>> list(distributed_unit_overlaps(gp.read_partitioned(folder)).columns)
    ['level', 'id', 'other_id', 'kind', 'area_m2', 'width_m', 'geometry']
    """
    if not isinstance(ph, PartitionedHierarchy):
        raise InputError(
            f"ph must be a gridparty.PartitionedHierarchy (gridparty.read_partitioned(folder)), "
            f"got {type(ph).__name__}."
        )
    check_tolerances(min_area_m2, min_width_m)
    communities = ph.partitions["community"]
    tasks = outline_tasks(
        communities,
        unit_names(communities, client),
        ph.metric_crs,
        (float(min_area_m2), float(min_width_m)),
    )
    return unit_overlap_table([pair[0] for pair in compute(tasks, client, progress)])


def unit_names(communities: list[Partition], client: Any) -> dict[str, list[list[object]]]:
    """The ``street`` and ``district`` columns of the communities, partition by partition (read
    column by column on the cluster)."""
    import dask

    tasks = [
        dask.delayed(read_column, pure=True)(part, "community", column)
        for column in UPPER
        for part in communities
    ]
    values = iter(compute(tasks, client, False))
    return {column: [next(values) for _ in communities] for column in UPPER}


def outline_tasks(
    communities: list[Partition],
    names: dict[str, list[list[object]]],
    crs: pyproj.CRS,
    tolerances: tuple[float, float],
) -> list[Any]:
    """Dask tasks for the same-level overlaps and tiny outlines of a layer of communities.

    Parameters
    ----------
    communities : list of Partition
        The community partitions, in order.
    names : dict
        ``"street"`` and ``"district"`` → the column's values, partition by partition.
    crs : pyproj.CRS
        The metric CRS of every measure.
    tolerances : (float, float)
        ``min_area_m2`` (m²) and ``min_width_m`` (m).

    Returns
    -------
    list
        Delayed results, each a pair: rows of ``unit_overlaps`` (with ``level``) and a list of
        ``tiny_polygon`` row frames.
    """
    import dask

    tasks = [
        dask.delayed(_community_task, pure=True)(communities, i, crs, tolerances)
        for i, part in enumerate(communities)
        if part.rows
    ]
    for level in UPPER:
        homes = _homes(names[level])
        bounds = {
            i: _bounds([communities[j].bounds for j in spans]) for i, (_, spans) in homes.items()
        }
        outlines = {
            i: dask.delayed(_outline_task, pure=True)(communities, level, own, crs)
            for i, (own, _) in homes.items()
        }
        for i in homes:
            near = [j for j in homes if j == i or bounds_meet(bounds[i], bounds[j], _MARGIN_M)]
            tasks.append(
                dask.delayed(_upper_task, pure=True)(
                    level, outlines[i], [outlines[j] for j in near], crs, tolerances
                )
            )
    return tasks


def unit_overlap_table(pieces: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """The tasks' overlap rows as one ``unit_overlaps`` table, in its order: by level, then
    largest first."""
    table = pd.concat(pieces, ignore_index=True) if pieces else _with_level(_no_overlaps(), "")
    order = {level: n for n, level in enumerate(("community", *UPPER))}
    table = table.assign(_level=table["level"].map(order).astype("int64"))
    table = table.sort_values(
        ["_level", "area_m2", "id", "other_id"], ascending=[True, False, True, True]
    )
    columns = ["level", *(c for c in table.columns if c not in ("level", "_level"))]
    return gpd.GeoDataFrame(table[columns].reset_index(drop=True), geometry="geometry", crs=4326)


def _homes(values: list[list[object]]) -> dict[int, tuple[set[str], set[int]]]:
    """Partition → (the names whose first partition it is, every partition naming them)."""
    first: dict[str, int] = {}
    spans: dict[str, set[int]] = {}
    for i, column in enumerate(values):
        for name in {v for v in column if isinstance(v, str)}:
            first.setdefault(name, i)
            spans.setdefault(name, set()).add(i)
    homes: dict[int, tuple[set[str], set[int]]] = {}
    for name, i in first.items():
        own, parts = homes.setdefault(i, (set(), set()))
        own.add(name)
        parts |= spans[name]
    return homes


def _bounds(boxes: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    """The bounds of several bounds (NaN ones left out; all NaN if none is known)."""
    known = np.array([b for b in boxes if not np.isnan(b).any()], dtype=float).reshape(-1, 4)
    if not len(known):
        return (np.nan, np.nan, np.nan, np.nan)
    return (
        float(known[:, 0].min()),
        float(known[:, 1].min()),
        float(known[:, 2].max()),
        float(known[:, 3].max()),
    )


def _no_overlaps() -> gpd.GeoDataFrame:
    """An empty table of :func:`same_level_overlaps`."""
    return same_level_overlaps(gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=4326)))


def _with_level(found: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    return found.assign(level=pd.array([level] * len(found), dtype=TEXT_DTYPE))


def _community_task(
    communities: list[Partition], i: int, crs: pyproj.CRS, tolerances: tuple[float, float]
) -> tuple[gpd.GeoDataFrame, list[pd.DataFrame]]:
    """The overlaps of the communities of partition ``i`` whose first id is its own."""
    own = communities[i].read("community")
    units, _ = select_rows(communities, "community", boxes=unit_boxes(own), ids=set(own.index))
    found = same_level_overlaps(
        units, metric_crs=crs, min_area_m2=tolerances[0], min_width_m=tolerances[1]
    )
    return _with_level(found[found["id"].isin(own.index)], "community"), []


def _outline_task(
    communities: list[Partition], level: str, own: set[str], crs: pyproj.CRS
) -> gpd.GeoDataFrame:
    """The outlines of the streets (districts) ``own``, from their communities only."""
    frame, _ = select_rows(communities, "community", parents=(level, own))
    return street_outlines(frame, by=level, metric_crs=crs)


def _upper_task(
    level: str,
    own: gpd.GeoDataFrame,
    near: list[gpd.GeoDataFrame],
    crs: pyproj.CRS,
    tolerances: tuple[float, float],
) -> tuple[gpd.GeoDataFrame, list[pd.DataFrame]]:
    """The overlaps of the outlines ``own`` with every outline near (the first name their own),
    and their ``tiny_polygon`` rows."""
    tiny = [tiny_polygons(own, level, crs, tolerances[0])]
    outlines = gpd.GeoDataFrame(pd.concat(near)).sort_index()  # the order of street_outlines
    boxes = unit_boxes(own)
    if len(boxes):
        hit = shapely.STRtree(boxes).query(shapely.box(*outlines.geometry.bounds.to_numpy().T))[0]
        wanted = np.zeros(len(outlines), dtype=bool)
        wanted[np.unique(hit)] = True
        outlines = outlines[wanted | outlines.index.isin(own.index)]
    found = same_level_overlaps(
        outlines, metric_crs=crs, min_area_m2=tolerances[0], min_width_m=tolerances[1]
    )
    return _with_level(found[found["id"].isin(own.index)], level), tiny
