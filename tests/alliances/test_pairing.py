"""Tests for gridparty.alliances.pairing: checking a 1+1 pairing table and proposing the optimal pairing.

Hand-made setting on the tiny city (metres from its origin): communities C1 (0..200 × 0..100)
and C2 (200..400 × 0..100) whose representative points are computed below, and departments

    D1 (100, 200)   D2 (300, 150)   D3 (1000, 50)   D4 (300, 0)
"""

from __future__ import annotations

import itertools
import math
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
from gridparty.alliances.pairing import (
    _assignment,
    _flow,
    check_pairing,
    optimal_pairs,
    propose_pairing,
)
from gridparty.core.errors import InputError
from gridparty.datasets.sample import ALLIANCE_PROBLEMS as SAMPLE_PROBLEMS

UTM = "EPSG:32651"


def departments(**extra: list) -> gpd.GeoDataFrame:
    data = {
        "部门编号": ["D1", "D2", "D3", "D4"],
        "部门名称": ["司法局", "民政局", "卫健委", "商务委"],
        "区": ["黄浦区", "黄浦区", "浦东新区", "黄浦区"],
        "capacity": [1, 2, None, 1],
        **extra,
    }
    return tc.frame(
        data, [tc.point(100, 200), tc.point(300, 150), tc.point(1000, 50), tc.point(300, 0)]
    )


def communities() -> gpd.GeoDataFrame:
    return tc.communities()


def rep_xy() -> np.ndarray:
    """The representative points of C1 and C2 in metres from the tiny city's origin."""
    com = communities().to_crs(UTM)
    return shapely.get_coordinates(shapely.point_on_surface(np.asarray(com.geometry.array))) - (
        tc.X0,
        tc.Y0,
    )


def dist(community: int, xy: tuple[float, float]) -> float:
    return math.dist(rep_xy()[community], xy)


# -- check ---------------------------------------------------------------------------------------


def test_check_counts_1_1_1_n_n_1_and_unpaired() -> None:
    pairs = pd.DataFrame({"社区": ["C1", "C1", "西社区"], "部门": ["D1", "民政局", "D2"]})
    c = check_pairing(communities(), departments(), pairs)
    assert c.communities["status"].tolist() == ["1+N", "N+1"]
    assert c.communities["department_ids"].tolist() == ["D1, D2", "D2"]
    assert c.departments["status"].tolist() == ["1+N", "N+1", "unpaired", "unpaired"]
    assert c.departments["communities"].tolist() == [1, 2, 0, 0]
    s = c.summary()["value"]
    assert (s["communities_1_N"], s["departments_N_1"], s["pairs_1_1"]) == (1, 1, 0)
    assert (s["unpaired_communities"], s["unpaired_departments"]) == (0, 2)
    assert c.problems.empty


def test_check_reports_duplicates_unknowns_and_unpaired_communities() -> None:
    pairs = pd.DataFrame(
        {
            "community_id": ["C1", "C1", "C9", "C1", None],
            "department_id": ["D1", "D1", "D2", "D8", "D2"],
        }
    )
    c = check_pairing(communities(), departments(), pairs)
    assert len(c.pairings) == 5  # nothing dropped
    assert c.pairings["check"].tolist() == [
        pd.NA,
        "duplicate_pair",
        "unknown_community",
        "unknown_department",
        "missing_value",
    ]
    assert c.problems[["level", "id", "check"]].values.tolist() == [
        ["pairing", "#5", "missing_value"],
        ["pairing", "#3", "unknown_community"],
        ["pairing", "#4", "unknown_department"],
        ["pairing", "#2", "duplicate_pair"],
        ["community", "C2", "unpaired_community"],
    ]
    assert c.communities["status"].tolist() == ["1+1", "unpaired"]
    assert c.summary()["value"]["duplicate_rows"] == 1
    assert "C1 and D1 are already listed together in row #1" in c.problems.at[4, "message"]


def test_departments_must_be_points() -> None:
    with pytest.raises(InputError, match="departments must be a GeoDataFrame of points"):
        check_pairing(communities(), pd.DataFrame({"部门编号": ["D1"]}), pd.DataFrame())


# -- proposal --------------------------------------------------------------------------------------


def test_one_to_one_proposal_is_the_nearest_assignment() -> None:
    p = propose_pairing(communities(), departments(), capacity=1)
    got = p.pairs[["community_id", "department_id"]].values.tolist()
    options = {
        (a, b): dist(0, xa) + dist(1, xb)
        for (a, xa), (b, xb) in itertools.permutations(
            [("D1", (100, 200)), ("D2", (300, 150)), ("D3", (1000, 50)), ("D4", (300, 0))], 2
        )
    }
    best = min(options, key=options.get)
    assert got == [["C1", best[0]], ["C2", best[1]]]
    assert p.total_distance_m == pytest.approx(options[best])
    assert not p.pairs["fixed"].any()
    line = p.pairs.geometry.iloc[0]
    assert line.geom_type == "LineString"
    assert p.pairs.crs.to_epsg() == 4326


