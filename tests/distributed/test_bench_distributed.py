"""Smoke test of benchmarks/bench_distributed.py at a tiny size (no timing is asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from bench_runner import run_benchmark


@pytest.mark.slow
def test_bench_distributed_runs_and_the_tables_agree(tmp_path: Path) -> None:
    out = run_benchmark(
        "bench_distributed.py",
        *("--partitions", "3", "--scale", "0.5", "--memory-limit", "1GiB"),
        *("--folder", str(tmp_path)),
    )
    assert "15,000 households, 1,500 buildings in 3 partitions" in out
    assert out.count("  peak memory tcp://") == 2
    assert "ratio distributed / single:" in out
    assert "(same table: True)" in out
    assert f"assignment table: {tmp_path / 'province.assignment'} (" in out
    assert len(list((tmp_path / "province.assignment").glob("part.*.parquet"))) == 9
