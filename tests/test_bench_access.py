"""Smoke test of benchmarks/bench_access.py at a tiny scale (no timing is asserted)."""

from __future__ import annotations

import pytest
from bench_runner import run_benchmark, table_rows


@pytest.mark.slow
def test_bench_access_prints_the_table_and_the_methods_agree() -> None:
    out = run_benchmark("bench_access.py", "--scale", "0.2", "--sample", "5")
    assert "synthetic city: 2,000 households, 200 buildings" in out
    names = {row[0] for row in table_rows(out, "method")}
    lean = {"kdtree+scipy", "kdtree+scipy-xy", "public", "public-node", "gridparty"}
    assert names - {"pandana", "pandana-query"} == lean | {"gridparty-networkx"}
    if "pandana" in names:
        assert "pandana-query" in names
        assert "public vs pandana:" in out
    else:
        assert "pandana: not installed (pip install pandana), left out" in out
    assert "public (exact edge snapping, full table) vs kdtree+scipy (node snapping):" in out
    assert "footnote: per-origin networkx (one Dijkstra per household, 5 households in" in out
    assert "all methods agree" in out
