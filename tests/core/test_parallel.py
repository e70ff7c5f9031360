"""Element-wise work in threads gives the one-call answer, element for element."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import shapely

from gridparty.core import parallel
from gridparty.core.errors import InputError
from gridparty.core.parallel import MIN_CHUNK, chunked, thread_count


def _discs(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return shapely.buffer(shapely.points(rng.random((n, 2)) * 1000), rng.uniform(1, 30, n))


def test_chunks_in_threads_equal_one_call() -> None:
    a, b = _discs(5 * MIN_CHUNK + 7, 1), _discs(5 * MIN_CHUNK + 7, 2)
    whole = shapely.difference(a, b)
    split = chunked(shapely.difference, a, b, workers=4)
    assert len(split) == len(a)
    assert shapely.equals_exact(split, whole, tolerance=0).all()
    pattern = chunked(shapely.relate_pattern, a, b, workers=3, pattern="T********")
    assert pattern.dtype == bool
    assert (pattern == shapely.relate_pattern(a, b, "T********")).all()


def test_rows_of_a_padded_array_are_chunked() -> None:
    groups = _discs(4 * MIN_CHUNK * 3, 3).reshape(-1, 3)
    whole = shapely.union_all(groups, axis=1)
    split = chunked(shapely.union_all, groups, axis=1, workers=2)
    assert shapely.equals_exact(split, whole, tolerance=0).all()


def test_small_inputs_and_nested_calls_run_in_the_calling_thread() -> None:
    seen: list[str] = []

    def where(x: np.ndarray) -> np.ndarray:
        seen.append(threading.current_thread().name)
        return x * 2

    assert chunked(where, np.arange(MIN_CHUNK - 1), workers=8).tolist()[:3] == [0, 2, 4]
    assert seen == [threading.current_thread().name]
    seen.clear()

    def outer(x: np.ndarray) -> np.ndarray:
        return chunked(where, x, workers=2)  # inside a pool thread: not split again

    out = chunked(outer, np.arange(4 * MIN_CHUNK), workers=2)
    assert (out == 2 * np.arange(4 * MIN_CHUNK)).all()
    assert len(seen) == 4  # four chunks of MIN_CHUNK rows, none split again
    assert all(name.startswith("gridparty-chunk") for name in seen)


def test_empty_input() -> None:
    assert len(chunked(shapely.area, np.empty(0, dtype=object))) == 0


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_workers_must_be_a_whole_number(bad: object) -> None:
    with pytest.raises(InputError, match=r"workers=.* must be a whole number of threads >= 1"):
        thread_count(bad)  # type: ignore[arg-type]


def test_default_threads_follow_omp_num_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "cores", lambda: 8)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert thread_count(None) == 8
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # as in a Dask worker
    assert thread_count(None) == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "junk")
    assert thread_count(None) == 8
    assert thread_count(3) == 3
