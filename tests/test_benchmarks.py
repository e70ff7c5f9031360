"""Smoke test of benchmarks/bench_assign.py at a tiny scale (no timing is asserted)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
from bench_runner import BENCHMARKS, run_benchmark, table_rows

SCRIPT = BENCHMARKS / "bench_assign.py"


def _duckdb_spatial() -> bool:
    return all(importlib.util.find_spec(m) for m in ("duckdb", "duckdb_extension_spatial"))


@pytest.mark.slow
def test_bench_assign_runs_every_method_and_they_agree() -> None:
    extra = () if _duckdb_spatial() else ("--allow-missing-duckdb",)
    out = run_benchmark("bench_assign.py", "--scale", "0.2", "--repeat", "1", *extra)
    assert "2,000 households, 200 buildings" in out
    assert "method" in out
    assert "× public" in out
    assert "peak MB" in out
    rows = {row[0]: " ".join(row) for row in table_rows(out, "method")}
    for method in (
        "sjoin",
        "shapely",
        "kernel",
        "kernel+extract",
        "public",
        "kernel-declared",
        "public-declared",
        "assign",
    ):
        assert rows[method].rstrip().endswith("yes"), rows[method]
    if _duckdb_spatial():
        assert rows["duckdb"].rstrip().endswith("yes")
    else:
        assert "skipped" in rows["duckdb"]
    assert "public vs sjoin:" in out
    assert "all methods agree" in out


def test_bench_assign_rejects_unknown_methods() -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--methods", "public,magic"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "unknown methods ['magic']" in proc.stderr
