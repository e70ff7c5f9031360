"""Tests for gridparty.alliances.network: the alliance model, its checks and the network analysis.

The hand-made network lies on the tiny city (metres from its origin, see tiny_city.py), with
community C2 moved to another street:

    U1 (10,10)  U2 (110,10)  U3 (110,90)   in C1 (x < 200, 外滩街道)
    U4 (300,50) U5 (390,90)                in C2 (x > 200, 北外滩街道)

    A1 (regional, lead U1): U1, U2, U3      A2 (industry, lead 乙 = U2): U2, U4

so the unit–unit projection is the triangle U1–U2–U3 plus U2–U4, U2 is its only cut vertex,
and U5 belongs to no alliance but signed a co-building agreement with C1.
"""

from __future__ import annotations

import math
from itertools import combinations
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
import tiny_city as tc
from hypothesis import given, settings
from hypothesis import strategies as st

import gridparty.datasets.sample as ds
from gridparty.alliances.network import (
    AllianceNetwork,
    alliance_network,
    analyse_alliances,
    bipartite_graph,
    unit_graph,
)
from gridparty.core.errors import ColumnError, CRSError, DuplicateIdError, InputError
from gridparty.datasets.sample import ALLIANCE_PROBLEMS as SAMPLE_PROBLEMS

UTM = "EPSG:32651"


def units(**extra: list) -> gpd.GeoDataFrame:
    data = {
        "单位编号": ["U1", "U2", "U3", "U4", "U5"],
        "单位名称": ["甲", "乙", "丙", "丁", "戊"],
        "单位类型": ["国有企业", "非公企业", "非公企业", "非公企业", "社会组织"],
        "行业": ["金融", "金融", "法律服务", "金融", "教育"],
        "党组织": ["党总支", "党支部", "党支部", "联合党支部", "联合党支部"],
        "党员数": [60, 3, 5, 0, 2],
        "联系人": ["张三"] * 5,
        "联系电话": ["13800000001"] * 5,
        **extra,
    }
    points = [
        tc.point(10, 10),
        tc.point(110, 10),
        tc.point(110, 90),
        tc.point(300, 50),
        tc.point(390, 90),
    ]
    return tc.frame(data, points)


def alliances() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "联盟编号": ["A1", "A2"],
            "联盟名称": ["一号联盟", "二号联盟"],
            "联盟类型": ["区域", "行业"],
            "牵头单位": ["U1", "乙"],
        }
    )


def memberships() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "单位编号": ["U1", "U2", "U3", "U2", "U4"],
            "联盟编号": ["A1", "A1", "A1", "A2", "A2"],
            "加入年份": [2019, 2020, 2021, 2020, 2022],
        }
    )


def communities() -> gpd.GeoDataFrame:
    return tc.communities().assign(street=["外滩街道", "北外滩街道"])


@pytest.fixture
def net() -> AllianceNetwork:
    agreements = pd.DataFrame({"甲方": ["C1"], "乙方": ["戊"], "签订年份": [2023]})
    return alliance_network(
        units(), alliances(), memberships(), agreements=agreements, communities=communities()
    )


# -- reading with the foundation's column mapping ----------------------------------------------


def test_chinese_columns_are_mapped_and_names_resolved(net: AllianceNetwork) -> None:
    u = net.units
    assert u.index.name == "unit_id"
    assert list(u.columns[:5]) == ["name", "kind", "industry", "party_org", "formal_members"]
    assert u["formal_members"].dtype == "Int64"
    assert u.crs.to_epsg() == 4326
    a = net.alliances
    assert a["kind"].tolist() == ["regional", "industry"]
    assert a["lead_unit_id"].tolist() == ["U1", "U2"]  # 乙 resolved by its name
    assert net.memberships.index.tolist() == ["#1", "#2", "#3", "#4", "#5"]
    assert net.memberships["since"].tolist() == [2019, 2020, 2021, 2020, 2022]
    assert net.agreements[["party_a", "kind_a", "party_b", "kind_b"]].values.tolist() == [
        ["C1", "community", "U5", "unit"]
    ]
    assert net.problems.empty
    assert net.metric_crs.to_epsg() == 32651


