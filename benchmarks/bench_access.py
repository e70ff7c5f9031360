"""Nearest-centre network distance for every household: gridparty against the lean paths.

Usage::

    python benchmarks/bench_access.py [--scale 100] [--sample 100] [--seed 0]

``--scale 100`` is 1,000,000 member households in 100,000 buildings of
:func:`gridparty.datasets.synthetic.synthetic_layers`, on its generated street network (every grid
ringed by streets); one service centre per two communities. Everything runs in this one
invocation (absolute times drift between runs on shared machines: compare the ratios). The
compiled kernels are loaded once before the clock starts, as in any process that has snapped
before, and each method runs ``--repeat`` times, the fastest run counting (the first run of a
path pays one-off costs such as building a coordinate transformer).

Methods (the first two are what a user would otherwise write; the headline compares with them):

* ``kdtree+scipy`` — the lean fast path: households and centres projected (``to_crs``), snapped
  to the nearest *node* with a KD-tree, then one multi-source scipy Dijkstra;
* ``pandana`` — ``pandana.Network`` (contraction hierarchies, built in the timing) with
  ``set_pois`` / ``nearest_pois`` from the same projected points and ``get_node_ids`` for the
  households (node snapping; distances within 20 km); ``pandana-query`` the same on a network
  built beforehand (not counted). Left out, with a note, when pandana is not installed
  (``pip install pandana``);
* ``kdtree+scipy-xy`` — the same from x, y already projected (as ``gridparty`` below);
* ``public`` — :func:`gridparty.access.service.centre_distances` (edge snapping — the exact
  nearest point of the nearest segment — plus straight-line distance, status, per-tier
  columns: a full table) from the same GeoDataFrames;
* ``public-node`` — the same with ``snap_to="node"`` (KD-tree node snapping);
* ``gridparty`` — :meth:`StreetNetwork.snap` (compiled nearest-segment grid search) and
  :meth:`StreetNetwork.nearest` (one ``scipy.sparse.csgraph.dijkstra(indices=<all centres>,
  min_only=True)``) on coordinates already projected;
* ``gridparty-networkx`` — the same with ``engine="networkx"`` (``multi_source_dijkstra``);
* ``per-origin-networkx`` (footnote only: no one would use it) — per household, KD-tree node
  snap, then ``networkx.single_source_dijkstra_path_length`` from its node; run on ``--sample``
  households and extrapolated to all.

Checks (exit status 1 if any fails): ``gridparty-networkx`` and ``public`` equal ``gridparty``;
``public-node`` and ``kdtree+scipy-xy`` equal ``kdtree+scipy``, which equals ``per-origin-networkx`` on the sample;
``pandana`` equals ``kdtree+scipy`` without the centres' snap distance (pandana places a centre
on its node) to 1 cm (pandana stores distances in single precision).
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


def _best_of(func: Callable[[], object], repeat: int) -> tuple[object, float]:
    """The result and the shortest time of ``repeat`` runs (the first may pay one-off costs)."""
    runs = [_timed(func) for _ in range(max(repeat, 1))]
    return runs[0][0], min(seconds for _, seconds in runs)


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


def _warm_up(city: dict) -> None:
    """Load the compiled kernels (from numba's disk cache, or compile them) outside the clock."""
    net = city["net"]
    net.snap(city["c_xy"][:2])


#: pandana's search horizon (metres): farther centres are not found.
PANDANA_HORIZON_M = 20_000.0


def _projected(city: dict) -> tuple[np.ndarray, np.ndarray]:
    """What every lean path starts with: households and centres as x, y in the network's CRS."""
    import shapely

    crs = city["net"].crs
    hh = shapely.get_coordinates(np.asarray(city["households"].geometry.to_crs(crs).array))
    return hh, shapely.get_coordinates(np.asarray(city["centres"].geometry.to_crs(crs).array))


def _kdtree_scipy(city: dict, projected: bool = False) -> np.ndarray:
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    net = city["net"]
    hh_xy, c_xy = (city["hh_xy"], city["c_xy"]) if projected else _projected(city)
    tree = cKDTree(net.xy)
    hh_gap, hh_node = tree.query(hh_xy)
    c_gap, c_node = tree.query(c_xy)
    return _node_distances(net, dijkstra, c_node, c_gap)[hh_node] + hh_gap


def _pandana_network(city: dict) -> object:
    """``pandana.Network`` of the street segments (builds its contraction hierarchies)."""
    import pandana
    import pandas as pd

    net = city["net"]
    return pandana.Network(
        pd.Series(net.xy[:, 0]),
        pd.Series(net.xy[:, 1]),
        pd.Series(net.edges[:, 0]),
        pd.Series(net.edges[:, 1]),
        pd.DataFrame({"length_m": net.length_m}),
        twoway=True,
    )


def _pandana(city: dict, network: object | None = None) -> np.ndarray:
    import pandas as pd

    net = city["net"]
    hh_xy, c_xy = _projected(city)
    if network is None:
        network = _pandana_network(city)
    network.set_pois("centre", PANDANA_HORIZON_M, 1, pd.Series(c_xy[:, 0]), pd.Series(c_xy[:, 1]))  # type: ignore[attr-defined]
    at_node = network.nearest_pois(PANDANA_HORIZON_M, "centre", num_pois=1)[1].to_numpy()  # type: ignore[attr-defined]
    hh_node = network.get_node_ids(pd.Series(hh_xy[:, 0]), pd.Series(hh_xy[:, 1])).to_numpy()  # type: ignore[attr-defined]
    gap = np.hypot(*(hh_xy - net.xy[hh_node]).T)
    return at_node[hh_node] + gap


def _pandana_reference(city: dict) -> np.ndarray:
    """kdtree+scipy with centres placed on their nodes (no snap distance), as pandana does."""
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    net = city["net"]
    tree = cKDTree(net.xy)
    hh_gap, hh_node = tree.query(city["hh_xy"])
    _, c_node = tree.query(city["c_xy"])
    return _node_distances(net, dijkstra, c_node, np.zeros(len(c_node)))[hh_node] + hh_gap


def _has_pandana() -> bool:
    import importlib.util

    return importlib.util.find_spec("pandana") is not None


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
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each method, the fastest counts (default 3)"
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
    _, warm_s = _timed(lambda: _warm_up(city))  # type: ignore[arg-type]
    methods: list[tuple[str, Callable[[], np.ndarray]]] = [
        ("kdtree+scipy", lambda: _kdtree_scipy(city)),  # type: ignore[arg-type]
        ("kdtree+scipy-xy", lambda: _kdtree_scipy(city, projected=True)),  # type: ignore[arg-type]
    ]
    if _has_pandana():
        built = _pandana_network(city)  # type: ignore[arg-type]
        methods.append(("pandana", lambda: _pandana(city)))  # type: ignore[arg-type]
        methods.append(("pandana-query", lambda: _pandana(city, built)))  # type: ignore[arg-type]
    methods += [
        ("public", lambda: _public(city)),  # type: ignore[arg-type]
        ("public-node", lambda: _public(city, "node")),  # type: ignore[arg-type]
        ("gridparty", lambda: _gridparty(city, "scipy")),  # type: ignore[arg-type]
        ("gridparty-networkx", lambda: _gridparty(city, "networkx")),  # type: ignore[arg-type]
    ]
    results: dict[str, tuple[np.ndarray, float]] = {}
    for name, run in methods:
        results[name] = _best_of(run, args.repeat)  # type: ignore[assignment]
    rng = np.random.default_rng(args.seed + 1)
    sample = np.sort(rng.choice(n, min(args.sample, n), replace=False))
    slow, slow_s = _timed(lambda: _per_origin(city, sample))  # type: ignore[arg-type]
    per_origin_total = slow_s / len(sample) * n
    print(
        f"(networkx graph built once in {graph_s:.2f} s, kernels loaded in {warm_s:.2f} s: "
        "neither counted)"
    )
    if "pandana" not in results:
        print("pandana: not installed (pip install pandana), left out")
    print()
    lean = results["kdtree+scipy"][1]
    print(f"{'method':<22}{'seconds':>12}{'per household':>16}{'× kdtree+scipy time':>22}")
    print("-" * 72)
    for name, (_, seconds) in results.items():
        print(f"{name:<22}{seconds:>12.2f}{seconds / n * 1e6:>13.2f} µs{seconds / lean:>21.2f}×")
    print()
    ok = _agree(results, slow, sample, city)  # type: ignore[arg-type]
    public, g = results["public"][1], results["gridparty"][1]
    print(
        f"public (exact edge snapping, full table) vs kdtree+scipy (node snapping): "
        f"{public / lean:.2f}× the time"
    )
    if "pandana" in results:
        print(
            f"public vs pandana: {results['pandana'][1] / public:.1f}× faster "
            f"({results['pandana-query'][1] / public:.1f}× with pandana's network prebuilt)"
        )
    print(
        f"gridparty vs kdtree+scipy-xy (both from projected x, y; edge vs node snapping): "
        f"{g / results['kdtree+scipy-xy'][1]:.2f}× the time"
    )
    print(f"gridparty vs gridparty-networkx: {results['gridparty-networkx'][1] / g:.1f}× faster")
    homes, snap_s = _timed(lambda: net.snap(city["hh_xy"]))  # type: ignore[index]
    centres = net.snap(city["c_xy"])  # type: ignore[index]
    _, dijkstra_s = _timed(lambda: net.nearest(homes, centres))
    print(
        f"gridparty breakdown: snapping {snap_s:.2f} s (compiled nearest-segment grid search), "
        f"multi-source Dijkstra + origins {dijkstra_s:.2f} s"
    )
    gp = results["gridparty"][0]
    print(
        f"median nearest-centre distance {np.median(gp):,.0f} m; "
        f"{np.mean(gp <= 300):.1%} within 300 m, {np.mean(gp <= 800):.1%} within 800 m"
    )
    print(
        f"footnote: per-origin networkx (one Dijkstra per household, {len(sample)} households in "
        f"{slow_s:.2f} s, extrapolated to {n:,}): {per_origin_total:,.1f} s, "
        f"{per_origin_total / g:,.0f}× the gridparty time"
    )
    print("all methods agree" if ok else "METHODS DISAGREE")
    return 0 if ok else 1


def _agree(results: dict, slow: np.ndarray, sample: np.ndarray, city: dict) -> bool:
    same = np.allclose(results["gridparty"][0], results["gridparty-networkx"][0], atol=1e-6)
    if "pandana" in results:
        reference = _pandana_reference(city)
        near = reference < PANDANA_HORIZON_M
        for name in ("pandana", "pandana-query"):
            same &= np.allclose(results[name][0][near], reference[near], atol=0.01)
    same &= np.allclose(results["gridparty"][0], results["public"][0], atol=1e-6)
    same &= np.allclose(results["kdtree+scipy"][0][sample], slow, atol=1e-6)
    same &= np.allclose(results["kdtree+scipy"][0], results["public-node"][0], atol=1e-6)
    same &= np.allclose(results["kdtree+scipy"][0], results["kdtree+scipy-xy"][0], atol=1e-6)
    return bool(same)


if __name__ == "__main__":
    raise SystemExit(main())
