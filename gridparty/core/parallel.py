"""Element-wise array work on every core, in threads.

Shapely's vectorised functions (GEOS) release the GIL, so one array operation split into
contiguous chunks runs on several cores from plain threads, with no copying between
processes. :func:`chunked` does that for any function whose ``i``-th output depends only on
the ``i``-th elements of its inputs (``shapely.difference``, ``shapely.relate_pattern``,
``shapely.union_all(..., axis=1)`` on a padded 2-d array, ...). The result equals the
one-call result element for element, whatever the number of threads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from gridparty.core.errors import InputError

__all__ = ["MIN_CHUNK", "chunked", "cores", "thread_count"]

#: Fewest elements per thread: below this the thread start costs more than it saves.
MIN_CHUNK = 250
_PREFIX = "gridparty-chunk"
_CHUNKS_PER_THREAD = 4


def cores() -> int:
    """CPU cores this process may run on (its affinity mask where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def thread_count(workers: int | None) -> int:
    """``workers`` checked (a whole number >= 1), or, when ``None``, one thread per core —
    at most ``OMP_NUM_THREADS`` when that is set (Dask's worker processes set it to 1, so
    their tasks do not start more threads than the worker has cores).

    Raises
    ------
    InputError
        ``workers`` is not a whole number >= 1.
    """
    if workers is None:
        limit = os.environ.get("OMP_NUM_THREADS", "").strip()
        return min(cores(), int(limit)) if limit.isdigit() and int(limit) >= 1 else cores()
    if not isinstance(workers, int | np.integer) or isinstance(workers, bool) or workers < 1:
        raise InputError(
            f"workers={workers!r} must be a whole number of threads >= 1 (default: one per core)."
        )
    return int(workers)


def chunked(
    func: Callable[..., Any], *arrays: np.ndarray, workers: int | None = None, **kwargs: Any
) -> np.ndarray:
    """``func(*arrays, **kwargs)`` computed on contiguous chunks in up to ``workers`` threads.

    Parameters
    ----------
    func : callable
        An element-wise array function (its ``i``-th output depends on the ``i``-th rows of
        ``arrays`` only) that releases the GIL, such as shapely's vectorised functions.
    *arrays : ndarray
        Inputs of equal length (rows along the first axis).
    workers : int, optional
        Threads at most; default one per core. Each thread gets at least
        :data:`MIN_CHUNK` rows, so small inputs run in one call.
    **kwargs
        Passed to every call of ``func``.

    Returns
    -------
    ndarray
        The concatenated chunk results: ``func(*arrays, **kwargs)``, element for element.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> boxes = shapely.box(np.arange(3000.0), 0, np.arange(3000.0) + 2, 1)
    >>> area = chunked(shapely.area, shapely.intersection(boxes, shapely.box(0, 0, 10, 1)))
    >>> area[:4].tolist(), float(area.sum())
    ([2.0, 2.0, 2.0, 2.0], 19.0)
    """
    n = len(arrays[0])
    threads = min(thread_count(workers), n // MIN_CHUNK)
    if threads <= 1 or threading.current_thread().name.startswith(_PREFIX):  # not nested
        return np.asarray(func(*arrays, **kwargs))
    # a few chunks per thread: a thread slowed by other work on its core takes fewer of them
    chunks = min(_CHUNKS_PER_THREAD * threads, n // MIN_CHUNK)
    edges = np.linspace(0, n, chunks + 1).astype(np.int64)

    def run(i: int) -> np.ndarray:
        part = (a[edges[i] : edges[i + 1]] for a in arrays)
        return np.asarray(func(*part, **kwargs))

    return np.concatenate(list(_pool(threads).map(run, range(chunks))))


_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()
if hasattr(os, "register_at_fork"):  # a forked child has none of the parent's threads
    os.register_at_fork(after_in_child=_POOLS.clear)


def _pool(threads: int) -> ThreadPoolExecutor:
    """One pool per thread count for the life of the process (threads start once, not per call)."""
    with _POOLS_LOCK:
        if threads not in _POOLS:
            _POOLS[threads] = ThreadPoolExecutor(threads, thread_name_prefix=_PREFIX)
        return _POOLS[threads]
