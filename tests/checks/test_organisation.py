"""Tests for gridparty.checks.organisation: organisational findings, joint branches, coverage rates."""

from __future__ import annotations

import dataclasses
import time

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
import tiny_city
from hypothesis import given, settings
from hypothesis import strategies as st

from gridparty.checks.organisation import (
    ORGANISATION_CHECKS,
    _groups,
    coverage_rates,
    joint_branches,
    organisation_coverage,
    organisation_findings,
    unit_tables,
    unrecorded_attributes,
)
from gridparty.core.errors import InputError
from gridparty.core.model import Hierarchy
from gridparty.core.rules import DEFAULT_RULES
from gridparty.datasets import sample as ds
from gridparty.spatial.assign import assign

# tiny city (tests/tiny_city.py): formal members per grid G1 4 (B1 3 + B2 1), G2 3, G3 2;
# households per grid 70, 20, 60; buildings B1..B4 hold 40, 30, 20, 60 households.


def _hierarchy(**changes: gpd.GeoDataFrame) -> Hierarchy:
    return Hierarchy(**{**tiny_city.layers(), **changes})


def _found(findings: pd.DataFrame) -> set[tuple[str, str]]:
    return set(findings[["id", "check"]].itertuples(index=False, name=None))


def test_tiny_city_findings() -> None:
    findings = organisation_findings(_hierarchy())
    assert _found(findings) == {
        ("G3", "joint_branch_candidate"),  # 2 formal members (< 3) but a branch
        ("G1", "households_outside_band"),  # 70 households
        ("G2", "households_outside_band"),  # 20
        ("G3", "households_outside_band"),  # 60
        ("B2", "no_hub_household"),  # H3 is no hub
        ("B4", "no_hub_household"),  # H5 is no hub
    }
    assert set(findings["check"]) <= set(ORGANISATION_CHECKS)
    row = findings.set_index(["id", "check"]).loc[("G3", "joint_branch_candidate")]
    assert (row["value"], row["threshold"], row["severity"]) == (2, "< 3", "warning")
    assert row["message"] == "2 formal members (< 3): a joint branch with neighbouring units"
    band = findings.set_index(["id", "check"]).loc[("G2", "households_outside_band")]
    assert (band["value"], band["threshold"], band["message"]) == (
        20,
        "300–500",
        "20 households, outside 300–500",
    )
    assert findings.crs.to_epsg() == 4326
    assert findings.index.name == "finding"


def test_missing_branch_group_hub_and_workers() -> None:
    grids = tiny_city.grids().assign(
        has_branch=[True, False, True], full_time_workers=[1, 0, pd.NA]
    )
    buildings = tiny_city.buildings().assign(has_group=[False, False, True, True])
    found = organisation_findings(_hierarchy(grids=grids, buildings=buildings)).set_index(
        ["id", "check"]
    )
    assert found.loc[("G2", "members_without_branch"), "message"] == (
        "3 formal members (>= 3) but no party branch"
    )
    assert found.loc[("B1", "members_without_group"), "message"] == (
        "4 members (>= 3) but no party group"
    )
    assert found.loc[("G2", "no_full_time_worker"), "message"] == "0 full-time grid workers (< 1)"
    assert found.loc[("G3", "no_full_time_worker"), "message"] == (
        "full-time grid workers not recorded"
    )


def test_organisation_forms_follow_the_rules_and_the_comparison_at_50() -> None:
    def forms(formal: int, **rules: object) -> tuple[str, set[str]]:
        households = tiny_city.households().assign(formal_members=[2, 1, 1, formal, 2])
        h = _hierarchy(households=households)
        chosen = dataclasses.replace(DEFAULT_RULES, **rules)
        grids, _ = unit_tables(h, chosen)
        checks = set(organisation_findings(h, rules=chosen).query("id == 'G2'")["check"])
        return grids.loc["G2", "form"], checks - {"households_outside_band"}

    assert forms(7) == ("branch_with_committee", {"committee_due"})
    assert forms(6) == ("branch", set())
    assert forms(50) == ("branch_with_committee", {"committee_due"})  # 超过 50: not at 50
    assert forms(50, general_branch_comparison="以上") == (
        "general_branch",
        {"general_branch_possible"},
    )
    assert forms(51) == ("general_branch", {"general_branch_possible"})
    assert forms(100) == ("primary_committee", {"primary_committee_due"})
    assert forms(0) == ("joint_branch", {"joint_branch_candidate"})  # no members, a branch
    assert forms(4, branch_min_formal=5) == ("joint_branch", {"joint_branch_candidate"})


