"""Smoke test of benchmarks/bench_access.py at a tiny scale (no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_access.py"


@pytest.mark.slow
def test_bench_access_prints_the_table_and_the_methods_agree() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(SCRIPT.parent.parent), os.environ.get("PYTHONPATH")])
        ),
    }
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--scale", "0.2", "--sample", "5"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "synthetic city: 2,000 households, 200 buildings" in out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("method")) + 2
    rows = {line.split()[0] for line in lines[start : start + 6]}
    assert rows == {
        "gridparty",
        "gridparty-networkx",
        "public",
        "public-node",
        "kdtree+scipy",
        "per-origin-networkx*",
    }
    assert "5 households in" in out
    assert "gridparty vs per-origin networkx:" in out
    assert "all methods agree" in out
