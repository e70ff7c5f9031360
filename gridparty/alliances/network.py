"""Party-building alliances (党建联盟): the model and its network analysis.

Four tables describe who works with whom:

* **units** (单位, points): ``unit_id``, ``name``, ``kind`` (unit type), ``industry``,
  ``party_org`` (its party organisation), ``formal_members``;
* **alliances** (联盟): ``alliance_id``, ``name``, ``kind`` (``regional`` 区域 / ``industry``
  行业 / ``business_district`` 商圈), ``lead_unit_id`` (牵头单位), ``chair_unit_id``
  (rotating chair, optional);
* **memberships** (联盟成员): ``unit_id``, ``alliance_id``, ``since`` (year);
* **agreements** (共建协议, optional): ``party_a``, ``party_b`` (a unit or a community each),
  ``since``, ``topic``.

They are read with the foundation's column mapping (Chinese and English aliases such as
单位名称, 单位类型, 党组织, 党员数, 联盟名称, 联盟类型, 牵头单位; explicit ``columns=``). Units may
be named by id or by their (unique) name wherever a table refers to them. Rows naming
unknown units or alliances, a unit listed twice in one alliance, unknown alliance kinds: each
is reported in :attr:`AllianceNetwork.problems` and kept in its table with its ``check``;
only rows without a problem enter the graph.

The analysis (:func:`analyse_alliances`) works on the bipartite unit–alliance graph and its
unit–unit projection (networkx): members and party members per alliance, its spatial extent
in metres (convex hull area, farthest pair), the share of members outside the lead unit's
street and of another industry than the lead's, bridging units (betweenness, cut vertices),
components, and membership coverage of the units of each community and street.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.spatial.distance import pdist

from gridparty.alliances.schema import AGREEMENT, ALLIANCE, ALLIANCE_KINDS, MEMBERSHIP, UNIT
from gridparty.alliances.tables import (
    TableColumns,
    check_links,
    codes,
    columns_for,
    first_checks,
    problem,
    problem_frame,
    read_table,
    require_points,
    resolve,
)
from gridparty.core import coords as _coords
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.layers import normalise_layer
from gridparty.core.results import Tables, figures
from gridparty.core.schema import LEVELS
from gridparty.spatial.assign import locate_points
from gridparty.spatial.projection import Projection

__all__ = [
    "AGREEMENT",
    "ALLIANCE",
    "ALLIANCE_KINDS",
    "MEMBERSHIP",
    "UNIT",
    "AllianceAnalysis",
    "AllianceNetwork",
    "alliance_network",
    "analyse_alliances",
    "bipartite_graph",
    "unit_graph",
]

_TABLES = ("units", "alliances", "memberships", "agreements")


# -- the model -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllianceNetwork:
    """Units, alliances, memberships and co-building agreements, checked against each other.

    Build it with :func:`alliance_network`.

    Attributes
    ----------
    units : GeoDataFrame
        Index ``unit_id``; points in EPSG:4326; other columns (contacts ...) carried along
        but never mapped.
    alliances : DataFrame
        Index ``alliance_id``; ``kind`` as a code; ``check``: its first problem (NA when fine).
    memberships, agreements : DataFrame
        Every row as given, unit and party names resolved to ids, ``check`` per row (its first problem).
        Agreements also get ``kind_a``/``kind_b`` (``unit`` or ``community``).
    communities : GeoDataFrame or None
        Community polygons (with ``street``) used for streets and agreements.
    problems : DataFrame
        ``level, id, check, severity, message``: one row per problem found.
    metric_crs : pyproj.CRS
        Projected CRS (metres) of every distance and area.

    Examples
    --------
    >>> import gridparty as gp
    >>> t = {n: gp.sample_layer(n) for n in ("units", "alliances", "memberships")}
    >>> net = gp.alliance_network(t["units"], t["alliances"], t["memberships"])
    >>> len(net.memberships), len(net.valid_memberships), net.problems["check"].tolist()
    (96, 95, ['unknown_unit'])
    """

    units: gpd.GeoDataFrame
    alliances: pd.DataFrame
    memberships: pd.DataFrame
    agreements: pd.DataFrame
    communities: gpd.GeoDataFrame | None
    problems: pd.DataFrame
    metric_crs: pyproj.CRS

    @property
    def valid_memberships(self) -> pd.DataFrame:
        """Membership rows without a problem (the edges of the graph)."""
        return self.memberships[self.memberships["check"].isna()]

    def __repr__(self) -> str:
        return (
            f"<AllianceNetwork: {len(self.units)} units, {len(self.alliances)} alliances, "
            f"{len(self.valid_memberships)} memberships, {len(self.agreements)} agreements, "
            f"{len(self.problems)} problems>"
        )


def alliance_network(
    units: gpd.GeoDataFrame,
    alliances: pd.DataFrame,
    memberships: pd.DataFrame,
    *,
    agreements: pd.DataFrame | None = None,
    communities: gpd.GeoDataFrame | None = None,
    columns: TableColumns | None = None,
    coords: str = "wgs84",
    strict: bool = True,
    metric_crs: pyproj.CRS | str | int | None = None,
) -> AllianceNetwork:
    """Read and cross-check the alliance tables.

    Parameters
    ----------
    units : GeoDataFrame
        Unit points (单位). Needs an id column (``unit_id`` or an alias such as 单位编号).
    alliances : DataFrame
        One row per alliance (a GeoDataFrame's geometry is ignored).
    memberships : DataFrame
        One row per unit in an alliance; units and alliances by id or by unique name. An id
        column is optional (rows are then numbered ``#1``, ``#2`` ...).
    agreements : DataFrame, optional
        Co-building agreements between two parties, each a unit or a community.
    communities : GeoDataFrame, optional
        Community polygons (``h.communities``): their ``street`` gives each unit's street, and
        agreements may name them.
    columns : mapping, optional
        Explicit column mappings nested by table: ``{"units": {"单位代码": "unit_id"}}``
        (tables ``units``, ``alliances``, ``memberships``, ``agreements``).
    coords : {"wgs84", "cgcs2000", "gcj02", "bd09"}
        Datum of the unit points (GCJ-02/BD-09 are converted to WGS84).
    strict : bool
        Raise on duplicate or missing unit/alliance ids (default); ``False`` keeps the rows
        under made-up ids and reports them.
    metric_crs : CRS-like, optional
        Projected CRS in metres; default: the UTM zone of the units.

    Returns
    -------
    AllianceNetwork

    Raises
    ------
    InputError, ColumnError, CRSError
        A table is of the wrong type, a column mapping is wrong, or the points' CRS is.

    Examples
    --------
    >>> import gridparty as gp
    >>> names = ("units", "alliances", "memberships", "agreements", "communities")
    >>> t = {n: gp.sample_layer(n) for n in names}
    >>> gp.alliance_network(t["units"], t["alliances"], t["memberships"],
    ...                     agreements=t["agreements"], communities=t["communities"])
    <AllianceNetwork: 70 units, 8 alliances, 95 memberships, 37 agreements, 1 problems>
    """
    unit_frame, issues = read_table(
        require_points(units, "units"),
        UNIT,
        columns=columns_for(columns, _TABLES, "units"),
        coords=coords,
        strict=strict,
        argument="units",
    )
    alliance_frame, more = read_table(
        alliances,
        ALLIANCE,
        columns=columns_for(columns, _TABLES, "alliances"),
        strict=strict,
        argument="alliances",
    )
    member_frame, member_issues = read_table(
        memberships,
        MEMBERSHIP,
        columns=columns_for(columns, _TABLES, "memberships"),
        strict=strict,
        argument="memberships",
        make_ids=True,
    )
    agreement_frame, agreement_issues = read_table(
        _empty_agreements() if agreements is None else agreements,
        AGREEMENT,
        columns=columns_for(columns, _TABLES, "agreements"),
        strict=strict,
        argument="agreements",
        make_ids=True,
    )
    com = _communities(communities)
    found = [*issues, *more, *member_issues, *agreement_issues]
    alliance_frame, kind_problems = _check_alliances(alliance_frame, unit_frame)  # type: ignore[arg-type]  # the units table, read as points
    member_frame, member_problems = check_links(
        member_frame,
        "membership",
        (
            ("unit_id", unit_frame, "unknown_unit"),
            ("alliance_id", alliance_frame, "unknown_alliance"),
        ),
        "duplicate_membership",
    )
    agreement_frame, agreement_problems = _check_agreements(agreement_frame, unit_frame, com)  # type: ignore[arg-type]  # the units table, read as points
    found += kind_problems + member_problems + agreement_problems
    found += _leads_not_members(alliance_frame, member_frame)
    if not len(unit_frame):
        raise InputError("units is empty: there are no units to analyse.")
    crs = _coords.choose_metric_crs(metric_crs, unit_frame)  # type: ignore[arg-type]  # the units table, read as points
    return AllianceNetwork(
        unit_frame,  # type: ignore[arg-type]  # the units table, read as points
        alliance_frame,
        member_frame,
        agreement_frame,
        com,
        problem_frame(found),
        crs,
    )


def _empty_agreements() -> pd.DataFrame:
    return pd.DataFrame({"party_a": [], "party_b": []}, dtype=TEXT_DTYPE)


def _communities(communities: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if communities is None:
        return None
    frame, _ = normalise_layer(communities, LEVELS["community"], argument="communities")
    return frame


def _check_alliances(
    frame: pd.DataFrame, units: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    kind, bad_kind = codes(frame["kind"], ALLIANCE_KINDS)
    lead, bad_lead = resolve(frame["lead_unit_id"], units)
    chair, bad_chair = resolve(frame["chair_unit_id"], units)
    rows = [
        problem(
            "alliance",
            i,
            "unknown_kind",
            f"alliance {i}: kind {k!r} is not regional (区域), "
            "industry (行业) or business_district (商圈); fix the cell.",
        )
        for i, k in kind[bad_kind].items()
    ]
    for column, values, bad in (
        ("lead_unit_id", lead, bad_lead),
        ("chair_unit_id", chair, bad_chair),
    ):
        rows += [
            problem(
                "alliance",
                i,
                "unknown_unit",
                f"alliance {i}: {column} {v!r} is not a unit "
                "id or name in units; add the unit or correct the cell.",
            )
            for i, v in values[bad].items()
        ]
    out = frame.assign(kind=kind, lead_unit_id=lead, chair_unit_id=chair)
    return out.assign(check=first_checks(rows, out.index)), rows


def _check_agreements(
    frame: pd.DataFrame, units: gpd.GeoDataFrame, communities: gpd.GeoDataFrame | None
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    out = frame.copy()
    com = (
        communities
        if communities is not None
        else gpd.GeoDataFrame({"name": pd.Series(dtype=TEXT_DTYPE)}, geometry=[], crs=4326)
    )
    for side in ("a", "b"):
        values = frame[f"party_{side}"]
        as_unit, not_unit = resolve(values, units)
        as_com, not_com = resolve(values, com)
        is_unit = ~not_unit & values.notna()
        out[f"party_{side}"] = as_unit.where(is_unit, as_com)
        kind = np.where(is_unit, "unit", np.where(~not_com & values.notna(), "community", None))  # type: ignore[call-overload]  # None marks a missing value
        out[f"kind_{side}"] = pd.array(kind, dtype=TEXT_DTYPE)
        unknown = not_unit & not_com
        rows += [
            problem(
                "agreement",
                i,
                "unknown_unit",
                f"agreement {i}: party_{side} {v!r} is neither "
                "a unit nor a community; add it or correct the cell.",
            )
            for i, v in values[unknown].items()
        ]
        rows += [
            problem(
                "agreement",
                i,
                "missing_value",
                f"agreement {i}: party_{side} is empty; fill it or delete the row.",
            )
            for i in values.index[values.isna()]
        ]
    pair = pd.DataFrame(
        np.sort(out[["party_a", "party_b"]].fillna("").to_numpy(dtype=str), axis=1),
        index=out.index,
    )
    again = pair.duplicated(keep="first") & (pair != "").all(axis=1)
    rows += [
        problem(
            "agreement",
            i,
            "duplicate_agreement",
            f"agreement {i}: {a} and {b} already have "
            "an agreement row; keep both only if they are separate agreements.",
        )
        for i, (a, b) in pair[again].iterrows()
    ]
    errors = [r for r in rows if r["severity"] == "error"]
    return out.assign(check=first_checks(errors, out.index)), rows


def _leads_not_members(alliances: pd.DataFrame, memberships: pd.DataFrame) -> list[dict[str, Any]]:
    valid = memberships[memberships["check"].isna()]
    members = set(zip(valid["alliance_id"], valid["unit_id"], strict=True))
    return [
        problem(
            "alliance",
            a,
            "lead_not_member",
            f"alliance {a}: its lead unit {lead} is not "
            "among its members; add a membership row for it.",
        )
        for a, lead in alliances["lead_unit_id"].dropna().items()
        if (a, lead) not in members and pd.isna(alliances.at[a, "check"])  # type: ignore[arg-type]  # a pandas scalar
    ]


# -- graphs --------------------------------------------------------------------------------------


def bipartite_graph(net: AllianceNetwork) -> nx.Graph:  # type: ignore[type-arg]  # Graph[...] fails at run time
    """The unit–alliance graph: nodes ``("unit", id)`` and ``("alliance", id)``.

    Every unit and alliance is a node (``bipartite`` 0 for units, 1 for alliances; ``name``,
    ``kind``); every membership without a problem is an edge (with ``since``).

    Examples
    --------
    >>> import gridparty as gp
    >>> t = {n: gp.sample_layer(n) for n in ("units", "alliances", "memberships")}
    >>> g = gp.bipartite_graph(gp.alliance_network(t["units"], t["alliances"], t["memberships"]))
    >>> g.number_of_nodes(), g.number_of_edges()
    (78, 95)
    """
    graph: nx.Graph[Any] = nx.Graph()
    graph.add_nodes_from(
        (("unit", i), {"bipartite": 0, "level": "unit", "id": i, "name": _text(n)})
        for i, n in net.units["name"].items()
    )
    graph.add_nodes_from(
        (
            ("alliance", i),
            {"bipartite": 1, "level": "alliance", "id": i, "name": _text(n), "kind": _text(k)},
        )
        for i, n, k in zip(
            net.alliances.index, net.alliances["name"], net.alliances["kind"], strict=True
        )
    )
    valid = net.valid_memberships
    graph.add_edges_from(
        (("unit", u), ("alliance", a), {"since": None if pd.isna(s) else int(s)})
        for u, a, s in zip(valid["unit_id"], valid["alliance_id"], valid["since"], strict=True)
    )
    return graph


def unit_graph(net: AllianceNetwork) -> nx.Graph:  # type: ignore[type-arg]  # Graph[...] fails at run time
    """The unit–unit projection: two units are linked when they share an alliance.

    Nodes are unit ids (every unit, linked or not); edge ``weight`` = number of shared
    alliances, ``alliances`` = their ids (sorted). Links and weights are the sparse product
    ``M @ Mᵀ`` of the units × alliances incidence matrix (:class:`Projection`), its rows and
    columns named by unit id as the edges are added (no relabelled copy of the graph).

    Examples
    --------
    >>> import gridparty as gp
    >>> t = {n: gp.sample_layer(n) for n in ("units", "alliances", "memberships")}
    >>> g = gp.unit_graph(gp.alliance_network(t["units"], t["alliances"], t["memberships"]))
    >>> g.number_of_nodes(), g.number_of_edges()
    (70, 544)
    """
    incidence = _incidence(net)
    links = sparse.csr_array(sparse.triu(Projection(incidence).links, k=1))
    links.sort_indices()
    links = links.tocoo()  # type: ignore[assignment]  # row-major: pairs (i < j) in the order _shared_alliances gives them; scipy-stubs: a COO copy
    names = net.units.index.to_numpy(dtype=object)
    graph: nx.Graph[Any] = nx.Graph()
    graph.add_nodes_from(names)
    graph.add_edges_from(
        (u, v, {"alliances": shared, "weight": w})
        for u, v, w, shared in zip(
            names[links.row].tolist(),  # type: ignore[attr-defined]  # a COO array here
            names[links.col].tolist(),  # type: ignore[attr-defined]  # a COO array here
            links.data.astype(np.int64).tolist(),
            _shared_alliances(incidence, net.alliances.index),
            strict=True,
        )
    )
    return graph


def _incidence(net: AllianceNetwork) -> sparse.csr_array:
    """The units × alliances 0/1 matrix of the valid memberships (rows and columns in order)."""
    valid = net.valid_memberships.drop_duplicates(["unit_id", "alliance_id"])
    return sparse.csr_array(
        (
            np.ones(len(valid)),
            (
                net.units.index.get_indexer(valid["unit_id"]),  # type: ignore[arg-type]  # pandas-stubs: any array-like
                net.alliances.index.get_indexer(valid["alliance_id"]),  # type: ignore[arg-type]  # pandas-stubs: any array-like
            ),
        ),
        shape=(len(net.units), len(net.alliances)),
    )


def _shared_alliances(incidence: sparse.csr_array, alliances: pd.Index) -> list[list[Any]]:
    """Sorted ids of the alliances each linked pair of rows ``i < j`` shares, by ``(i, j)``.

    Every pair of members of each alliance, made with numpy (no loop over pairs): the
    (pair, alliance) triples sorted by pair and alliance id, cut into one list per pair.
    """
    ids = alliances.to_numpy(dtype=object)
    by_id = np.argsort(ids, kind="stable")
    members = sparse.csc_array(incidence[:, by_id])
    members.sort_indices()
    rows, ptr = members.indices, members.indptr
    column = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))  # of each membership
    later = ptr[column + 1] - np.arange(len(rows)) - 1  # members after it in its column
    first = np.repeat(np.arange(len(rows)), later)
    second = first + 1 + np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later)
    i, j = rows[first], rows[second]
    order = np.lexsort((column[first], j, i))
    i, j, shared = i[order], j[order], ids[by_id[column[first][order]]]
    cut = np.flatnonzero((i[1:] != i[:-1]) | (j[1:] != j[:-1])) + 1
    bounds = np.r_[0, cut, len(i)].tolist() if len(i) else []
    return [shared[s:e].tolist() for s, e in itertools.pairwise(bounds)]


def _text(value: object) -> str | None:
    return None if pd.isna(value) else str(value)  # type: ignore[call-overload]  # a pandas scalar


# -- analysis ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllianceAnalysis(Tables):
    """The tables of :func:`analyse_alliances`.

    Attributes
    ----------
    alliances : DataFrame
        Per alliance: ``name, kind, lead_unit_id, members, party_members, hull_area_m2,
        farthest_m, streets, lead_street, outside_lead_street_share, industries,
        cross_industry_share, lead_is_member``.
    units : GeoDataFrame
        Per unit: ``name, kind, industry, party_org, formal_members, community_id, street,
        alliances, alliance_ids, agreements, covered, degree, betweenness, bridging,
        component``.
    components : DataFrame
        Connected components of the unit–alliance graph that hold an alliance, largest first:
        ``units, alliances, alliance_ids, party_members``.
    coverage : DataFrame
        Indexed by (``by``, ``area``): per community, per street and ``("all", "all")``:
        ``units, in_alliance, in_agreement, covered, not_covered, alliance_share,
        covered_share`` (units outside every community count under ``outside``).
    hulls : GeoDataFrame
        Convex hull of each alliance's members (EPSG:4326; a point or line for 1–2 members).
    problems : DataFrame
        The network's problems (see :attr:`AllianceNetwork.problems`).

    Examples
    --------
    >>> import gridparty as gp
    >>> t = {n: gp.sample_layer(n) for n in ("units", "alliances", "memberships")}
    >>> result = gp.analyse_alliances(gp.alliance_network(t["units"], t["alliances"], t["memberships"]))
    >>> result.alliances.shape, len(result.hulls)
    ((8, 13), 8)
    """

    alliances: pd.DataFrame
    units: gpd.GeoDataFrame
    components: pd.DataFrame
    coverage: pd.DataFrame
    hulls: gpd.GeoDataFrame
    problems: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name (``units`` and ``hulls`` with geometry)."""
        return {
            "alliances": self.alliances,
            "alliance_units": self.units,
            "components": self.components,
            "coverage": self.coverage,
            "hulls": self.hulls,
            "problems": self.problems,
        }

    def summary(self) -> pd.DataFrame:
        """Headline figures: alliances, units, coverage, bridging units, components, problems."""
        total = self.coverage.loc[("all", "all")]
        return figures(
            {
                "alliances": len(self.alliances),
                "units": len(self.units),
                "units_in_alliance": int(total["in_alliance"]),  # type: ignore[index, call-overload]  # total is a row
                "units_covered": int(total["covered"]),  # type: ignore[index, call-overload]  # total is a row
                "covered_share": round(float(total["covered_share"]), 3),  # type: ignore[index, call-overload]  # total is a row
                "bridging_units": int(self.units["bridging"].sum()),
                "components": len(self.components),
                "problems": len(self.problems),
            }
        )


def analyse_alliances(net: AllianceNetwork) -> AllianceAnalysis:
    """Members, extent, reach across streets and industries, bridges, components, coverage.

    Parameters
    ----------
    net : AllianceNetwork
        From :func:`alliance_network`; give it ``communities`` to get streets and coverage
        by community.

    Returns
    -------
    AllianceAnalysis

    Notes
    -----
    * A unit's street is the ``street`` of the community polygon it lies in (NA outside every
      community). A member counts as outside the lead's street when its street is not the
      lead's (NA included); the share is NA when the lead's street is unknown.
    * Cross-industry share: members whose ``industry`` differs from the lead unit's.
    * Extent: the convex hull of the member points in ``net.metric_crs`` (m²) and the largest
      distance between two members (m), taken between hull vertices with
      :func:`scipy.spatial.distance.pdist`.
    * Bridging units: betweenness centrality (normalised, unweighted) on the unit–unit
      projection, equal to ``networkx.betweenness_centrality(unit_graph(net))`` but computed
      on sparse matrices (:mod:`gridparty.spatial.projection`: seconds instead of minutes for
      thousands of units); ``bridging`` marks its cut vertices (removing one disconnects
      others).

    Examples
    --------
    >>> import gridparty as gp
    >>> t = {n: gp.sample_layer(n) for n in ("units", "alliances", "memberships")}
    >>> result = gp.analyse_alliances(gp.alliance_network(t["units"], t["alliances"], t["memberships"]))
    >>> len(result.alliances), len(result.components)
    (8, 1)
    """
    if not isinstance(net, AllianceNetwork):
        raise InputError(
            f"net must be an AllianceNetwork from gridparty.alliance_network(...), got "
            f"{type(net).__name__}."
        )
    bipartite = bipartite_graph(net)
    parts = _component_parts(bipartite)
    units = _unit_places(net)
    alliances, hulls = _alliance_table(net, units)
    units = _unit_network(net, units, bipartite, parts)
    return AllianceAnalysis(
        alliances, units, _components(net, parts), _coverage(units), hulls, net.problems
    )


def _unit_places(net: AllianceNetwork) -> gpd.GeoDataFrame:
    """Public columns of the units plus the community and street they lie in."""
    keep = [c for c in UNIT.public_columns if c in net.units.columns and c != "unit_id"]
    out = net.units[[*keep, "geometry"]].copy()
    community = pd.Series(pd.NA, index=out.index, dtype=TEXT_DTYPE)
    street = pd.Series(pd.NA, index=out.index, dtype=TEXT_DTYPE)
    com = net.communities
    if com is not None and len(com):
        pos, _ = locate_points(out.geometry, com.geometry)
        inside = pos >= 0
        community[inside] = com.index.to_numpy()[pos[inside]]
        street[inside] = com["street"].to_numpy()[pos[inside]]
    return out.assign(community_id=community, street=street)


def _alliance_table(
    net: AllianceNetwork, units: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    a = net.alliances
    m = net.valid_memberships[["unit_id", "alliance_id"]]
    m = m.join(units[["street", "industry", "formal_members"]], on="unit_id")
    lead = a["lead_unit_id"]
    lead_street = units["street"].reindex(lead).set_axis(a.index)
    lead_industry = units["industry"].reindex(lead).set_axis(a.index)

    def of_lead(values: pd.Series) -> pd.Series:
        """The lead's value for each membership row (NA where the alliance has no lead)."""
        return values.reindex(m["alliance_id"]).set_axis(m.index).astype(TEXT_DTYPE)

    m = m.assign(
        outside=m["street"].ne(of_lead(lead_street)).fillna(True),
        other_industry=m["industry"].ne(of_lead(lead_industry)).fillna(True),
        lead=m["unit_id"].eq(of_lead(lead)).fillna(False),
    )
    g = m.groupby("alliance_id")
    table = pd.DataFrame(
        {
            "member_units": g.size(),
            "party_members": g["formal_members"].sum(min_count=0),
            "streets": g["street"].nunique(),
            "outside_lead_street_share": g["outside"].mean(),
            "industries": g["industry"].nunique(),
            "cross_industry_share": g["other_industry"].mean(),
            "lead_is_member": g["lead"].any(),
        }
    ).reindex(a.index)
    table["outside_lead_street_share"] = table["outside_lead_street_share"].where(
        lead_street.notna()
    )
    table["cross_industry_share"] = table["cross_industry_share"].where(lead_industry.notna())
    area, far, hulls = _extent(net, m)
    table = table.assign(
        member_units=table["member_units"].fillna(0).astype("int64"),
        party_members=table["party_members"].fillna(0).astype("int64"),
        streets=table["streets"].fillna(0).astype("int64"),
        industries=table["industries"].fillna(0).astype("int64"),
        lead_is_member=table["lead_is_member"].astype("boolean").fillna(False),
        hull_area_m2=area,
        farthest_m=far,
        lead_street=lead_street,
    )
    columns = [
        "name",
        "kind",
        "lead_unit_id",
        "member_units",
        "party_members",
        "hull_area_m2",
        "farthest_m",
        "streets",
        "lead_street",
        "outside_lead_street_share",
        "industries",
        "cross_industry_share",
        "lead_is_member",
    ]
    return a[["name", "kind", "lead_unit_id"]].join(table)[columns], hulls


def _extent(
    net: AllianceNetwork, members: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, gpd.GeoDataFrame]:
    """Convex hull area (m²) and farthest member pair (m) per alliance, and the hulls.

    Members without a location are counted but do not shape the hull.
    """
    ids = net.alliances.index
    every = ids.get_indexer(members["alliance_id"])  # type: ignore[arg-type]  # pandas-stubs: any array-like
    points = np.asarray(net.units.geometry.to_crs(net.metric_crs).array)
    points = points[net.units.index.get_indexer(members["unit_id"])]  # type: ignore[arg-type]  # pandas-stubs: any array-like
    located = ~(shapely.is_missing(points) | shapely.is_empty(points))
    pos = every[located]
    order = np.argsort(pos, kind="stable")
    present = np.unique(pos)
    hull = np.full(len(ids), None, dtype=object)
    if len(present):
        groups = np.searchsorted(present, pos[order])
        xy = shapely.get_coordinates(points[located][order])
        hull[present] = shapely.convex_hull(shapely.multipoints(xy, indices=groups))
    measured = _coords.in_own_zones(hull, net.metric_crs)
    area = np.where(shapely.is_missing(hull), 0.0, shapely.area(measured))
    far = np.zeros(len(ids))
    vertices, owner = shapely.get_coordinates(measured, return_index=True)
    groups = np.split(vertices, np.flatnonzero(np.diff(owner)) + 1) if len(owner) else []
    for k, pts in zip(np.unique(owner), groups, strict=True):
        far[k] = pdist(pts).max() if len(pts) > 1 else 0.0
    frame = gpd.GeoDataFrame(
        net.alliances[["name", "kind"]].assign(member_units=np.bincount(every, minlength=len(ids))),
        geometry=gpd.GeoSeries(hull, crs=net.metric_crs).to_crs(4326).to_numpy(),
        crs=4326,
    )
    return area, far, frame


def _unit_network(
    net: AllianceNetwork, units: gpd.GeoDataFrame, bipartite: nx.Graph[Any], parts: list[set[Any]]
) -> gpd.GeoDataFrame:
    """Alliances, agreements, degree, betweenness, cut vertices and component of each unit."""
    valid = net.valid_memberships.drop_duplicates(["unit_id", "alliance_id"])
    per_unit = valid.groupby("unit_id")["alliance_id"]
    count = per_unit.size().reindex(units.index).fillna(0).astype("int64")
    joined = per_unit.agg(lambda s: ", ".join(sorted(s))).reindex(units.index).astype(TEXT_DTYPE)
    ag = net.agreements[net.agreements["check"].isna()]
    parties = pd.concat(
        [ag["party_a"][ag["kind_a"] == "unit"], ag["party_b"][ag["kind_b"] == "unit"]]
    )
    agreements = parties.value_counts().reindex(units.index).fillna(0).astype("int64")
    component = {n[1]: k for k, part in enumerate(parts) for n in part if n[0] == "unit"}
    projection = Projection(_incidence(net))
    out = units.assign(
        alliance_count=count,
        alliance_ids=joined,
        agreements=agreements,
        covered=(count > 0) | (agreements > 0),
        degree=projection.degree.astype("int64"),
        betweenness=projection.betweenness(),
        bridging=units.index.isin(list(_cut_units(bipartite))),
        component=pd.Series(component, dtype="Int64").reindex(units.index),
    )
    return out[[c for c in out.columns if c != "geometry"] + ["geometry"]]


def _cut_units(bipartite: nx.Graph[Any]) -> list[str]:
    """Cut vertices of the unit–unit projection, found on the (much smaller) bipartite graph.

    A unit separates other units in the projection exactly when removing it from the bipartite
    graph leaves at least two pieces, among those around it, that hold a unit.
    """
    out = []
    for node in nx.articulation_points(bipartite):
        if node[0] != "unit":
            continue
        rest = nx.restricted_view(bipartite, [node], [])
        pieces = {frozenset(nx.node_connected_component(rest, a)) for a in bipartite[node]}
        if sum(any(n[0] == "unit" for n in piece) for piece in pieces) >= 2:
            out.append(node[1])
    return out


def _component_parts(bipartite: nx.Graph[Any]) -> list[set[Any]]:
    """Connected components holding an alliance, largest first (then by smallest id)."""
    parts = [c for c in nx.connected_components(bipartite) if any(n[0] == "alliance" for n in c)]
    return sorted(parts, key=lambda c: (-len(c), min(n[1] for n in c)))


def _components(net: AllianceNetwork, parts: list[set[Any]]) -> pd.DataFrame:
    members = net.units["formal_members"]
    rows = []
    for part in parts:
        units = sorted(n[1] for n in part if n[0] == "unit")
        alliances = sorted(n[1] for n in part if n[0] == "alliance")
        rows.append(
            {
                "unit_count": len(units),
                "alliance_count": len(alliances),
                "alliance_ids": ", ".join(alliances),
                "party_members": int(members.reindex(units).fillna(0).sum()),
            }
        )
    frame = pd.DataFrame(
        rows, columns=["unit_count", "alliance_count", "alliance_ids", "party_members"]
    )
    return frame.rename_axis("component")


def _coverage(units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Units in an alliance / in an agreement / either, per community, per street and overall."""
    flags = pd.DataFrame(
        {
            "unit_count": 1,
            "in_alliance": units["alliance_count"] > 0,
            "in_agreement": units["agreements"] > 0,
            "covered": units["covered"],
        }
    ).astype("int64")
    parts = {
        "community": flags.groupby(units["community_id"].fillna("outside")).sum(),
        "street": flags.groupby(units["street"].fillna("outside")).sum(),
        "all": flags.sum().to_frame("all").T,
    }
    table = pd.concat(parts, names=["by", "area"])
    return table.assign(
        not_covered=table["unit_count"] - table["covered"],
        alliance_share=table["in_alliance"] / table["unit_count"],
        covered_share=table["covered"] / table["unit_count"],
    )