def test_explicit_columns_are_nested_by_table() -> None:
    frame = units().rename(columns={"单位编号": "代码"})
    net = alliance_network(
        frame, alliances(), memberships(), columns={"units": {"代码": "unit_id"}}
    )
    assert net.units.index.tolist() == ["U1", "U2", "U3", "U4", "U5"]
    with pytest.raises(InputError, match=r"nested by table name"):
        alliance_network(frame, alliances(), memberships(), columns={"代码": "unit_id"})
    with pytest.raises(InputError, match=r"unknown tables \['unit'\]"):
        alliance_network(frame, alliances(), memberships(), columns={"unit": {"代码": "unit_id"}})
    with pytest.raises(ColumnError, match=r"units has no id column 'unit_id'"):
        alliance_network(frame, alliances(), memberships())


def test_business_district_kind_and_english_columns() -> None:
    table = pd.DataFrame(
        {"alliance_id": ["B"], "name": ["商圈"], "kind": ["商圈"], "lead_unit_id": ["U1"]}
    )
    member = pd.DataFrame({"unit": ["U1"], "alliance": ["B"]})
    net = alliance_network(units(), table, member)
    assert net.alliances.at["B", "kind"] == "business_district"
    assert net.problems.empty


def test_gcj02_units_are_converted_to_wgs84() -> None:
    wgs = units()
    from gridparty.core.coords import convert_geometries

    gcj = wgs.set_geometry(convert_geometries(wgs.geometry, "wgs84", "gcj02"))
    net = alliance_network(gcj, alliances(), memberships(), coords="gcj02")
    moved = shapely.distance(
        np.asarray(net.units.geometry.to_crs(UTM).array), np.asarray(wgs.geometry.to_crs(UTM).array)
    )
    assert moved.max() < 0.01


def test_units_need_a_crs_and_metric_crs_must_be_metres() -> None:
    with pytest.raises(CRSError, match="units"):
        alliance_network(units().set_crs(None, allow_override=True), alliances(), memberships())
    with pytest.raises(CRSError, match="metres"):
        alliance_network(units(), alliances(), memberships(), metric_crs=4326)


# -- bad input: reported, never dropped -------------------------------------------------------------


def test_bad_membership_rows_are_reported_and_kept() -> None:
    rows = pd.DataFrame(
        {
            "单位编号": ["U1", "U2", "U9", "U3", "U2", None, "U1"],
            "联盟编号": ["A1", "A1", "A1", "A7", "A1", "A1", "A2"],
        }
    )
    net = alliance_network(units(), alliances(), rows)
    assert len(net.memberships) == len(rows)
    checks = net.problems.set_index("id")["check"].to_dict()
    assert checks == {
        "#6": "missing_value",
        "#3": "unknown_unit",
        "#4": "unknown_alliance",
        "#5": "duplicate_membership",
        "A2": "lead_not_member",
    }
    assert net.memberships["check"].isna().tolist() == [
        True,
        True,
        False,
        False,
        False,
        False,
        True,
    ]
    message = net.problems.set_index("id").at["#5", "message"]
    assert "U2 and A1 are already listed together in row #2" in message
    assert (
        net.problems.set_index("id").at["#3", "message"].startswith("membership #3: unit_id 'U9'")
    )
    assert net.valid_memberships.index.tolist() == ["#1", "#2", "#7"]


def test_bad_alliance_and_agreement_rows_are_reported() -> None:
    table = alliances().assign(联盟类型=["区域", "楼宇"], 牵头单位=["U1", "不存在"])
    agreements = pd.DataFrame({"甲方": ["C1", "U1", "U2", "U1"], "乙方": ["X9", "U2", "U1", None]})
    net = alliance_network(
        units(), table, memberships(), agreements=agreements, communities=communities()
    )
    found = sorted(net.problems[["level", "id", "check"]].itertuples(index=False, name=None))
    assert found == [
        ("agreement", "#1", "unknown_unit"),
        ("agreement", "#3", "duplicate_agreement"),
        ("agreement", "#4", "missing_value"),
        ("alliance", "A2", "unknown_kind"),
        ("alliance", "A2", "unknown_unit"),
    ]
    assert (
        "'楼宇' is not regional (区域)"
        in net.problems.set_index("check").at["unknown_kind", "message"]
    )
    assert net.agreements["check"].tolist()[:3] == ["unknown_unit", pd.NA, pd.NA]


