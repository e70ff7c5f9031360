"""Choosing flagships: exact (spopt MCLP + CBC) against greedy, and against spopt used directly.

Usage::

    python benchmarks/bench_flagship.py [--communities 1000] [--organisations 5000] [--k 10]
                                        [--radius-m 1000] [--seed 0] [--no-direct] [--lscp]

The city is a lattice of ``--communities`` square communities (500 m sides) and
``--organisations`` new economic and social organisations (两新组织) as points: 70 % in
clusters (business districts, 300 m spread) around random centres, 30 % scattered. Each
candidate community reaches the organisations within ``--radius-m`` of a point inside it.
Everything runs in this one invocation (absolute times drift between runs on shared
machines: compare the ratios).

Methods (all choose ``--k`` flagships maximising the organisations reached, MCLP):

* ``greedy`` — :func:`gridparty.flagship.choice.choose_flagships` with ``solver="greedy"``:
  STRtree cost matrix, greedy in numpy; its coverage is ≥ (1 − 1/e) of the optimum.
* ``exact`` — the same with ``solver="exact"``: the problem reduced without changing its
  optimum (rows nobody reaches dropped, rows with the same reach merged, sites reaching
  nothing dropped) and solved by spopt ``MCLP.from_cost_matrix`` with CBC.
* ``spopt-direct`` — the obvious way: the full dense distance matrix (scipy ``cdist``) straight
  into spopt ``MCLP.from_cost_matrix`` with CBC (skip with ``--no-direct``).

``--lscp`` adds the fewest flagships reaching every reachable organisation (LSCP), greedy and
exact (CBC stopped after ``--lscp-time-limit`` seconds). Exit status 1 when ``exact`` and
``spopt-direct`` disagree on the optimum or greedy falls below (1 − 1/e) of it.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

SIDE_M = 500.0  # community side
UTM = "EPSG:32651"  # Shanghai
X0, Y0 = 355_000.0, 3_455_000.0


def _timed(func: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    out = func()
    return out, time.perf_counter() - start


def _city(n_communities: int, n_organisations: int, seed: int) -> tuple[object, object]:
    """A lattice of square communities and clustered organisation points (EPSG:4326)."""
    import geopandas as gpd
    import shapely

    from gridparty.core.model import Hierarchy

    rng = np.random.default_rng(seed)
    cols = math.ceil(math.sqrt(n_communities * 1.6))
    ix = np.arange(n_communities)
    x, y = X0 + (ix % cols) * SIDE_M, Y0 + (ix // cols) * SIDE_M
    squares = shapely.box(x, y, x + SIDE_M, y + SIDE_M)
    communities = gpd.GeoDataFrame(
        {"community_id": [f"C{i:04d}" for i in ix], "name": [f"社区{i}" for i in ix]},
        geometry=squares,
        crs=UTM,
    ).to_crs(4326)
    width, height = cols * SIDE_M, math.ceil(n_communities / cols) * SIDE_M
    clustered = int(0.7 * n_organisations)
    hubs = rng.uniform([0, 0], [width, height], size=(max(1, n_organisations // 100), 2))
    pts = hubs[rng.integers(0, len(hubs), clustered)] + rng.normal(0, 300, (clustered, 2))
    scattered = rng.uniform([0, 0], [width, height], size=(n_organisations - clustered, 2))
    xy = np.clip(np.vstack([pts, scattered]), 0, [width, height])
    organisations = gpd.GeoDataFrame(
        {
            "organisation_id": [f"ORG{i:05d}" for i in range(n_organisations)],
            "formal_members": rng.integers(1, 30, n_organisations),
        },
        geometry=shapely.points(X0 + xy[:, 0], Y0 + xy[:, 1]),
        crs=UTM,
    ).to_crs(4326)
    return Hierarchy(communities), organisations


def _spopt_direct(h: object, organisations: object, k: int, radius_m: float) -> tuple[float, int]:
    """The obvious route: every distance (cdist) into spopt, unreduced; (seconds, covered)."""
    import pulp
    import shapely
    from scipy.spatial.distance import cdist
    from spopt.locate import MCLP

    crs = h.metric_crs  # type: ignore[attr-defined]
    start = time.perf_counter()
    sites = shapely.get_coordinates(
        shapely.point_on_surface(h.communities.to_crs(crs).geometry.array)  # type: ignore[attr-defined]
    )
    demand = organisations.to_crs(crs).get_coordinates().to_numpy()  # type: ignore[attr-defined]
    cost = cdist(demand, sites)
    model = MCLP.from_cost_matrix(
        cost, np.ones(len(demand)), service_radius=radius_m, p_facilities=k
    )
    model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
    chosen = [j for j, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5]
    covered = int((cost[:, chosen] <= radius_m).any(axis=1).sum())
    return time.perf_counter() - start, covered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--communities", type=int, default=1000)
    parser.add_argument("--organisations", type=int, default=5000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--radius-m", type=float, default=1000.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-direct", action="store_true", help="skip spopt-direct")
    parser.add_argument("--lscp", action="store_true", help="also the fewest flagships (LSCP)")
    parser.add_argument("--lscp-time-limit", type=float, default=60.0)
    args = parser.parse_args(argv)

    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)  # PuLP 3 → 4 notices
    import spopt.locate  # noqa: F401  (imported once here, not inside a timed run)

    from gridparty.flagship.choice import choose_flagships, fewest_flagships

    h, orgs = _city(args.communities, args.organisations, args.seed)
    print(
        f"{args.k} flagships among {args.communities:,} candidate communities for "
        f"{args.organisations:,} organisations, radius {args.radius_m:g} m (seed {args.seed})"
    )
    common = {"radius_m": args.radius_m, "organisations": orgs, "levels": ["organisation"]}
    rows = []
    for solver in ("greedy", "exact"):
        choice, seconds = _timed(lambda s=solver: choose_flagships(h, args.k, solver=s, **common))
        rows.append(
            (
                solver,
                seconds,
                choice.siting.seconds,
                int(choice.siting.covered.sum()),
                choice.siting.optimal,
            )
        )
    direct = None
    if not args.no_direct:
        direct = _spopt_direct(h, orgs, args.k, args.radius_m)
        rows.append(("spopt-direct", direct[0], direct[0], direct[1], True))

    n = args.organisations
    print()
    print(
        f"{'method':<14}{'total s':>10}{'solve s':>10}{'covered':>10}{'coverage':>10}"
        f"{'optimal':>9}{'× greedy':>10}"
    )
    print("-" * 73)
    greedy_s = rows[0][1]
    for name, total, solve, covered, optimal in rows:
        print(
            f"{name:<14}{total:>10.2f}{solve:>10.2f}{covered:>10,}{covered / n:>10.1%}"
            f"{'yes' if optimal else 'no':>9}{total / greedy_s:>9.1f}×"
        )
    print()
    best = rows[1][3]
    greedy_cov = rows[0][3]
    print(
        f"exact vs greedy: {rows[1][1] / greedy_s:.1f}× the time, "
        f"greedy reaches {greedy_cov / best:.1%} of the optimum ({greedy_cov:,} vs {best:,})"
    )
    ok = greedy_cov >= (1 - 1 / math.e) * best
    if direct is not None:
        print(
            f"exact vs spopt-direct: {direct[0] / rows[1][1]:.1f}× faster, same optimum: "
            f"{'yes' if direct[1] == best else 'NO'}"
        )
        ok &= direct[1] == best
    if args.lscp:
        print()
        for solver, limit in (("greedy", None), ("exact", args.lscp_time_limit)):
            cover, seconds = _timed(
                lambda s=solver, t=limit: fewest_flagships(h, solver=s, time_limit_s=t, **common)
            )
            print(
                f"LSCP {solver:<7}{seconds:>8.2f} s  {len(cover.chosen):>5} flagships  "
                f"optimal: {'yes' if cover.siting.optimal else 'no'}"
            )
    print("ok" if ok else "FAILED: methods disagree or greedy is below (1 − 1/e)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
