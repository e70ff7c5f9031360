"""Nearest-centre network distance for every household: gridparty against per-origin networkx.

Usage::

    python benchmarks/bench_access.py [--scale 100] [--sample 100] [--seed 0]

``--scale 100`` is 1,000,000 member households in 100,000 buildings of
:func:`gridparty.datasets.synthetic.synthetic_layers`, on its generated street network (every grid
ringed by streets); one service centre per two communities. Everything runs in this one
invocation (absolute times drift between runs on shared machines: compare the ratios).

Methods:

* ``gridparty`` — :meth:`StreetNetwork.snap` (households onto the nearest point of the nearest
  segment, STRtree) and :meth:`StreetNetwork.nearest`: one multi-source
  ``scipy.sparse.csgraph.dijkstra(indices=<all centres>, min_only=True)``;
* ``gridparty-networkx`` — the same with ``engine="networkx"`` (``multi_source_dijkstra``);
* ``public`` — :func:`gridparty.access.service.centre_distances` (straight-line too, per tier, table);
* ``public-node`` — the same with ``snap_to="node"`` (KD-tree node snapping);
* ``kdtree+scipy`` — households snapped to the nearest *node* with a KD-tree, then one
  multi-source scipy Dijkstra: the leanest fast path;
* ``per-origin-networkx`` — the straightforward way: per household, KD-tree node snap, then
  ``networkx.single_source_dijkstra_path_length`` from its node and the minimum over the centre
  nodes; run on ``--sample`` households and extrapolated to all. It must agree with
  ``kdtree+scipy`` on the sample (same snapping), ``kdtree+scipy`` with ``public-node``, and
  ``gridparty-networkx`` and ``public`` with ``gridparty`` everywhere; exit status 1 otherwise.
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


def _timed(func: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    out = func()
    return out, time.perf_counter() - start


def _city(scale: float, seed: int) -> dict:
    import shapely

    from gridparty.datasets.synthetic import synthetic_layers
    from gridparty.spatial.network import street_network

    layers = synthetic_layers(scale, seed)
    net = street_network(layers["streets"])
    rng = np.random.default_rng(seed)
    buildings = layers["buildings"]
    n_centres = max(1, len(layers["communities"]) // 2)
    host = np.sort(rng.choice(len(buildings), n_centres, replace=False))
    centres = (
        buildings.iloc[host]
        .assign(tier="community", service_centre_id=[f"SC{i:05d}" for i in range(n_centres)])
        .set_index("service_centre_id")
    )
    centres = centres.set_geometry(centres.geometry.representative_point())[["tier", "geometry"]]
    hh = layers["households"]
    hh_xy = shapely.get_coordinates(np.asarray(hh.geometry.to_crs(net.crs).array))
    c_xy = shapely.get_coordinates(np.asarray(centres.geometry.to_crs(net.crs).array))
    return {
        "net": net,
        "households": hh,
        "centres": centres,
        "hh_xy": hh_xy,
        "c_xy": c_xy,
        "layers": layers,
    }


def _gridparty(city: dict, engine: str) -> np.ndarray:
    net = city["net"]
    return net.nearest(net.snap(city["hh_xy"]), net.snap(city["c_xy"]), engine=engine).distance_m


def _public(city: dict, snap_to: str = "edge") -> np.ndarray:
    from gridparty.access.service import centre_distances

    table = centre_distances(
        city["households"], city["centres"], streets=city["net"], snap_to=snap_to
    )  # type: ignore[arg-type]
    return table["distance_m"].to_numpy()


def _kdtree_scipy(city: dict) -> np.ndarray:
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    net = city["net"]
    tree = cKDTree(net.xy)
    hh_gap, hh_node = tree.query(city["hh_xy"])
    c_gap, c_node = tree.query(city["c_xy"])
    return _node_distances(net, dijkstra, c_node, c_gap)[hh_node] + hh_gap


def _node_distances(
    net: object, dijkstra: Callable, c_node: np.ndarray, c_gap: np.ndarray
) -> np.ndarray:
    """Multi-source Dijkstra from centre nodes, each starting at its snap distance.

    Centres sharing a node keep the smallest gap; a centre's gap is added by starting from a
    virtual node, as gridparty does, so the two agree exactly.
    """
    from scipy import sparse

    n = len(net.xy)  # type: ignore[attr-defined]
    k = len(c_node)
    graph = sparse.block_diag([net.matrix, sparse.csr_array((k, k))]).tocsr()  # type: ignore[attr-defined]
    link = sparse.csr_array(
        (np.maximum(c_gap, 1e-9), (np.arange(n, n + k), c_node)), shape=(n + k, n + k)
    )
    dist = dijkstra(graph + link, directed=False, indices=np.arange(n, n + k), min_only=True)
    return dist[:n]


def _per_origin(city: dict, sample: np.ndarray) -> np.ndarray:
    import networkx as nx
    from scipy.spatial import cKDTree

    net = city["net"]
    graph = net.graph
    tree = cKDTree(net.xy)
    hh_gap, hh_node = tree.query(city["hh_xy"][sample])
    c_gap, c_node = tree.query(city["c_xy"])
    out = np.empty(len(sample))
    for i, (node, gap) in enumerate(zip(hh_node, hh_gap, strict=True)):
        reach = nx.single_source_dijkstra_path_length(graph, int(node), weight="length_m")
        out[i] = gap + min(
            reach.get(int(c), np.inf) + g for c, g in zip(c_node, c_gap, strict=True)
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=100.0,
        help="synthetic city size: scale × 10,000 households (default 100)",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=100,
        help="households for the per-origin networkx run (default 100)",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    city, generated = _timed(lambda: _city(args.scale, args.seed))
    net, n = city["net"], len(city["households"])  # type: ignore[index]
    print(
        f"synthetic city: {n:,} households, {len(city['layers']['buildings']):,} buildings, "  # type: ignore[index]
        f"{len(city['centres']):,} centres; streets {net}; generated in {generated:.1f} s"
    )  # type: ignore[index]
    _, graph_s = _timed(lambda: net.graph)
    results: dict[str, tuple[np.ndarray, float]] = {}
    for name, run in (
        ("gridparty", lambda: _gridparty(city, "scipy")),
        ("gridparty-networkx", lambda: _gridparty(city, "networkx")),
        ("public", lambda: _public(city)),
        ("public-node", lambda: _public(city, "node")),
        ("kdtree+scipy", lambda: _kdtree_scipy(city)),
    ):
        results[name] = _timed(run)  # type: ignore[assignment]
    rng = np.random.default_rng(args.seed + 1)
    sample = np.sort(rng.choice(n, min(args.sample, n), replace=False))
    slow, slow_s = _timed(lambda: _per_origin(city, sample))
    per_origin_total = slow_s / len(sample) * n
    print(f"(networkx graph built once in {graph_s:.2f} s, not counted)")
    print()
    print(f"{'method':<22}{'seconds':>12}{'per household':>16}{'× faster than per-origin':>26}")
    print("-" * 76)
    rows = [(k, v[1]) for k, v in results.items()]
    rows.append(("per-origin-networkx*", per_origin_total))
    for name, seconds in rows:
        print(
            f"{name:<22}{seconds:>12.2f}{seconds / n * 1e6:>13.2f} µs"
            f"{per_origin_total / seconds:>25,.0f}×"
        )
    print(f"* {len(sample)} households in {slow_s:.2f} s, extrapolated to {n:,}")
    print()
    ok = _agree(results, slow, sample)
    g = results["gridparty"][1]
    print(f"gridparty vs per-origin networkx: {per_origin_total / g:,.0f}× faster")
    print(f"gridparty vs gridparty-networkx: {results['gridparty-networkx'][1] / g:.1f}× faster")
    print(
        f"public-node vs public: {results['public'][1] / results['public-node'][1]:.1f}× faster "
        "(node snapping: coarser)"
    )
    print(
        f"public-node vs kdtree+scipy: {results['public-node'][1] / results['kdtree+scipy'][1]:.1f}"
        "× the time"
    )
    homes, snap_s = _timed(lambda: net.snap(city["hh_xy"]))  # type: ignore[index]
    centres = net.snap(city["c_xy"])  # type: ignore[index]
    _, dijkstra_s = _timed(lambda: net.nearest(homes, centres))
    print(
        f"gridparty breakdown: snapping {snap_s:.2f} s (GEOS STRtree nearest segment), "
        f"multi-source Dijkstra + origins {dijkstra_s:.2f} s"
    )
    gp = results["gridparty"][0]
    print(
        f"median nearest-centre distance {np.median(gp):,.0f} m; "
        f"{np.mean(gp <= 300):.1%} within 300 m, {np.mean(gp <= 800):.1%} within 800 m"
    )
    print("all methods agree" if ok else "METHODS DISAGREE")
    return 0 if ok else 1


def _agree(results: dict, slow: np.ndarray, sample: np.ndarray) -> bool:
    same = np.allclose(results["gridparty"][0], results["gridparty-networkx"][0], atol=1e-6)
    same &= np.allclose(results["gridparty"][0], results["public"][0], atol=1e-6)
    same &= np.allclose(results["kdtree+scipy"][0][sample], slow, atol=1e-6)
    same &= np.allclose(results["kdtree+scipy"][0], results["public-node"][0], atol=1e-6)
    return bool(same)


if __name__ == "__main__":
    raise SystemExit(main())
