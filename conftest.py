"""Doctest collection: the distributed package's Examples need the ``dask`` extra."""

from __future__ import annotations

import importlib.util

_DASK = all(importlib.util.find_spec(m) for m in ("dask", "distributed", "pyarrow"))
collect_ignore_glob = [] if _DASK else ["gridparty/distributed/*.py"]
