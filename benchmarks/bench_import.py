"""Import time of gridparty against geopandas, each in a fresh interpreter (one run, ratios).

``import gridparty`` is lazy: it loads no analysis module, map engine, compiler or solver until a
name is first used. This script measures, in new Python processes, the wall time of

* ``import geopandas`` (what every user of the field already pays),
* ``import gridparty`` (the namespace alone),
* ``import gridparty; gridparty.Hierarchy`` (the data model: core, geopandas, shapely, pyproj),
* ``import gridparty; gridparty.validate`` (an analysis: spatial kernels, checks, numba),

takes the median of ``--repeat`` runs each, and prints the ratio of each to ``import geopandas``.
The target is ``import gridparty`` at most 1.3× ``import geopandas``.

    python benchmarks/bench_import.py --repeat 7
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES = {
    "import geopandas": "import geopandas",
    "import gridparty": "import gridparty",
    "gridparty.Hierarchy": "import gridparty; gridparty.Hierarchy",
    "gridparty.validate": "import gridparty; gridparty.validate",
}


def wall_s(code: str) -> float:
    """Seconds for a fresh interpreter to run ``code`` (interpreter start-up included)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per case (median taken)")
    args = parser.parse_args(argv)
    base = statistics.median(wall_s("pass") for _ in range(args.repeat))
    times = {
        name: statistics.median(wall_s(code) for _ in range(args.repeat)) - base
        for name, code in CASES.items()
    }
    reference = times["import geopandas"]
    print(f"interpreter start-up {base:.3f} s (subtracted); median of {args.repeat} runs")
    print(f"{'case':<22} {'seconds':>8} {'× geopandas':>12}")
    print("-" * 44)
    for name, seconds in times.items():
        print(f"{name:<22} {seconds:8.3f} {seconds / reference:12.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
