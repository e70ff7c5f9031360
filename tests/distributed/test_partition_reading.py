"""Reading one partition (the Arrow fast path, its fall-back, the per-process cache) and gathering task results."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

pytest.importorskip("pyarrow")

import gridparty as gp
from gridparty.core.layers import normalise_layer
from gridparty.core.schema import LEVEL_NAMES, LEVELS
from gridparty.distributed import partitioned
from gridparty.distributed.partitioned import (
    cached_layer,
    clear_cache,
    read_layer_file,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    city = gp.synthetic_city(0.3, seed=5, missing_share=0.1, wrong_share=0.1)
    return gp.write_partitioned(city, tmp_path_factory.mktemp("r") / "city", npartitions=2)


def _slow(path: Path, level: str) -> gpd.GeoDataFrame:
    return normalise_layer(gpd.read_parquet(path), LEVELS[level], argument=str(path))[0]


@pytest.mark.parametrize("level", LEVEL_NAMES)
def test_written_partitions_are_built_from_arrow_and_equal_the_full_normalisation(
    folder: Path, level: str
) -> None:
    path = folder / LEVELS[level].layer / "part.00001.parquet"
    slow = _slow(path, level)
    with pytest.MonkeyPatch.context() as patch:  # the fast path never needs geopandas' reader
        patch.setattr(gpd, "read_parquet", _refuse)
        fast = read_layer_file(path, level)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast.crs == slow.crs


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("geopandas.read_parquet was called")


def _rewrite(path: Path, change: object) -> gpd.GeoDataFrame:
    frame = gpd.read_parquet(path)
    frame = change(frame)  # type: ignore[operator]  # a function of the frame
    frame.to_parquet(path, index=True)
    return frame


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda f: f.set_axis(pd.Index(" " + f.index + " ", name=f.index.name)),
            id="ids with blanks",
        ),
        pytest.param(
            lambda f: f.assign(grid_id=f["grid_id"].fillna("") + "\t"), id="parent blanks"
        ),
        pytest.param(lambda f: f.drop(columns=["has_group"]), id="missing attribute"),
        pytest.param(
            lambda f: f.assign(households=f["households"].astype(float)), id="float count"
        ),
        pytest.param(lambda f: f.to_crs(3857), id="projected"),
        pytest.param(lambda f: f.reset_index(), id="id as a column"),
    ],
)
def test_other_files_take_the_full_normalisation(
    folder: Path, tmp_path: Path, change: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "part.parquet"
    path.write_bytes((folder / "buildings" / "part.00000.parquet").read_bytes())
    _rewrite(path, change)
    calls = []
    read = gpd.read_parquet
    monkeypatch.setattr(gpd, "read_parquet", lambda *a, **k: calls.append(a) or read(*a, **k))
    layer = read_layer_file(path, "building")
    assert calls == [(path,)]
    monkeypatch.undo()
    pd.testing.assert_frame_equal(layer, _slow(path, "building"))
    assert layer.index.str.strip().equals(layer.index)
    assert layer["grid_id"].dropna().str.strip().ne("").all()


def test_the_cache_reads_a_rewritten_file_again_and_keeps_its_budget(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_cache()
    path = tmp_path / "part.parquet"
    path.write_bytes((folder / "buildings" / "part.00000.parquet").read_bytes())
    first = cached_layer(path, "building")
    assert cached_layer(path, "building") is first
    rewritten = _rewrite(path, lambda f: f.iloc[:3])
    again = cached_layer(path, "building")
    assert list(again.index) == list(rewritten.index)
    assert cached_layer(path, "building") is again
    clear_cache()
    assert cached_layer(path, "building") is not again
    clear_cache()
    monkeypatch.setattr(partitioned, "CACHE_BYTES", 1)  # no room: nothing is kept
    assert cached_layer(path, "building") is not cached_layer(path, "building")


def _double(x: int) -> int:
    return 2 * x


def test_equal_tasks_each_get_their_result_in_order(client: object) -> None:
    import dask

    from gridparty.distributed.engine import compute

    tasks = [dask.delayed(_double, pure=True)(x) for x in (1, 2, 1, 3)]
    assert compute(tasks, client, False) == [2, 4, 2, 6]
