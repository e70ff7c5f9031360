"""Smoke test of benchmarks/bench_alliances.py at a tiny size (no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_alliances.py"


@pytest.mark.slow
def test_bench_alliances_prints_the_table_and_the_methods_agree() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(SCRIPT.parent.parent), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--units", "60", "--needs", "60", "--pairs", "20"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "betweenness: 60 units" in out
    assert "lists: 60 needs, 24 resources" in out
    assert "pairing: 20 communities × 20 departments" in out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("task")) + 2
    rows = [line.split() for line in lines[start : start + 8]]
    assert [(r[0], r[1]) for r in rows] == [
        ("betweenness", "gridparty"), ("betweenness", "networkx"),
        ("betweenness", "analyse_alliances"), ("lists", "highs"), ("lists", "networkx"),
        ("pairing", "highs"), ("pairing", "networkx"), ("pairing", "one-to-one"),
    ]
    assert all(r[-1] == "yes" for r in rows)
    assert "all methods agree" in out