def test_fixed_pairs_are_kept_and_use_capacity() -> None:
    fixed = pd.DataFrame({"community_id": ["C2"], "department_id": ["D4"]})
    p = propose_pairing(communities(), departments(), pairings=fixed, capacity=1)
    assert p.pairs[["community_id", "department_id", "fixed"]].values.tolist() == [
        ["C2", "D4", True],
        ["C1", "D1", False],
    ]
    assert p.summary()["value"]["fixed_pairs"] == 1
    assert p.pairs["distance_m"].tolist() == pytest.approx([dist(1, (300, 0)), dist(0, (100, 200))])


def test_capacity_lets_one_department_take_two_communities() -> None:
    far = departments().assign(capacity=[0, 2, 0, 0])
    p = propose_pairing(communities(), far)
    assert p.pairs[["community_id", "department_id"]].values.tolist() == [
        ["C1", "D2"],
        ["C2", "D2"],
    ]
    assert p.unpaired.empty


def test_demand_asks_for_several_departments() -> None:
    com = communities().assign(want=[2, 1])
    p = propose_pairing(com, departments(), capacity=1, demand="want")
    assert p.pairs.groupby("community_id").size().to_dict() == {"C1": 2, "C2": 1}
    assert p.pairs.duplicated(["community_id", "department_id"]).sum() == 0


def test_within_and_distance_limits_give_reasons() -> None:
    com = communities().assign(district=["浦东新区", "徐汇区"])
    p = propose_pairing(com, departments(), within="district", max_distance_m=500)
    assert p.pairs.empty
    assert p.unpaired[["missing", "reason"]].values.tolist() == [
        [1, "out_of_range"],
        [1, "no_department"],
    ]
    full = departments().assign(capacity=[0, 1, 0, 0])
    q = propose_pairing(communities(), full)
    assert q.unpaired["reason"].tolist() == ["capacity_used_up"]


def test_bad_arguments_say_how_to_fix() -> None:
    with pytest.raises(InputError, match=r"within='street' must be a column"):
        propose_pairing(communities(), departments(), within="street")
    with pytest.raises(InputError, match=r"max_distance_m=-1"):
        propose_pairing(communities(), departments(), max_distance_m=-1)
    with pytest.raises(InputError, match=r"capacity must be whole numbers >= 0"):
        propose_pairing(communities(), departments(capacity=[1, -2, 1, 1]))
    with pytest.raises(InputError, match=r"demand='want' is not a column of communities"):
        propose_pairing(communities(), departments(), demand="want")
    with pytest.raises(InputError, match=r"cost_m must be a 2-D matrix"):
        optimal_pairs(np.zeros(3))
    with pytest.raises(InputError, match=r"demand must hold 2 whole numbers"):
        optimal_pairs(np.zeros((2, 2)), demand=np.array([1]))
    with pytest.raises(InputError, match=r"engine='cplex' is not known"):
        optimal_pairs(np.zeros((2, 2)), capacity=np.array([2, 2]), engine="cplex")  # type: ignore[arg-type]


# -- optimal against brute force ------------------------------------------------------------------


def brute_force(cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray) -> tuple[int, float]:
    """The most pairs, then the least total cost, over every subset of allowed pairs."""
    cells = [(i, j) for i, j in zip(*np.nonzero(np.isfinite(cost)), strict=True)]
    best = (0, 0.0)
    for k in range(1, len(cells) + 1):
        for chosen in itertools.combinations(cells, k):
            rows = np.bincount([i for i, _ in chosen], minlength=len(demand))
            cols = np.bincount([j for _, j in chosen], minlength=len(capacity))
            if (rows <= demand).all() and (cols <= capacity).all():
                total = sum(cost[i, j] for i, j in chosen)
                if k > best[0] or (k == best[0] and total < best[1]):
                    best = (k, total)
    return best