def test_ambiguous_names_do_not_resolve() -> None:
    frame = units().assign(单位名称=["甲", "甲", "丙", "丁", "戊"])
    net = alliance_network(frame, alliances().assign(牵头单位=["甲", "U2"]), memberships())
    assert net.problems[["id", "check"]].values.tolist() == [["A1", "unknown_unit"]]


def test_duplicate_unit_ids_raise_or_are_kept() -> None:
    frame = units().assign(单位编号=["U1", "U1", "U3", "U4", "U5"])
    with pytest.raises(DuplicateIdError, match="units: 1 unit_id value shared by several rows"):
        alliance_network(frame, alliances(), memberships())
    net = alliance_network(frame, alliances(), memberships(), strict=False)
    assert net.units.index.tolist() == ["U1", "U1#2", "U3", "U4", "U5"]
    assert ("unit", "U1#2", "duplicate_id") in set(
        net.problems[["level", "id", "check"]].itertuples(index=False, name=None)
    )


def test_wrong_table_types_say_what_to_pass() -> None:
    with pytest.raises(InputError, match="units must be a GeoDataFrame of points"):
        alliance_network(pd.DataFrame(units()), alliances(), memberships())
    with pytest.raises(InputError, match="memberships must be a DataFrame"):
        alliance_network(units(), alliances(), [("U1", "A1")])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="net must be an AllianceNetwork"):
        analyse_alliances(units())  # type: ignore[arg-type]


# -- graphs ---------------------------------------------------------------------------------------------


def test_bipartite_graph_and_projection(net: AllianceNetwork) -> None:
    b = bipartite_graph(net)
    assert b.number_of_nodes() == 7
    assert sorted(b.edges(("alliance", "A2"))) == [
        (("alliance", "A2"), ("unit", "U2")),
        (("alliance", "A2"), ("unit", "U4")),
    ]
    assert b.nodes[("alliance", "A1")] == {
        "bipartite": 1,
        "level": "alliance",
        "id": "A1",
        "name": "一号联盟",
        "kind": "regional",
    }
    assert b.edges[("unit", "U4"), ("alliance", "A2")]["since"] == 2022
    p = unit_graph(net)
    assert sorted(p.nodes) == ["U1", "U2", "U3", "U4", "U5"]
    assert sorted(tuple(sorted(e)) for e in p.edges) == [
        ("U1", "U2"),
        ("U1", "U3"),
        ("U2", "U3"),
        ("U2", "U4"),
    ]
    assert p.edges["U1", "U2"] == {"alliances": ["A1"], "weight": 1}


def test_shared_alliances_weigh_the_projection() -> None:
    rows = pd.concat([memberships(), pd.DataFrame({"单位编号": ["U1"], "联盟编号": ["A2"]})])
    p = unit_graph(alliance_network(units(), alliances(), rows))
    assert p.edges["U1", "U2"] == {"alliances": ["A1", "A2"], "weight": 2}


# -- analysis ----------------------------------------------------------------------------------------


def test_alliance_table_by_hand(net: AllianceNetwork) -> None:
    a = analyse_alliances(net).alliances
    assert a["member_units"].tolist() == [3, 2]
    assert a["party_members"].tolist() == [68, 3]
    # A1: the triangle (10,10) (110,10) (110,90); A2: the segment (110,10)–(300,50)
    assert a["hull_area_m2"].tolist() == pytest.approx([4000.0, 0.0], abs=0.5)
    assert a["farthest_m"].tolist() == pytest.approx(
        [math.hypot(100, 80), math.hypot(190, 40)], abs=0.01
    )
    assert a["lead_street"].tolist() == ["外滩街道", "外滩街道"]
    assert a["streets"].tolist() == [1, 2]
    assert a["outside_lead_street_share"].tolist() == [0.0, 0.5]
    assert a["industries"].tolist() == [2, 1]
    assert a["cross_industry_share"].tolist() == pytest.approx([1 / 3, 0.0])
    assert a["lead_is_member"].tolist() == [True, True]


