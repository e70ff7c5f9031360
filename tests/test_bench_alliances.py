"""Smoke test of benchmarks/bench_alliances.py at a tiny size (no timing is asserted)."""

from __future__ import annotations

import pytest
from bench_runner import run_benchmark, table_rows


@pytest.mark.slow
def test_bench_alliances_prints_the_table_and_the_methods_agree() -> None:
    out = run_benchmark("bench_alliances.py", "--units", "60", "--needs", "60", "--pairs", "20")
    assert "betweenness: 60 units" in out
    assert "lists: 60 needs, 24 resources" in out
    assert "pairing: 20 communities × 20 departments" in out
    rows = table_rows(out, "task", 8)
    assert [(r[0], r[1]) for r in rows] == [
        ("betweenness", "gridparty"),
        ("betweenness", "networkx"),
        ("betweenness", "analyse_alliances"),
        ("lists", "highs"),
        ("lists", "networkx"),
        ("pairing", "highs"),
        ("pairing", "networkx"),
        ("pairing", "one-to-one"),
    ]
    assert all(r[-1] == "yes" for r in rows)
    assert "all methods agree" in out
