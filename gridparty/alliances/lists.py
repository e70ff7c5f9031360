"""The three lists (资源清单 / 需求清单 / 服务清单): match residents' needs to units' resources.

"点单–下单–接单": communities list their residents' **needs** (community, category, location,
size = people or service slots), member units list their **resources** (unit, category,
capacity in the same slots, location). :func:`match_lists` serves as much of every need as
possible from resources of the same category within ``max_distance_m`` metres, never using
more than a resource's capacity, and among all such matchings takes the one with the least
total distance × amount (a min-cost maximum flow, :mod:`gridparty.spatial.flow`: HiGHS or networkx).
The result is the **service list** (matches), every need with what was served and — for what was not — the reason, and
the **needs ranking** of what is left unmet.

Reasons a need (or part of it) is not served: ``no_resource_of_category`` (no usable resource
of that category at all), ``out_of_range`` (some exist, none within ``max_distance_m``),
``capacity_used_up`` (those in range went to other needs); or the row's problem
(``unknown_category``, ``negative_size``, ``missing_location`` ...), which is also listed in
the problems table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gridparty.alliances.schema import CATEGORIES, CATEGORY_WORDS, NEED, RESOURCE, UNIT
from gridparty.alliances.tables import (
    TableColumns,
    codes,
    columns_for,
    first_checks,
    negative,
    problem,
    problem_frame,
    read_table,
    resolve,
)
from gridparty.core import coords as _coords
from gridparty.core.arguments import positive_number
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.layers import normalise_layer
from gridparty.core.results import Tables, figures
from gridparty.core.schema import LEVELS, Level
from gridparty.spatial.flow import Engine, max_flow_min_cost

__all__ = [
    "CATEGORIES",
    "CATEGORY_WORDS",
    "DEFAULT_MAX_DISTANCE_M",
    "NEED",
    "RESOURCE",
    "ListMatch",
    "match_lists",
]

#: Default reach of a resource in metres: the 15-minute community life circle, 800–1000 m on
#: foot (GB 50180-2018 城市居住区规划设计标准; TD/T 1062-2021), see docs/rules.md.
DEFAULT_MAX_DISTANCE_M = 1000.0

_TABLES = ("needs", "resources")


@dataclass(frozen=True)
class ListMatch(Tables):
    """The result of :func:`match_lists`.

    Attributes
    ----------
    matches : GeoDataFrame
        The service list: ``need_id, resource_id, unit_id, community_id, category, amount,
        distance_m`` and a line from the resource to the need (EPSG:4326).
    needs : GeoDataFrame
        Every need: ``community_id, category, size, served, unserved, status`` (``matched``,
        ``partly_matched``, ``unmatched``), ``reason`` (NA when fully served) and
        ``nearest_m`` (the nearest usable resource of its category at any distance).
    resources : GeoDataFrame
        Every resource: ``unit_id, category, capacity, title, check`` (its first problem), ``used, left``.
    ranking : DataFrame
        The needs ranking: needs not fully served, most unserved first (then the farthest from
        a resource of their kind), with ``rank``.
    categories : DataFrame
        Per category: ``needs, demand, capacity, served, unserved, unmatched_needs``, most
        unserved first.
    problems : DataFrame
        ``level, id, check, severity, message`` for every bad row.
    max_distance_m : float
        The reach used, in metres.

    Examples
    --------
    >>> import gridparty as gp
    >>> t = {n: gp.sample_layer(n) for n in ("needs", "resources", "units", "communities")}
    >>> match = gp.match_lists(t["needs"], t["resources"], units=t["units"], communities=t["communities"])
    >>> len(match.needs), len(match.resources), len(match.problems)
    (55, 79, 0)
    """

    matches: gpd.GeoDataFrame
    needs: gpd.GeoDataFrame
    resources: gpd.GeoDataFrame
    ranking: pd.DataFrame
    categories: pd.DataFrame
    problems: pd.DataFrame
    max_distance_m: float

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name (matches, needs, resources with geometry)."""
        return {
            "matches": self.matches,
            "needs": self.needs,
            "resources": self.resources,
            "ranking": self.ranking,
            "categories": self.categories,
            "problems": self.problems,
        }

    def summary(self) -> pd.DataFrame:
        """Needs matched / partly / unmatched, slots asked for and served, problems."""
        status = self.needs["status"]
        return figures(
            {
                "needs": len(self.needs),
                "matched": int((status == "matched").sum()),
                "partly_matched": int((status == "partly_matched").sum()),
                "unmatched": int((status == "unmatched").sum()),
                "demand": int(self.needs["size"].fillna(0).clip(lower=0).sum()),
                "served": int(self.needs["served"].sum()),
                "resources": len(self.resources),
                "matches": len(self.matches),
                "problems": len(self.problems),
                "max_distance_m": self.max_distance_m,
            }
        )


