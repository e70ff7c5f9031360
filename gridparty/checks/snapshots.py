"""Progress between two snapshots of the same area (e.g. last year and now).

Gaps are compared as land, parent by parent (communities by id): the part of last year's gaps
that is covered now was **closed**, the part of this year's gaps that was covered last year was
**opened**, and the rest **remains**. Only real gaps take part (slivers are noise); changed
parts are classified like gaps (``kind="sliver"`` below the same tolerances). Coverage rates
(spatial coverage ratio, organisation and work coverage) are shown before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gridparty.checks.coverage import (
    DEFAULT_MIN_AREA_M2,
    DEFAULT_MIN_WIDTH_M,
    SpatialCoverage,
    spatial_coverage,
)
from gridparty.checks.organisation import coverage_rates
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.model import Hierarchy
from gridparty.core.results import Tables, figures
from gridparty.core.rules import DEFAULT_RULES, PartyRules
from gridparty.spatial.tiling import classify_parts, polygon_parts

__all__ = ["CHANGES", "SnapshotComparison", "compare_coverage", "compare_snapshots"]

#: Kinds of change of gap land.
CHANGES = ("closed", "opened", "remaining")
_RATES = ("organisation_coverage", "work_coverage")


@dataclass(frozen=True)
class SnapshotComparison(Tables):
    """Result of :func:`compare_snapshots` (geometry in EPSG:4326, areas in m²).

    Attributes
    ----------
    gap_changes : GeoDataFrame
        One row per changed part: ``parent_id``, ``change`` (``closed``, ``opened``,
        ``remaining``), ``kind`` (``gap`` or ``sliver``), ``area_m2``, ``width_m``.
    by_parent : DataFrame
        Per parent (index ``parent_id``): ``gap_m2_before``, ``gap_m2_after``,
        ``closed_m2``, ``opened_m2``, ``remaining_m2`` (real parts), ``gaps_before``,
        ``gaps_after``, ``coverage_ratio_before``, ``coverage_ratio_after`` and, when rates
        were given, ``<level>_<rate>_before``/``_after`` for grid and building organisation
        and work coverage.
    """

    gap_changes: gpd.GeoDataFrame
    by_parent: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name."""
        return {"gap_changes": self.gap_changes, "changes_by_community": self.by_parent}

    def summary(self) -> pd.DataFrame:
        """Totals: gap area before and after, closed, opened and remaining (m²)."""
        t = self.by_parent
        values: dict[str, object] = {
            c: float(t[c].sum())
            for c in ("gap_m2_before", "gap_m2_after", "closed_m2", "opened_m2", "remaining_m2")
        }
        values["gaps_before"] = int(t["gaps_before"].sum())
        values["gaps_after"] = int(t["gaps_after"].sum())
        return figures(values)


def compare_snapshots(
    before: Hierarchy,
    after: Hierarchy,
    *,
    rules: PartyRules = DEFAULT_RULES,
    min_area_m2: float = DEFAULT_MIN_AREA_M2,
    min_width_m: float = DEFAULT_MIN_WIDTH_M,
) -> SnapshotComparison:
    """Compare the grid coverage of two hierarchies of the same area.

    Parameters
    ----------
    before, after : Hierarchy
        The earlier and the later snapshot (parent ids filled; run :func:`gridparty.spatial.assign`
        first when some are missing). Measured in ``after.metric_crs``.
    rules : PartyRules
        Thresholds of the organisation rates.
    min_area_m2, min_width_m : float
        Sliver tolerances (m², m).

    Returns
    -------
    SnapshotComparison

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> changes = gp.compare_snapshots(h, h)  # the same city twice
    >>> changes.gap_changes["change"].value_counts().to_dict()
    {'remaining': 1}
    """
    for name, h in (("before", before), ("after", after)):
        if not isinstance(h, Hierarchy):
            raise InputError(f"{name} must be a gridparty.Hierarchy, got {type(h).__name__}.")
    crs = after.metric_crs
    found = [
        spatial_coverage(
            h.communities,
            h.grids,
            parent_column="community_id",
            metric_crs=crs,
            min_area_m2=min_area_m2,
            min_width_m=min_width_m,
        )
        for h in (before, after)
    ]
    rates = [coverage_rates(h, rules=rules) for h in (before, after)]
    return compare_coverage(found[0], found[1], rates_before=rates[0], rates_after=rates[1])