def test_units_bridges_components_and_coverage(net: AllianceNetwork) -> None:
    r = analyse_alliances(net)
    u = r.units
    assert u["community_id"].tolist() == ["C1", "C1", "C1", "C2", "C2"]
    assert u["street"].tolist() == ["外滩街道"] * 3 + ["北外滩街道"] * 2
    assert u["alliance_count"].tolist() == [1, 2, 1, 1, 0]
    assert u["alliance_ids"].tolist() == ["A1", "A1, A2", "A1", "A2", pd.NA]
    assert u["degree"].tolist() == [2, 3, 2, 1, 0]
    # U2 lies on the paths U1–U4 and U3–U4: 2 of the (5-1)(5-2)/2 = 6 pairs it could lie on
    assert u["betweenness"].tolist() == pytest.approx([0, 2 / 6, 0, 0, 0])
    assert u.index[u["bridging"]].tolist() == ["U2"]
    assert u["component"].tolist() == [0, 0, 0, 0, pd.NA]
    assert u["agreements"].tolist() == [0, 0, 0, 0, 1]
    assert u["covered"].tolist() == [True] * 5
    assert "联系人" not in u.columns
    assert "联系电话" not in u.columns
    assert r.components.values.tolist() == [[4, 2, "A1, A2", 68]]
    cov = r.coverage
    assert cov.loc[("community", "C2"), ["unit_count", "in_alliance", "covered"]].tolist() == [
        2,
        1,
        2,
    ]
    assert cov.loc[("street", "北外滩街道"), "alliance_share"] == 0.5
    assert cov.loc[("all", "all"), "alliance_share"] == 0.8
    assert cov.loc[("all", "all"), "covered_share"] == 1.0


def test_units_outside_communities_and_no_communities() -> None:
    far = units().assign(
        geometry=lambda f: f.geometry.where(
            f.index != 4, tc.frame({"a": [1]}, [tc.point(900, 900)]).geometry.iloc[0]
        )
    )
    r = analyse_alliances(
        alliance_network(far, alliances(), memberships(), communities=communities())
    )
    assert pd.isna(r.units["street"].iloc[4])
    assert r.coverage.loc[("community", "outside"), "unit_count"] == 1
    bare = analyse_alliances(alliance_network(units(), alliances(), memberships()))
    assert bare.units["street"].isna().all()
    assert bare.alliances["outside_lead_street_share"].isna().all()


def test_disconnected_alliances_are_separate_components() -> None:
    rows = pd.DataFrame(
        {"单位编号": ["U1", "U2", "U4", "U5"], "联盟编号": ["A1", "A1", "A2", "A2"]}
    )
    r = analyse_alliances(
        alliance_network(units(), alliances().assign(牵头单位=["U1", "U4"]), rows)
    )
    assert r.components["alliance_ids"].tolist() == ["A1", "A2"]
    assert r.units["component"].tolist() == [0, 0, pd.NA, 1, 1]
    assert not r.units["bridging"].any()


# random networks: what the analysis says agrees with a direct computation -------------------------

memberships_strategy = st.lists(
    st.tuples(st.sampled_from(["U1", "U2", "U3", "U4", "U5"]), st.sampled_from(["A1", "A2", "A3"])),
    max_size=14,
)


@settings(max_examples=40, deadline=None)
@given(rows=memberships_strategy)
def test_random_memberships_agree_with_direct_counts(rows: list[tuple[str, str]]) -> None:
    table = pd.DataFrame(rows, columns=["unit_id", "alliance_id"])
    three = pd.concat([alliances(), pd.DataFrame({"联盟编号": ["A3"], "联盟类型": ["商圈"]})])
    net = alliance_network(units(), three, table)
    assert len(net.memberships) == len(rows)  # nothing dropped
    unique = set(rows)
    assert bipartite_graph(net).number_of_edges() == len(unique)
    r = analyse_alliances(net)
    xy = {
        u: np.array(p.coords[0])
        for u, p in zip(net.units.index, net.units.geometry.to_crs(UTM), strict=True)
    }
    for alliance in ("A1", "A2", "A3"):
        members = sorted(u for u, a in unique if a == alliance)
        assert r.alliances.at[alliance, "member_units"] == len(members)
        brute = max((np.hypot(*(xy[a] - xy[b])) for a, b in combinations(members, 2)), default=0)
        assert r.alliances.at[alliance, "farthest_m"] == pytest.approx(brute, abs=1e-6)
    in_any = {u for u, _ in unique}
    assert r.coverage.loc[("all", "all"), "in_alliance"] == len(in_any)
    projection = unit_graph(net)
    assert set(r.units.index[r.units["bridging"]]) == set(nx.articulation_points(projection))
    expected = nx.betweenness_centrality(projection)
    assert r.units["betweenness"].to_dict() == pytest.approx(expected, abs=1e-12)
    assert r.units["degree"].to_dict() == dict(projection.degree())