def match_lists(
    needs: pd.DataFrame,
    resources: pd.DataFrame,
    *,
    units: gpd.GeoDataFrame | None = None,
    communities: gpd.GeoDataFrame | None = None,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
    categories: Mapping[str, str] | None = None,
    columns: TableColumns | None = None,
    metric_crs: pyproj.CRS | str | int | None = None,
    engine: Engine = "highs",
) -> ListMatch:
    """Match needs to resources by category within a distance, never beyond capacity.

    Parameters
    ----------
    needs : DataFrame or GeoDataFrame
        The needs list: ``need_id`` (optional), ``community_id`` (id or name), ``category``,
        ``size`` (people or service slots, blank = 1), ``title``; points where the need is.
        A need without a point is placed at its community's representative point.
    resources : DataFrame or GeoDataFrame
        The resources list: ``resource_id`` (optional), ``unit_id`` (id or name),
        ``category``, ``capacity`` (slots, blank = 1), ``title``; points, or the unit's point.
    units : GeoDataFrame, optional
        The units (``net.units``): resources name them and take their location from them.
    communities : GeoDataFrame, optional
        Community polygons: needs name them and take their location from them.
    max_distance_m : float
        Farthest a resource serves, in metres (default 1000: the 15-minute life circle).
    categories : mapping, optional
        Recognised category words → category code (default :data:`CATEGORY_WORDS`).
    columns : mapping, optional
        Explicit column mappings nested by table: ``{"needs": {"类型": "category"}}``.
    metric_crs : CRS-like, optional
        Projected CRS in metres (default: the UTM zone of the needs).
    engine : {"highs", "networkx"}
        Min-cost flow solver: HiGHS through scipy (default) or networkx's network simplex;
        same answer, HiGHS about 30 times faster at 50,000 candidate pairs
        (:mod:`gridparty.spatial.flow`).

    Returns
    -------
    ListMatch

    Examples
    --------
    >>> import gridparty as gp
    >>> t = {n: gp.sample_layer(n) for n in ("needs", "resources", "units", "communities")}
    >>> match = gp.match_lists(t["needs"], t["resources"], units=t["units"], communities=t["communities"])
    >>> len(match.matches), match.max_distance_m
    (57, 1000.0)
    """
    positive_number(max_distance_m, "max_distance_m", zero=True, hint="metres")
    words = CATEGORY_WORDS if categories is None else dict(categories)
    unit_frame = None if units is None else read_table(units, UNIT, argument="units")[0]
    com = None
    if communities is not None:
        com = normalise_layer(communities, LEVELS["community"], argument="communities")[0]
    need, rows = _read(needs, NEED, columns, "needs")
    res, more = _read(resources, RESOURCE, columns, "resources")
    need, found = _prepare(need, "need", "community_id", com, "size", words)
    res, found_r = _prepare(res, "resource", "unit_id", unit_frame, "capacity", words)
    problems = problem_frame([*rows, *more, *found, *found_r])
    crs = _locations_crs(need, res, metric_crs)
    amounts, pairs, dist = _match(need, res, crs, max_distance_m, engine)
    return _result(need, res, amounts, pairs, dist, problems, crs, max_distance_m)


