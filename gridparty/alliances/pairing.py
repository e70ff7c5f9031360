"""Pairing communities with government departments ("1+1" 结对, and "1+N" / "N+1").

* :func:`check_pairing` — is every community paired? which rows repeat a pair or name an
  unknown community or department? how many pairs are one-to-one, how many communities have
  several departments ("1+N") and how many departments several communities ("N+1")?
* :func:`propose_pairing` — pair the communities still without a department, keeping the
  existing (fixed) pairs, so that the total distance in metres is as small as possible: one to
  one with :func:`scipy.optimize.linear_sum_assignment`, or with capacities (a department
  takes up to ``capacity`` communities, a community wants ``demand`` departments) as a
  min-cost flow (:mod:`gridparty.spatial.flow`: HiGHS, or networkx). :func:`optimal_pairs` is the
  array core.

Distances run from each community's representative point (``point_on_surface``, always
inside it) to the department's point, measured in a metric CRS.

Published figure (docs/rules.md): one district paired its 58 communities one to one with 58
departments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.optimize import linear_sum_assignment

from gridparty.alliances.schema import DEPARTMENT, PAIRING
from gridparty.alliances.tables import (
    TableColumns,
    check_links,
    columns_for,
    problem,
    problem_frame,
    read_table,
    require_points,
)
from gridparty.core import coords as _coords
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.layers import normalise_layer
from gridparty.core.results import Tables, figures
from gridparty.core.schema import LEVELS
from gridparty.spatial.flow import Engine, max_flow_min_cost

__all__ = [
    "DEPARTMENT",
    "PAIRING",
    "PairingCheck",
    "PairingProposal",
    "check_pairing",
    "optimal_pairs",
    "propose_pairing",
]

_TABLES = ("departments", "pairings")


# -- reading and checking --------------------------------------------------------------------------


def _read(
    communities: gpd.GeoDataFrame,
    departments: gpd.GeoDataFrame,
    pairings: pd.DataFrame | None,
    columns: TableColumns | None,
    strict: bool,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame, list[dict[str, Any]]]:
    com, issues = normalise_layer(communities, LEVELS["community"], argument="communities")
    dep, more = read_table(
        require_points(departments, "departments"),
        DEPARTMENT,
        columns=columns_for(columns, _TABLES, "departments"),
        strict=strict,
        argument="departments",
    )
    table = pd.DataFrame({"community_id": [], "department_id": []}, dtype=TEXT_DTYPE)
    pairs, found = read_table(
        table if pairings is None else pairings,
        PAIRING,
        columns=columns_for(columns, _TABLES, "pairings"),
        strict=strict,
        argument="pairings",
        make_ids=True,
    )
    return com, dep, pairs, [*issues, *more, *found]  # type: ignore[return-value]  # the departments table, read as points


def _status(own: pd.Series, other_degree: pd.Series, many: str, shared: str) -> pd.Series:
    """``unpaired``, ``1+1``, ``many`` (several partners) or ``shared`` (a partner has others)."""
    out = np.where(
        own == 0, "unpaired", np.where(own > 1, many, np.where(other_degree > 1, shared, "1+1"))
    )
    return pd.Series(out, index=own.index, dtype=TEXT_DTYPE)  # type: ignore[no-any-return]  # pandas-stubs type this call's result as Any


@dataclass(frozen=True)
class PairingCheck(Tables):
    """The tables of :func:`check_pairing`.

    Attributes
    ----------
    communities : DataFrame
        Per community: ``name, district, departments, department_ids, status`` where status
        is ``unpaired``, ``1+1``, ``1+N`` (several departments) or ``N+1`` (its one department
        also serves other communities).
    departments : DataFrame
        Per department: ``name, district, capacity, communities, community_ids, status``
        (``unpaired``, ``1+1``, ``N+1`` several communities, ``1+N`` its community has others).
    pairings : DataFrame
        Every row as given, names resolved to ids, with ``check``: its first problem (NA when fine).
    problems : DataFrame
        ``level, id, check, severity, message``: bad rows and unpaired communities.

    Examples
    --------
    >>> import gridparty as gp
    >>> t = {n: gp.sample_layer(n) for n in ("communities", "departments", "pairings")}
    >>> check = gp.check_pairing(t["communities"], t["departments"], t["pairings"])
    >>> check.communities.shape, len(check.problems)
    ((9, 5), 2)
    """

    communities: pd.DataFrame
    departments: pd.DataFrame
    pairings: pd.DataFrame
    problems: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """The four tables by name."""
        return {
            "communities": self.communities,
            "departments": self.departments,
            "pairings": self.pairings,
            "problems": self.problems,
        }

    def summary(self) -> pd.DataFrame:
        """Counts: communities paired / unpaired, 1+1 pairs, 1+N communities, N+1 departments."""
        c, d = self.communities["status"], self.departments["status"]
        return figures(
            {
                "communities": len(c),
                "paired_communities": int((c != "unpaired").sum()),
                "unpaired_communities": int((c == "unpaired").sum()),
                "departments": len(d),
                "unpaired_departments": int((d == "unpaired").sum()),
                "pairs_1_1": int((c == "1+1").sum()),
                "communities_1_N": int((c == "1+N").sum()),
                "departments_N_1": int((d == "N+1").sum()),
                "duplicate_rows": int((self.pairings["check"] == "duplicate_pair").sum()),
                "problems": len(self.problems),
            }
        )


def check_pairing(
    communities: gpd.GeoDataFrame,
    departments: gpd.GeoDataFrame,
    pairings: pd.DataFrame,
    *,
    columns: TableColumns | None = None,
    strict: bool = True,
) -> PairingCheck:
    """Check a pairing table: every community paired, no repeated or unknown pairs, 1+N / N+1.

    Parameters
    ----------
    communities : GeoDataFrame
        Community polygons (``h.communities``).
    departments : GeoDataFrame
        Department points (部门): ``department_id`` (or 部门编号 ...), ``name``, ``district``,
        ``capacity`` (communities it may take; blank = 1).
    pairings : DataFrame
        One row per community–department pair (社区, 结对部门 ...), by id or unique name.
    columns : mapping, optional
        Explicit column mappings nested by table: ``{"pairings": {"社区代码": "community_id"}}``.
    strict : bool
        Raise on duplicate or missing department ids (default); ``False`` reports them.

    Returns
    -------
    PairingCheck

    Examples
    --------
    >>> import gridparty as gp
    >>> t = {n: gp.sample_layer(n) for n in ("communities", "departments", "pairings")}
    >>> check = gp.check_pairing(t["communities"], t["departments"], t["pairings"])
    >>> sorted(check.problems["check"])
    ['duplicate_pair', 'unpaired_community']
    """
    com, dep, pairs, issues = _read(communities, departments, pairings, columns, strict)
    return _check(com, dep, pairs, issues)


def _check(
    com: gpd.GeoDataFrame, dep: gpd.GeoDataFrame, pairs: pd.DataFrame, issues: list[dict[str, Any]]
) -> PairingCheck:
    pairs, rows = check_links(
        pairs,
        "pairing",
        (("community_id", com, "unknown_community"), ("department_id", dep, "unknown_department")),
        "duplicate_pair",
    )
    valid = pairs[pairs["check"].isna()]
    per_com = valid.groupby("community_id")["department_id"]
    per_dep = valid.groupby("department_id")["community_id"]
    n_com = per_com.size().reindex(com.index).fillna(0).astype("int64")
    n_dep = per_dep.size().reindex(dep.index).fillna(0).astype("int64")
    most_dep = valid.assign(n=n_dep.reindex(valid["department_id"]).to_numpy())
    most_com = valid.assign(n=n_com.reindex(valid["community_id"]).to_numpy())
    com_table = com[["name", "district"]].assign(
        departments=n_com,
        department_ids=per_com.agg(lambda s: ", ".join(sorted(s))).reindex(com.index),
        status=_status(
            n_com, most_dep.groupby("community_id")["n"].max().reindex(com.index), "1+N", "N+1"
        ),
    )
    dep_table = pd.DataFrame(dep[["name", "district", "capacity"]]).assign(
        communities=n_dep,
        community_ids=per_dep.agg(lambda s: ", ".join(sorted(s))).reindex(dep.index),
        status=_status(
            n_dep, most_com.groupby("department_id")["n"].max().reindex(dep.index), "N+1", "1+N"
        ),
    )
    rows += [
        problem(
            "community",
            c,
            "unpaired_community",
            f"community {c} ({com.at[c, 'name']}) has "  # type: ignore[str-bytes-safe]  # a pandas scalar: text here
            "no department paired with it; add a pairing (see propose_pairing).",
        )
        for c in com.index[(n_com == 0).to_numpy()]
    ]
    return PairingCheck(com_table, dep_table, pairs, problem_frame([*issues, *rows]))


# -- the optimal pairing ------------------------------------------------------------------------


def optimal_pairs(
    cost_m: np.ndarray,
    demand: np.ndarray | None = None,
    capacity: np.ndarray | None = None,
    *,
    engine: Engine = "highs",
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (row, column) of a cost matrix: as many as possible, then the least total cost.

    Parameters
    ----------
    cost_m : array (n, m)
        Cost of pairing row ``i`` (a community) with column ``j`` (a department), e.g. a
        distance in metres; ``inf`` or NaN forbids the pair.
    demand : array of int (n,), optional
        How many columns each row wants (default 1 each; 0 = none).
    capacity : array of int (m,), optional
        How many rows each column can take (default 1 each).
    engine : {"highs", "networkx"}
        Min-cost flow solver when demands or capacities exceed 1 (same answer; HiGHS is much
        faster, see :mod:`gridparty.spatial.flow`).

    Returns
    -------
    (ndarray, ndarray)
        Row and column indices of the chosen pairs, sorted by row then column. A pair is chosen
        at most once. With all demands and capacities 1 this is
        :func:`scipy.optimize.linear_sum_assignment`; otherwise a min-cost maximum flow over the
        allowed pairs, each of capacity 1.

    Examples
    --------
    >>> import numpy as np
    >>> import gridparty as gp
    >>> rows, cols = gp.optimal_pairs(np.array([[1.0, 5.0], [4.0, 2.0]]))  # cost in metres
    >>> rows.tolist(), cols.tolist()
    ([0, 1], [0, 1])
    """
    cost = np.asarray(cost_m, dtype=float)
    if cost.ndim != 2:
        raise InputError(f"cost_m must be a 2-D matrix, got shape {cost.shape}.")
    n, m = cost.shape
    demand = _counts(demand, n, "demand")
    capacity = _counts(capacity, m, "capacity")
    allowed = np.isfinite(cost) & (demand[:, None] > 0) & (capacity[None, :] > 0)
    if not allowed.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if (demand <= 1).all() and (capacity <= 1).all():
        rows, cols = _assignment(cost, allowed)
    else:
        rows, cols = _flow(cost, allowed, demand, capacity, engine)
    order = np.lexsort((cols, rows))
    return rows[order], cols[order]