def compare_coverage(
    before: SpatialCoverage,
    after: SpatialCoverage,
    *,
    rates_before: pd.DataFrame | None = None,
    rates_after: pd.DataFrame | None = None,
) -> SnapshotComparison:
    """Compare two :class:`~gridparty.checks.coverage.SpatialCoverage` results (and their rates).

    Parameters
    ----------
    before, after : SpatialCoverage
        Coverage of the same parent level at two dates; measured in ``after.crs`` with
        ``after``'s tolerances.
    rates_before, rates_after : DataFrame, optional
        :func:`gridparty.checks.organisation.coverage_rates` of each snapshot.

    Returns
    -------
    SnapshotComparison
    """
    crs = after.crs
    ids = pd.Index(before.by_parent.index.union(after.by_parent.index), name="parent_id")
    old, new = _gap_land(before, ids, crs), _gap_land(after, ids, crs)
    parts, owner, change = [], [], []
    for name, geoms in (
        ("closed", shapely.difference(old, new)),
        ("opened", shapely.difference(new, old)),
        ("remaining", shapely.intersection(old, new)),
    ):
        p, o, _ = polygon_parts(geoms, np.arange(len(ids)), np.zeros(len(ids), dtype=int))
        parts.append(p)
        owner.append(o)
        change += [name] * len(p)
    changes = _change_table(np.concatenate(parts), np.concatenate(owner), change, ids, after)
    return SnapshotComparison(
        gap_changes=changes,
        by_parent=_by_parent(ids, before, after, changes, rates_before, rates_after),
    )


def _gap_land(result: SpatialCoverage, ids: pd.Index, crs: pyproj.CRS) -> np.ndarray:
    """Per parent of ``ids``: its real gaps as one (Multi)Polygon in ``crs`` (empty for none)."""
    real = result.gaps[result.gaps["kind"] != "sliver"]
    geoms = np.asarray(real.geometry.to_crs(crs).array, dtype=object)
    pos = ids.get_indexer(real["parent_id"])  # type: ignore[arg-type]  # pandas-stubs: any array-like
    order = np.argsort(pos, kind="stable")
    out = np.full(len(ids), shapely.MultiPolygon(), dtype=object)
    if len(order):
        shapely.multipolygons(geoms[order], indices=pos[order], out=out)
    return out


def _change_table(
    parts: np.ndarray,
    owner: np.ndarray,
    change: list[str],
    ids: pd.Index,
    after: SpatialCoverage,
) -> gpd.GeoDataFrame:
    area, width, sliver = classify_parts(parts, after.min_area_m2, after.min_width_m)
    table = pd.DataFrame(
        {
            "parent_id": pd.array(ids.to_numpy()[owner], dtype=TEXT_DTYPE),
            "change": pd.array(change, dtype=TEXT_DTYPE),
            "kind": pd.array(np.where(sliver, "sliver", "gap"), dtype=TEXT_DTYPE),
            "area_m2": area,
            "width_m": width,
        }
    )
    geometry = gpd.GeoSeries(parts, crs=after.crs).to_crs(4326)
    out = gpd.GeoDataFrame(table, geometry=geometry.to_numpy(), crs=4326)
    out = out.sort_values(["parent_id", "change", "area_m2"], ascending=[True, True, False])
    return out.set_axis(pd.RangeIndex(1, len(out) + 1, name="part"))


def _by_parent(
    ids: pd.Index,
    before: SpatialCoverage,
    after: SpatialCoverage,
    changes: gpd.GeoDataFrame,
    rates_before: pd.DataFrame | None,
    rates_after: pd.DataFrame | None,
) -> pd.DataFrame:
    real = changes[changes["kind"] != "sliver"]
    moved = real.pivot_table(
        index="parent_id", columns="change", values="area_m2", aggfunc="sum"
    ).reindex(index=ids, columns=list(CHANGES))
    table = pd.DataFrame(index=ids)
    for when, result in (("before", before), ("after", after)):
        table[f"gap_m2_{when}"] = result.by_parent["gap_m2"].reindex(ids)
        table[f"gaps_{when}"] = result.by_parent["gaps"].reindex(ids)
    for name in CHANGES:
        table[f"{name}_m2"] = moved[name].to_numpy()
    counts = [c for c in table.columns if c.startswith(("gap", "closed", "opened", "remaining"))]
    table[counts] = table[counts].fillna(0)
    table = table.astype({"gaps_before": "int64", "gaps_after": "int64"})
    for when, result in (("before", before), ("after", after)):
        table[f"coverage_ratio_{when}"] = result.by_parent["coverage_ratio"].reindex(ids)
    rates = [
        _community_rates(r, when)
        for when, r in (("before", rates_before), ("after", rates_after))
        if r is not None
    ]
    if rates:
        joined = pd.concat(rates, axis=1)
        order = sorted(joined.columns, key=lambda c: (c.rsplit("_", 1)[0], c.endswith("after")))
        table = table.join(joined[order])
    return table


def _community_rates(rates: pd.DataFrame, when: str) -> pd.DataFrame:
    per = rates[rates["scope"] == "community"].pivot(
        index="unit", columns="level", values=list(_RATES)
    )
    per.columns = [f"{level}_{rate}_{when}" for rate, level in per.columns]  # type: ignore[str-unpack]  # MultiIndex columns are tuples
    return per.rename_axis("parent_id")
