"""Partitioned GeoParquet and the distributed assignment on a real LocalCluster (2 processes)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

import gridparty as gp  # noqa: E402
from gridparty.checks.validate import shareable  # noqa: E402
from gridparty.core.errors import CRSError, DataFileError, InputError, LayerError  # noqa: E402


@pytest.fixture(scope="module")
def city() -> gp.Hierarchy:
    return gp.synthetic_city(1.0, seed=3, missing_share=0.1, wrong_share=0.1)


@pytest.fixture(scope="module")
def folder(city: gp.Hierarchy, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gp.write_partitioned(city, tmp_path_factory.mktemp("p") / "city", npartitions=4)


def _community_of_partition(ph: gp.PartitionedHierarchy, h: gp.Hierarchy) -> pd.DataFrame:
    frames = [
        part.read("building").assign(partition=i)
        for i, part in enumerate(ph.partitions["building"])
    ]
    buildings = pd.concat(frames)
    community = h.grids["community_id"].reindex(buildings["grid_id"]).to_numpy()
    return buildings.assign(community=community)


def test_partitions_cut_through_communities(folder: Path, city: gp.Hierarchy) -> None:
    ph = gp.read_partitioned(folder)
    assert [len(ph.partitions[level]) for level in ("community", "grid", "building")] == [4, 4, 4]
    table = _community_of_partition(ph, city)
    spread = table.dropna(subset=["community"]).groupby("community")["partition"].nunique()
    assert (spread > 1).sum() >= 2  # the test below is about units near partition edges


def test_distributed_assign_equals_single_machine(folder: Path, client: object) -> None:
    ph = gp.read_partitioned(folder)
    expected = gp.assign(ph.to_hierarchy()).table
    result = gp.distributed_assign(ph, client=client)
    pd.testing.assert_frame_equal(result, expected)
    assert (~result["agree"].fillna(True)).sum() > 0  # wrong parents are in the data


def test_same_rows_as_the_original_hierarchy(
    folder: Path, city: gp.Hierarchy, client: object
) -> None:
    result = gp.distributed_assign(gp.read_partitioned(folder), client=client)
    expected = gp.assign(city).table
    key = ["level", "id"]
    pd.testing.assert_frame_equal(
        result.sort_values(key).reset_index(drop=True),
        expected.sort_values(key).reset_index(drop=True),
    )


def test_point_buildings_within_tolerance_across_partitions(tmp_path: Path, client: object) -> None:
    city = gp.synthetic_city(0.5, seed=1)
    centroids = city.buildings.geometry.to_crs(city.metric_crs).centroid.to_crs(4326)
    points = city.buildings.assign(geometry=centroids)
    # households a few metres off their building's point: matched by nearest_within
    hh = city.households.assign(geometry=city.households.geometry.translate(2e-5, 0))
    h = city.replace(buildings=points, households=hh)
    ph = gp.read_partitioned(gp.write_partitioned(h, tmp_path / "pts", npartitions=5))
    expected = gp.assign(ph.to_hierarchy(), tolerance_m=8.0).table
    result = gp.distributed_assign(ph, client=client, tolerance_m=8.0)
    pd.testing.assert_frame_equal(result, expected)
    assert result.loc[result["level"] == "household", "distance_m"].gt(0).sum() > 100


def test_empty_partition(tmp_path: Path, client: object) -> None:
    city = gp.synthetic_city(0.3, seed=2)
    empty = gp.Hierarchy(city.communities.iloc[:0])
    folder = gp.write_partitioned(iter([city, empty]), tmp_path / "e")
    ph = gp.read_partitioned(folder)
    assert [p.rows for p in ph.partitions["household"]] == [len(city.households), 0]
    expected = gp.assign(ph.to_hierarchy()).table
    pd.testing.assert_frame_equal(gp.distributed_assign(ph, client=client), expected)


def test_assign_into_a_folder_writes_the_table_partition_by_partition(
    folder: Path, client: object, tmp_path: Path
) -> None:
    ph = gp.read_partitioned(folder)
    expected = gp.assign(ph.to_hierarchy()).table
    written = gp.distributed_assign(ph, client=client, out=tmp_path / "assignment")
    assert written == tmp_path / "assignment"
    children = sum(
        bool(p.rows) for lv in ("grid", "building", "household") for p in ph.partitions[lv]
    )
    names = sorted(p.name for p in written.iterdir())
    assert names == ["gridparty-table.json"] + [f"part.{k:05d}.parquet" for k in range(children)]
    pd.testing.assert_frame_equal(gp.read_table_partitioned(written), expected)
    import dask.dataframe as dd

    lazy = dd.read_parquet(written)  # the folder is ordinary Parquet, readable lazily
    assert lazy.npartitions == children
    assert int(lazy["agree"].sum().compute()) == int(expected["agree"].sum())
    # a second run replaces the folder; a folder of anything else, the input included, is refused
    gp.distributed_assign(ph, client=client, out=written)
    pd.testing.assert_frame_equal(gp.read_table_partitioned(written), expected)
    with pytest.raises(DataFileError, match=r"^out='.*' exists and is not a partitioned table"):
        gp.distributed_assign(ph, client=client, out=folder)
    with pytest.raises(DataFileError, match="nope' does not exist; create it first"):
        gp.distributed_assign(ph, client=client, out=tmp_path / "nope" / "a")
    for bad in (3, "", "  "):
        with pytest.raises(InputError, match=f"^out={bad!r} must be the path of a folder"):
            gp.distributed_assign(ph, client=client, out=bad)  # type: ignore[call-overload]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assignment"]


def test_a_failed_assign_into_a_folder_leaves_nothing(tmp_path: Path, client: object) -> None:
    folder = gp.write_partitioned(gp.synthetic_city(0.3), tmp_path / "c", npartitions=3)
    ph = gp.read_partitioned(folder)
    gp.distributed_assign(ph, client=client, out=tmp_path / "a")
    before = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    (folder / "households" / "part.00002.parquet").write_bytes(b"not parquet")
    unreadable = r"part\.00002\.parquet' is not a readable Parquet file \(.*magic bytes"
    with pytest.raises(DataFileError, match=unreadable):
        gp.distributed_assign(ph, client=client, out=tmp_path / "a")
    with pytest.raises(DataFileError, match=unreadable):
        gp.distributed_assign(ph, client=client, out=tmp_path / "b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "c"]  # no new or hidden folder
    assert {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()} == before


def test_assign_into_a_folder_without_children(tmp_path: Path, client: object) -> None:
    city = gp.synthetic_city(0.2)
    ph = gp.read_partitioned(gp.write_partitioned(gp.Hierarchy(city.communities), tmp_path / "c"))
    written = gp.distributed_assign(ph, client=client, out=tmp_path / "a")
    pd.testing.assert_frame_equal(
        gp.read_table_partitioned(written), gp.assign(gp.Hierarchy(city.communities)).table
    )


def test_partitions_with_different_schemas_are_refused(tmp_path: Path) -> None:
    city = gp.synthetic_city(0.2)
    folder = gp.write_partitioned(city, tmp_path / "s", npartitions=2)
    part = folder / "grids" / "part.00001.parquet"
    import geopandas as gpd

    gpd.read_parquet(part).drop(columns="name").to_parquet(part)
    with pytest.raises(LayerError, match=r"part\.00001\.parquet' has columns differing"):
        gp.read_partitioned(folder)


def test_a_partition_rewritten_by_geopandas_is_read(tmp_path: Path) -> None:
    import geopandas as gpd
    import pyarrow.parquet as pq

    city = gp.synthetic_city(0.2)
    folder = gp.write_partitioned(city, tmp_path / "s", npartitions=2)
    part = folder / "households" / "part.00001.parquet"
    frame = gpd.read_parquet(part)
    frame.index = frame.index.astype("str")
    frame.astype({"building_id": "str"}).to_parquet(part)  # text as large_string
    kinds = {f.name: str(f.type) for f in pq.read_schema(part)}
    assert kinds["household_id"] != str(
        pq.read_schema(part.with_name("part.00000.parquet")).field("household_id").type
    )
    ph = gp.read_partitioned(folder)
    pd.testing.assert_frame_equal(gp.distributed_validate(ph), gp.validate(ph.to_hierarchy()))


def test_partitions_with_different_crs_are_refused(tmp_path: Path) -> None:
    city = gp.synthetic_city(0.2)
    folder = gp.write_partitioned(city, tmp_path / "c", npartitions=2)
    part = folder / "buildings" / "part.00001.parquet"
    import geopandas as gpd

    gpd.read_parquet(part).to_crs(3857).to_parquet(part)
    with pytest.raises(CRSError, match=r"part\.00001\.parquet' is in EPSG:3857"):
        gp.read_partitioned(folder)


def test_a_failed_write_leaves_no_folder(tmp_path: Path) -> None:
    def chunks() -> Iterator[gp.Hierarchy]:
        yield gp.synthetic_city(0.2)
        raise RuntimeError("generator broke")

    with pytest.raises(RuntimeError, match="generator broke"):
        gp.write_partitioned(chunks(), tmp_path / "broken")
    assert list(tmp_path.iterdir()) == []


def test_rewrite_replaces_and_foreign_folder_is_refused(tmp_path: Path) -> None:
    folder = gp.write_partitioned(gp.synthetic_city(0.2), tmp_path / "x", npartitions=3)
    gp.write_partitioned(gp.synthetic_city(0.2), folder, npartitions=2)
    assert len(list((folder / "households").iterdir())) == 2
    (tmp_path / "mine").mkdir()
    with pytest.raises(DataFileError, match="exists and is not a partitioned hierarchy"):
        gp.write_partitioned(gp.synthetic_city(0.2), tmp_path / "mine")
    with pytest.raises(InputError, match="npartitions=0 must be"):
        gp.write_partitioned(gp.synthetic_city(0.2), tmp_path / "y", npartitions=0)


def test_missing_layer_folder(tmp_path: Path) -> None:
    (tmp_path / "communities").mkdir()
    with pytest.raises(LayerError, match="has no grids/ folder"):
        gp.read_partitioned(tmp_path)


@pytest.mark.parametrize("run", ["assign", "assign into a folder", "validate"])
def test_a_worker_killed_mid_run_gives_the_complete_table(
    folder: Path, run: str, tmp_path: Path
) -> None:
    import os
    import signal
    import time
    from concurrent.futures import ThreadPoolExecutor

    ph = gp.read_partitioned(folder)

    def into_folder(ph: gp.PartitionedHierarchy, client: object) -> pd.DataFrame:
        written = gp.distributed_assign(ph, client=client, out=tmp_path / "a")
        assert [p.name for p in written.iterdir() if not p.name.startswith("part.")] == [
            "gridparty-table.json"  # no file left of the killed worker's task
        ]
        return gp.read_table_partitioned(written)

    single, spread = {
        "assign": (gp.assign, gp.distributed_assign),
        "assign into a folder": (gp.assign, into_folder),
        "validate": (gp.validate, gp.distributed_validate),
    }[run]
    expected = single(ph.to_hierarchy())
    if run != "validate":
        expected = expected.table
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, memory_limit="1GiB"
        ) as cluster,
        distributed.Client(cluster) as c,
        ThreadPoolExecutor(1) as pool,
    ):
        before = set(c.scheduler_info()["workers"])
        running = pool.submit(spread, ph, client=c)
        busy: list[str] = []
        deadline = time.monotonic() + 120
        while not busy and time.monotonic() < deadline and not running.done():
            busy = [w for w, tasks in c.processing().items() if tasks]
            time.sleep(0.05)
        assert busy, "no task was ever running"
        pid = c.run(os.getpid, workers=busy[:1])[busy[0]]
        os.kill(pid, signal.SIGKILL)
        result = running.result(timeout=300)
        after = set(c.scheduler_info()["workers"])
    assert busy[0] in before
    assert busy[0] not in after  # the worker really died (its nanny started a new one)
    pd.testing.assert_frame_equal(result, expected)


def test_cli_validate_on_two_workers_writes_the_same_table(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gridparty.cli.main import main

    assert main(["validate", str(folder), "--csv", str(tmp_path / "one.csv")]) == 0
    capsys.readouterr()
    two = ["--csv", str(tmp_path / "two.csv"), "--parquet", str(tmp_path / "issues.parquet")]
    assert main(["validate", str(folder), "--workers", "2", *two]) == 0
    captured = capsys.readouterr()
    assert "Dask dashboard: http://" in captured.out
    # a progress bar per step on stderr, without --quiet, ending full
    assert re.search(r"\[#{40}\] \| 100% Completed \| (\d+)/\1 tasks \| [\d.]+ s\n", captured.err)
    assert (tmp_path / "two.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    parts = gp.read_table_partitioned(tmp_path / "issues.parquet")
    expected = shareable(gp.validate(gp.read_partitioned(folder).to_hierarchy()))
    assert len(list((tmp_path / "issues.parquet").glob("part.*.parquet"))) == 8
    pd.testing.assert_frame_equal(parts.sort_index(), expected, check_index_type=False)
    assert parts.loc[parts["level"] == "household", "geometry"].isna().all()


def test_a_failed_table_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import geopandas as gpd

    issues = gp.validate(gp.synthetic_city(0.2, wrong_share=0.2))
    folder = gp.write_table_partitioned(issues, tmp_path / "issues", npartitions=3)
    before = sorted(p.name for p in folder.iterdir())
    written: list[object] = []
    original = gpd.GeoDataFrame.to_parquet

    def failing(self: gpd.GeoDataFrame, path: object, **kwargs: object) -> None:
        if written:
            raise OSError("disk full")
        written.append(path)
        original(self, path, **kwargs)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", failing)
    with pytest.raises(OSError, match="disk full"):
        gp.write_table_partitioned(issues.iloc[:5], folder, npartitions=3)
    with pytest.raises(OSError, match="disk full"):
        gp.write_table_partitioned(issues, tmp_path / "new", npartitions=3)
    assert len(written) == 1  # one file was written before the failure
    assert sorted(p.name for p in tmp_path.iterdir()) == ["issues"]  # no new or hidden folder
    assert sorted(p.name for p in folder.iterdir()) == before  # the earlier folder is intact
    pd.testing.assert_frame_equal(
        gp.read_table_partitioned(folder).sort_index(), issues, check_index_type=False
    )


def test_cli_workers_need_a_partitioned_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gridparty.cli.main import main

    gpkg = gp.write_hierarchy(gp.synthetic_city(0.2), tmp_path / "city.gpkg")
    assert main(["validate", str(gpkg), "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert "--workers needs PATH to be a partitioned hierarchy" in err
    assert "gridparty.write_partitioned" in err
