"""Smoke test of benchmarks/bench_coverage.py at a tiny size (no timing is asserted)."""

from __future__ import annotations

from bench_runner import run_benchmark, table_rows


def test_bench_coverage_prints_both_methods_their_ratio_and_agrees() -> None:
    out = run_benchmark(
        "bench_coverage.py",
        "--communities",
        "60",
        "--grids",
        "400",
        "--defects",
        "0.05",
        timeout=300,
    )
    assert "synthetic city: 60 communities" in out
    assert {row[0] for row in table_rows(out, "method", 2)} == {"gridparty", "overlay"}
    assert "gridparty vs overlay:" in out
    assert "× faster" in out
    assert "both methods agree" in out
