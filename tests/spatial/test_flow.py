"""Tests for gridparty.spatial.flow: min-cost maximum flow on a bipartite graph (both engines).

Hand-made graphs whose best flow can be read off; random small graphs against
``networkx.max_flow_min_cost`` on a graph built here; the sample city's 1+1 pairing of
communities and departments against scipy's assignment solver.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

import gridparty as gp
from gridparty.core.errors import InputError
from gridparty.datasets.sample import METRIC_CRS, sample_layer
from gridparty.spatial.flow import ENGINES, max_flow_min_cost


def _solve(
    rows: list[int],
    cols: list[int],
    cost: list[float],
    row_cap: list[int],
    col_cap: list[int],
    pair_cap: list[int],
    engine: str,
) -> list[int]:
    out = max_flow_min_cost(
        np.array(rows),
        np.array(cols),
        np.array(cost, dtype=float),
        np.array(row_cap),
        np.array(col_cap),
        np.array(pair_cap),
        engine=engine,
    )  # type: ignore[arg-type]
    assert out.dtype == np.int64
    return out.tolist()


@pytest.mark.parametrize("engine", ENGINES)
def test_the_cheap_pairs_are_chosen(engine: str) -> None:
    # rows 0, 1 and columns 0, 1: the diagonal costs 1, the cross 10
    flow = _solve([0, 0, 1, 1], [0, 1, 0, 1], [1, 10, 10, 1], [1, 1], [1, 1], [1, 1, 1, 1], engine)
    assert flow == [1, 0, 0, 1]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_largest_flow_comes_before_the_least_cost(engine: str) -> None:
    # pairing row 0 with column 0 alone costs 1 but carries 1; the flow of 2 costs 101
    flow = _solve([0, 0, 1], [0, 1, 0], [1, 100, 1], [1, 1], [1, 1], [1, 1, 1], engine)
    assert flow == [0, 1, 1]


@pytest.mark.parametrize("engine", ENGINES)
def test_capacities_of_rows_columns_and_pairs_bind(engine: str) -> None:
    # one row with 5 to send; column 0 takes 2 (its pair carries at most 1), column 1 takes 3
    flow = _solve([0, 0], [0, 1], [1, 2], [5], [2, 3], [1, 9], engine)
    assert flow == [1, 3]
    # a row sending 2 to two columns of 3 each: all to the cheaper
    assert _solve([0, 0], [0, 1], [5, 4], [2], [3, 3], [9, 9], engine) == [0, 2]


@pytest.mark.parametrize("engine", ENGINES)
def test_negative_capacities_count_as_zero(engine: str) -> None:
    assert _solve([0, 1], [0, 0], [1, 1], [-3, 2], [5], [4, 4], engine) == [0, 2]
    assert _solve([0], [0], [1], [2], [-1], [2], engine) == [0]
    assert _solve([0, 0], [0, 1], [1, 1], [2], [1, 1], [-1, 1], engine) == [0, 1]


@pytest.mark.parametrize("engine", ENGINES)
def test_no_pairs_or_no_capacity_give_no_flow(engine: str) -> None:
    empty = max_flow_min_cost(
        np.array([], dtype=int),
        np.array([], dtype=int),
        np.array([]),
        np.array([3]),
        np.array([3]),
        np.array([], dtype=int),
        engine=engine,
    )  # type: ignore[arg-type]
    assert empty.dtype == np.int64
    assert empty.shape == (0,)
    assert _solve([0, 1], [1, 0], [1, 2], [0, 0], [1, 1], [1, 1], engine) == [0, 0]


@pytest.mark.parametrize("engine", ENGINES)
def test_negative_costs_are_allowed(engine: str) -> None:
    assert _solve([0, 0], [0, 1], [-5, -2], [1], [1, 1], [1, 1], engine) == [1, 0]


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(
        InputError, match=r"^engine='simplex' is not known; use 'highs' or 'networkx'\.$"
    ):
        max_flow_min_cost(
            np.array([0]),
            np.array([0]),
            np.array([1.0]),
            np.array([1]),
            np.array([1]),
            np.array([1]),
            engine="simplex",
        )  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_input_arrays_are_not_changed(engine: str) -> None:
    arrays = [
        np.array([0, 0, 1]),
        np.array([0, 1, 1]),
        np.array([2.5, -1.0, 3.0]),
        np.array([-1, 4]),
        np.array([2, -2]),
        np.array([1, -5, 7]),
    ]
    before = [a.copy() for a in arrays]
    max_flow_min_cost(*arrays, engine=engine)  # type: ignore[arg-type]
    for a, b in zip(arrays, before, strict=True):
        assert np.array_equal(a, b)


@st.composite
def bipartite(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    """A random small bipartite flow problem: each pair at most once, whole-number costs."""
    n, m = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)),
            min_size=1,
            max_size=n * m,
            unique=True,
        )
    )
    k = len(pairs)
    caps = st.integers(-1, 4)
    return (
        np.array([p[0] for p in pairs]),
        np.array([p[1] for p in pairs]),
        np.array(draw(st.lists(st.integers(-5, 30), min_size=k, max_size=k)), dtype=float),
        np.array(draw(st.lists(caps, min_size=n, max_size=n))),
        np.array(draw(st.lists(caps, min_size=m, max_size=m))),
        np.array(draw(st.lists(caps, min_size=k, max_size=k))),
    )


def _networkx_reference(
    rows: np.ndarray,
    cols: np.ndarray,
    cost: np.ndarray,
    row_cap: np.ndarray,
    col_cap: np.ndarray,
    pair_cap: np.ndarray,
) -> tuple[int, int]:
    """Value and cost of a min-cost maximum flow by networkx on the whole graph, built here."""
    graph = nx.DiGraph()
    graph.add_edges_from(
        ("s", ("r", i), {"capacity": max(int(c), 0)}) for i, c in enumerate(row_cap)
    )
    graph.add_edges_from(
        (("c", j), "t", {"capacity": max(int(c), 0)}) for j, c in enumerate(col_cap)
    )
    graph.add_edges_from(
        (("r", int(i)), ("c", int(j)), {"capacity": max(int(c), 0), "weight": int(w)})
        for i, j, w, c in zip(rows, cols, cost, pair_cap, strict=True)
    )
    flow = nx.max_flow_min_cost(graph, "s", "t")
    return sum(flow["s"].values()), nx.cost_of_flow(graph, flow)


@settings(max_examples=60, deadline=None)
@given(bipartite())
def test_both_engines_give_a_min_cost_maximum_flow(problem: tuple[np.ndarray, ...]) -> None:
    rows, cols, cost, row_cap, col_cap, pair_cap = problem
    value, least = _networkx_reference(*problem)
    for engine in ENGINES:
        flow = max_flow_min_cost(*problem, engine=engine)  # type: ignore[arg-type]
        assert flow.sum() == value
        assert (flow * cost).sum() == least
        assert (flow >= 0).all()
        assert (flow <= np.maximum(pair_cap, 0)).all()
        assert (np.bincount(rows, flow, len(row_cap)) <= np.maximum(row_cap, 0)).all()
        assert (np.bincount(cols, flow, len(col_cap)) <= np.maximum(col_cap, 0)).all()


def test_sample_one_to_one_pairing_is_the_optimal_assignment() -> None:
    """Sample communities × departments by straight-line distance, each taking one partner."""
    communities = gp.sample_city().communities
    departments = sample_layer("departments")
    a = gpd.GeoSeries(communities.representative_point()).to_crs(METRIC_CRS)
    b = departments.geometry.to_crs(METRIC_CRS)
    distance = np.array([[pa.distance(pb) for pb in b] for pa in a])
    rows, cols = (x.ravel() for x in np.indices(distance.shape))
    cost = distance.ravel()
    best_rows, best_cols = linear_sum_assignment(distance)
    best = distance[best_rows, best_cols].sum()
    n, m = distance.shape
    assert (n, m) == (9, 10)
    for engine in ENGINES:
        flow = max_flow_min_cost(
            rows, cols, cost, np.ones(n), np.ones(m), np.ones(n * m), engine=engine
        )  # type: ignore[arg-type]
        assert flow.sum() == 9
        assert np.bincount(rows, flow).tolist() == [1] * 9
        # networkx rounds costs to millimetres: at most 9 pairs × 0.5 mm off
        assert (flow * cost).sum() == pytest.approx(best, abs=9 * 5e-4)