def _read(
    frame: pd.DataFrame, level: Level, columns: TableColumns | None, table: str
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    out, issues = read_table(
        frame,
        level,
        columns=columns_for(columns, _TABLES, table),
        argument=table,
        make_ids=True,
        strict=False,
    )
    if not isinstance(out, gpd.GeoDataFrame):
        out = gpd.GeoDataFrame(
            out,
            geometry=gpd.GeoSeries([None] * len(out), index=out.index),  # type: ignore[arg-type]  # no geometry yet
            crs=4326,
        )
    return out, issues


def _prepare(
    frame: gpd.GeoDataFrame,
    level: str,
    owner: str,
    owners: pd.DataFrame | None,
    amount: str,
    words: Mapping[str, str],
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """Resolve owners and categories, fill locations and amounts; one problem per bad cell."""
    rows: list[dict[str, Any]] = []
    out = frame.copy()
    category, unknown = codes(frame["category"], words)
    out["category"] = category
    rows += [
        problem(
            level,
            i,
            "unknown_category",
            f"{level} {i}: category {v!r} is not known; "
            f"use one of {sorted(set(words.values()))} (or 为老服务, 法律服务 ...), or "
            "pass categories=.",
        )
        for i, v in category[unknown].items()
    ]
    rows += [
        problem(level, i, "missing_value", f"{level} {i}: category is empty; fill it.")
        for i in frame.index[frame["category"].isna().to_numpy()]
    ]
    bad = negative(frame[amount])
    check = "negative_capacity" if amount == "capacity" else "negative_size"
    rows += [
        problem(
            level,
            i,
            check,
            f"{level} {i}: {amount} {v} is below 0; a {amount} "
            "counts people or service slots (>= 0).",
        )
        for i, v in frame.loc[bad, amount].items()
    ]
    out[amount] = frame[amount].fillna(1)
    if owners is not None:
        ids, unknown_owner = resolve(frame[owner], owners)
        out[owner] = ids
        rows += [
            problem(
                level,
                i,
                "unknown_unit" if owner == "unit_id" else "unknown_community",
                f"{level} {i}: {owner} {v!r} is not known; correct the cell.",
            )
            for i, v in ids[unknown_owner].items()
        ]
        out = _fill_locations(out, owner, owners)
    geoms = np.asarray(out.geometry.array)
    rows += [
        problem(
            level,
            i,
            "missing_location",
            f"{level} {i} has no point and its {owner} "
            "gives none; add coordinates or the owner's location.",
        )
        for i in out.index[shapely.is_missing(geoms) | shapely.is_empty(geoms)]
    ]
    out["check"] = first_checks(rows, out.index)
    return out, rows


def _fill_locations(frame: gpd.GeoDataFrame, owner: str, owners: pd.DataFrame) -> gpd.GeoDataFrame:
    """Rows without a point take their owner's point (a community's representative point)."""
    geoms = np.asarray(frame.geometry.array).copy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    pos = owners.index.get_indexer(frame[owner].astype(TEXT_DTYPE).fillna(""))  # type: ignore[arg-type]  # pandas-stubs: any array-like
    take = empty & (pos >= 0)
    if take.any():
        source = np.asarray(owners.geometry.array)[pos[take]]
        geoms[take] = shapely.point_on_surface(shapely.make_valid(source))
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=4326))


def _locations_crs(need: gpd.GeoDataFrame, res: gpd.GeoDataFrame, given: object) -> pyproj.CRS:
    if given is None and not (need.geometry.notna().any() or res.geometry.notna().any()):
        raise InputError("needs and resources have no locations: there is nothing to match.")
    return _coords.choose_metric_crs(given, need, res)


def _usable(frame: gpd.GeoDataFrame) -> np.ndarray:
    return frame["check"].isna().to_numpy(dtype=bool)


