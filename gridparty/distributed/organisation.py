"""The organisational checks of :func:`gridparty.validate`, partition by partition, on Dask.

``members_without_branch`` (grids) and ``members_without_group`` (buildings) need, per unit,
the members counted through the hierarchy (parents filled from space, as
:class:`~gridparty.spatial.assign.Assignment` fills them). They are computed without any task
holding a whole layer:

1. each household partition counts its member households, formal and probationary members and
   hub households per (filled) building id, and every partition says which attributes it
   records (:func:`gridparty.checks.organisation.recorded_attributes`);
2. the counts are summed per building; each building partition joins its buildings' counts,
   finds its ``members_without_group`` rows and sums its buildings per (filled) grid id;
3. each grid partition joins its grids' sums and finds its ``members_without_branch`` rows.

An attribute is *not recorded* only when no partition records it, so the checks run, and the
``not_recorded`` rows come out, exactly as on one machine.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from gridparty.checks.organisation import (
    MEMBER_COLUMNS,
    building_units,
    grid_units,
    unit_findings,
)
from gridparty.checks.validate import ORGANISATION_CHECKS
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.model import member_counts
from gridparty.core.rules import PartyRules
from gridparty.core.schema import LEVELS
from gridparty.distributed.partitioned import Partition

__all__ = [
    "MEMBER_SUMS",
    "building_findings",
    "filled_parents",
    "grid_findings",
    "household_counts",
    "sum_by_unit",
]

#: The counts per grid, in the order of ``Hierarchy.summary("grid")``.
MEMBER_SUMS = ("buildings", "households", *MEMBER_COLUMNS)

#: No community or street mapping: validate reads neither column of the unit tables.
_NO_MAP = pd.Series(dtype=TEXT_DTYPE)


def filled_parents(
    frame: gpd.GeoDataFrame, level: str, table: pd.DataFrame
) -> pd.api.extensions.ExtensionArray:
    """The parent ids of ``frame`` (of a child ``level``), those missing filled from the
    ``spatial`` column of its rows of the assignment ``table``, as
    :meth:`gridparty.spatial.assign.Assignment.from_table` fills them."""
    values: pd.api.extensions.ExtensionArray = frame[LEVELS[level].parent_column].array.copy()
    rows = table[table["level"] == level].set_index("id")["spatial"].reindex(frame.index)
    missing = pd.isna(values)
    if missing.any():
        values[missing] = rows.array[missing]
    return values


def household_counts(frame: gpd.GeoDataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Member counts of a partition of households per (filled) building id."""
    building = pd.Series(filled_parents(frame, "household", table), index=frame.index)
    return member_counts(frame, building.rename("building_id"))


def sum_by_unit(pieces: list[pd.DataFrame], columns: tuple[str, ...]) -> pd.DataFrame:
    """Counts per unit from several partitions' counts (indexed by unit id, the ``columns``),
    summed."""
    frames = [p for p in pieces if len(p)]
    if not frames:
        return pd.DataFrame(columns=list(columns), dtype="int64")
    return pd.concat(frames).groupby(level=0).sum()


def building_findings(
    part: Partition,
    given: tuple[pd.DataFrame, pd.DataFrame],
    rules: PartyRules,
    missing: frozenset[tuple[str, str]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``members_without_group`` findings of a partition of buildings and its buildings'
    counts summed per (filled) grid id; ``given``: the partition's assignment rows and the
    member counts of its buildings."""
    table, counts = given
    frame = part.read("building")
    frame = frame.assign(grid_id=filled_parents(frame, "building", table))
    units = building_units(frame, counts, _NO_MAP, _NO_MAP, rules)
    found = unit_findings("building", units, rules, missing, frame.geometry)
    sums = units.assign(buildings=1)[list(MEMBER_SUMS)]
    by_grid = sums.groupby(units["grid_id"]).sum(min_count=0)
    return found[found["check"].isin(ORGANISATION_CHECKS)], by_grid


def grid_findings(
    part: Partition,
    given: tuple[pd.DataFrame, pd.DataFrame],
    rules: PartyRules,
    missing: frozenset[tuple[str, str]],
) -> pd.DataFrame:
    """The ``members_without_branch`` findings of a partition of grids; ``given``: the
    partition's assignment rows and the counts of its grids' buildings (per grid id)."""
    table, sums = given
    frame = part.read("grid")
    frame = frame.assign(community_id=filled_parents(frame, "grid", table))
    summary = frame[["community_id", "name"]].join(
        sums.reindex(columns=list(MEMBER_SUMS)).reindex(frame.index).fillna(0).astype("int64")
    )
    units = grid_units(summary, frame, _NO_MAP, rules)
    found = unit_findings("grid", units, rules, missing, frame.geometry)
    return found[found["check"].isin(ORGANISATION_CHECKS)]
