"""Validation and spatial coverage on a real LocalCluster (2 processes): the single machine's tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

pytest.importorskip("dask")
pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

import gridparty as gp
from gridparty.checks.coverage import unit_overlaps
from gridparty.core.errors import DuplicateIdError
from gridparty.distributed.coverage import filled_grids
from gridparty.distributed.outlines import distributed_unit_overlaps
from gridparty.spatial.assign import with_parents


def _defective_city(scale: float = 0.6) -> gp.Hierarchy:
    """The synthetic city with wrong and missing parents and every kind of coverage problem."""
    city = gp.synthetic_city(scale, seed=3, missing_share=0.1, wrong_share=0.1)
    grids = city.grids.copy()
    ids = list(grids.index)
    for i in ids[::7]:  # moved grids: overlaps, spill-overs and gaps, across partition edges
        grids.loc[i, "geometry"] = shapely.affinity.translate(grids.loc[i, "geometry"], 3e-4, 1e-4)
    grids.loc[ids[10], "geometry"] = shapely.affinity.translate(
        grids.loc[ids[10], "geometry"], 1e-6, 0
    )  # slivers
    grids.loc[ids[3], "community_id"] = None  # filled from space by validate
    grids.loc[ids[5], "community_id"] = "nowhere"  # an unknown parent
    grids.loc[ids[8], "geometry"] = None  # an empty geometry
    return city.replace(grids=grids)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gp.write_partitioned(
        _defective_city(), tmp_path_factory.mktemp("p") / "city", npartitions=4
    )


@pytest.fixture(scope="module")
def ph(folder: Path) -> gp.PartitionedHierarchy:
    return gp.read_partitioned(folder)


def test_partitions_cut_through_communities_and_their_grids(ph: gp.PartitionedHierarchy) -> None:
    grids = pd.concat(
        [p.read("grid").assign(partition=i) for i, p in enumerate(ph.partitions["grid"])]
    )
    communities = pd.concat(
        [p.read("community").assign(partition=i) for i, p in enumerate(ph.partitions["community"])]
    )
    own = communities["partition"].reindex(grids["community_id"]).to_numpy()
    assert (grids.groupby("community_id")["partition"].nunique() > 1).sum() >= 2
    assert (grids["partition"].to_numpy() != own).sum() > 10  # grids away from their community


def test_distributed_coverage_equals_single_machine(
    ph: gp.PartitionedHierarchy, client: object
) -> None:
    h = ph.to_hierarchy()
    expected = gp.spatial_coverage(
        h.communities, h.grids, parent_column="community_id", metric_crs=h.metric_crs
    )
    result = gp.distributed_coverage(ph, client=client)
    for name, table in expected.tables().items():
        pd.testing.assert_frame_equal(result.tables()[name], table)
    assert (result.gaps["kind"] == "gap").sum() > 5
    assert (result.overlaps["kind"] == "overlap").sum() > 20
    assert (result.outside["kind"] == "outside").sum() > 5
    assert set(result.problems["check"]) == {"no_parent", "unknown_parent", "empty_geometry"}
    assert (result.overlaps["kind"] == "sliver").sum() >= 1


def test_distributed_coverage_with_filled_parents_and_counts(
    ph: gp.PartitionedHierarchy, client: object
) -> None:
    assignment = with_parents(ph.to_hierarchy())
    h = assignment.hierarchy
    expected = gp.spatial_coverage(
        h.communities,
        h.grids,
        parent_column="community_id",
        metric_crs=h.metric_crs,
        buildings=h.buildings,
        households=h.households,
    )
    filled = filled_grids(assignment.table)
    assert len(filled) > 5
    result = gp.distributed_coverage(ph, client=client, filled=filled, counts=True)
    for name, table in expected.tables().items():
        pd.testing.assert_frame_equal(result.tables()[name], table)
    assert result.gaps["member_households"].sum() > 100
    assert result.overlaps["buildings"].sum() > 10
    # the coverage report accepts it in place of its own
    report = gp.check_coverage(ph.to_hierarchy(), assignment=assignment, grid_coverage=result)
    pd.testing.assert_frame_equal(
        report.grid_status, gp.check_coverage(ph.to_hierarchy()).grid_status
    )


def test_distributed_validate_equals_single_machine(
    ph: gp.PartitionedHierarchy, client: object
) -> None:
    expected = gp.validate(ph.to_hierarchy())
    result = gp.distributed_validate(ph, client=client)
    pd.testing.assert_frame_equal(result, expected)
    key = ["level", "check", "id", "message"]
    pd.testing.assert_frame_equal(
        result.sort_values(key).reset_index(drop=True),
        expected.sort_values(key).reset_index(drop=True),
    )
    assert {
        "parent_mismatch",
        "not_in_any_parent",
        "unknown_parent",
        "empty_geometry",
        "overlap",
        "uncovered",
        "outside_parent",
        "sliver",
    } <= set(result["check"])


def test_ids_repeated_across_partitions_are_reported_as_on_one_machine(
    tmp_path: Path, client: object
) -> None:
    a, b = gp.synthetic_city(0.2, seed=1), gp.synthetic_city(0.2, seed=2)  # the same ids
    ph = gp.read_partitioned(gp.write_partitioned(iter([a, b]), tmp_path / "dup"))
    with pytest.raises(DuplicateIdError) as single:
        ph.to_hierarchy()
    with pytest.raises(DuplicateIdError) as spread:
        gp.distributed_validate(ph, client=client)
    assert str(spread.value) == str(single.value)
    assert "communities: 5 community_id values shared by several rows" in str(spread.value)


def _rewrite_ids(folder: Path, change: Any) -> gp.PartitionedHierarchy:
    """The folder with the ids of its household files changed by ``change(ids, k, first)``
    (files rewritten by hand, as another tool might write them)."""
    import geopandas as gpd

    files = sorted((folder / "households").glob("*.parquet"))
    first = gpd.read_parquet(files[0])
    for k, file in enumerate(files):
        frame = gpd.read_parquet(file)
        ids = frame.index.to_series().astype(object)
        change(ids, k, first)
        frame.index = pd.Index(ids.to_numpy(), name=frame.index.name)
        frame.to_parquet(file)
    return gp.read_partitioned(folder)


def _across(ids: pd.Series, k: int, first: pd.DataFrame) -> None:
    if k:
        ids.iloc[10] = first.index[20 + k]  # repeats one of the first partition's ids
        ids.iloc[11] = " " + str(first.index[40 + k]) + " "  # the same, once blanks are stripped
        ids.iloc[12] = first.index[20]  # a third row of one id


def _within(ids: pd.Series, k: int, first: pd.DataFrame) -> None:
    if k == 1:
        ids.iloc[[3, 7]] = None  # missing ids
        ids.iloc[11] = ids.iloc[12]  # a repeat inside the partition


@pytest.mark.parametrize("collide", [False, True])
@pytest.mark.parametrize("change", [_across, _within])
def test_repeated_and_missing_ids_give_the_single_machine_error(
    tmp_path: Path, client: object, monkeypatch: pytest.MonkeyPatch, collide: bool, change: Any
) -> None:
    city = gp.synthetic_city(0.3, seed=4)
    ph = _rewrite_ids(gp.write_partitioned(city, tmp_path / "ids", npartitions=3), change)
    with pytest.raises(DuplicateIdError) as single:
        ph.to_hierarchy()
    if collide:  # every id hashed alike: the candidates are every row, the answer the same
        import gridparty.distributed.validate as module

        monkeypatch.setattr(module, "hash_ids", lambda v: np.zeros(len(v), dtype=np.uint64))
        with pytest.raises(DuplicateIdError) as spread:
            gp.distributed_validate(ph)  # in this process, under the patch
    else:
        with pytest.raises(DuplicateIdError) as spread:
            gp.distributed_validate(ph, client=client)
    assert str(spread.value) == str(single.value)
    expected = (
        "households: 5 household_id values shared by several rows (6 extra rows)"
        if change is _across
        else "part.00001.parquet: 1 household_id value shared by several rows (1 extra row), "
        "e.g. ['H"
    )
    assert expected in str(spread.value)


def test_parents_declared_far_away_or_unknown(tmp_path: Path, client: object) -> None:
    import gridparty.distributed.validate as module

    city = gp.synthetic_city(0.5, seed=6)
    hh = city.households.copy()
    far_building = city.buildings.index[-1]  # in the last partition, households in the first
    hh.iloc[:5, hh.columns.get_loc("building_id")] = far_building
    hh.iloc[5:8, hh.columns.get_loc("building_id")] = "no such building"
    grids = city.grids.copy()
    grids.iloc[:2, grids.columns.get_loc("community_id")] = city.communities.index[-1]
    h = city.replace(households=hh, grids=grids)
    ph = gp.read_partitioned(gp.write_partitioned(h, tmp_path / "far", npartitions=4))
    contexts = {
        ("household", 0): [p for p in ph.partitions["building"][:1]],
        ("grid", 0): [p for p in ph.partitions["community"][:1]],
    }
    far = module._far_parents(ph, contexts, None, False)
    assert far_building in set(far["household"])
    assert "no such building" not in set(far["household"])
    expected = gp.validate(ph.to_hierarchy())
    result = gp.distributed_validate(ph, client=client)
    pd.testing.assert_frame_equal(result, expected)
    unknown = result[result["check"] == "unknown_parent"]
    assert (unknown["message"].str.contains("'no such building'")).sum() == 3
    assert (result["check"] == "parent_mismatch").sum() >= 5


def test_colliding_hashes_of_unique_ids_are_no_error(
    ph: gp.PartitionedHierarchy, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gridparty.distributed.validate as module

    expected = gp.validate(ph.to_hierarchy())
    monkeypatch.setattr(module, "hash_ids", lambda v: np.zeros(len(v), dtype=np.uint64))
    pd.testing.assert_frame_equal(gp.distributed_validate(ph), expected)


def test_an_empty_partition(tmp_path: Path, client: object) -> None:
    city = gp.synthetic_city(0.3, seed=2, wrong_share=0.1)
    empty = gp.Hierarchy(city.communities.iloc[:0])
    ph = gp.read_partitioned(gp.write_partitioned(iter([city, empty]), tmp_path / "e"))
    expected = gp.validate(ph.to_hierarchy())
    assert len(expected)
    pd.testing.assert_frame_equal(gp.distributed_validate(ph, client=client), expected)


def test_a_hierarchy_without_grids(tmp_path: Path, client: object) -> None:
    city = gp.synthetic_city(0.3, seed=2)
    h = gp.Hierarchy(city.communities)
    ph = gp.read_partitioned(gp.write_partitioned(h, tmp_path / "g", npartitions=2))
    result = gp.distributed_validate(ph, client=client)
    pd.testing.assert_frame_equal(result, gp.validate(ph.to_hierarchy()))
    assert result["check"].tolist() == ["not_recorded"]
    coverage = gp.distributed_coverage(ph, client=client)
    assert coverage.problems["check"].tolist() == ["not_recorded"]


def test_cli_check_on_two_workers_writes_the_single_machine_geopackage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import geopandas as gpd
    import pyogrio

    from gridparty.cli.main import main

    folder = gp.write_partitioned(_defective_city(0.3), tmp_path / "city", npartitions=3)
    assert main(["check", str(folder), "--workers", "2", "--gpkg", str(tmp_path / "two.gpkg")]) == 0
    out = capsys.readouterr().out
    assert "Dask dashboard: http://" in out
    gp.check_coverage(gp.read_partitioned(folder).to_hierarchy()).to_geopackage(
        tmp_path / "one.gpkg"
    )
    layers = [name for name, _ in pyogrio.list_layers(tmp_path / "one.gpkg")]
    assert [name for name, _ in pyogrio.list_layers(tmp_path / "two.gpkg")] == layers
    for layer in layers:
        pd.testing.assert_frame_equal(
            gpd.read_file(tmp_path / "two.gpkg", layer=layer),
            gpd.read_file(tmp_path / "one.gpkg", layer=layer),
        )


def _overlapping_city() -> gp.Hierarchy:
    """The defective city with overlapping communities, streets and districts, a tiny street
    and district, and grids and buildings without the organisation their members call for."""
    city = _defective_city()
    communities = city.communities.copy()
    for i in ("C0006", "C0011"):  # overlap their neighbours, across partition edges
        communities.loc[i, "geometry"] = communities.loc[i, "geometry"].buffer(3e-4)
    fangcao = communities["street"] == "芳草街道"
    communities.loc[fangcao, "district"] = "锦江区"
    communities.loc["C0003", "street"] = "芳草街道"  # an island of 芳草街道 in 玉林街道
    x, y = communities.loc["C0001", "geometry"].representative_point().coords[0]
    tiny = gpd.GeoDataFrame(
        {"name": ["小社区"], "street": ["小街道"], "district": ["小区"]},
        geometry=[shapely.box(x, y, x + 5e-6, y + 5e-6)],  # 0.3 m²
        index=pd.Index(["C0099"], name="community_id"),
        crs=4326,
    )
    grids, buildings = city.grids.copy(), city.buildings.copy()
    grids.loc[grids.index[::4], "has_branch"] = False
    buildings.loc[buildings.index[::9], "has_group"] = False
    return city.replace(
        communities=pd.concat([communities, tiny]), grids=grids, buildings=buildings
    )


def test_same_level_overlaps_and_organisation_across_partitions(
    tmp_path: Path, client: object
) -> None:
    ph = gp.read_partitioned(
        gp.write_partitioned(_overlapping_city(), tmp_path / "o", npartitions=4)
    )
    h = ph.to_hierarchy()
    expected = gp.validate(h)
    result = gp.distributed_validate(ph, client=client)
    pd.testing.assert_frame_equal(result, expected)
    checks = result.groupby(["level", "check"]).size()
    for level in ("community", "street", "district"):
        assert checks[(level, "same_level_overlap")] >= 1
    assert checks[("street", "tiny_polygon")] == 1
    assert checks[("district", "tiny_polygon")] == 1
    assert checks[("grid", "members_without_branch")] >= 5
    assert checks[("building", "members_without_group")] >= 5
    # some overlapping communities lie in different partitions
    partition = pd.concat(
        [p.read("community").assign(part=i) for i, p in enumerate(ph.partitions["community"])]
    )["part"]
    overlaps = unit_overlaps(h)
    pd.testing.assert_frame_equal(distributed_unit_overlaps(ph, client=client), overlaps)
    pairs = overlaps.query("level == 'community'")
    assert (
        partition.reindex(pairs["id"]).to_numpy() != partition.reindex(pairs["other_id"]).to_numpy()
    ).sum() >= 2
    # members counted across partitions: households away from their buildings' partition
    buildings = pd.concat(
        [p.read("building").assign(part=i) for i, p in enumerate(ph.partitions["building"])]
    )["part"]
    households = pd.concat(
        [p.read("household").assign(part=i) for i, p in enumerate(ph.partitions["household"])]
    )
    away = buildings.reindex(households["building_id"]).to_numpy() != households["part"].to_numpy()
    assert away.sum() > 100


def test_an_attribute_recorded_in_one_partition_only_is_recorded(
    tmp_path: Path, client: object
) -> None:
    city = gp.synthetic_city(0.4, seed=5)
    buildings = city.buildings.copy()
    buildings["has_group"] = pd.array([pd.NA] * len(buildings), dtype="boolean")
    buildings.loc[buildings.index[:3], "has_group"] = False  # neighbours: in one partition
    households = city.households.assign(
        formal_members=pd.array([pd.NA] * len(city.households), dtype="Int64")
    )
    for h, not_recorded in (
        (city.replace(buildings=buildings), []),
        (city.replace(buildings=buildings, households=households), ["formal_members"]),
    ):
        folder = gp.write_partitioned(h, tmp_path / f"r{len(not_recorded)}", npartitions=3)
        ph = gp.read_partitioned(folder)
        recorded = [
            p.read("building")["has_group"].notna().any() for p in ph.partitions["building"]
        ]
        assert sorted(recorded) == [False, False, True]
        result = gp.distributed_validate(ph, client=client)
        pd.testing.assert_frame_equal(result, gp.validate(ph.to_hierarchy()))
        assert result.loc[result["check"] == "not_recorded", "id"].tolist() == not_recorded


@pytest.mark.parametrize("layers", [3, 2])
def test_a_hierarchy_without_households_or_buildings(
    tmp_path: Path, client: object, layers: int
) -> None:
    city = gp.synthetic_city(0.3, seed=4)
    grids = city.grids.copy()
    grids.loc[grids.index[::3], "has_branch"] = False
    h = gp.Hierarchy(*[city.communities, grids, city.buildings][:layers])
    ph = gp.read_partitioned(gp.write_partitioned(h, tmp_path / "h", npartitions=2))
    result = gp.distributed_validate(ph, client=client)
    pd.testing.assert_frame_equal(result, gp.validate(ph.to_hierarchy()))
    absent = {"households"} if layers == 3 else {"buildings", "households"}
    assert absent <= set(result.loc[result["check"] == "not_recorded", "id"])
    assert (result["check"] == "members_without_branch").sum() == 0  # no members known


def test_validate_holds_no_whole_hierarchy(
    ph: gp.PartitionedHierarchy, monkeypatch: pytest.MonkeyPatch
) -> None:
    def whole(self: object) -> None:
        raise AssertionError("the whole hierarchy was read")

    expected = gp.validate(ph.to_hierarchy())
    monkeypatch.setattr(gp.PartitionedHierarchy, "to_hierarchy", whole)
    # Dask's default (threaded) scheduler: the tasks run in this process, under the patch
    pd.testing.assert_frame_equal(gp.distributed_validate(ph), expected)


def test_validate_keeps_the_households_assignment_on_the_workers(
    ph: gp.PartitionedHierarchy, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gridparty.distributed.validate as module

    expected = gp.validate(ph.to_hierarchy())
    gathered: list[set[str]] = []
    original = module.assignment_table

    def spy(parts: list[pd.DataFrame]) -> pd.DataFrame:
        gathered.append({str(v) for part in parts for v in part["level"].unique()})
        return original(parts)

    monkeypatch.setattr(module, "assignment_table", spy)
    pd.testing.assert_frame_equal(gp.distributed_validate(ph), expected)
    assert gathered == [{"grid"}]  # the bulk, one row a household or building, stays apart


def test_cli_validate_on_two_workers_reads_no_layer_but_the_communities(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gridparty.cli.main import main

    folder = gp.write_partitioned(_overlapping_city(), tmp_path / "city", npartitions=3)
    one = ["--csv", str(tmp_path / "one.csv"), "--xlsx", str(tmp_path / "one.xlsx")]
    assert main(["validate", str(folder), *one]) == 0
    capsys.readouterr()
    read: list[str] = []
    layer = gp.PartitionedHierarchy.layer

    def whole(self: object) -> None:
        raise AssertionError("the whole hierarchy was read on the driver")

    def recorded(self: gp.PartitionedHierarchy, level: str) -> gpd.GeoDataFrame:
        read.append(level)
        return layer(self, level)

    monkeypatch.setattr(gp.PartitionedHierarchy, "to_hierarchy", whole)
    monkeypatch.setattr(gp.PartitionedHierarchy, "layer", recorded)
    two = ["--csv", str(tmp_path / "two.csv"), "--xlsx", str(tmp_path / "two.xlsx")]
    two += ["--html", str(tmp_path / "map.html"), "--parquet", str(tmp_path / "issues.parquet")]
    assert main(["validate", str(folder), "--workers", "2", "--quiet", *two]) == 0
    out, err = capsys.readouterr()
    assert set(read) == {"community"}
    assert (tmp_path / "two.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    sheets = [pd.read_excel(tmp_path / f"{n}.xlsx", sheet_name=None) for n in ("one", "two")]
    assert len(sheets[0]["同级单元重叠"]) >= 3  # unit_overlaps
    assert len(sheets[1]) == len(sheets[0])
    for name in sheets[0]:
        if name != "说明":  # the notes: the options of the run
            pd.testing.assert_frame_equal(sheets[1][name], sheets[0][name])
    assert "map: the communities and the issues only" in out
    drawn = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert "C0006" in drawn
    assert "社区与校验问题（集群运行：未绘制网格和楼栋）" in drawn
    assert "Completed" not in out + err  # --quiet: no progress bar
    assert "个问题" in out  # the summary, from the issues table
