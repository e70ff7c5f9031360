"""Reading one partition: the Arrow fast path, its fall-back and the per-process cache."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

pq = pytest.importorskip("pyarrow.parquet")

import gridparty as gp  # noqa: E402
from gridparty.core.layers import normalise_layer  # noqa: E402
from gridparty.core.schema import LEVEL_NAMES, LEVELS  # noqa: E402
from gridparty.distributed import partitioned  # noqa: E402
from gridparty.distributed.partitioned import (  # noqa: E402
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
    assert partitioned._arrow_layer(pq.read_table(path), LEVELS[level]) is not None
    fast = read_layer_file(path, level)
    slow = _slow(path, level)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast.crs == slow.crs


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
    folder: Path, tmp_path: Path, change: object
) -> None:
    path = tmp_path / "part.parquet"
    path.write_bytes((folder / "buildings" / "part.00000.parquet").read_bytes())
    _rewrite(path, change)
    layer = read_layer_file(path, "building")
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
    monkeypatch.setattr(partitioned, "CACHE_BYTES", 1)
    other = folder / "buildings" / "part.00001.parquet"
    cached_layer(other, "building")
    assert [key[0] for key in partitioned._cache] == [str(other)]
    clear_cache()
    assert not partitioned._cache
