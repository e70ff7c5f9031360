"""Distributed validation: :func:`gridparty.validate`'s issues table, computed on Dask.

* Ids are checked first, as hashes bucketed across partitions (no process holds a layer's
  ids); an id repeated across partitions (or missing) is refused with the
  :class:`~gridparty.core.errors.DuplicateIdError` the single machine raises for the same
  data, before any other work.
* Per-unit checks (geometry, unknown parents, tiny polygons) and the spatial parent checks
  (``not_in_any_parent``, ``parent_mismatch``) run in one task per partition of each layer;
  the parent checks assign the partition against its halo of parents, as
  :func:`distributed_assign` does; a declared parent is known when a halo partition holds it
  or when the lookup of the few others in the whole parent layer finds it.
* Gaps, overlaps and spill-overs of the grids come from :func:`distributed_coverage` (one
  task per partition of communities, with a halo of neighbouring units).
* Overlaps of communities, streets and districts and the tiny street and district outlines
  come from :mod:`gridparty.distributed.outlines` (a halo of communities per partition; one
  task per group of streets, reading only their communities).
* The organisational checks come from :mod:`gridparty.distributed.organisation` (member counts
  summed per building, then per grid, each partition checking its own units).

No task, and not the driver, holds a whole layer with its geometries, nor a whole layer's ids;
the driver gathers the issues, the grids' and buildings' assignment rows and the member counts
per building.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from gridparty.checks.coverage import DEFAULT_MIN_AREA_M2, DEFAULT_MIN_WIDTH_M, check_tolerances
from gridparty.checks.organisation import (
    MEMBER_COLUMNS,
    missing_attributes,
    recorded_attributes,
    unrecorded_table,
)
from gridparty.checks.validate import (
    ORGANISATION_CHECKS,
    POLYGON_LEVELS,
    coverage_rows,
    geometry_checks,
    issue_table,
    no_grids_row,
    organisation_rows,
    overlap_rows,
    space_checks,
    tiny_polygons,
    unknown_parents,
)
from gridparty.core.columns import ID_ADVICE, id_problem
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import DuplicateIdError, InputError
from gridparty.core.rules import DEFAULT_RULES, PartyRules
from gridparty.core.schema import LEVEL_NAMES, LEVELS
from gridparty.distributed.coverage import distributed_coverage, filled_grids
from gridparty.distributed.engine import assign_partition, compute, halo_partitions
from gridparty.distributed.organisation import (
    MEMBER_SUMS,
    building_findings,
    grid_findings,
    household_counts,
    sum_by_unit,
)
from gridparty.distributed.outlines import outline_tasks, unit_names, unit_overlap_table
from gridparty.distributed.partitioned import Partition, PartitionedHierarchy, clean_ids
from gridparty.spatial.assign import ENGINES, assignment_table

__all__ = ["distributed_validate"]


def distributed_validate(
    ph: PartitionedHierarchy,
    *,
    client: Any = None,
    rules: PartyRules = DEFAULT_RULES,
    min_area_m2: float = DEFAULT_MIN_AREA_M2,
    min_width_m: float = DEFAULT_MIN_WIDTH_M,
    tolerance_m: float = 5.0,
    engine: str = "numba",
    assignment: pd.DataFrame | None = None,
    progress: bool = False,
) -> gpd.GeoDataFrame:
    """:func:`gridparty.validate`'s issues table for a partitioned hierarchy, computed on Dask.

    Parameters
    ----------
    ph : PartitionedHierarchy
        From :func:`read_partitioned`.
    client : distributed.Client, optional
        The cluster to run on; without one, Dask's default scheduler.
    rules : PartyRules
        Thresholds of the organisational checks.
    min_area_m2, min_width_m : float
        Sliver tolerances (m², m), see :func:`gridparty.validate`.
    tolerance_m : float
        Largest distance in metres from a household to a building given as a point.
    engine : {"numba", "shapely"}
        Point-in-polygon engine, see :func:`gridparty.locate_points`.
    assignment : DataFrame, optional
        :func:`distributed_assign`'s table for ``ph`` (as ``gridparty.validate`` takes an
        assignment); computed with the per-partition checks when not given.
    progress : bool
        Show a progress bar (tasks done) per stage.

    Returns
    -------
    GeoDataFrame
        ``gridparty.validate(ph.to_hierarchy())``, row for row.

    Raises
    ------
    DuplicateIdError
        An id repeats (in one partition or across partitions) or is missing.

    Examples
    --------
    >>> import gridparty as gp, tempfile, pathlib
    >>> folder = gp.write_partitioned(gp.synthetic_city(0.2), pathlib.Path(tempfile.mkdtemp()) / "c")
    >>> issues = gp.distributed_validate(gp.read_partitioned(folder))
    >>> list(issues.columns)
    ['level', 'id', 'check', 'severity', 'message', 'geometry']
    """
    import dask

    if not isinstance(ph, PartitionedHierarchy):
        raise InputError(
            f"ph must be a gridparty.PartitionedHierarchy (gridparty.read_partitioned(folder)), "
            f"got {type(ph).__name__}."
        )
    if not isinstance(rules, PartyRules):
        raise InputError(f"rules must be a gridparty.PartyRules, got {type(rules).__name__}.")
    if engine not in ENGINES:
        raise InputError(f"engine={engine!r} is not known; use one of {', '.join(ENGINES)}.")
    if not np.isfinite(tolerance_m) or tolerance_m < 0:
        raise InputError(f"tolerance_m={tolerance_m!r} must be a distance in metres >= 0.")
    check_tolerances(min_area_m2, min_width_m)
    if assignment is not None and not isinstance(assignment, pd.DataFrame):
        raise InputError(
            "assignment must be the table of gridparty.distributed_assign(ph), got "
            f"{type(assignment).__name__}."
        )
    given = None
    if assignment is not None:
        given = client.scatter(assignment) if client is not None else assignment
    _check_ids(ph, client, progress)
    crs = ph.metric_crs
    contexts: dict[tuple[str, int], list[Partition]] = {}
    for level in LEVEL_NAMES:
        grow = tolerance_m if level == "household" else 0.0
        for i, part in enumerate(ph.partitions[level]):
            if part.rows:
                contexts[(level, i)] = halo_partitions(ph, level, part, grow)
    far = _far_parents(ph, contexts, client, progress)
    tasks, homes = [], []
    for (name, i), context in contexts.items():
        homes.append((name, i))
        grow = tolerance_m if name == "household" else 0.0
        tasks.append(
            dask.delayed(_unit_task, pure=True)(
                name,
                ph.partitions[name][i],
                context,
                far.get(name),
                crs,
                (tolerance_m, engine, grow, float(min_area_m2)),
                given,
            )
        )
    done = compute(tasks, client, progress)
    frames = [frame for found, _, _ in done for frame in found]
    tables = {home: t for home, (_, t, _) in zip(homes, done, strict=True)}
    table = (
        assignment
        if assignment is not None
        else assignment_table([t for (level, _), t in tables.items() if level == "grid"])
    )  # the coverage needs the grids' rows only (filled communities)
    if any(p.rows for p in ph.partitions["grid"]):
        coverage = distributed_coverage(
            ph,
            client=client,
            min_area_m2=min_area_m2,
            min_width_m=min_width_m,
            filled=filled_grids(table),
            progress=progress,
        )
        frames += coverage_rows(coverage, min_area_m2, min_width_m)
    else:
        frames.append(no_grids_row())
    tolerances = (float(min_area_m2), float(min_width_m))
    recorded = frozenset().union(*(extra[0] for _, _, extra in done))
    units: dict[str, int] = {
        level: sum(p.rows for p in ph.partitions[level]) for level in LEVEL_NAMES
    }
    missing = missing_attributes(recorded, units)
    counts = sum_by_unit([extra[1] for _, _, extra in done if extra[1] is not None], MEMBER_COLUMNS)
    communities = ph.partitions["community"]
    upper = outline_tasks(communities, unit_names(communities, client), crs, tolerances)
    buildings = _finding_tasks(
        building_findings, client, ph, "building", tables, counts, rules, missing
    )
    found = compute([*upper, *buildings], client, progress)
    overlaps = unit_overlap_table([pair[0] for pair in found[: len(upper)]])
    frames += overlap_rows(overlaps, float(min_width_m))
    frames += [frame for pair in found[: len(upper)] for frame in pair[1]]
    by_building = found[len(upper) :]
    sums = sum_by_unit([pair[1] for pair in by_building], MEMBER_SUMS)
    grids = _finding_tasks(grid_findings, client, ph, "grid", tables, sums, rules, missing)
    findings = [pair[0] for pair in by_building] + compute(grids, client, progress)
    frames.append(
        organisation_rows(
            pd.concat(findings, ignore_index=True) if findings else _no_findings(),
            unrecorded_table(missing, units, ORGANISATION_CHECKS),
        )
    )
    return issue_table(frames)


def _finding_tasks(
    find: Any,
    client: Any,
    ph: PartitionedHierarchy,
    level: str,
    tables: Mapping[tuple[Any, int], pd.DataFrame],
    totals: pd.DataFrame,
    rules: PartyRules,
    missing: Any,
) -> list[Any]:
    """One Dask task of ``find`` per non-empty partition of ``level``, with that partition's
    assignment rows and the rows of ``totals`` (member counts or sums) of its units (sent to
    the workers ahead, on a cluster, rather than embedded in the task graph)."""
    import dask

    homes = [i for i, part in enumerate(ph.partitions[level]) if part.rows]
    inputs: list[Any] = [
        (tables[(level, i)], totals[totals.index.isin(tables[(level, i)]["id"])]) for i in homes
    ]
    if client is not None and inputs:
        inputs = client.scatter(inputs)
    return [
        dask.delayed(find, pure=True)(ph.partitions[level][i], given, rules, missing)
        for i, given in zip(homes, inputs, strict=True)
    ]


def _check_ids(ph: PartitionedHierarchy, client: Any, progress: bool) -> None:
    """Refuse ids repeated across (or in) partitions, or missing, as the single machine does.

    No process holds a layer's ids: each partition task hashes its ids (64 bits) and splits the
    hashes into ⌈√partitions⌉ buckets, one task per bucket finds the hashes that occur twice,
    and only the partitions' rows with such a hash (true repeats, or the rare collision) come
    back to build the single machine's message word for word. A partition whose ids are missing,
    repeated within it or not yet normalised is read as the single machine reads it, so the
    error of the first such partition (in the layers' order) is the single machine's error.
    """
    import dask

    tasks, layout = [], []
    for level in LEVEL_NAMES:
        parts = [p for p in ph.partitions[level] if p.rows]
        buckets = max(1, math.isqrt(len(parts) - 1) + 1) if parts else 0
        split = [
            dask.delayed(_id_buckets, nout=buckets + 1, pure=True)(part, level, buckets)
            for part in parts
        ]
        tasks += [s[buckets] for s in split]  # a partition's own error, if any
        tasks += [
            dask.delayed(_repeated, pure=True)(*(s[b] for s in split)) for b in range(buckets)
        ]
        layout.append((level, parts, buckets))
    found = iter(compute(tasks, client, progress))
    repeats = []
    for _, parts, buckets in layout:
        for error in [next(found) for _ in parts]:
            if error is not None:
                raise error
        repeats.append(np.concatenate([next(found) for _ in range(buckets)] or [_NO_HASH]))
    problems = []
    for (level, parts, _), repeated in zip(layout, repeats, strict=True):
        if not len(repeated):
            continue
        rows = compute(
            [dask.delayed(_ids_hashed, pure=True)(part, level, repeated) for part in parts],
            client,
            False,
        )
        offsets = np.cumsum([0] + [p.rows for p in parts])
        where = np.concatenate([offsets[i] + r for i, (r, _) in enumerate(rows)])
        ids = pd.Series(np.concatenate([v for _, v in rows]), index=where).sort_index()
        duplicated = ids.duplicated(keep="first")  # hashes that collided are unique ids
        if duplicated.any():
            none = pd.Series(np.zeros(len(ids), dtype=bool), index=ids.index)
            error = id_problem(ids, none, duplicated, LEVELS[level], LEVELS[level].layer)
            problems.append(error.problem)
    if problems:
        problem = "; ".join(problems)
        raise DuplicateIdError(f"{problem}. {ID_ADVICE}", problem=problem)


_NO_HASH = np.empty(0, dtype=np.uint64)


def _partition_ids(part: Partition, level: str) -> tuple[np.ndarray, InputError | None]:
    """A partition's ids, as the single machine reads them, or the error it raises."""
    values = clean_ids(part, level)
    if values is not None and not pd.Index(values).has_duplicates:
        return values, None
    try:  # the single machine's reading: normalised ids, or its error for this file
        return np.asarray(part.read(level).index, dtype=object), None
    except InputError as exc:
        return np.empty(0, dtype=object), exc


def _id_buckets(part: Partition, level: str, buckets: int) -> tuple[Any, ...]:
    """The 64-bit hashes of a partition's ids cut into ``buckets`` arrays (by hash), and the
    error the single machine raises reading the partition (None if none)."""
    values, error = _partition_ids(part, level)
    hashes = hash_ids(values)
    key = hashes % np.uint64(buckets)
    order = np.argsort(key, kind="stable")
    cuts = np.searchsorted(key[order], np.arange(1, buckets, dtype=np.uint64))
    return (*np.split(hashes[order], cuts), error)


def hash_ids(values: np.ndarray) -> np.ndarray:
    """64-bit hashes of ids (the same in every process)."""
    hashed: np.ndarray = pd.util.hash_array(values.astype(object, copy=False), categorize=False)
    return hashed


def _repeated(*pieces: np.ndarray) -> np.ndarray:
    """The hashes that occur more than once in one bucket of every partition."""
    hashes = np.sort(np.concatenate([*pieces, _NO_HASH]))
    twice: np.ndarray = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
    return twice


def _ids_hashed(part: Partition, level: str, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions and values of a partition's ids whose hash is one of ``hashes``."""
    values, _ = _partition_ids(part, level)
    hit = np.isin(hash_ids(values), hashes)
    return np.flatnonzero(hit), values[hit]


def _far_parents(
    ph: PartitionedHierarchy,
    contexts: Mapping[tuple[str, int], list[Partition]],
    client: Any,
    progress: bool,
) -> dict[str, np.ndarray]:
    """Per child level, the declared parent ids that exist in the parent layer but in no
    partition of the halo of the child's partition (a parent far away).

    A task checks its children's declared parents against the ids of its halo partitions,
    which hold nearly all of them; only the rest (wrong or unknown ids, usually few) are looked
    up in every partition of the parent layer. No task receives a whole layer's ids.
    """
    import dask

    children = [(level, i) for level, i in contexts if LEVELS[level].parent is not None]
    unresolved = compute(
        [
            dask.delayed(_not_in_halo, pure=True)(
                level, ph.partitions[level][i], contexts[(level, i)]
            )
            for level, i in children
        ],
        client,
        False,
    )
    far: dict[str, np.ndarray] = {}
    for level in LEVEL_NAMES[1:]:
        wanted = [u for (lv, _), u in zip(children, unresolved, strict=True) if lv == level]
        candidates = np.unique(np.concatenate([*wanted, np.empty(0, dtype=object)]).astype(str))
        parent = str(LEVELS[level].parent)
        found = (
            compute(
                [
                    dask.delayed(_present, pure=True)(p, parent, candidates)
                    for p in ph.partitions[parent]
                    if p.rows
                ],
                client,
                progress,
            )
            if len(candidates)
            else []
        )
        far[level] = np.concatenate([*found, np.empty(0, dtype=object)])
    return far


def _not_in_halo(level: str, part: Partition, context: list[Partition]) -> np.ndarray:
    """The declared parent ids of a partition's children that no halo partition holds."""
    declared = part.read(level)[LEVELS[level].parent_column].dropna().unique()
    near = _halo_ids(level, context)
    out: np.ndarray = np.asarray(declared[~pd.Index(declared).isin(near)], dtype=object)
    return out


def _halo_ids(level: str, context: list[Partition]) -> pd.Index:
    """The ids of the halo partitions of the parent layer of ``level``."""
    parent = str(LEVELS[level].parent)
    return pd.Index([]).append([p.read(parent).index for p in context])


def _present(part: Partition, level: str, candidates: np.ndarray) -> np.ndarray:
    """The ``candidates`` that are ids of this partition of ``level``."""
    index = part.read(level).index
    out: np.ndarray = np.asarray(index[index.isin(candidates)], dtype=object)
    return out


def _unit_task(
    level: str,
    part: Partition,
    context: list[Partition],
    far: np.ndarray | None,
    crs: pyproj.CRS,
    options: tuple[float, str, float, float],
    assignment: pd.DataFrame | None,
) -> tuple[
    list[pd.DataFrame],
    pd.DataFrame | None,
    tuple[frozenset[tuple[str, str]], pd.DataFrame | None],
]:
    """The per-unit issues of one partition (``far``: the parents of its children outside its
    halo, from :func:`_far_parents`; None for communities); for grids and buildings, their
    assignment rows
    (those of ``assignment`` when given, else computed against the halo of parents); the
    organisational attributes it records and, for households, their member counts per (filled)
    building (the households' own rows, the bulk of a province, never leave the worker)."""
    tolerance_m, engine, grow, min_area_m2 = options
    frame = part.read(level)
    found = [geometry_checks(frame, level)]
    if level in POLYGON_LEVELS:
        found.append(tiny_polygons(frame, level, crs, min_area_m2))
    recorded = recorded_attributes({level: frame})
    if far is None:
        return found, None, (recorded, None)
    if assignment is None:
        table = assign_partition(level, part, context, crs, tolerance_m, engine, grow)
    else:
        table = assignment[
            (assignment["level"] == level) & assignment["id"].isin(frame.index).to_numpy()
        ]
    ids = _halo_ids(level, context).append(pd.Index(far))  # the parents it can name
    found += [unknown_parents(frame, level, ids), space_checks(frame, level, ids, table)]
    if level == "household":  # its rows serve only the counts: they stay on the worker
        return found, None, (recorded, household_counts(frame, table))
    return found, table, (recorded, None)


def _no_findings() -> pd.DataFrame:
    """No organisational finding (no grid and no building)."""
    return pd.DataFrame(
        {
            "id": pd.Series(dtype=TEXT_DTYPE),
            "check": pd.Series(dtype=TEXT_DTYPE),
            "message": pd.Series(dtype=TEXT_DTYPE),
            "geometry": gpd.GeoSeries([], crs=4326),
        }
    )
