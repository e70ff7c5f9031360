"""One real ``LocalCluster`` (2 worker processes, a memory limit) for the whole folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="package")
def client() -> Iterator[object]:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, memory_limit="1GiB"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c