# -- the sample city ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return {
        name: ds.sample_layer(name)
        for name in ("communities", "units", "alliances", "memberships", "agreements")
    }


@pytest.fixture(scope="module")
def sample_net(sample: dict[str, pd.DataFrame]) -> AllianceNetwork:
    return alliance_network(
        sample["units"],
        sample["alliances"],
        sample["memberships"],
        agreements=sample["agreements"],
        communities=sample["communities"],
    )


def test_sample_scale_is_realistic(sample: dict[str, pd.DataFrame]) -> None:
    u, a, m = sample["units"], sample["alliances"], sample["memberships"]
    assert 60 <= len(u) <= 90
    assert set(a["kind"]) == {"regional", "industry", "business_district"}
    assert (a["kind"] == "regional").sum() == sample["communities"]["street"].nunique()
    assert 80 <= len(m) <= 140
    assert u["联系人"].str.fullmatch(r"虚构联系人\d{3}").all()
    assert u["联系电话"].str.fullmatch(r"200\d{8}").all()
    for frame in (u, sample["communities"]):
        assert frame.crs.to_epsg() == 4326


def test_sample_planted_membership_problem_is_the_only_one(sample_net: AllianceNetwork) -> None:
    planted = [(p.id, p.check) for p in SAMPLE_PROBLEMS if p.table == "memberships"]
    assert sample_net.problems[["id", "check"]].values.tolist() == [list(p) for p in planted]


def test_sample_analysis(sample_net: AllianceNetwork) -> None:
    r = analyse_alliances(sample_net)
    a = r.alliances
    assert a["lead_is_member"].all()
    assert (a["hull_area_m2"] > 1e5).all()
    assert (a["farthest_m"] > 500).all()
    assert (a.loc[a["kind"] == "business_district", "outside_lead_street_share"] == 0).all()
    assert a.loc[a["kind"] == "regional", "outside_lead_street_share"].between(0.01, 0.5).all()
    assert r.units.index[r.units["bridging"]].tolist() == ["U09"]  # the elderly-care NGOs' link
    summary = r.summary()["value"]
    assert summary["components"] == 1
    assert 0.8 <= summary["covered_share"] < 1.0  # not yet "100 % co-building coverage"


def test_exports(net: AllianceNetwork, tmp_path: Path) -> None:
    r = analyse_alliances(net)
    path = r.to_excel(tmp_path / "a.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets)[:3] == ["概要", "党建联盟", "单位"]
    assert "成员单位数" in sheets["党建联盟"].columns
    assert "联系人" not in sheets["单位"].columns
    gpkg = r.to_geopackage(tmp_path / "a.gpkg")
    layers = gpd.list_layers(gpkg)["name"].tolist()
    assert layers == ["alliance_units", "hulls"]


def test_html_repr_escapes_names() -> None:
    frame = units().assign(单位名称=["<script>x</script>", "乙", "丙", "丁", "戊"])
    html = analyse_alliances(alliance_network(frame, alliances(), memberships()))._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_a_unit_without_location_counts_but_shapes_nothing() -> None:
    frame = units()
    frame.loc[frame.index[2], "geometry"] = None  # U3
    r = analyse_alliances(alliance_network(frame, alliances(), memberships()))
    assert r.alliances.at["A1", "member_units"] == 3
    assert r.alliances.at["A1", "hull_area_m2"] == 0.0
    assert r.alliances.at["A1", "farthest_m"] == pytest.approx(100.0, abs=0.01)