def test_joint_branches_suggest_neighbouring_candidates() -> None:
    households = tiny_city.households().assign(formal_members=[2, 1, 1, 1, 2])
    h = _hierarchy(households=households)
    table = joint_branches(h)
    assert table.index.tolist() == ["G2", "G3"]  # 1 and 2 formal members
    assert table["neighbours"].tolist() == ["G3", "G2"]  # they share the edge x = 200
    assert table["branch_neighbours"].tolist() == ["G1", ""]  # G1 (4 members) has a branch
    assert table["group"].tolist() == ["J1", "J1"]
    assert table["group_units"].tolist() == [2, 2]
    assert table["group_formal_members"].tolist() == [3, 3]
    assert table["group_enough"].tolist() == [True, True]
    small = joint_branches(h, rules=dataclasses.replace(DEFAULT_RULES, joint_branch_max_units=1))
    assert small["group"].tolist() == ["J1", "J2"] or small["group"].tolist() == ["J2", "J1"]
    assert small["group_enough"].tolist() == [False, False]


def test_coverage_rates_by_level_and_scope() -> None:
    rates = coverage_rates(_hierarchy())
    total = rates[rates["scope"] == "total"].set_index("level")
    # grids: G1 and G2 should have a branch (>= 3 formal) and have one
    assert total.loc["grid", ["units", "should", "have"]].tolist() == [3, 2, 2]
    assert total.loc["grid", "organisation_coverage"] == 1.0
    assert total.loc["grid", "work_coverage"] == 1.0  # every grid has a branch
    # buildings: B1, B3, B4 should have a group and have one; B2 (1 member) has neither a
    # group nor a hub, so its 30 households and H3 are not reached
    assert total.loc["building", ["should", "have", "not_recorded"]].tolist() == [3, 3, 0]
    assert total.loc["building", "work_coverage"] == pytest.approx(120 / 150)
    assert total.loc["building", "member_work_coverage"] == pytest.approx(4 / 5)
    community = rates[(rates["scope"] == "community") & (rates["level"] == "building")]
    assert community.set_index("unit")["work_coverage"].round(4).to_dict() == {
        "C1": round(60 / 90, 4),
        "C2": 1.0,
    }
    assert set(rates["scope"]) == {"community", "street", "total"}


def test_missing_flags_count_as_not_recorded() -> None:
    grids = tiny_city.grids().assign(has_branch=[pd.NA, True, True])
    total = coverage_rates(_hierarchy(grids=grids)).query("scope == 'total' and level == 'grid'")
    assert total[["should", "have", "not_recorded"]].iloc[0].tolist() == [2, 1, 1]


def test_attributes_not_recorded_skip_their_checks_and_leave_rates_unknown() -> None:
    grids = tiny_city.grids().assign(has_branch=pd.NA, full_time_workers=pd.NA)
    households = tiny_city.households().assign(is_hub=pd.NA)
    result = organisation_coverage(_hierarchy(grids=grids, households=households))
    findings = result.findings
    assert _found(findings[findings["severity"] == "warning"]) == {
        ("has_branch", "not_recorded"),
        ("full_time_workers", "not_recorded"),
        ("is_hub", "not_recorded"),
        ("G3", "joint_branch_candidate"),  # 2 formal members: a candidate, branch or not
    }  # no "full-time grid workers not recorded" on every grid, no "no hub" on every building
    assert "no_hub_household" not in set(findings["check"])
    rows = findings[findings["check"] == "not_recorded"].set_index("id")
    assert rows["level"].to_dict() == {
        "has_branch": "grid",
        "full_time_workers": "grid",
        "is_hub": "household",
    }
    assert rows["community_id"].isna().all()
    assert rows["value"].isna().all()
    assert rows.loc["full_time_workers", "message"].startswith(
        "full_time_workers (专职网格员, 专职网格员数) is recorded for none of the 3 grids: "
        "no_full_time_worker cannot be checked. If the data holds it under another name"
    )
    assert rows.loc["has_branch", "message"].startswith(
        "has_branch (是否建立党支部, 网格党支部, 有党支部, 党支部) is recorded for none of the 3 grids: "
        "members_without_branch cannot be checked; grid_organisation_coverage, "
        "grid_work_coverage, grid_member_work_coverage unknown."
    )
    assert (
        "building_work_coverage, building_member_work_coverage unknown"
        in rows.loc["is_hub", "message"]
    )
    total = result.rates.query("scope == 'total'").set_index("level")
    assert (
        total.loc["grid", ["organisation_coverage", "work_coverage", "member_work_coverage"]]
        .isna()
        .all()
    )
    assert total.loc["grid", "reasons"] == (
        "has_branch not recorded: organisation_coverage, work_coverage, member_work_coverage "
        "unknown"
    )
    # has_group is recorded: the building organisation coverage is known, work coverage is not
    assert total.loc["building", "organisation_coverage"] == 1.0
    assert total.loc["building", ["work_coverage", "member_work_coverage"]].isna().all()
    assert total.loc["building", "reasons"] == (
        "is_hub not recorded: work_coverage, member_work_coverage unknown"
    )
    assert result.rates["reasons"].notna().all()  # every scope says why
    summary = result.summary()["value"]
    assert summary["not_recorded"] == 3
    assert pd.isna(summary["grid_organisation_coverage"])
    assert summary["building_rates_unknown"] == total.loc["building", "reasons"]