def score(cost: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> tuple[int, float]:
    return len(rows), float(cost[rows, cols].sum())


costs = st.integers(2, 3).flatmap(
    lambda n: st.integers(2, 3).flatmap(
        lambda m: st.lists(
            st.one_of(st.floats(0, 1000, allow_nan=False), st.just(math.inf)),
            min_size=n * m,
            max_size=n * m,
        ).map(lambda v: np.array(v).reshape(n, m))
    )
)


@settings(max_examples=60, deadline=None)
@given(cost=costs)
def test_one_to_one_is_optimal_against_brute_force(cost: np.ndarray) -> None:
    n, m = cost.shape
    rows, cols = optimal_pairs(cost)
    assert len(set(rows)) == len(rows)
    assert len(set(cols)) == len(cols)
    k, total = score(cost, rows, cols)
    want_k, want_total = brute_force(cost, np.ones(n, int), np.ones(m, int))
    assert k == want_k
    assert total == pytest.approx(want_total, abs=1e-6)


@pytest.mark.parametrize("engine", ["highs", "networkx"])
@settings(max_examples=40, deadline=None)
@given(cost=costs, data=st.data())
def test_capacities_are_optimal_against_brute_force(
    engine: str, cost: np.ndarray, data: st.DataObject
) -> None:
    n, m = cost.shape
    demand = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    capacity = np.array(data.draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)))
    rows, cols = optimal_pairs(cost, demand, capacity, engine=engine)
    assert (np.bincount(rows, minlength=n) <= demand).all()
    assert (np.bincount(cols, minlength=m) <= capacity).all()
    assert not pd.DataFrame({"r": rows, "c": cols}).duplicated().any()
    k, total = score(cost, rows, cols)
    want_k, want_total = brute_force(cost, demand, capacity)
    assert k == want_k
    assert total == pytest.approx(want_total, abs=0.01)  # flow costs are whole millimetres


@settings(max_examples=30, deadline=None)
@given(cost=costs)
def test_assignment_and_flow_agree_one_to_one(cost: np.ndarray) -> None:
    n, m = cost.shape
    allowed = np.isfinite(cost)
    a = score(cost, *_assignment(cost, allowed))
    for engine in ("highs", "networkx"):
        f = score(cost, *_flow(cost, allowed, np.ones(n, int), np.ones(m, int), engine))
        assert a[0] == f[0]
        assert a[1] == pytest.approx(f[1], abs=0.01)


# -- the sample city ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return {n: ds.sample_layer(n) for n in ("communities", "departments", "pairings")}


def test_sample_check_finds_the_planted_problems(sample: dict[str, pd.DataFrame]) -> None:
    c = check_pairing(sample["communities"], sample["departments"], sample["pairings"])
    planted = {(p.id, p.check) for p in SAMPLE_PROBLEMS if p.table in ("pairings", "communities")}
    assert set(c.problems[["id", "check"]].itertuples(index=False, name=None)) == planted
    s = c.summary()["value"]
    assert s["departments"] == s["communities"] + 1  # 58:58 in the published figures, plus a spare
    assert (s["communities_1_N"], s["unpaired_departments"]) == (1, 1)


def test_sample_proposal_pairs_the_unpaired_community(sample: dict[str, pd.DataFrame]) -> None:
    p = propose_pairing(
        sample["communities"], sample["departments"], pairings=sample["pairings"], within="district"
    )
    new = p.pairs[~p.pairs["fixed"]]
    assert new[["community_id", "department_id"]].values.tolist() == [["310115005002", "D10"]]
    assert p.unpaired.empty
    existing = p.pairs.loc[p.pairs["fixed"], "distance_m"].sum()
    optimal = propose_pairing(
        sample["communities"], sample["departments"], within="district", capacity=1
    )
    assert len(optimal.pairs) == 9
    assert optimal.total_distance_m < existing  # the administrative pairing is not the nearest


def test_exports(sample: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    p = propose_pairing(sample["communities"], sample["departments"], pairings=sample["pairings"])
    sheets = pd.read_excel(p.to_excel(tmp_path / "p.xlsx"), sheet_name=None)
    assert list(sheets) == ["概要", "结对方案", "未结对社区", "输入数据问题", "说明"]
    assert {"社区编码", "部门编号", "距离（米）", "现有结对"} <= set(sheets["结对方案"].columns)
    assert gpd.list_layers(p.to_geopackage(tmp_path / "p.gpkg"))["name"].tolist() == ["pairs"]
    c = check_pairing(sample["communities"], sample["departments"], sample["pairings"])
    assert "PairingCheck" in c._repr_html_()


def test_missing_points_and_missing_groups_pair_nothing() -> None:
    dep = tc.frame(
        {"department_id": ["D1", "D2"], "name": ["甲", "乙"], "district": ["黄浦区", None]},
        [tc.point(10, 200), None],
    )
    com = communities().assign(district=["黄浦区", None])
    fixed = pd.DataFrame({"community_id": ["C2"], "department_id": ["D2"]})
    p = propose_pairing(com, dep, within="district", pairings=fixed)
    assert p.pairs[["community_id", "department_id", "fixed"]].values.tolist() == [
        ["C2", "D2", True],
        ["C1", "D1", False],
    ]
    assert p.pairs.geometry.isna().tolist() == [True, False]  # D2 has no point to draw to
    assert np.isnan(p.pairs.at[0, "distance_m"])
