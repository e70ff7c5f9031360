"""Smoke test of benchmarks/bench_coverage.py at a tiny size (no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_coverage.py"


def test_bench_coverage_prints_both_methods_their_ratio_and_agrees() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
        str(SCRIPT.parent.parent), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--communities", "60", "--grids", "400", "--defects",
         "0.05"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "synthetic city: 60 communities" in out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("method")) + 2
    rows = {line.split()[0]: line for line in lines[start:start + 2]}
    assert set(rows) == {"gridparty", "overlay"}
    assert "gridparty vs overlay:" in out
    assert "× faster" in out
    assert "both methods agree" in out
