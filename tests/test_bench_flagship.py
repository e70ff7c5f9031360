"""Smoke test of benchmarks/bench_flagship.py at a tiny size (no timing is asserted)."""

from __future__ import annotations

from bench_runner import run_benchmark


def test_bench_flagship_prints_exact_greedy_and_direct_in_one_run() -> None:
    out = run_benchmark(
        "bench_flagship.py",
        "--communities",
        "60",
        "--organisations",
        "300",
        "--k",
        "3",
        "--lscp",
        timeout=300,
    )
    assert "3 flagships among 60 candidate communities for 300 organisations" in out
    table = [line.split() for line in out.splitlines() if len(line.split()) == 7]
    rows = {cells[0]: cells for cells in table}
    assert set(rows) == {"greedy", "exact", "spopt-direct"}
    assert rows["exact"][3] == rows["spopt-direct"][3]  # same optimum covered
    assert rows["exact"][5] == "yes"
    assert "exact vs greedy:" in out
    assert "same optimum: yes" in out
    assert "LSCP greedy" in out
    assert "LSCP exact" in out
    assert out.rstrip().endswith("ok")
