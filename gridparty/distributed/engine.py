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
import os
import sys
import time
from pathlib import Path
from typing import Any, overload

import numpy as np
import pandas as pd
import pyproj
import shapely

from gridparty.core.errors import InputError
from gridparty.core.schema import LEVELS
from gridparty.distributed.partitioned import (
    TABLE_MARKER,
    Partition,
    PartitionedHierarchy,
    write_folder,
)
from gridparty.spatial.assign import ENGINES, assign_level, assignment_table

__all__ = ["distributed_assign"]

_CHILD_LEVELS = ("grid", "building", "household")


@overload
def distributed_assign(
    ph: PartitionedHierarchy,
    *,
    client: Any = ...,
    tolerance_m: float = ...,
    engine: str = ...,
    progress: bool = ...,
    out: None = ...,
) -> pd.DataFrame: ...


@overload
def distributed_assign(
    ph: PartitionedHierarchy,
    *,
    client: Any = ...,
    tolerance_m: float = ...,
    engine: str = ...,
    progress: bool = ...,
    out: str | os.PathLike[str],
) -> Path: ...


def distributed_assign(
    ph: PartitionedHierarchy,
    *,
    client: Any = None,
    tolerance_m: float = 5.0,
    engine: str = "numba",
    progress: bool = False,
    out: str | os.PathLike[str] | None = None,
) -> pd.DataFrame | Path:
    """:func:`gridparty.assign`'s table for a partitioned hierarchy, computed on Dask.

    The table has a row per grid, building and household; at province scale it outgrows the
    memory of the calling process (about 270 bytes a row: 13 GiB for 50 million households).
    With ``out`` it never comes back: every task writes its partition's rows into a folder
    of Parquet files and returns only a row count.

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
    out : str or os.PathLike, optional
        A folder to write the table into instead of returning it: one Parquet file
        ``part.NNNNN.parquet`` per partition of grids, buildings and households, in the
        table's order, written by the workers (on a cluster of several machines the folder
        must be on storage they all reach). The folder appears complete or not at all; an
        earlier folder written by this function is replaced, any other existing path refused.
        :func:`read_table_partitioned` reads it back (or ``dask.dataframe.read_parquet``,
        lazily).

    Returns
    -------
    DataFrame or Path
        The :attr:`gridparty.Assignment.table` that ``gridparty.assign(ph.to_hierarchy())``
        returns, row for row; with ``out``, the folder holding it.

    Examples
    --------
    >>> import gridparty as gp, tempfile, pathlib
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> ph = gp.read_partitioned(gp.write_partitioned(gp.synthetic_city(0.2), base / "c"))
    >>> table = gp.distributed_assign(ph)
    >>> bool(table["agree"].all())
    True
    >>> folder = gp.distributed_assign(ph, out=base / "assignment")
    >>> gp.read_table_partitioned(folder).equals(table)
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
    if out is not None and (not isinstance(out, str | os.PathLike) or not str(out).strip()):
        raise InputError(f"out={out!r} must be the path of a folder to write the table into.")
    work = [(level, part) for level in _CHILD_LEVELS for part in ph.partitions[level] if part.rows]
    crs = ph.metric_crs

    def tasks(folder: Path | None) -> list[Any]:
        made = []
        for k, (level, part) in enumerate(work):
            grow = tolerance_m if level == "household" else 0.0
            args = (
                level,
                part,
                halo_partitions(ph, level, part, grow),
                crs,
                tolerance_m,
                engine,
                grow,
            )
            made.append(
                dask.delayed(assign_partition, pure=True)(*args)
                if folder is None
                else dask.delayed(_assign_to_file, pure=False)(
                    folder / f"part.{k:05d}.parquet", *args
                )
            )
        return made

    if out is None:
        return assignment_table(compute(tasks(None), client, progress))

    def write(tmp: Path) -> None:
        compute(tasks(tmp), client, progress)
        for stray in tmp.glob(".*.partial"):  # of a worker lost while writing (its task re-ran)
            stray.unlink()
        if not work:  # the empty table, with its columns
            assignment_table([]).to_parquet(tmp / "part.00000.parquet", index=False)

    return write_folder(
        Path(out), TABLE_MARKER, "a partitioned table", write, {"table": "assignment"}, "out"
    )


def _assign_to_file(path: Path, *args: Any) -> int:
    """:func:`assign_partition` written to the Parquet file ``path`` (whole or not at all: a
    retried task replaces it); the number of rows."""
    table = assign_partition(*args)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    table.to_parquet(partial, index=False)
    os.replace(partial, path)
    return len(table)


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
    start = time.perf_counter()
    for done, (future, result) in enumerate(pending, start=1):
        for i in positions[future.key]:
            results[i] = result
        future.release()
        if progress:
            _progress_bar(done, len(results), time.perf_counter() - start)
    return results


def _progress_bar(done: int, total: int, seconds: float) -> None:
    """A one-line progress bar on stderr in the form of Dask's, redrawn in place (a new line
    when complete). Dask's own bar for a cluster (``distributed.progress``) writes to stdout
    and holds every task's result until the end, which a province run cannot afford."""
    width = 40
    filled = width * done // max(total, 1)
    percent = 100 * done // max(total, 1)
    end = "\n" if done == total else ""
    sys.stderr.write(
        f"\r[{'#' * filled}{' ' * (width - filled)}] | {percent:3d}% Completed | "
        f"{done}/{total} tasks | {seconds:.1f} s{end}"
    )
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


def halo_partitions(
    ph: PartitionedHierarchy, level: str, part: Partition, grow: float
) -> list[Partition]:
    """The non-empty partitions of ``level``'s parent layer whose bounds meet ``part``'s, grown
    by ``grow`` metres (none for the top level)."""
    parent = LEVELS[level].parent
    if parent is None:
        return []
    return [p for p in ph.partitions[parent] if p.rows and bounds_meet(part.bounds, p.bounds, grow)]


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
