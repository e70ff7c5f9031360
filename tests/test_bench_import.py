"""Smoke test of benchmarks/bench_import.py (no timing is asserted)."""

from __future__ import annotations

import pytest
from bench_runner import run_benchmark, table_rows


@pytest.mark.slow
def test_bench_import_measures_every_case_against_geopandas() -> None:
    out = run_benchmark("bench_import.py", "--repeat", "1")
    rows = table_rows(out, "case", 4)
    assert [" ".join(row[:-2]) for row in rows] == [
        "import geopandas",
        "import gridparty",
        "gridparty.Hierarchy",
        "gridparty.validate",
    ]
    assert rows[0][-1] == "1.00"  # the reference
