"""Spatial coverage (gaps, overlaps, spill-overs): gridparty against a plain geopandas overlay.

Usage::

    python benchmarks/bench_coverage.py [--communities 6000] [--grids 40000] [--repeat 1]

The city is built directly with numpy (the lattice helpers of :mod:`gridparty.datasets.synthetic`:
jittered quadrilateral communities, each cut into two rows of grids that share every vertex),
in WGS84 like real input. A share ``--defects`` of the grids is damaged: a third removed (gaps),
a third shifted 8–25 m (overlaps, spill-overs and gaps), a third with one vertex moved 0.3 m
(slivers). Both methods get the same GeoDataFrames and produce the same three tables (every
part with its area in m² and its width in m, slivers marked), in one run:

* ``gridparty`` — :func:`gridparty.checks.coverage.spatial_coverage`;
* ``overlay`` — the straightforward geopandas way: project, ``overlay(communities, grids,
  how="difference")`` for gaps, ``overlay(grids, grids, how="intersection")`` for overlaps,
  ``GeoSeries.difference`` with the declared community for spill-overs, then areas and widths
  (``shapely.maximum_inscribed_circle``, to the same tolerance as gridparty's compiled search).

Both methods run once on a small city before the clock (one-time costs: gridparty's compiled
kernels load from numba's cache, PROJ opens its database). gridparty uses every core for its
GEOS steps (threads; GEOS releases the GIL) and its compiled widths; it is also timed on one
thread, so the gain of the method and the gain of the cores can be told apart. Absolute times
drift between runs on shared machines: compare the ratio. Exit status 1 when
the two methods disagree (part counts, or total areas beyond 1e-6 relative).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402

from gridparty.checks.coverage import spatial_coverage  # noqa: E402
from gridparty.core.parallel import cores  # noqa: E402
from gridparty.datasets import synthetic  # noqa: E402
from gridparty.spatial.tiling import classify_parts, polygon_parts  # noqa: E402

METRIC_CRS = "EPSG:32648"  # UTM 48N: the synthetic city lies in Chengdu
MIN_AREA_M2, MIN_WIDTH_M = 1.0, 2.0
Tables = dict[str, pd.DataFrame]


# -- the city ---------------------------------------------------------------------------------------


def build_city(
    n_communities: int, n_grids: int, defects: float, seed: int
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Communities and grids (EPSG:4326) with a share ``defects`` of damaged grids."""
    if n_grids < 2 * n_communities:
        raise SystemExit(f"--grids must be at least twice --communities ({2 * n_communities}).")
    rng = np.random.default_rng(seed)
    counts = np.full(n_communities, n_grids // n_communities)
    counts[rng.choice(n_communities, n_grids % n_communities, replace=False)] += 1
    corners = synthetic._community_corners(rng, n_communities)
    owner, params = synthetic._pieces(counts, two_rows=True)
    whole = np.tile([0.0, 1.0, 0.0, 1.0], (n_communities, 1))
    communities = gpd.GeoDataFrame(
        index=pd.Index([f"C{i:05d}" for i in range(n_communities)], name="community_id"),
        geometry=synthetic._tiled_polygons(corners, whole),
        crs=4326,
    )
    grid_geoms = _damaged(rng, synthetic._tiled_polygons(corners[owner], params), defects)
    grids = gpd.GeoDataFrame(
        {"community_id": communities.index[owner]},
        index=pd.Index([f"G{i:06d}" for i in range(n_grids)], name="grid_id"),
        geometry=grid_geoms,
        crs=4326,
    )
    return communities, grids[~shapely.is_missing(grid_geoms)]


def _damaged(rng: np.random.Generator, geoms: np.ndarray, defects: float) -> np.ndarray:
    """Remove, shift or nudge a share of the grids (in metres, via the local frame)."""
    out = geoms.copy()
    kind = np.where(rng.random(len(geoms)) < defects, rng.integers(0, 3, len(geoms)), -1)
    out[kind == 0] = None
    metre = 1.0 / 111_000.0  # about a metre in degrees (enough for planting damage)
    for k, size in ((1, rng.uniform(8, 25, (len(geoms), 2))), (2, np.full((len(geoms), 2), 0.3))):
        rows = np.flatnonzero(kind == k)
        if not len(rows):
            continue
        xy, index = shapely.get_coordinates(out[rows], return_index=True)
        sign = rng.choice([-1.0, 1.0], (len(rows), 2))
        shift = (size[rows] * sign * metre)[index]
        if k == 2:  # one vertex (and the ring's closing copy) only
            first = np.r_[True, index[1:] != index[:-1]]
            last = np.r_[index[1:] != index[:-1], True]
            shift[~(first | last)] = 0.0
        out[rows] = shapely.set_coordinates(out[rows].copy(), xy + shift)
    return out


# -- the two methods --------------------------------------------------------------------------------


def run_gridparty(communities: gpd.GeoDataFrame, grids: gpd.GeoDataFrame) -> Tables:
    found = spatial_coverage(
        communities,
        grids,
        parent_column="community_id",
        metric_crs=METRIC_CRS,
        min_area_m2=MIN_AREA_M2,
        min_width_m=MIN_WIDTH_M,
    )
    return {"gaps": found.gaps, "overlaps": found.overlaps, "outside": found.outside}


def run_overlay(communities: gpd.GeoDataFrame, grids: gpd.GeoDataFrame) -> Tables:
    com = communities.to_crs(METRIC_CRS).reset_index()
    grd = grids.to_crs(METRIC_CRS).reset_index()
    gaps = gpd.overlay(com, grd[["geometry"]], how="difference", keep_geom_type=True)
    pairs = gpd.overlay(
        grd[["grid_id", "geometry"]],
        grd[["grid_id", "geometry"]],
        how="intersection",
        keep_geom_type=True,
    )
    pairs = pairs[pairs["grid_id_1"] < pairs["grid_id_2"]]
    parent = com.set_index("community_id").geometry.reindex(grd["community_id"])
    spill = grd.geometry.difference(gpd.GeoSeries(parent.to_numpy(), crs=METRIC_CRS), align=False)
    return {
        "gaps": _parts(gaps.geometry.to_numpy(), gaps["community_id"].to_numpy()),
        "overlaps": _parts(pairs.geometry.to_numpy(), pairs["grid_id_1"].to_numpy()),
        "outside": _parts(spill.to_numpy(), grd["grid_id"].to_numpy()),
    }


def _parts(geoms: np.ndarray, owner: np.ndarray) -> pd.DataFrame:
    parts, who, _ = polygon_parts(geoms, owner, owner)
    area, width, sliver = classify_parts(parts, MIN_AREA_M2, MIN_WIDTH_M, engine="shapely")
    return pd.DataFrame(
        {
            "owner": who,
            "kind": np.where(sliver, "sliver", "real"),
            "area_m2": area,
            "width_m": width,
        }
    )


# -- timing and report ------------------------------------------------------------------------------


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """gridparty on one core: its GEOS steps (threads) and compiled widths (numba) serial."""
    import numba

    before, threads = os.environ.get("OMP_NUM_THREADS"), numba.get_num_threads()
    os.environ["OMP_NUM_THREADS"] = "1"
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(threads)
        if before is None:
            del os.environ["OMP_NUM_THREADS"]
        else:
            os.environ["OMP_NUM_THREADS"] = before


def timed(run: Callable[[], Tables], repeat: int) -> tuple[float, Tables]:
    best, result = np.inf, {}
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def figures(tables: Tables) -> dict[str, tuple[int, float, int, float]]:
    """Per table: real parts, their m², slivers, their m²."""
    out = {}
    for name, table in tables.items():
        real = table["kind"] != "sliver"
        out[name] = (
            int(real.sum()),
            float(table.loc[real, "area_m2"].sum()),
            int((~real).sum()),
            float(table.loc[~real, "area_m2"].sum()),
        )
    return out


def agree(a: dict, b: dict) -> bool:
    for name in a:
        (n1, m1, s1, sm1), (n2, m2, s2, sm2) = a[name], b[name]
        if (
            n1 != n2
            or s1 != s2
            or not np.isclose(m1, m2, rtol=1e-6, atol=1e-3)
            or not (np.isclose(sm1, sm2, rtol=1e-6, atol=1e-3))
        ):
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communities", type=int, default=6000)
    parser.add_argument("--grids", type=int, default=40000)
    parser.add_argument(
        "--defects", type=float, default=0.01, help="share of grids damaged (default 0.01)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    communities, grids = build_city(args.communities, args.grids, args.defects, args.seed)
    vertices = shapely.get_num_coordinates(grids.geometry.array).mean()
    print(
        f"synthetic city: {len(communities):,} communities, {len(grids):,} grids "
        f"({vertices:.1f} vertices each), {args.defects:.1%} damaged, seed {args.seed}; "
        f"built in {time.perf_counter() - start:.1f} s"
    )
    print(
        f"tolerances: slivers below {MIN_AREA_M2:g} m² or {MIN_WIDTH_M:g} m wide; "
        f"best of {args.repeat}"
    )
    small = build_city(60, 400, max(args.defects, 0.05), args.seed)
    run_gridparty(*small), run_overlay(*small)  # one-time costs (compiled kernels, PROJ database)
    threads = cores()
    ours_s, ours = timed(lambda: run_gridparty(communities, grids), args.repeat)
    one_s, one = ours_s, ours
    if threads > 1:
        with one_thread():
            one_s, one = timed(lambda: run_gridparty(communities, grids), args.repeat)
    base_s, base = timed(lambda: run_overlay(communities, grids), args.repeat)
    ours_f, one_f, base_f = figures(ours), figures(one), figures(base)
    print()
    print(
        f"{'method':<18} {'time s':>8}  {'gaps (m²)':>20}  {'overlaps (m²)':>20}  "
        f"{'spill-overs (m²)':>20}  {'slivers':>7}"
    )
    print("-" * 104)
    rows = [(f"gridparty ({threads} thr)", ours_s, ours_f)]
    rows += [("gridparty (1 thr)", one_s, one_f)] if threads > 1 else []
    for name, seconds, found in (*rows, ("overlay", base_s, base_f)):
        cells = [
            f"{found[t][0]:>5} ({found[t][1]:>11,.1f})" for t in ("gaps", "overlaps", "outside")
        ]
        slivers = sum(found[t][2] for t in found)
        print(
            f"{name:<18} {seconds:>8.3f}  {cells[0]:>20}  {cells[1]:>20}  {cells[2]:>20}  "
            f"{slivers:>7}"
        )
    print()
    print(f"gridparty vs overlay: {base_s / ours_s:.1f}× faster ({ours_s:.3f} s vs {base_s:.3f} s)")
    if threads > 1:
        print(f"on one thread: {base_s / one_s:.1f}× faster ({one_s:.3f} s)")
    same = agree(ours_f, base_f) and agree(one_f, base_f)
    print("both methods agree" if same else "METHODS DISAGREE")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
