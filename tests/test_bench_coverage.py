"""Smoke test of benchmarks/bench_coverage.py at a tiny size (no timing is asserted)."""

from __future__ import annotations

from bench_runner import run_benchmark

from gridparty.core.parallel import cores


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
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("method")) + 2
    names = [line[:18].strip() for line in lines[first : lines.index("", first)]]
    threads = cores()
    if threads > 1:  # on every core, then on one thread
        assert names == [f"gridparty ({threads} thr)", "gridparty (1 thr)", "overlay"]
        assert "on one thread:" in out
    else:
        assert names == ["gridparty (1 thr)", "overlay"]
    assert "gridparty vs overlay:" in out
    assert "× faster" in out
    assert "both methods agree" in out
