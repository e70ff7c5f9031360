"""Smoke test of benchmarks/bench_large.py at a tiny size (no timing or memory is asserted)."""

from __future__ import annotations

from bench_runner import run_benchmark, table_rows


def test_bench_large_prints_every_step_with_time_and_peak_memory() -> None:
    out = run_benchmark("bench_large.py", "--scale", "0.5", "--defects", "0.05", timeout=300)
    assert "synthetic city (scale 0.5, seed 0, defects 0.05): 500 buildings, 5,000 member" in out
    rows = {row[0]: row for row in table_rows(out, "step", 4)}
    assert list(rows) == ["imports", "city", "validate", "coverage"]
    for step in ("validate", "coverage"):
        assert rows[step][3].endswith("×")  # peak against the city's own
        assert float(rows[step][2].replace(",", "")) > float(rows["imports"][2].replace(",", ""))
    assert "issues" in " ".join(rows["validate"])
    assert "validate: " in out
    assert "bytes per building above the imports" in out
