"""The sample city's builder script (``sample_data/build/``), importable from the tests."""

from __future__ import annotations

import sys
from pathlib import Path

BUILD = Path(__file__).resolve().parents[1] / "sample_data" / "build"
if str(BUILD) not in sys.path:
    sys.path.insert(0, str(BUILD))

import build_sample_city as builder  # noqa: E402

__all__ = ["BUILD", "builder"]
