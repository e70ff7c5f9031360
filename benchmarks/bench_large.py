"""Large input: validation and coverage of a 1,000,000-building synthetic city, time and peak memory.

Usage::

    python benchmarks/bench_large.py [--scale 1000] [--seed 0]

``gridparty.synthetic_city(scale)`` has ``scale × 1,000`` buildings (16-vertex footprints) and
``scale × 10,000`` member households; ``--scale 1000`` is 1,000,000 buildings and 10,000,000
households in about 24,000 communities and 154,000 grids. A share ``--defects`` (default 1 %)
of grids, buildings and households has a blank or a wrong parent id, so validation has work. Each step runs in a fresh Python
process so its peak resident memory (``ru_maxrss`` of the child, in MiB) is its own:

* ``imports`` — the interpreter with gridparty imported (the floor);
* ``city`` — generate the city as a :class:`~gridparty.Hierarchy` (what any analysis holds);
* ``validate`` — the city, then :func:`gridparty.spatial.assign` and :func:`gridparty.checks.validate`;
* ``coverage`` — the city, then :func:`gridparty.checks.report.check_coverage` (spatial and
  organisational coverage: gaps, overlaps, spill-overs, grid status, rates).

The table shows each step's own time (the city is built before the clock starts for the
analysis steps) and peak memory, and — the comparison — each analysis step's peak against the
``city`` step's, i.e. how much memory the analysis needs beyond the data it is given. Absolute
times drift between runs on shared machines; memory does not.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("imports", "city", "validate", "coverage")


def run_step(step: str, scale: float, seed: int, defects: float) -> dict[str, float]:
    """In this process: run one step and return its figures (seconds, peak MiB, counts)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import gridparty as gp
    from gridparty.checks.report import check_coverage

    out: dict[str, float] = {}
    if step != "imports":
        start = time.perf_counter()
        h = gp.synthetic_city(scale=scale, seed=seed, missing_share=defects, wrong_share=defects)
        out["city_s"] = time.perf_counter() - start
        out["buildings"] = len(h.buildings)
        out["households"] = len(h.households)
        out["grids"] = len(h.grids)
        out["communities"] = len(h.communities)
        start = time.perf_counter()
        if step == "validate":
            issues = gp.validate(h, assignment=gp.assign(h))
            out["issues"] = len(issues)
        elif step == "coverage":
            report = check_coverage(h, streets=True)
            out["grid_findings"] = len(report.grid_status.query("status != 'ok'"))
        out["seconds"] = time.perf_counter() - start if step != "city" else out["city_s"]
    else:
        out["seconds"] = 0.0
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return out


def in_child(step: str, scale: float, seed: int, defects: float) -> dict[str, float]:
    """Run ``step`` in a fresh interpreter and read back its figures."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--step",
            step,
            "--scale",
            str(scale),
            "--seed",
            str(seed),
            "--defects",
            str(defects),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1000.0,
        help="city size: scale × 1,000 buildings (default 1000)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--defects",
        type=float,
        default=0.01,
        help="share of grids, buildings and households with a blank or a wrong "
        "parent id (default 0.01), so validation has something to find",
    )
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)  # the child's job
    args = parser.parse_args()
    if args.step:
        print(json.dumps(run_step(args.step, args.scale, args.seed, args.defects)))
        return 0
    results = {}
    for step in STEPS:
        print(f"[{time.strftime('%H:%M:%S')}] running {step} ...", file=sys.stderr, flush=True)
        results[step] = in_child(step, args.scale, args.seed, args.defects)
    city = results["city"]
    print(
        f"synthetic city (scale {args.scale:g}, seed {args.seed}, defects {args.defects:g}): "
        f"{city['buildings']:,.0f} buildings, {city['households']:,.0f} member households, "
        f"{city['grids']:,.0f} grids, {city['communities']:,.0f} communities"
    )
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; each step in its own process")
    print()
    print(f"{'step':<10} {'time (s)':>10} {'peak (MiB)':>11} {'vs city':>8}  result")
    print("-" * 62)
    for step in STEPS:
        r = results[step]
        ratio = (
            f"{r['peak_mib'] / city['peak_mib']:.2f}×" if step in ("validate", "coverage") else ""
        )
        found = (
            f"{r['issues']:,.0f} issues"
            if "issues" in r
            else f"{r['grid_findings']:,.0f} grids not ok"
            if "grid_findings" in r
            else ""
        )
        print(f"{step:<10} {r['seconds']:>10.1f} {r['peak_mib']:>11,.0f} {ratio:>8}  {found}")
    print()
    for step in ("validate", "coverage"):
        r = results[step]
        print(
            f"{step}: {r['seconds']:.1f} s, peak {r['peak_mib'] / 1024:.2f} GiB = "
            f"{r['peak_mib'] / city['peak_mib']:.2f}× the city's own "
            f"{city['peak_mib'] / 1024:.2f} GiB; "
            f"{(r['peak_mib'] - results['imports']['peak_mib']) * 2**20 / city['buildings']:,.0f}"
            " bytes per building above the imports"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
