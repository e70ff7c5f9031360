"""Alliances, pairing and the three lists: gridparty against the plain networkx way.

Usage::

    python benchmarks/bench_alliances.py [--units 1000] [--needs 2000] [--pairs 300] [--seed 0]

Synthetic data in a 5 km × 5 km square (UTM 51N): ``--units`` units in ``units / 33``
alliances with three memberships per unit on average; ``--needs`` needs and ``0.4 × needs``
resources in five categories (sizes 1–39, capacities 5–59, reach 1,000 m); a ``--pairs`` ×
``--pairs`` community–department distance matrix, one department in ten taking two
communities and one community in ten wanting two departments. Everything runs in this one
invocation (absolute times drift between runs on shared machines: compare the ratios).

Tasks and methods:

* ``betweenness`` — ``gridparty``: :class:`gridparty.spatial.projection.Projection` (vectorised
  Brandes on the sparse incidence matrix); ``networkx``:
  ``networkx.betweenness_centrality(unit_graph(net))`` (the projection built beforehand, not
  timed); ``analyse_alliances``: the whole analysis, betweenness included (for information).
* ``lists`` — :func:`gridparty.match_lists` with ``engine="highs"`` (scipy max-flow + HiGHS LP)
  and ``engine="networkx"`` (``max_flow_min_cost``).
* ``pairing`` — :func:`gridparty.alliances.pairing.optimal_pairs` with capacities, the same two engines;
  ``one-to-one``: ``linear_sum_assignment`` without capacities (for information).

The two methods of a task must agree (betweenness to 1e-9; the same amount served or pairs
made at the same total distance); exit status 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

SIDE_M = 5000.0
CATEGORIES = ("health", "legal", "youth", "elderly_care", "culture")


def _timed(func: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    out = func()
    return out, time.perf_counter() - start


def _points(rng: np.random.Generator, n: int) -> object:
    import geopandas as gpd

    xy = rng.uniform(0, SIDE_M, (n, 2)) + np.array([355_000.0, 3_455_000.0])
    return gpd.points_from_xy(xy[:, 0], xy[:, 1], crs="EPSG:32651").to_crs(4326)


def _network(n: int, rng: np.random.Generator) -> object:
    import geopandas as gpd
    import pandas as pd

    from gridparty.alliances.network import alliance_network

    k = max(2, n // 33)
    units = gpd.GeoDataFrame(
        {
            "unit_id": [f"U{i}" for i in range(n)],
            "industry": rng.choice(["a", "b", "c"], n),
            "formal_members": rng.integers(1, 50, n),
        },
        geometry=_points(rng, n),
    )
    alliances = pd.DataFrame(
        {
            "alliance_id": [f"A{i}" for i in range(k)],
            "kind": "regional",
            "lead_unit_id": [f"U{i}" for i in range(k)],
        }
    )
    rows = pd.DataFrame(
        {
            "unit_id": [f"U{i}" for i in rng.integers(0, n, 3 * n)],
            "alliance_id": [f"A{i}" for i in rng.integers(0, k, 3 * n)],
        }
    )
    leads = alliances[["lead_unit_id", "alliance_id"]].set_axis(["unit_id", "alliance_id"], axis=1)
    rows = pd.concat([leads, rows]).drop_duplicates()
    return alliance_network(units, alliances, rows)


def _betweenness(n: int, rng: np.random.Generator) -> list[tuple]:
    import networkx as nx
    import pandas as pd
    from scipy import sparse

    from gridparty.alliances.network import analyse_alliances, unit_graph
    from gridparty.spatial.projection import Projection

    net = _network(n, rng)
    m = net.valid_memberships
    incidence = sparse.csr_array(
        (
            np.ones(len(m)),
            (
                net.units.index.get_indexer(m["unit_id"]),
                net.alliances.index.get_indexer(m["alliance_id"]),
            ),
        ),
        shape=(len(net.units), len(net.alliances)),
    )
    ours, t_ours = _timed(lambda: Projection(incidence).betweenness())
    result, t_all = _timed(lambda: analyse_alliances(net))
    graph = unit_graph(net)
    theirs, t_nx = _timed(lambda: pd.Series(nx.betweenness_centrality(graph)))
    theirs = theirs.reindex(net.units.index).to_numpy()
    diff = max(
        float(np.abs(ours - theirs).max()),
        float(np.abs(result.units["betweenness"].to_numpy() - theirs).max()),
    )
    print(
        f"betweenness: {n:,} units, {len(net.alliances):,} alliances, "
        f"{len(m):,} memberships, {graph.number_of_edges():,} links in the projection; "
        f"largest difference {diff:.1e}"
    )
    return [
        ("betweenness", "gridparty", t_ours, diff < 1e-9),
        ("betweenness", "networkx", t_nx, diff < 1e-9),
        ("betweenness", "analyse_alliances", t_all, diff < 1e-9),
    ]


def _lists(n: int, rng: np.random.Generator) -> list[tuple]:
    import geopandas as gpd

    from gridparty.alliances.lists import match_lists

    r = int(0.4 * n)
    needs = gpd.GeoDataFrame(
        {"category": rng.choice(CATEGORIES, n), "size": rng.integers(1, 40, n)},
        geometry=_points(rng, n),
    )
    resources = gpd.GeoDataFrame(
        {"category": rng.choice(CATEGORIES, r), "capacity": rng.integers(5, 60, r)},
        geometry=_points(rng, r),
    )
    out = {}
    for engine in ("highs", "networkx"):
        m, t = _timed(
            lambda e=engine: match_lists(needs, resources, engine=e, metric_crs="EPSG:32651")
        )
        served = int(m.needs["served"].sum())
        cost = float((m.matches["amount"] * m.matches["distance_m"]).sum())
        out[engine] = (t, served, cost)
    (t_h, s_h, c_h), (t_n, s_n, c_n) = out["highs"], out["networkx"]
    agree = s_h == s_n and abs(c_h - c_n) <= 1e-3 * max(1, s_h)
    print(
        f"lists: {n:,} needs, {r:,} resources; served {s_h:,} (highs) / {s_n:,} (networkx) "
        f"slots, cost {c_h:,.0f} / {c_n:,.0f} slot-metres"
    )
    return [("lists", "highs", t_h, agree), ("lists", "networkx", t_n, agree)]


def _pairing(n: int, rng: np.random.Generator) -> list[tuple]:
    from gridparty.alliances.pairing import optimal_pairs

    a, b = rng.uniform(0, SIDE_M, (n, 2)), rng.uniform(0, SIDE_M, (n, 2))
    cost = np.hypot(*(a[:, None, :] - b[None, :, :]).transpose(2, 0, 1))
    capacity = np.where(np.arange(n) % 10 == 0, 2, 1)
    demand = np.where(np.arange(n) % 10 == 5, 2, 1)
    results = {}
    for engine in ("highs", "networkx"):
        (rows, cols), t = _timed(lambda e=engine: optimal_pairs(cost, demand, capacity, engine=e))
        results[engine] = (t, len(rows), float(cost[rows, cols].sum()))
    _, t_lsa = _timed(lambda: optimal_pairs(cost))
    (t_h, k_h, c_h), (t_n, k_n, c_n) = results["highs"], results["networkx"]
    agree = k_h == k_n and abs(c_h - c_n) <= 1e-3 * max(1, k_h)
    print(
        f"pairing: {n:,} communities × {n:,} departments with capacities; {k_h:,} / {k_n:,} "
        f"pairs, {c_h:,.0f} / {c_n:,.0f} m in all"
    )
    return [
        ("pairing", "highs", t_h, agree),
        ("pairing", "networkx", t_n, agree),
        ("pairing", "one-to-one", t_lsa, True),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--needs", type=int, default=2000)
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    rows = [*_betweenness(args.units, rng), *_lists(args.needs, rng), *_pairing(args.pairs, rng)]
    base = {task: t for task, method, t, _ in rows if method in ("gridparty", "highs")}
    print()
    print(f"{'task':<12} {'method':<18} {'seconds':>9} {'× gridparty':>12}  agrees")
    print("-" * 62)
    for task, method, seconds, agrees in rows:
        ratio = seconds / base[task] if base[task] > 0 else float("nan")
        print(
            f"{task:<12} {method:<18} {seconds:>9.3f} {ratio:>12.1f}  {'yes' if agrees else 'NO'}"
        )
    print()
    for task in ("betweenness", "lists", "pairing"):
        slow = next(t for k, m, t, _ in rows if k == task and m == "networkx")
        print(f"{task}: networkx takes {slow / base[task]:.1f}× gridparty's time")
    ok = all(agrees for *_, agrees in rows)
    print("all methods agree" if ok else "METHODS DISAGREE")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
