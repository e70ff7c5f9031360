"""Smoke test of benchmarks/bench_access.py at a tiny scale (no timing is asserted)."""

from __future__ import annotations

import pytest
from bench_runner import run_benchmark, table_rows


@pytest.mark.slow
def test_bench_access_prints_the_table_and_the_methods_agree() -> None:
    out = run_benchmark("bench_access.py", "--scale", "0.2", "--sample", "5")
    assert "synthetic city: 2,000 households, 200 buildings" in out
    assert {row[0] for row in table_rows(out, "method", 6)} == {
        "gridparty",
        "gridparty-networkx",
        "public",
        "public-node",
        "kdtree+scipy",
        "per-origin-networkx*",
    }
    assert "5 households in" in out
    assert "gridparty vs per-origin networkx:" in out
    assert "all methods agree" in out
