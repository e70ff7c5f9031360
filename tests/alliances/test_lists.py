"""Tests for gridparty.alliances.lists: matching needs to resources (the three lists).

Hand-made setting on the tiny city, everything on the line y = 0 (metres from the origin),
max_distance_m = 500:

    resources  R1 elderly care, capacity 8, at unit U1 (x = 0)
               R2 legal, capacity 10, at unit U2 (x = 1000)
    needs      N1 elderly care 10 at x = 100   → 8 from R1 (100 m), 2 left: capacity used up
               N2 legal 5 at x = 150           → R2 is 850 m away: out of range
               N3 childcare 3 at x = 300       → nobody offers childcare
               N4 elderly care 4 at x = 900    → R1 is 900 m away: out of range
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import tiny_city as tc
from hypothesis import given, settings
from hypothesis import strategies as st

import gridparty.datasets.sample as ds
from gridparty.alliances.lists import CATEGORIES, DEFAULT_MAX_DISTANCE_M, ListMatch, match_lists
from gridparty.core.errors import InputError
from gridparty.datasets.sample import ALLIANCE_PROBLEMS as SAMPLE_PROBLEMS

REASONS = {"no_resource_of_category", "out_of_range", "capacity_used_up"}


def units() -> gpd.GeoDataFrame:
    return tc.frame(
        {"unit_id": ["U1", "U2"], "name": ["甲", "乙"]}, [tc.point(0, 0), tc.point(1000, 0)]
    )


def needs(**extra: list) -> gpd.GeoDataFrame:
    data = {
        "需求编号": ["N1", "N2", "N3", "N4"],
        "社区": ["C1", "东社区", "西社区", "C2"],
        "类别": ["为老服务", "法律", "托育", "elderly_care"],
        "人数": [10, 5, 3, 4],
        "需求内容": ["独居老人张某助餐", "咨询", "托育", "助浴"],
        **extra,
    }
    return tc.frame(data, [tc.point(100, 0), tc.point(150, 0), tc.point(300, 0), tc.point(900, 0)])


def resources(**extra: list) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "资源编号": ["R1", "R2"],
            "单位": ["U1", "乙"],
            "类别": ["养老", "legal"],
            "容量": [8, 10],
            **extra,
        }
    )


def match(**kwargs: object) -> ListMatch:
    args = {"units": units(), "communities": tc.communities(), "max_distance_m": 500.0}
    return match_lists(
        kwargs.pop("needs", needs()), kwargs.pop("resources", resources()), **{**args, **kwargs}
    )


def test_every_need_matched_or_unmatched_with_its_reason() -> None:
    m = match()
    n = m.needs
    assert n["category"].tolist() == ["elderly_care", "legal", "childcare", "elderly_care"]
    assert n["community_id"].tolist() == ["C1", "C1", "C2", "C2"]
    assert n["served"].tolist() == [8, 0, 0, 0]
    assert n["unserved"].tolist() == [2, 5, 3, 4]
    assert n["status"].tolist() == ["partly_matched", "unmatched", "unmatched", "unmatched"]
    assert n["reason"].tolist() == [
        "capacity_used_up",
        "out_of_range",
        "no_resource_of_category",
        "out_of_range",
    ]
    assert n["nearest_m"].tolist()[:2] == pytest.approx([100.0, 850.0], abs=0.01)
    assert np.isnan(n["nearest_m"].iloc[2])
    assert m.matches[["need_id", "resource_id", "unit_id", "amount"]].values.tolist() == [
        ["N1", "R1", "U1", 8]
    ]
    assert m.matches["distance_m"].tolist() == pytest.approx([100.0], abs=0.01)
    r = m.resources
    assert r["unit_id"].tolist() == ["U1", "U2"]  # 乙 resolved by name
    assert r["used"].tolist() == [8, 0]
    assert r["left"].tolist() == [0, 10]
    assert m.problems.empty


def test_ranking_and_categories() -> None:
    m = match()
    assert m.ranking.index.tolist() == ["N2", "N4", "N3", "N1"]  # most unserved first
    assert m.ranking["rank"].tolist() == [1, 2, 3, 4]
    assert "title" in m.ranking.columns
    c = m.categories
    assert c.index.tolist() == ["elderly_care", "legal", "childcare"]
    assert c.loc["elderly_care"].tolist() == [2, 14, 8, 8, 6, 2]
    assert c.loc["childcare", "capacity"] == 0


def test_the_nearest_resource_serves_first() -> None:
    """Two needs, two resources of one kind: the total distance × amount is the least."""
    n = tc.frame(
        {"need_id": ["A", "B"], "category": ["health"] * 2, "size": [5, 5]},
        [tc.point(0, 0), tc.point(100, 0)],
    )
    r = tc.frame(
        {"resource_id": ["X", "Y"], "category": ["health"] * 2, "capacity": [5, 5]},
        [tc.point(110, 0), tc.point(-20, 0)],
    )
    m = match_lists(n, r, max_distance_m=500)
    assert m.matches[["need_id", "resource_id", "amount"]].values.tolist() == [
        ["A", "Y", 5],
        ["B", "X", 5],
    ]
    assert m.matches["distance_m"].sum() == pytest.approx(30.0, abs=0.01)


def test_a_need_is_split_over_several_resources() -> None:
    r = pd.DataFrame(
        {"unit_id": ["U1", "U1"], "category": ["elderly_care"] * 2, "capacity": [4, 9]}
    )
    m = match(resources=r)
    assert m.needs.at["N1", "served"] == 10
    assert m.needs.at["N1", "status"] == "matched"
    assert m.matches.groupby("need_id")["amount"].sum().to_dict() == {"N1": 10}


def test_locations_come_from_units_and_communities() -> None:
    no_points = pd.DataFrame(needs().drop(columns="geometry"))
    m = match(needs=no_points)
    rep = shapely.point_on_surface(np.asarray(tc.communities().geometry.array))
    assert shapely.equals_exact(np.asarray(m.needs.geometry.array)[[0, 3]], rep[[0, 1]], 1e-9).all()
    assert m.resources.geometry.iloc[0].equals(units().geometry.iloc[0])


def test_bad_rows_are_reported_and_listed_unmatched() -> None:
    bad_needs = needs(类别=["为老服务", "魔法", None, "elderly_care"], 人数=[10, 5, 3, -4])
    bad_res = resources(容量=[8, -1]).assign(单位=["U1", "U9"])
    m = match(needs=bad_needs, resources=bad_res)
    assert len(m.needs) == 4
    assert len(m.resources) == 2
    assert m.problems[["level", "id", "check"]].values.tolist() == [
        ["need", "N2", "unknown_category"],
        ["need", "N3", "missing_value"],
        ["need", "N4", "negative_size"],
        ["resource", "R2", "negative_capacity"],
        ["resource", "R2", "unknown_unit"],
        ["resource", "R2", "missing_location"],
    ]
    assert m.needs["status"].tolist() == ["partly_matched", "unmatched", "unmatched", "unmatched"]
    assert m.needs["reason"].tolist() == [
        "capacity_used_up",
        "unknown_category",
        "missing_value",
        "negative_size",
    ]
    assert m.resources["check"].tolist() == [pd.NA, "negative_capacity"]
    assert m.resources["left"].tolist() == [0, 0]
    assert "'魔法' is not known" in m.problems.at[1, "message"]


def test_custom_categories_and_blank_sizes() -> None:
    words = {
        "托育": "childcare",
        "为老服务": "elderly_care",
        "法律": "legal",
        "elderly_care": "elderly_care",
    }
    res = pd.DataFrame({"unit_id": ["U1"], "category": ["托育"], "capacity": [None]})
    m = match(resources=res, categories=words, max_distance_m=400)
    assert m.needs.at["N3", "served"] == 1  # a blank capacity is 1
    assert m.resources["capacity"].tolist() == [1]
    assert m.problems.empty


def test_bad_arguments() -> None:
    with pytest.raises(InputError, match="max_distance_m=-5"):
        match(max_distance_m=-5.0)
    with pytest.raises(InputError, match="max_distance_m='500' must be a number"):
        match(max_distance_m="500")
    with pytest.raises(InputError, match="nested by table name"):
        match(columns={"类型": "category"})
    empty = pd.DataFrame({"category": ["legal"], "size": [1]})
    with pytest.raises(InputError, match="no locations"):
        match_lists(empty, pd.DataFrame({"category": ["legal"], "capacity": [1]}))


def test_defaults_are_documented() -> None:
    assert DEFAULT_MAX_DISTANCE_M == 1000.0
    assert set(CATEGORIES) >= {"elderly_care", "childcare", "legal", "health"}


# -- random lists: capacity is never exceeded, every need accounted for --------------------------

point = st.tuples(st.integers(-800, 800), st.integers(-800, 800))
need_rows = st.lists(
    st.tuples(point, st.sampled_from(["health", "legal", "youth"]), st.integers(0, 30)),
    min_size=1,
    max_size=12,
)
res_rows = st.lists(
    st.tuples(point, st.sampled_from(["health", "legal"]), st.integers(0, 25)), max_size=8
)


def lists_from(n_rows: list, r_rows: list) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    n = tc.frame(
        {"category": [c for _, c, _ in n_rows], "size": [s for *_, s in n_rows]},
        [tc.point(*p) for p, _, _ in n_rows],
    )
    r = (
        tc.frame(
            {"category": [c for _, c, _ in r_rows], "capacity": [s for *_, s in r_rows]},
            [tc.point(*p) for p, _, _ in r_rows],
        )
        if r_rows
        else pd.DataFrame({"category": pd.Series(dtype=str), "capacity": pd.Series(dtype=int)})
    )
    return n, r


@settings(max_examples=60, deadline=None)
@given(n_rows=need_rows, r_rows=res_rows, reach=st.sampled_from([0.0, 200.0, 600.0]))
def test_capacity_is_never_exceeded(n_rows: list, r_rows: list, reach: float) -> None:
    m = match_lists(*lists_from(n_rows, r_rows), max_distance_m=reach, metric_crs="EPSG:32651")
    res, need, x = m.resources, m.needs, m.matches
    assert (res["used"] <= res["capacity"]).all()
    assert (res["left"] >= 0).all()
    assert (need["served"] + need["unserved"] == need["size"]).all()
    assert (x["distance_m"] <= reach + 1e-6).all()
    assert (x["category"].to_numpy() == res.loc[x["resource_id"], "category"].to_numpy()).all()
    assert need.loc[need["status"] != "matched", "reason"].isin(REASONS).all()
    assert need.loc[need["status"] == "matched", "reason"].isna().all()
    # maximal: a need left short by "capacity used up" has no resource in range with room
    for nid in need.index[need["reason"] == "capacity_used_up"]:
        gaps = shapely.distance(
            np.asarray(res.geometry.to_crs(tc.UTM).array), need.geometry.to_crs(tc.UTM)[nid]
        )
        usable = (res["category"] == need.at[nid, "category"]).to_numpy() & (gaps <= reach)
        assert (res.loc[usable, "left"] == 0).all()


@settings(max_examples=30, deadline=None)
@given(n_rows=need_rows, r_rows=res_rows)
def test_both_engines_serve_as_much_at_the_same_cost(n_rows: list, r_rows: list) -> None:
    n, r = lists_from(n_rows, r_rows)
    a, b = (
        match_lists(n, r, max_distance_m=600, metric_crs="EPSG:32651", engine=e)
        for e in ("highs", "networkx")
    )
    assert a.needs["served"].sum() == b.needs["served"].sum()
    cost = [float((x.matches["amount"] * x.matches["distance_m"]).sum()) for x in (a, b)]
    assert cost[0] == pytest.approx(cost[1], abs=0.01 * max(1, a.needs["served"].sum()))


# -- the sample city ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_match() -> ListMatch:
    return match_lists(
        ds.sample_layer("needs"),
        ds.sample_layer("resources"),
        units=ds.sample_layer("units"),
        communities=ds.sample_layer("communities"),
    )


def test_sample_lists(sample_match: ListMatch) -> None:
    m = sample_match
    planted = [p for p in SAMPLE_PROBLEMS if p.table == "needs"]
    assert m.needs.index[m.needs["reason"] == "no_resource_of_category"].tolist() == [planted[0].id]
    assert m.problems.empty
    assert set(m.needs["reason"].dropna()) == REASONS  # all three reasons occur
    assert (m.resources["used"] <= m.resources["capacity"]).all()
    s = m.summary()["value"]
    assert 40 <= s["needs"] <= 70
    assert 0.5 < s["served"] / s["demand"] < 0.9


def test_exports(sample_match: ListMatch, tmp_path: Path) -> None:
    sheets = pd.read_excel(sample_match.to_excel(tmp_path / "l.xlsx"), sheet_name=None)
    assert list(sheets) == [
        "概要",
        "服务清单",
        "需求",
        "资源",
        "需求排行",
        "类别汇总",
        "输入数据问题",
        "说明",  # the notes sheet, last
    ]
    assert {"需求编号", "资源编号", "对接量", "距离（米）"} <= set(sheets["服务清单"].columns)
    layers = gpd.list_layers(sample_match.to_geopackage(tmp_path / "l.gpkg"))["name"].tolist()
    assert layers == ["matches", "needs", "resources"]
