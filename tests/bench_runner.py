"""Run a script under ``benchmarks/`` as a user would, for the benchmark smoke tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def run_benchmark(script: str, *args: str, timeout: float = 600) -> str:
    """Run ``benchmarks/<script>`` with ``args``; assert it exits 0 and return its stdout."""
    path = BENCHMARKS / script
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(BENCHMARKS.parent), os.environ.get("PYTHONPATH")])
        ),
    }
    proc = subprocess.run(
        [sys.executable, str(path), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def table_rows(out: str, header: str, count: int | None = None) -> list[list[str]]:
    """The split rows of the table whose header line starts with ``header``.

    Rows start two lines below the header (after its rule) and run for ``count`` lines, or up
    to the first blank line when ``count`` is None.
    """
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header)) + 2
    end = start + count if count is not None else lines.index("", start)
    return [line.split() for line in lines[start:end]]