def test_member_counts_not_recorded() -> None:
    households = tiny_city.households().assign(formal_members=pd.NA)
    h = _hierarchy(households=households)
    findings = organisation_findings(h)
    # without formal members every grid would look like a joint-branch candidate
    assert set(findings["check"]) == {"not_recorded", "households_outside_band", "no_hub_household"}
    table = unrecorded_attributes(h)
    assert table[["level", "attribute"]].values.tolist() == [["household", "formal_members"]]
    assert table["checks"].iloc[0] == (
        "members_without_branch, joint_branch_candidate, committee_due, general_branch_possible, "
        "primary_committee_due, members_without_group"
    )
    assert table["rates"].iloc[0] == "grid_organisation_coverage, building_organisation_coverage"
    total = coverage_rates(h).query("scope == 'total'").set_index("level")
    assert total["organisation_coverage"].isna().all()
    assert total.loc["grid", "work_coverage"] == 1.0  # branches are recorded
    only = unrecorded_attributes(h, needed_by=("no_hub_household",))
    assert only.empty
    with pytest.raises(InputError, match=r"needed_by has unknown keys \['no_branch'\]"):
        unrecorded_attributes(h, needed_by=("no_branch",))


def test_households_not_recorded_and_empty_layers() -> None:
    buildings = tiny_city.buildings().assign(households=pd.NA)
    h = _hierarchy(buildings=buildings)
    findings = organisation_findings(h)
    assert "households_outside_band" not in set(findings["check"])  # not "0 households"
    assert _found(findings[findings["check"] == "not_recorded"]) == {("households", "not_recorded")}
    total = coverage_rates(h).query("scope == 'total'").set_index("level")
    assert total["work_coverage"].isna().all()
    assert total.loc["grid", "organisation_coverage"] == 1.0
    # a layer without rows lacks everything its checks need: one row for the layer
    no_households = unrecorded_attributes(_hierarchy(households=tiny_city.households().iloc[:0]))
    assert no_households[["level", "attribute", "units"]].values.tolist() == [
        ["household", "households", 0]
    ]
    assert no_households["message"].item().startswith("no households loaded: ")
    # without grids there is nothing to check, so nothing is missing
    assert unrecorded_attributes(Hierarchy(tiny_city.communities())).empty


def test_without_buildings_no_grid_is_outside_the_household_band() -> None:
    h = Hierarchy(tiny_city.communities(), tiny_city.grids())
    findings = organisation_findings(h)
    assert findings[["level", "id", "check"]].values.tolist() == [
        ["building", "buildings", "not_recorded"],
        ["household", "households", "not_recorded"],
    ]
    assert findings["message"].iloc[0] == (
        "no buildings loaded: households_outside_band, members_without_group cannot be checked; "
        "grid_work_coverage, building_work_coverage, building_organisation_coverage, "
        "building_member_work_coverage unknown. Load the buildings layer to check them"
    )


def test_organisation_coverage_bundles_everything() -> None:
    result = organisation_coverage(_hierarchy())
    assert set(result.tables()) == {"findings", "rates", "joint_branches", "grid_units"}
    summary = result.summary()["value"]
    assert summary["joint_branch_candidate"] == 1
    assert summary["grid_organisation_coverage"] == 1.0
    with pytest.raises(InputError, match=r"h must be a gridparty\.Hierarchy"):
        organisation_coverage({})  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"rules must be a gridparty\.PartyRules"):
        organisation_coverage(_hierarchy(), rules={"branch_min_formal": 3})  # type: ignore[arg-type]


