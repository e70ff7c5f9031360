"""Smoke test of benchmarks/bench_delineate.py at a tiny size (no timing is asserted)."""

from __future__ import annotations

import importlib.util

from bench_runner import run_benchmark


def test_bench_delineate_compares_methods_on_one_tessellation_and_reports_the_gap() -> None:
    out = run_benchmark(
        "bench_delineate.py",
        "--scale",
        "0.1",
        "--spopt-iterations",
        "1",
        "--exact-communities",
        "1",
        "--exact-atoms",
        "6",
        timeout=300,
    )
    assert "synthetic_city(scale=0.1): 100 buildings" in out
    table = out.split("gap to the exact optimum", 1)[0]
    rows = {line.split()[0]: line.split() for line in table.splitlines() if len(line.split()) == 7}
    expected = {"method", "gridparty", "spopt-maxp"}
    if importlib.util.find_spec("pygeoda") is not None:
        expected.add("pygeoda-maxp")
    assert set(rows) == expected
    # every grid of gridparty's heuristic within the band where the band is feasible here
    assert rows["gridparty"][2] == "100.0%"
    assert "spopt-maxp / gridparty time:" in out
    gap = out.split("gap to the exact optimum", 1)[1].splitlines()
    assert len([line for line in gap if line.startswith("C0")]) == 1
    assert out.rstrip().endswith("ok")
