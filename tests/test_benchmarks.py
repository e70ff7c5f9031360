"""Smoke test of benchmarks/bench_assign.py at a tiny scale (no timing is asserted)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_assign.py"


def _duckdb_spatial() -> bool:
    return all(importlib.util.find_spec(m) for m in ("duckdb", "duckdb_extension_spatial"))


@pytest.mark.slow
def test_bench_assign_runs_every_method_and_they_agree() -> None:
    cmd = [sys.executable, str(SCRIPT), "--scale", "0.2", "--repeat", "1"]
    if not _duckdb_spatial():
        cmd.append("--allow-missing-duckdb")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
        str(SCRIPT.parent.parent), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "2,000 households, 200 buildings" in out
    assert "method" in out
    assert "× public" in out
    assert "peak MB" in out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("method")) + 2
    end = lines.index("", start)
    rows = {line.split()[0]: line for line in lines[start:end]}
    for method in ("sjoin", "shapely", "kernel", "kernel+extract", "public", "kernel-declared",
                   "public-declared", "assign"):
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
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 2
    assert "unknown methods ['magic']" in proc.stderr