def test_sample_city_findings_are_the_planted_ones_and_the_explained_ones() -> None:
    h = assign(ds.sample_city()).hierarchy
    result = organisation_coverage(h)
    findings = result.findings
    counts = findings["check"].value_counts().to_dict()
    assert counts == {
        "no_hub_household": 323,  # 404 buildings with member households, 81 with a hub
        "committee_due": 59,  # every other grid: 7–50 formal members
        "households_outside_band": 11,  # sample_data/README.md: 49 of 60 within 300–500
        "general_branch_possible": 1,
        "members_without_branch": 1,
        "members_without_group": 1,
    }
    planted = {
        (d.id, d.check)
        for d in ds.SAMPLE_DEFECTS
        if d.check in ("members_without_branch", "members_without_group")
    }
    warnings = findings[findings["severity"] == "warning"]
    assert _found(warnings) == planted
    band = findings[findings["check"] == "households_outside_band"]
    outside = result.grids.query("households < 300 or households > 500")
    assert sorted(band["id"]) == sorted(outside.index)
    assert (result.grids["formal_members"] >= 3).all()
    assert result.joint_branches.empty


# -- joint-branch grouping: the heap against the first, quadratic algorithm -------------------------


def _groups_reference(
    nodes: pd.Index, left: np.ndarray, right: np.ndarray, max_units: int
) -> pd.Series:
    """The first ``_groups``, kept verbatim: a fresh minimum and subgraph on every pass."""
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(zip(left, right, strict=True))
    size = max(1, max_units)
    group: dict[object, str] = {}
    free = set(graph.nodes)
    while free:
        seed = min(free, key=lambda n: (sum(1 for m in graph[n] if m in free), str(n)))
        members = []
        for node in nx.bfs_tree(graph.subgraph(free), seed):
            members.append(node)
            if len(members) == size:
                break
        label = f"J{len(set(group.values())) + 1}"
        group.update(dict.fromkeys(members, label))
        free -= set(members)
    return pd.Series(group, dtype="string")


def _lattice(n: int) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """``n`` unit squares in rows of ``ceil(sqrt(n))``; neighbours share an edge or a corner."""
    side = int(np.ceil(np.sqrt(n)))
    row, col = np.divmod(np.arange(n), side)
    squares = shapely.box(col, row, col + 1, row + 1)
    a, b = shapely.STRtree(squares).query(squares, predicate="intersects")
    ids = np.array([f"G{i}" for i in range(n)], dtype=object)
    return pd.Index(ids), ids[a[a != b]], ids[b[a != b]]


def test_thousands_of_candidates_group_quickly_within_the_limit() -> None:
    nodes, left, right = _lattice(4000)  # took 31 s with the quadratic grouping
    start = time.perf_counter()
    group = _groups(nodes, left, right, DEFAULT_RULES.joint_branch_max_units)
    assert time.perf_counter() - start < 10
    assert set(group.index) == set(nodes)
    assert group.value_counts().max() <= DEFAULT_RULES.joint_branch_max_units == 5
    graph = nx.Graph(zip(left, right, strict=True))
    for _, members in group.groupby(group):
        assert nx.is_connected(graph.subgraph(members.index))


@st.composite
def _small_graphs(draw: st.DrawFn) -> tuple[pd.Index, np.ndarray, np.ndarray, int]:
    n = draw(st.integers(1, 14))
    max_units = draw(st.integers(0, 6))
    # ids whose str order differs from their number order ("G10" < "G2"), listed shuffled
    names = draw(st.permutations([f"G{i}" for i in range(n)]))
    # at most 2 × max_units neighbours each: beyond that networkx walks a subgraph in set
    # order (hash order) instead of adjacency order, and the reference has no fixed answer
    limit = 2 * max(1, max_units)
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=30))
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    for a, b in pairs:
        if a != b and graph.degree(a) < limit and graph.degree(b) < limit:
            graph.add_edge(a, b)
    ids = np.array(names, dtype=object)
    edges = np.array(list(graph.edges), dtype=np.int64).reshape(-1, 2)
    return pd.Index(names), ids[edges[:, 0]], ids[edges[:, 1]], max_units


@settings(max_examples=300, deadline=None)
@given(case=_small_graphs())
def test_grouping_equals_the_reference(case: tuple[pd.Index, np.ndarray, np.ndarray, int]) -> None:
    nodes, left, right, max_units = case
    got = _groups(nodes, left, right, max_units)
    want = _groups_reference(nodes, left, right, max_units)
    assert got.to_dict() == want.to_dict()
