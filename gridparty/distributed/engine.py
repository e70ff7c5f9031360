"""Distributed assignment: one task per partition of the children, with a halo of parents.

A task reads one partition of a child layer (grids, buildings or households) and, of the
parent layer, only the partitions whose bounds meet the children's bounds, and of those only
the rows whose bounding box meets a child's (grown by ``tolerance_m`` for households, whose
point buildings are matched within it). Every parent that could touch a child is therefore in
the task — the halo — in the layer's order, so :func:`gridparty.spatial.assign.assign_level`
gives each child the same parent, share, distance and hit count as against the whole layer.
Each child row is in exactly one partition, so the tables concatenate without duplicates.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely

from gridparty.core.errors import InputError
from gridparty.core.schema import LEVELS
from gridparty.distributed.partitioned import Partition, PartitionedHierarchy
from gridparty.spatial.assign import ENGINES, assign_level, assignment_table

__all__ = ["distributed_assign"]

_CHILD_LEVELS = ("grid", "building", "household")


def distributed_assign(
    ph: PartitionedHierarchy,
    *,
    client: Any = None,
    tolerance_m: float = 5.0,
    engine: str = "numba",
    progress: bool = False,
) -> pd.DataFrame:
    """:func:`gridparty.assign`'s table for a partitioned hierarchy, computed on Dask.

    Parameters
    ----------
    ph : PartitionedHierarchy
        From :func:`read_partitioned`.
    client : distributed.Client, optional
        The cluster to run on (e.g. ``Client(LocalCluster(n_workers=2))`` or
        ``Client("tcp://host:8786")``); without one, Dask's default scheduler (the current
        client, if any).
    tolerance_m : float
        Largest distance in metres from a household to a building given as a point.
    engine : {"numba", "shapely"}
        Point-in-polygon engine, see :func:`gridparty.locate_points`.
    progress : bool
        Show a progress bar (tasks done).

    Returns
    -------
    DataFrame
        The :attr:`gridparty.Assignment.table` that ``gridparty.assign(ph.to_hierarchy())``
        returns, row for row.

    Examples
    --------
    >>> import gridparty as gp, tempfile, pathlib
    >>> folder = gp.write_partitioned(gp.synthetic_city(0.2), pathlib.Path(tempfile.mkdtemp()) / "c")
    >>> table = gp.distributed_assign(gp.read_partitioned(folder))
    >>> bool(table["agree"].all())
    True
    """
    import dask

    if not isinstance(ph, PartitionedHierarchy):
        raise InputError(
            f"ph must be a gridparty.PartitionedHierarchy (gridparty.read_partitioned(folder)), "
            f"got {type(ph).__name__}."
        )
    if engine not in ENGINES:
        raise InputError(f"engine={engine!r} is not known; use one of {', '.join(ENGINES)}.")
    if not np.isfinite(tolerance_m) or tolerance_m < 0:
        raise InputError(f"tolerance_m={tolerance_m!r} must be a distance in metres >= 0.")
    if not any(p.rows for level in _CHILD_LEVELS for p in ph.partitions[level]):
        return assignment_table([])
    crs = ph.metric_crs
    tasks = []
    for level in _CHILD_LEVELS:
        grow = tolerance_m if level == "household" else 0.0
        parents = ph.partitions[str(LEVELS[level].parent)]
        for part in ph.partitions[level]:
            context = [p for p in parents if p.rows and bounds_meet(part.bounds, p.bounds, grow)]
            tasks.append(
                dask.delayed(assign_partition, pure=True)(
                    level, part, context, crs, tolerance_m, engine, grow
                )
            )
    return assignment_table(compute(tasks, client, progress))


def compute(tasks: list[Any], client: Any, progress: bool) -> list[Any]:
    """The results of Dask ``tasks`` on ``client`` (or Dask's default scheduler), in order."""
    import dask

    if client is None:
        if not progress:
            return list(dask.compute(*tasks))
        from dask.diagnostics import ProgressBar

        with ProgressBar():
            return list(dask.compute(*tasks))
    from distributed import as_completed

    futures = client.compute(tasks)
    positions: dict[str, list[int]] = {}  # equal tasks share one key
    for i, future in enumerate(futures):
        positions.setdefault(future.key, []).append(i)
    results: list[Any] = [None] * len(futures)
    # each result is fetched as soon as it is ready and released on the worker, so the workers
    # never hold the tables of a whole run (which outgrow their memory at province scale)
    pending = as_completed(futures, loop=client.loop, with_results=True)  # this client's loop
    futures.clear()
    for done, (future, result) in enumerate(pending, start=1):
        for i in positions[future.key]:
            results[i] = result
        future.release()
        if progress:
            _progress_bar(done, len(results))
    return results


def _progress_bar(done: int, total: int) -> None:
    """A one-line progress bar on stderr, redrawn in place (a new line when complete)."""
    width = 40
    filled = width * done // max(total, 1)
    end = "\n" if done == total else ""
    sys.stderr.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total} tasks{end}")
    sys.stderr.flush()