def _counts(values: np.ndarray | None, size: int, argument: str) -> np.ndarray:
    if values is None:
        return np.ones(size, dtype=np.int64)
    array = np.asarray(values)
    if array.shape != (size,) or not np.issubdtype(array.dtype, np.number):
        raise InputError(f"{argument} must hold {size} whole numbers, got {values!r}.")
    if (array < 0).any() or not np.isfinite(array).all() or (array != np.round(array)).any():
        raise InputError(f"{argument} must be whole numbers >= 0, got {list(array)}.")
    return array.astype(np.int64)


def _assignment(cost: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Big-M assignment: a forbidden pair costs more than all allowed ones together."""
    finite = np.where(allowed, cost, 0.0)
    big = float(np.abs(finite).sum()) * 2.0 + 1.0
    rows, cols = linear_sum_assignment(np.where(allowed, cost, big))
    keep = allowed[rows, cols]
    return rows[keep].astype(np.int64), cols[keep].astype(np.int64)


def _flow(
    cost: np.ndarray,
    allowed: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray,
    engine: Engine,
) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.nonzero(allowed)
    flow = max_flow_min_cost(
        rows,
        cols,
        cost[rows, cols],
        demand,
        capacity,
        np.ones(len(rows), dtype=np.int64),
        engine=engine,
    )
    return rows[flow > 0].astype(np.int64), cols[flow > 0].astype(np.int64)


@dataclass(frozen=True)
class PairingProposal(Tables):
    """The result of :func:`propose_pairing`.

    Attributes
    ----------
    pairs : GeoDataFrame
        Every pair, fixed and proposed: ``community_id, community, department_id, department,
        distance_m, fixed`` and a line from the community's representative point to the
        department (EPSG:4326).
    unpaired : DataFrame
        Communities still short of departments: ``name, missing`` (how many) and ``reason``:
        ``no_department`` (none allowed at all, e.g. none in its district), ``out_of_range``
        (none within ``max_distance_m``) or ``capacity_used_up`` (those in range are full).
    check : PairingCheck
        The check of the existing pairing table.

    Examples
    --------
    >>> import gridparty as gp
    >>> t = {n: gp.sample_layer(n) for n in ("communities", "departments", "pairings")}
    >>> proposal = gp.propose_pairing(t["communities"], t["departments"], pairings=t["pairings"])
    >>> len(proposal.pairs), len(proposal.unpaired), round(proposal.total_distance_m)
    (10, 0, 1444)
    """

    pairs: gpd.GeoDataFrame
    unpaired: pd.DataFrame
    check: PairingCheck

    @property
    def total_distance_m(self) -> float:
        """Total distance of the proposed (not fixed) pairs in metres."""
        return float(self.pairs.loc[~self.pairs["fixed"], "distance_m"].sum())

    def tables(self) -> dict[str, pd.DataFrame]:
        """The pairs (with lines), the unpaired communities and the check's problems."""
        return {"pairs": self.pairs, "unpaired": self.unpaired, "problems": self.check.problems}

    def summary(self) -> pd.DataFrame:
        """Fixed and proposed pairs, their distances (m), communities left unpaired."""
        proposed = self.pairs[~self.pairs["fixed"]]
        longest = float(proposed["distance_m"].max()) if len(proposed) else 0.0
        return figures(
            {
                "fixed_pairs": int(self.pairs["fixed"].sum()),
                "proposed_pairs": len(proposed),
                "proposed_distance_m": round(self.total_distance_m, 1),
                "longest_proposed_m": round(longest, 1),
                "unpaired_communities": len(self.unpaired),
            }
        )


def propose_pairing(
    communities: gpd.GeoDataFrame,
    departments: gpd.GeoDataFrame,
    *,
    pairings: pd.DataFrame | None = None,
    capacity: int | str = "capacity",
    demand: int | str = 1,
    within: str | None = None,
    max_distance_m: float | None = None,
    columns: TableColumns | None = None,
    metric_crs: pyproj.CRS | str | int | None = None,
    engine: Engine = "highs",
) -> PairingProposal:
    """Pair communities with departments at the least total distance, keeping existing pairs.

    Parameters
    ----------
    communities : GeoDataFrame
        Community polygons (``h.communities``).
    departments : GeoDataFrame
        Department points; see :func:`check_pairing`.
    pairings : DataFrame, optional
        The existing pairing table: its valid pairs are kept (fixed) and use up demand and
        capacity; problem rows are reported in ``check`` and not used.
    capacity : int or str
        Communities each department may take: a number for all (1 = "1+1"), or a column of
        ``departments`` (default ``"capacity"``, blank cells = 1). Above 1: "N+1".
    demand : int or str
        Departments each community wants: a number (default 1) or a column of
        ``communities``. Above 1: "1+N".
    within : str, optional
        A column of both tables that must match (e.g. ``"district"``: departments pair with
        communities of their own district).
    max_distance_m : float, optional
        Longest allowed distance in metres (default: no limit).
    columns : mapping, optional
        As for :func:`check_pairing`.
    metric_crs : CRS-like, optional
        Projected CRS in metres (default: the UTM zone of the communities).
    engine : {"highs", "networkx"}
        Min-cost flow solver for capacities above 1 (see :func:`optimal_pairs`).

    Returns
    -------
    PairingProposal

    Examples
    --------
    >>> import gridparty as gp
    >>> t = {n: gp.sample_layer(n) for n in ("communities", "departments")}
    >>> proposal = gp.propose_pairing(t["communities"], t["departments"])
    >>> len(proposal.unpaired)
    0
    """
    com, dep, pairs, issues = _read(communities, departments, pairings, columns, True)
    check = _check(com, dep, pairs, issues)
    crs = _coords.choose_metric_crs(metric_crs, com)
    fixed = check.pairings[check.pairings["check"].isna()]
    want = _amount(demand, com, "demand", "communities") - check.communities["departments"]
    room = _amount(capacity, dep, "capacity", "departments") - check.departments["communities"]
    cost = _distances(com, dep, crs)
    eligible = np.isfinite(cost) & _same(com, dep, within)
    allowed = _allowed(eligible, cost, max_distance_m, com, dep, fixed)
    rows, cols = optimal_pairs(
        np.where(allowed, cost, np.inf),
        want.clip(lower=0).to_numpy(),
        room.clip(lower=0).to_numpy(),
        engine=engine,
    )
    new = pd.DataFrame({"community_id": com.index[rows], "department_id": dep.index[cols]})
    table = _pair_lines(
        com,
        dep,
        crs,
        pd.concat(
            [fixed[["community_id", "department_id"]].assign(fixed=True), new.assign(fixed=False)],
            ignore_index=True,
        ),
        cost,
    )
    got = np.bincount(rows, minlength=len(com))
    unpaired = _unpaired(com, want.to_numpy() - got, eligible, allowed)
    return PairingProposal(table, unpaired, check)


def _amount(value: int | str, frame: pd.DataFrame, argument: str, table: str) -> pd.Series:
    if isinstance(value, str):
        if value not in frame.columns:
            if value == "capacity":
                return pd.Series(1, index=frame.index, dtype="int64")
            raise InputError(
                f"{argument}={value!r} is not a column of {table}; its columns are "
                f"{list(frame.columns)}. Pass a number or the column's name."
            )
        numbers = pd.to_numeric(frame[value], errors="coerce").fillna(1)
    else:
        numbers = pd.Series(value, index=frame.index)
    bad = (numbers < 0) | (numbers != np.round(numbers))
    if bad.any():
        raise InputError(
            f"{argument} must be whole numbers >= 0; {table} {list(frame.index[bad][:5])} have "
            f"{list(numbers[bad][:5])}. Fix the cells (blank = 1)."
        )
    return numbers.astype("int64")


def _points(
    com: gpd.GeoDataFrame, dep: gpd.GeoDataFrame, crs: pyproj.CRS
) -> tuple[np.ndarray, np.ndarray]:
    c = shapely.point_on_surface(np.asarray(com.geometry.to_crs(crs).make_valid().array))
    d = np.asarray(dep.geometry.to_crs(crs).array)
    return c, d


def _distances(com: gpd.GeoDataFrame, dep: gpd.GeoDataFrame, crs: pyproj.CRS) -> np.ndarray:
    """Metres from each community's representative point to each department (NaN if missing)."""
    c, d = _points(com, dep, crs)
    return shapely.distance(c[:, None], d[None, :])


def _allowed(
    eligible: np.ndarray,
    cost: np.ndarray,
    max_distance_m: float | None,
    com: gpd.GeoDataFrame,
    dep: gpd.GeoDataFrame,
    fixed: pd.DataFrame,
) -> np.ndarray:
    """Pairs that may be proposed: eligible, in range, not already fixed."""
    allowed = eligible.copy()
    if max_distance_m is not None:
        if not np.isfinite(max_distance_m) or max_distance_m < 0:
            raise InputError(f"max_distance_m={max_distance_m!r} must be metres >= 0 (or None).")
        allowed &= cost <= max_distance_m
    taken = (
        com.index.get_indexer(fixed["community_id"]),  # type: ignore[arg-type]  # pandas-stubs: any array-like
        dep.index.get_indexer(fixed["department_id"]),  # type: ignore[arg-type]  # pandas-stubs: any array-like
    )
    allowed[taken] = False
    return allowed


def _same(com: gpd.GeoDataFrame, dep: gpd.GeoDataFrame, within: str | None) -> np.ndarray:
    if within is None:
        return np.ones((len(com), len(dep)), dtype=bool)
    missing = [t for t, f in (("communities", com), ("departments", dep)) if within not in f]
    if missing:
        raise InputError(
            f"within={within!r} must be a column of communities and departments; {missing} lack "
            "it. Pass e.g. within='district' or leave it None."
        )
    # a missing value matches nothing: the two sides are filled with different markers
    a = com[within].astype(TEXT_DTYPE).fillna("\0 no community value").to_numpy(dtype=str)
    b = dep[within].astype(TEXT_DTYPE).fillna("\0 no department value").to_numpy(dtype=str)
    return np.asarray(a[:, None] == b[None, :])


def _pair_lines(
    com: gpd.GeoDataFrame,
    dep: gpd.GeoDataFrame,
    crs: pyproj.CRS,
    pairs: pd.DataFrame,
    cost: np.ndarray,
) -> gpd.GeoDataFrame:
    i = com.index.get_indexer(pairs["community_id"])  # type: ignore[arg-type]  # pandas-stubs: any array-like
    j = dep.index.get_indexer(pairs["department_id"])  # type: ignore[arg-type]  # pandas-stubs: any array-like
    c, d = _points(com, dep, crs)
    lines = shapely.shortest_line(c[i], d[j])  # None where a department has no point
    table = pairs.assign(
        community=pd.array(com["name"].to_numpy()[i], dtype=TEXT_DTYPE),
        department=pd.array(dep["name"].to_numpy()[j], dtype=TEXT_DTYPE),
        distance_m=cost[i, j],
    )
    table = table.sort_values(
        ["fixed", "community_id", "department_id"], ascending=[False, True, True]
    )
    columns = ["community_id", "community", "department_id", "department", "distance_m", "fixed"]
    geometry = gpd.GeoSeries(lines, index=pairs.index, crs=crs).to_crs(4326)
    return gpd.GeoDataFrame(
        table[columns].astype({"fixed": bool}), geometry=geometry.reindex(table.index), crs=4326
    ).reset_index(drop=True)


def _unpaired(
    com: gpd.GeoDataFrame, missing: np.ndarray, eligible: np.ndarray, allowed: np.ndarray
) -> pd.DataFrame:
    """Communities still short of departments, with the reason."""
    short = missing > 0
    reason = np.where(
        ~eligible.any(axis=1),
        "no_department",
        np.where(~allowed.any(axis=1), "out_of_range", "capacity_used_up"),
    )
    table = com.loc[short, ["name"]].assign(missing=missing[short], reason=reason[short])
    return pd.DataFrame(table)