def _match(
    need: gpd.GeoDataFrame,
    res: gpd.GeoDataFrame,
    crs: pyproj.CRS,
    max_distance_m: float,
    engine: Engine,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate pairs (need row, resource row), their distances (m) and the amount sent."""
    a = np.asarray(need.geometry.to_crs(crs).array)
    b = np.asarray(res.geometry.to_crs(crs).array)
    ok_n, ok_r = np.flatnonzero(_usable(need)), np.flatnonzero(_usable(res))
    i, j = shapely.STRtree(b[ok_r]).query(a[ok_n], predicate="dwithin", distance=max_distance_m)
    i, j = ok_n[i], ok_r[j]
    same = need["category"].to_numpy(dtype=object)[i] == res["category"].to_numpy(dtype=object)[j]
    i, j = i[same], j[same]
    dist = shapely.distance(a[i], b[j])
    size = need["size"].to_numpy(dtype=np.int64)
    capacity = res["capacity"].to_numpy(dtype=np.int64)
    room = np.minimum(size[i], capacity[j])
    flow = max_flow_min_cost(i, j, dist, size, capacity, room, engine=engine)
    return flow, np.stack([i, j]), dist


def _result(
    need: gpd.GeoDataFrame,
    res: gpd.GeoDataFrame,
    amounts: np.ndarray,
    pairs: np.ndarray,
    dist: np.ndarray,
    problems: pd.DataFrame,
    crs: pyproj.CRS,
    max_distance_m: float,
) -> ListMatch:
    i, j = pairs
    sent = amounts > 0
    served = np.bincount(i[sent], weights=amounts[sent], minlength=len(need)).astype(np.int64)
    used = np.bincount(j[sent], weights=amounts[sent], minlength=len(res)).astype(np.int64)
    needs = _need_table(need, res, served, i, crs)
    resources = res[["unit_id", "category", "capacity", "title", "check", "geometry"]].assign(
        used=used, left=np.where(_usable(res), res["capacity"].to_numpy() - used, 0)
    )
    matches = _match_lines(need, res, i[sent], j[sent], amounts[sent], dist[sent])
    return ListMatch(
        matches,
        needs,
        resources,
        _ranking(needs),
        _categories(needs, resources),
        problems,
        float(max_distance_m),
    )


def _need_table(
    need: gpd.GeoDataFrame,
    res: gpd.GeoDataFrame,
    served: np.ndarray,
    cand: np.ndarray,
    crs: pyproj.CRS,
) -> gpd.GeoDataFrame:
    size = need["size"].to_numpy(dtype=np.int64)
    usable = _usable(need)
    unserved = np.where(usable, size - served, np.maximum(size, 0))
    nearest = _nearest(need, res, crs)
    in_range = np.bincount(cand, minlength=len(need)) > 0
    reason = np.where(
        ~usable,
        need["check"].to_numpy(dtype=object),
        np.where(
            np.isnan(nearest),
            "no_resource_of_category",
            np.where(~in_range, "out_of_range", "capacity_used_up"),
        ),
    )
    status = np.where(
        usable & (unserved == 0), "matched", np.where(served > 0, "partly_matched", "unmatched")
    )
    return need[["community_id", "category", "size", "title", "geometry"]].assign(
        served=served,
        unserved=unserved,
        status=pd.array(status, dtype=TEXT_DTYPE),
        reason=pd.array(np.where(status != "matched", reason, None), dtype=TEXT_DTYPE),  # type: ignore[call-overload]  # None marks a missing value
        nearest_m=nearest,
    )[
        [
            "community_id",
            "category",
            "size",
            "served",
            "unserved",
            "status",
            "reason",
            "nearest_m",
            "title",
            "geometry",
        ]
    ]


def _nearest(need: gpd.GeoDataFrame, res: gpd.GeoDataFrame, crs: pyproj.CRS) -> np.ndarray:
    """Metres to the nearest usable resource of the same category (NaN where there is none)."""
    out = np.full(len(need), np.nan)
    a = np.asarray(need.geometry.to_crs(crs).array)
    b = np.asarray(res.geometry.to_crs(crs).array)
    ok_n, ok_r = _usable(need), _usable(res)
    for category in pd.unique(need.loc[ok_n, "category"]):
        rows = np.flatnonzero(ok_n & need["category"].eq(category).fillna(False).to_numpy(bool))
        cols = np.flatnonzero(ok_r & res["category"].eq(category).fillna(False).to_numpy(bool))
        if len(cols):
            (p, _), d = shapely.STRtree(b[cols]).query_nearest(a[rows], return_distance=True)
            out[rows[p]] = d
    return out


def _match_lines(
    need: gpd.GeoDataFrame,
    res: gpd.GeoDataFrame,
    i: np.ndarray,
    j: np.ndarray,
    amount: np.ndarray,
    dist: np.ndarray,
) -> gpd.GeoDataFrame:
    lines = shapely.shortest_line(
        np.asarray(res.geometry.array)[j], np.asarray(need.geometry.array)[i]
    )
    table = pd.DataFrame(
        {
            "need_id": pd.array(need.index[i], dtype=TEXT_DTYPE),
            "resource_id": pd.array(res.index[j], dtype=TEXT_DTYPE),
            "unit_id": pd.array(res["unit_id"].to_numpy()[j], dtype=TEXT_DTYPE),
            "community_id": pd.array(need["community_id"].to_numpy()[i], dtype=TEXT_DTYPE),
            "category": pd.array(need["category"].to_numpy()[i], dtype=TEXT_DTYPE),
            "amount": amount.astype(np.int64),
            "distance_m": dist,
        }
    )
    frame = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(lines, crs=4326), crs=4326)
    return frame.sort_values(["need_id", "distance_m", "resource_id"]).reset_index(drop=True)


def _ranking(needs: gpd.GeoDataFrame) -> pd.DataFrame:
    left = pd.DataFrame(needs[needs["status"] != "matched"].drop(columns="geometry"))
    left = left.assign(far=left["nearest_m"].fillna(np.inf))
    left = left.sort_values(["unserved", "far"], ascending=[False, False], kind="stable")
    left = left.drop(columns="far")
    left.insert(0, "rank", np.arange(1, len(left) + 1))
    return left[
        [
            "rank",
            "community_id",
            "category",
            "size",
            "served",
            "unserved",
            "reason",
            "nearest_m",
            "title",
        ]
    ]


def _categories(needs: gpd.GeoDataFrame, resources: gpd.GeoDataFrame) -> pd.DataFrame:
    n = pd.DataFrame(needs.drop(columns="geometry"))
    r = pd.DataFrame(resources[resources["check"].isna()].drop(columns="geometry"))
    table = pd.concat(
        {
            "needs": n.groupby("category").size(),
            "demand": n["size"].clip(lower=0).groupby(n["category"]).sum(),
            "capacity": r.groupby("category")["capacity"].sum(),
            "served": n.groupby("category")["served"].sum(),
            "unserved": n.groupby("category")["unserved"].sum(),
            "unmatched_needs": n.assign(u=n["status"] != "matched").groupby("category")["u"].sum(),
        },
        axis=1,
    )
    table = table.fillna(0).astype("int64").rename_axis("category")
    return table.sort_values(["unserved", "demand"], ascending=False, kind="stable")
