"""Smoke test of benchmarks/bench_flagship.py at a tiny size (no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_flagship.py"


def test_bench_flagship_prints_exact_greedy_and_direct_in_one_run() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
        str(SCRIPT.parent.parent), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--communities", "60", "--organisations", "300", "--k", "3",
         "--lscp"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
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