def layer_ids(parts: list[Partition], level: str) -> frozenset[str]:
    """Every id of a layer (read column by column where the files allow it)."""
    from gridparty.distributed.partitioned import read_column

    return frozenset(
        str(v)
        for p in parts
        for v in read_column(p, level, LEVELS[level].id_column)
        if v is not None
    )


def margin_degrees(metres: float, lat: float) -> tuple[float, float]:
    """A margin in degrees (x, y) at least ``metres`` wide at latitudes up to ``|lat|``."""
    if metres == 0:
        return 0.0, 0.0
    dy = 1.5 * metres / 110_574.0  # with room for the metric CRS's scale factor
    dx = dy / max(math.cos(math.radians(min(abs(lat), 89.0))), 1e-6)
    return dx, dy


def bounds_meet(a: tuple[float, ...], b: tuple[float, ...], metres: float) -> bool:
    if any(math.isnan(v) for v in (*a, *b)):
        return False
    dx, dy = margin_degrees(metres, max(abs(a[1]), abs(a[3])))
    return a[0] - dx <= b[2] and b[0] <= a[2] + dx and a[1] - dy <= b[3] and b[1] <= a[3] + dy


def assign_partition(
    level: str,
    part: Partition,
    context: list[Partition],
    crs: pyproj.CRS,
    tolerance_m: float,
    engine: str,
    grow: float,
) -> pd.DataFrame:
    """The assignment table of one partition of children against its halo of parents."""
    children = part.read(level)
    parent_level = str(LEVELS[level].parent)
    frames = [p.read(parent_level) for p in context]
    if frames:
        parents = pd.concat(frames)
        parents = parents.iloc[_halo(children, parents, grow)]
    else:
        from gridparty.core.layers import empty_layer

        parents = empty_layer(LEVELS[parent_level])
    return assign_level(level, children, parents, crs, tolerance_m, engine)  # type: ignore[arg-type]


def _halo(children: Any, parents: Any, metres: float) -> np.ndarray:
    """Positions (sorted) of the parents whose bounding box meets a child's, grown by ``metres``.

    The parents' boxes are grown instead of the children's (the same test) and queried against
    a tree of the children: a layer has fewer parents than children, so fewer boxes are built.
    """
    kids = children.geometry.bounds.to_numpy()
    located = ~np.isnan(kids).any(axis=1)
    if not located.any():
        return np.zeros(0, dtype=np.int64)
    dx, dy = margin_degrees(metres, float(np.abs(kids[located][:, [1, 3]]).max()))
    box = parents.geometry.bounds.to_numpy()
    found = np.flatnonzero(~np.isnan(box).any(axis=1))
    if not len(found):
        return found
    box = box[found]
    grown = shapely.box(box[:, 0] - dx, box[:, 1] - dy, box[:, 2] + dx, box[:, 3] + dy)
    tree = shapely.STRtree(np.asarray(children.geometry.array, dtype=object)[located])
    hits: np.ndarray = found[np.unique(tree.query(grown)[0])]  # bounding boxes that meet
    return hits
