"""Province scale on Dask: a partitioned synthetic province, assigned, validated and checked for coverage on 2 workers.

Usage::

    python benchmarks/bench_distributed.py [--partitions 50] [--scale 100] [--workers 2]
        [--memory-limit 4GiB] [--single-up-to 2000000] [--folder PATH]

The province is written partition by partition (one synthetic city of ``scale × 1,000``
buildings and ``scale × 10,000`` households per partition, moved side by side and given
partition-prefixed ids), so the generator holds one partition at a time: the default is 5M
buildings and 50M households. Steps, each reported with wall time:

* ``write`` — generate and write the partitioned GeoParquet folder;
* ``distributed`` — :func:`gridparty.distributed_assign`, :func:`gridparty.distributed_validate`
  and :func:`gridparty.distributed_coverage` on a ``LocalCluster`` of ``--workers`` processes
  (one thread each) under ``--memory-limit``; the peak resident memory of every worker
  (``ru_maxrss``, MiB, over the three steps) is reported;
* ``single`` — :func:`gridparty.assign`, :func:`gridparty.validate` and
  :func:`gridparty.spatial_coverage` on the same data read into one process (in a fresh
  process, its peak memory its own), only when the households number at most
  ``--single-up-to``; the ratios distributed / single are then printed and the tables are
  compared row for row.

A per-partition cost (distributed seconds × workers / partitions) is printed per step; the
scaling estimate in docs/guides/distributed.md is computed from it. Timings drift on shared
machines.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def province(partitions: int, scale: float, seed: int) -> Iterator[object]:
    """Yield one synthetic city per partition, side by side on a square of tiles, ids prefixed."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import pandas as pd

    import gridparty as gp
    from gridparty.core.schema import LEVEL_NAMES, LEVELS

    side = max(1, round(partitions**0.5))
    for i in range(partitions):
        city = gp.synthetic_city(scale, seed=seed + i)
        x0, y0, x1, y1 = city.communities.total_bounds
        dx, dy = (i % side) * (x1 - x0) * 1.02, (i // side) * (y1 - y0) * 1.02
        layers = {}
        for level in LEVEL_NAMES:
            frame = city.layer(level)
            frame = frame.set_geometry(frame.geometry.translate(dx, dy))
            frame.index = pd.Index(f"p{i}-" + frame.index.to_series(), name=frame.index.name)
            column = LEVELS[level].parent_column
            if column:
                frame[column] = f"p{i}-" + frame[column]
            layers[LEVELS[level].layer] = frame
        yield gp.Hierarchy(**layers)


def single(folder: str) -> None:
    """In this process: read everything and assign on one machine; print figures as JSON."""
    sys.path.insert(0, str(ROOT))
    import gridparty as gp

    ph = gp.read_partitioned(folder)
    figures = {}
    start = time.perf_counter()
    h = ph.to_hierarchy()
    figures["read_s"] = time.perf_counter() - start
    start = time.perf_counter()
    table = gp.assign(h).table
    figures["assign_s"] = time.perf_counter() - start
    start = time.perf_counter()
    issues = gp.validate(h)
    figures["validate_s"] = time.perf_counter() - start
    start = time.perf_counter()
    coverage = gp.spatial_coverage(
        h.communities, h.grids, parent_column="community_id", metric_crs=h.metric_crs
    )
    figures["coverage_s"] = time.perf_counter() - start
    base = Path(folder)
    table.to_parquet(base.with_suffix(".assign.parquet"))
    issues.to_parquet(base.with_suffix(".validate.parquet"))
    coverage.by_parent.to_parquet(base.with_suffix(".coverage.parquet"))
    figures["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partitions", type=int, default=50)
    parser.add_argument(
        "--scale", type=float, default=100.0, help="thousands of buildings per partition"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GiB")
    parser.add_argument("--single-up-to", type=int, default=2_000_000, help="households")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--folder", help="where to write the province (default: a temporary folder)"
    )
    parser.add_argument("--single", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.single:
        single(args.single)
        return
    sys.path.insert(0, str(ROOT))
    import geopandas as gpd
    import pandas as pd
    from distributed import Client, LocalCluster

    import gridparty as gp

    folder = Path(args.folder or tempfile.mkdtemp()) / "province"
    start = time.perf_counter()
    gp.write_partitioned(province(args.partitions, args.scale, args.seed), folder)
    write_s = time.perf_counter() - start
    ph = gp.read_partitioned(folder)
    households = sum(p.rows for p in ph.partitions["household"])
    buildings = sum(p.rows for p in ph.partitions["building"])
    print(f"{households:,} households, {buildings:,} buildings in {args.partitions} partitions")
    print(f"write: {write_s:.1f} s")
    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=args.memory_limit,
        ) as cluster,
        Client(cluster) as client,
    ):
        print(f"dashboard: {client.dashboard_link}")
        results, dist_s = {}, {}
        for step, run in (
            ("assign", gp.distributed_assign),
            ("validate", gp.distributed_validate),
            ("coverage", gp.distributed_coverage),
        ):
            start = time.perf_counter()
            results[step] = run(ph, client=client)
            dist_s[step] = time.perf_counter() - start
            print(
                f"distributed {step}: {dist_s[step]:.1f} s on {args.workers} workers × "
                f"{args.memory_limit} ({dist_s[step] * args.workers / args.partitions:.2f} "
                "worker-seconds per partition)"
            )
        peaks = client.run(_peak_mib)
    for worker, peak in sorted(peaks.items()):
        print(f"  peak memory {worker}: {peak:,.0f} MiB")
    if households > args.single_up_to:
        print(
            f"single machine: skipped (more than --single-up-to={args.single_up_to:,} households)"
        )
        return
    out = subprocess.run(
        [sys.executable, __file__, "--single", str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    same = all(
        _same_values(
            mine if step != "coverage" else mine.by_parent,
            (gpd.read_parquet if step == "validate" else pd.read_parquet)(
                folder.with_suffix(f".{step}.parquet")
            ),
        )
        for step, mine in results.items()
    )
    print(
        "single machine: "
        + ", ".join(f"{step} {figures[f'{step}_s']:.1f} s" for step in dist_s)
        + f"; peak {figures['peak_mib']:,.0f} MiB (reading {figures['read_s']:.1f} s)"
    )
    ratios = ", ".join(f"{step} {dist_s[step] / figures[f'{step}_s']:.2f} ×" for step in dist_s)
    print(f"ratio distributed / single: {ratios} (same table: {same})")


def _same_values(a: object, b: object) -> bool:
    """Equal values row for row; the Parquet round trip may change a string column's storage."""
    import pandas as pd

    try:
        pd.testing.assert_frame_equal(
            a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False
        )
    except AssertionError:
        return False
    return True


if __name__ == "__main__":
    main()
