"""Household → building assignment: gridparty against geopandas, DuckDB spatial and shapely.

Usage::

    python benchmarks/bench_assign.py [--scale 200] [--repeat 1] [--shuffle]

``--scale 200`` is 200,000 building footprints (16 vertices each) and 2,000,000 member
households from :func:`gridparty.datasets.synthetic.synthetic_layers`. Every method runs in its own
subprocess on the same data (read from a pickle), so its peak memory can be measured; all run
in this one invocation, because absolute times on shared machines drift between runs: compare
the ratios. Methods:

* ``sjoin`` — ``geopandas.sjoin(households, buildings, predicate="within")``;
* ``duckdb`` — DuckDB spatial ``JOIN ... ON ST_Within`` (extension loaded from the
  ``duckdb-extension-spatial`` package's file); loading the tables is timed separately;
* ``shapely`` — ``STRtree(points).query(polygons, predicate="contains")``, the raw GEOS kernel
  and the floor of the obvious approach;
* ``kernel`` / ``kernel+extract`` — gridparty's numba kernel on ready arrays, and with the
  coordinate extraction from the shapely geometries;
* ``public`` — :func:`gridparty.spatial.assign.locate_points` (every household searched);
* ``kernel-declared`` / ``public-declared`` — declared building ids looked up, declared pairs
  verified first, only failures searched;
* ``assign`` — :func:`gridparty.spatial.assign.assign` on the whole hierarchy (all three levels and
  the assignment table; for information).

Columns: best wall time of ``--repeat`` runs, its ratio to ``public``, the CPU time of that run
(all threads of the process: robust when other jobs share the machine, and it shows who uses
both cores), DuckDB's table-loading time, peak RSS and its rise above the loaded data.

Targets: public ≥ 3× faster than sjoin and than the DuckDB join; public within
1.25× of its raw kernel. Exit status 1 when a method disagrees with the others or a required
method cannot run.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

METHODS = (
    "sjoin",
    "duckdb",
    "shapely",
    "kernel",
    "kernel+extract",
    "public",
    "kernel-declared",
    "public-declared",
    "assign",
)
#: Method whose time the ratios divide by, and each public path's raw counterpart.
REFERENCE = "public"
RAW_OF = {"public": "kernel+extract", "public-declared": "kernel-declared"}


# -- worker side: one method in its own process ---------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS counter (Linux ≥ 4.0); False when not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_mb(reset: bool) -> float:
    if reset:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _duckdb_extension() -> str:
    import duckdb_extension_spatial

    found = glob.glob(
        os.path.join(
            os.path.dirname(duckdb_extension_spatial.__file__),
            "extensions",
            "*",
            "spatial.duckdb_extension",
        )
    )
    if not found:
        raise ImportError("duckdb_extension_spatial ships no spatial.duckdb_extension file")
    return found[0]


def _prepare(method: str, data: dict) -> Callable[[], np.ndarray]:
    """Return a zero-argument callable that runs ``method`` once and returns the answer.

    Anything done here (imports, extension loading, array preparation for ``kernel``) is
    outside the timing.
    """
    import shapely

    households, buildings = data["households"], data["buildings"]
    n = len(households)
    hh_geoms = np.asarray(households.geometry.array, dtype=object)
    bd_geoms = np.asarray(buildings.geometry.array, dtype=object)

    def from_pairs(point_i: np.ndarray, poly_i: np.ndarray) -> np.ndarray:
        out = np.full(n, -1, dtype=np.int64)
        out[point_i] = poly_i
        return out

    if method == "sjoin":
        import geopandas as gpd

        left = households[["geometry"]].reset_index(drop=True)
        # A fresh right frame for every run: GeoDataFrame.sindex is cached on the frame, and
        # building the tree is part of the join.
        rights = [
            gpd.GeoDataFrame(geometry=gpd.GeoSeries(bd_geoms, crs=buildings.crs))
            for _ in range(data.get("repeat", 1))
        ]

        def run() -> np.ndarray:
            joined = gpd.sjoin(left, rights.pop(), predicate="within")
            return from_pairs(joined.index.to_numpy(), joined["index_right"].to_numpy())

        return run
    if method == "duckdb":
        return _prepare_duckdb(hh_geoms, bd_geoms, from_pairs, data)
    if method == "shapely":

        def run() -> np.ndarray:
            poly_i, point_i = shapely.STRtree(hh_geoms).query(bd_geoms, predicate="contains")
            return from_pairs(point_i, poly_i)

        return run
    from gridparty.spatial import kernels as _kernels
    from gridparty.spatial.assign import assign, locate_points

    if method == "kernel":
        x, y = _kernels.point_xy(hh_geoms)
        arrays = _kernels.polygon_arrays(bd_geoms)
        return lambda: _kernels.search_points(x, y, arrays)[0]
    if method == "kernel+extract":
        return lambda: _kernels.search_points(
            *_kernels.point_xy(hh_geoms), _kernels.polygon_arrays(bd_geoms)
        )[0]
    if method == "public":
        return lambda: locate_points(households, buildings)[0]
    declared_ids = households["building_id"]
    if method == "kernel-declared":

        def run() -> np.ndarray:
            declared = buildings.index.get_indexer(declared_ids)
            x, y = _kernels.point_xy(hh_geoms)
            arrays = _kernels.polygon_arrays(bd_geoms)
            kept = _kernels.verify_pairs(x, y, declared, arrays)
            out = np.where(kept, declared, -1)
            rest = np.flatnonzero(~kept)
            if len(rest):
                out[rest] = _kernels.search_points(x[rest], y[rest], arrays)[0]
            return out

        return run
    if method == "public-declared":

        def run() -> np.ndarray:
            declared = buildings.index.get_indexer(declared_ids)
            return locate_points(households, buildings, declared_pos=declared)[0]

        return run
    if method == "assign":
        from gridparty.core.model import Hierarchy

        h = Hierarchy(data["communities"], data["grids"], buildings, households)
        h.metric_crs  # noqa: B018 (chosen once, outside the timing)

        def run() -> np.ndarray:
            table = assign(h).table
            spatial = table.loc[table["level"] == "household", "spatial"]
            return buildings.index.get_indexer(spatial.to_numpy())

        return run
    raise SystemExit(f"unknown method {method!r}; use one of {', '.join(METHODS)}")


def _prepare_duckdb(
    hh_geoms: np.ndarray, bd_geoms: np.ndarray, from_pairs: Callable, data: dict
) -> Callable[[], np.ndarray]:
    import duckdb
    import pandas as pd
    import shapely

    con = duckdb.connect()
    con.execute(f"LOAD '{_duckdb_extension()}'")
    start = time.perf_counter()
    hdf = pd.DataFrame({"id": np.arange(len(hh_geoms)), "wkb": shapely.to_wkb(hh_geoms)})
    bdf = pd.DataFrame({"id": np.arange(len(bd_geoms)), "wkb": shapely.to_wkb(bd_geoms)})
    con.execute("CREATE TABLE h AS SELECT id, ST_GeomFromWKB(wkb) AS geom FROM hdf")
    con.execute("CREATE TABLE b AS SELECT id, ST_GeomFromWKB(wkb) AS geom FROM bdf")
    data["load_s"] = time.perf_counter() - start
    del hdf, bdf
    query = "SELECT h.id AS hid, b.id AS bid FROM h JOIN b ON ST_Within(h.geom, b.geom)"

    def run() -> np.ndarray:
        result = con.execute(query).fetchnumpy()
        return from_pairs(np.asarray(result["hid"]), np.asarray(result["bid"]))

    return run


def _head(data: dict) -> dict:
    """A small slice of the data for a warm-up run."""
    return {k: v.iloc[:1000] if hasattr(v, "iloc") else v for k, v in data.items()} | {"repeat": 1}


def worker(method: str, data_path: str, repeat: int, answer_path: str) -> dict:
    """Run one method ``repeat`` times; return its best time and peak memory."""
    with open(data_path, "rb") as f:
        data = pickle.load(f)
    data["repeat"] = repeat
    try:
        _prepare(method, _head(data))()  # warm up: imports, loading compiled kernels
        run = _prepare(method, data)
    except ImportError as exc:
        return {"method": method, "skipped": f"{type(exc).__name__}: {exc}"}
    base = _rss_mb()
    reset = _reset_peak()
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        answer = run()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    np.save(answer_path, answer)
    best = int(np.argmin(times))
    return {
        "method": method,
        "time_s": times[best],
        "cpu_s": cpu[best],
        "load_s": data.get("load_s"),
        "peak_mb": _peak_mb(reset),
        "base_mb": base,
        "peak_since_load": reset,
    }


# -- driver side ------------------------------------------------------------------------------------


def _make_data(scale: float, seed: int, shuffle: bool, path: Path) -> tuple[dict, float]:
    from gridparty.datasets.synthetic import synthetic_layers

    start = time.perf_counter()
    layers = synthetic_layers(scale, seed)
    generated = time.perf_counter() - start
    households = layers["households"]
    if shuffle:
        order = np.random.default_rng(seed + 1).permutation(len(households))
        households = households.iloc[order]
    data = {
        "households": households,
        "buildings": layers["buildings"],
        "communities": layers["communities"],
        "grids": layers["grids"],
    }
    with open(path, "wb") as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
    sizes = {k: len(v) for k, v in data.items()}
    return sizes, generated


def _run_worker(method: str, data: Path, repeat: int, answer: Path) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        method,
        "--data",
        str(data),
        "--repeat",
        str(repeat),
        "--answer",
        str(answer),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"method": method, "failed": proc.stderr.strip().splitlines()[-1:] or ["?"]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt(x: float | None, spec: str) -> str:
    width = int("".join(c for c in spec.split(".")[0] if c.isdigit()) or 0)
    return f"{'—':>{width}}" if x is None else format(x, spec)


def _table(results: list[dict], agree: dict[str, bool | None]) -> str:
    ref = next((r["time_s"] for r in results if r["method"] == REFERENCE and "time_s" in r), None)
    head = (
        f"{'method':<17}{'time s':>9}{'× public':>10}{'cpu s':>8}{'load s':>9}{'peak MB':>10}"
        f"{'+MB':>8}  agrees"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        name = r["method"]
        if "time_s" not in r:
            why = r.get("skipped") or " ".join(r.get("failed", []))
            lines.append(f"{name:<17}{'skipped' if 'skipped' in r else 'FAILED':>9}  {why}")
            continue
        ratio = r["time_s"] / ref if ref else None
        extra = r["peak_mb"] - r["base_mb"] if r["peak_since_load"] else None
        ok = {True: "yes", False: "NO", None: "—"}[agree.get(name)]
        lines.append(
            f"{name:<17}{r['time_s']:>9.3f}{_fmt(ratio, '>10.2f')}{r['cpu_s']:>8.2f}"
            f"{_fmt(r.get('load_s'), '>9.2f')}"
            f"{r['peak_mb']:>10.0f}{_fmt(extra, '>8.0f')}  {ok}"
        )
    return "\n".join(lines)


def _targets(results: list[dict]) -> list[str]:
    t = {r["method"]: r["time_s"] for r in results if "time_s" in r}
    out = []
    if REFERENCE in t:
        for rival in ("sjoin", "duckdb"):
            if rival in t:
                speedup = t[rival] / t[REFERENCE]
                mark = "met" if speedup >= 3 else "NOT met"
                out.append(f"public vs {rival}: {speedup:.1f}× faster (target ≥ 3×: {mark})")
    for public, raw in RAW_OF.items():
        if public in t and raw in t:
            ratio = t[public] / t[raw]
            mark = "met" if ratio <= 1.25 else "NOT met"
            out.append(f"{public} / {raw}: {ratio:.2f} (target ≤ 1.25: {mark})")
    if "shapely" in t and REFERENCE in t:
        out.append(f"public vs shapely floor: {t['shapely'] / t[REFERENCE]:.1f}× faster")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=200.0,
        help="1.0 = 1,000 buildings and 10,000 households (default 200)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per method; the best counts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--shuffle",
        action="store_true",
        help="shuffle the households (default: listed building by building)",
    )
    parser.add_argument(
        "--methods",
        default=",".join(METHODS),
        help=f"comma-separated subset of {','.join(METHODS)}",
    )
    parser.add_argument(
        "--allow-missing-duckdb",
        action="store_true",
        help="skip DuckDB when duckdb or its spatial extension is not installed",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--answer", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.data, args.repeat, args.answer)))
        return 0
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown or args.repeat < 1:
        parser.error(f"unknown methods {unknown}" if unknown else "--repeat must be >= 1")
    with tempfile.TemporaryDirectory(prefix="bench_assign_") as tmp:
        data = Path(tmp) / "data.pkl"
        sizes, generated = _make_data(args.scale, args.seed, args.shuffle, data)
        print(
            f"synthetic city scale={args.scale:g} seed={args.seed}: "
            + ", ".join(f"{v:,} {k}" for k, v in sizes.items())
            + f" (generated in {generated:.1f} s; households "
            + ("shuffled" if args.shuffle else "in building order")
            + ")"
        )
        print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}; best of {args.repeat}")
        results, answers = [], {}
        for method in methods:
            answer = Path(tmp) / f"{method}.npy"
            result = _run_worker(method, data, args.repeat, answer)
            results.append(result)
            if "time_s" in result:
                answers[method] = np.load(answer)
            print(
                f"  {method}: " + (f"{result['time_s']:.3f} s" if "time_s" in result else "—"),
                flush=True,
            )
    agree = _agreement(answers)
    print()
    print(_table(results, agree))
    print()
    print("\n".join(_targets(results)))
    missing_duckdb = any(r["method"] == "duckdb" and "skipped" in r for r in results)
    failed = [r["method"] for r in results if "failed" in r]
    if missing_duckdb and not args.allow_missing_duckdb:
        print(
            "DuckDB is required for the full benchmark: pip install duckdb duckdb-extension-spatial"
        )
    all_agree = all(v for v in agree.values() if v is not None)
    print("all methods agree" if all_agree else "METHODS DISAGREE")
    return (
        0 if all_agree and not failed and (args.allow_missing_duckdb or not missing_duckdb) else 1
    )


def _agreement(answers: dict[str, np.ndarray]) -> dict[str, bool | None]:
    if not answers:
        return {}
    reference = answers.get(REFERENCE, next(iter(answers.values())))
    return {m: bool(np.array_equal(a, reference)) for m, a in answers.items()}


if __name__ == "__main__":
    raise SystemExit(main())
