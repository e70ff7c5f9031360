"""The sample city: determinism, storage, schema, density and each planted defect in space."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from sample_builder import builder as sb

import gridparty.datasets.sample as ds
from gridparty.checks.validate import CHECKS
from gridparty.core.errors import DataFileError, LayerError
from gridparty.core.model import Hierarchy
from gridparty.core.rules import DEFAULT_RULES
from gridparty.spatial.assign import largest_overlap

DATA = Path(__file__).parents[1] / "data"
UTM = "EPSG:32651"

COLUMNS = {
    "communities": ["name", "street", "district"],
    "grids": ["community_id", "name", "has_branch", "full_time_workers", "part_time_workers"],
    "buildings": [
        "grid_id",
        "name",
        "households",
        "has_group",
        "osm_id",
        "height_m",
        "floors",
        "residential",
        "kind_detail",
        "addr_street",
        "addr_housenumber",
    ],
    "households": [
        "building_id",
        "formal_members",
        "probationary_members",
        "is_hub",
        "姓名",
        "联系电话",
    ],
    "service_centres": ["name", "tier", "community_id", "street", "district", "building_id"],
    "organisations": [
        "name",
        "kind",
        "formal_members",
        "has_branch",
        "community_id",
        "building_id",
    ],
    "streets": ["name", "kind"],
    "units": ["name", "kind", "industry", "party_org", "formal_members", "联系人", "联系电话"],
    "alliances": ["name", "kind", "lead_unit_id", "chair_unit_id"],
    "memberships": ["unit_id", "alliance_id", "since"],
    "agreements": ["party_a", "party_b", "since", "topic"],
    "departments": ["name", "district", "capacity"],
    "pairings": ["community_id", "department_id", "since"],
    "needs": ["community_id", "category", "size", "title"],
    "resources": ["unit_id", "category", "capacity", "title"],
}
GEOMETRY = {
    "communities": {"Polygon", "MultiPolygon"},
    "grids": {"Polygon", "MultiPolygon"},
    "buildings": {"Polygon"},
    "households": {"Point"},
    "service_centres": {"Point"},
    "organisations": {"Point"},
    "streets": {"LineString"},
    "units": {"Point"},
    "departments": {"Point"},
    "needs": {"Point"},
    "resources": {"Point"},
}
#: Attribute tables of the GeoPackage (no geometry column).
TABLES = ("alliances", "memberships", "agreements", "pairings")


def planted(check: str) -> list[str]:
    return [d.id for d in ds.SAMPLE_DEFECTS if d.check == check]


def metric(frame: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(frame.geometry.to_crs(UTM).make_valid().array)


def assert_layers_equal(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> None:
    if not isinstance(a, gpd.GeoDataFrame):  # an attribute table
        pd.testing.assert_frame_equal(a, b)
        return
    pd.testing.assert_frame_equal(
        pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry"))
    )
    same = shapely.equals_exact(np.asarray(a.geometry.array), np.asarray(b.geometry.array), 0)
    assert same.all(), list(a.index[~same][:5])


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return sb.build_sample_layers()


@pytest.fixture(scope="module")
def formal_per_grid(layers: dict[str, gpd.GeoDataFrame]) -> pd.Series:
    members = layers["households"].groupby("building_id")["formal_members"].sum()
    b = layers["buildings"]
    per_building = members.reindex(b.index).fillna(0)
    return per_building.groupby(b["grid_id"]).sum().reindex(layers["grids"].index).fillna(0)


# -- determinism and storage -------------------------------------------------------------------


def test_two_builds_are_equal() -> None:
    first = sb.build_sample_layers()
    sb._build.cache_clear()
    second = sb.build_sample_layers()
    assert list(first) == list(second) == list(ds.LAYERS)
    for name in ds.LAYERS:
        assert_layers_equal(first[name], second[name])


def test_build_returns_copies(layers: dict[str, gpd.GeoDataFrame]) -> None:
    mine = sb.build_sample_layers()
    mine["grids"].loc[:, "name"] = "changed"
    assert (sb.build_sample_layers()["grids"]["name"] != "changed").all()


@pytest.mark.parametrize("name", ds.LAYERS)
def test_stored_geopackage_equals_a_fresh_build(
    name: str, layers: dict[str, gpd.GeoDataFrame]
) -> None:
    assert_layers_equal(ds.sample_layer(name), layers[name])


def test_write_sample_city_writes_every_layer(tmp_path: Path) -> None:
    path = sb.write_sample_city(tmp_path / "city.gpkg")
    assert path == tmp_path / "city.gpkg"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["city.gpkg"]  # no temp file left
    stored = ds._read_layer(path, "grids")
    assert_layers_equal(stored, sb.build_sample_layers()["grids"])


def test_sample_city_is_a_hierarchy_of_the_stored_layers(
    layers: dict[str, gpd.GeoDataFrame],
) -> None:
    h = ds.sample_city()
    assert isinstance(h, Hierarchy)
    for level, name in (
        ("community", "communities"),
        ("grid", "grids"),
        ("building", "buildings"),
        ("household", "households"),
    ):
        assert list(h.layer(level).index) == list(layers[name].index)
    assert h.metric_crs.to_epsg() == 32651


def test_sample_layer_rejects_unknown_names() -> None:
    with pytest.raises(LayerError, match=r"name='roads'.*service_centres"):
        ds.sample_layer("roads")


def test_missing_geopackage_says_how_to_regenerate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ds, "_PACKAGE_DATA", tmp_path)
    monkeypatch.setattr(ds, "_REPO_SAMPLE", tmp_path / "nope.gpkg")
    with pytest.raises(DataFileError, match=r"sample_data/build/build_sample_city\.py"):
        ds.sample_city_path()


def test_package_copy_is_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sample_city.gpkg").write_bytes(b"")
    monkeypatch.setattr(ds, "_PACKAGE_DATA", tmp_path)
    assert ds.sample_city_path() == tmp_path / "sample_city.gpkg"


# -- schema --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ds.LAYERS)
def test_every_layer_has_its_schema_in_wgs84(
    name: str, layers: dict[str, gpd.GeoDataFrame]
) -> None:
    frame = layers[name]
    assert frame.index.name == ds._ID_COLUMNS[name]
    assert frame.index.dtype == "string"
    assert frame.index.is_unique
    if name in TABLES:
        assert not isinstance(frame, gpd.GeoDataFrame)
        assert list(frame.columns) == COLUMNS[name]
        return
    assert frame.crs.to_epsg() == 4326
    assert list(frame.columns) == [*COLUMNS[name], "geometry"]
    assert set(frame.geom_type) <= GEOMETRY[name]
    xy = shapely.get_coordinates(np.asarray(frame.geometry.array))
    assert (xy[:, 0] > 121.47).all()
    assert (xy[:, 0] < 121.53).all()
    assert (xy[:, 1] > 31.22).all()
    assert (xy[:, 1] < 31.26).all()
    assert np.array_equal(xy, np.round(xy, sb.DECIMALS))


def test_ids_follow_the_code_rules(layers: dict[str, gpd.GeoDataFrame]) -> None:
    c, g, b = layers["communities"], layers["grids"], layers["buildings"]
    assert c.index.str.fullmatch(r"310(101|109|115)\d{6}").all()
    assert (g.index.str[:12] == g["community_id"]).all()
    assert g.index.str.fullmatch(r"\d{14}").all()
    assert b.index.str.fullmatch(r"osm-[wr]\d+").all()
    relation = b.index.str.startswith("osm-r")
    assert ((b["osm_id"] < 0) == relation).all()


def test_personal_columns_are_obviously_fake(layers: dict[str, gpd.GeoDataFrame]) -> None:
    hh = layers["households"]
    assert hh["姓名"].str.fullmatch(r"虚构户主\d{5}").all()
    assert hh["联系电话"].str.fullmatch(r"100\d{8}").all()
    assert hh["联系电话"].is_unique


# -- realism -------------------------------------------------------------------------------------


def test_density_is_in_the_documented_ranges(layers: dict[str, gpd.GeoDataFrame]) -> None:
    c, g, b, hh = (layers[n] for n in ("communities", "grids", "buildings", "households"))
    assert 8 <= len(c) <= 12
    per_community = g.groupby("community_id").size()
    assert per_community.between(*sb.GRIDS_PER_COMMUNITY).all()
    per_grid = b.groupby("grid_id")["households"].sum().reindex(g.index).fillna(0)
    assert per_grid.between(300, 500).mean() >= 0.75
    assert per_grid.between(200, 800).all()
    share = len(hh) / b["households"].sum()
    assert 0.03 <= share <= 0.06
    assert 1.1 <= g["full_time_workers"].mean() <= 1.35
    assert 4.5 <= g["part_time_workers"].mean() <= 7.0
    assert 0.05 <= hh["is_hub"].mean() <= 0.12
    assert (b.loc[~b["residential"], "households"] == 0).all()


def test_households_lie_strictly_inside_their_declared_building(
    layers: dict[str, gpd.GeoDataFrame],
) -> None:
    hh, b = layers["households"], layers["buildings"]
    declared = np.asarray(b.geometry.loc[hh["building_id"]].array)
    inside = shapely.contains_properly(declared, np.asarray(hh.geometry.array))
    assert list(hh.index[~inside]) == planted("parent_mismatch")


def test_each_household_lies_in_exactly_one_building(layers: dict[str, gpd.GeoDataFrame]) -> None:
    hh, b = layers["households"], layers["buildings"]
    point, _ = shapely.STRtree(np.asarray(b.geometry.array)).query(
        np.asarray(hh.geometry.array), predicate="intersects"
    )
    assert (np.bincount(point, minlength=len(hh)) == 1).all()


def test_declared_grid_is_the_largest_overlap(layers: dict[str, gpd.GeoDataFrame]) -> None:
    b, g = layers["buildings"], layers["grids"]
    best, _ = largest_overlap(b, g, ds.METRIC_CRS)
    spatial = pd.Series(np.where(best >= 0, g.index.to_numpy()[best], None), index=b.index)
    assert (spatial[b["grid_id"].notna()] == b["grid_id"].dropna()).all()
    assert sorted(b.index[b["grid_id"].isna()]) == planted("not_in_any_parent")
    assert spatial[planted("not_in_any_parent")].isna().all()


def test_organisation_flags_follow_the_rules_but_for_the_planted_ones(
    layers: dict[str, gpd.GeoDataFrame], formal_per_grid: pd.Series
) -> None:
    g, b, hh = layers["grids"], layers["buildings"], layers["households"]
    wants_branch = formal_per_grid >= DEFAULT_RULES.branch_min_formal
    assert list(g.index[wants_branch & ~g["has_branch"]]) == planted("members_without_branch")
    totals = hh.groupby("building_id")[["formal_members", "probationary_members"]].sum()
    totals = totals.reindex(b.index).fillna(0)
    wants_group = (totals.sum(axis=1) >= DEFAULT_RULES.group_min_members) & (
        totals["formal_members"] >= DEFAULT_RULES.group_min_formal
    )
    assert list(b.index[wants_group & ~b["has_group"]]) == planted("members_without_group")


def test_extra_layers_are_consistent(layers: dict[str, gpd.GeoDataFrame]) -> None:
    sc, org, b = layers["service_centres"], layers["organisations"], layers["buildings"]
    assert Counter(sc["tier"]) == {"core": 1, "district": 3, "street": 3, "community": 9, "post": 6}
    assert sc["name"].is_unique
    assert org["name"].is_unique
    assert set(org["kind"]) == {"enterprise", "social_organisation"}
    assert (org["has_branch"] == (org["formal_members"] >= 3)).all()
    for frame in (sc, org):
        host = np.asarray(b.geometry.loc[frame["building_id"]].array)
        assert shapely.contains(host, np.asarray(frame.geometry.array)).all()


# -- each planted defect is really there ----------------------------------------------------------


def test_sample_defects_are_what_the_generator_plants() -> None:
    assert sb.planted_defects() == ds.SAMPLE_DEFECTS
    assert {d.check for d in ds.SAMPLE_DEFECTS} <= set(CHECKS)
    assert Counter(d.check for d in ds.SAMPLE_DEFECTS) == {
        "uncovered": 1,
        "overlap": 1,
        "outside_parent": 1,
        "not_in_any_parent": 2,
        "parent_mismatch": 1,
        "invalid_geometry": 1,
        "members_without_branch": 1,
        "members_without_group": 1,
    }


def test_the_strip_is_uncovered_and_holds_the_gridless_buildings(
    layers: dict[str, gpd.GeoDataFrame],
) -> None:
    c, g, b = layers["communities"], layers["grids"], layers["buildings"]
    gaps = shapely.area(shapely.difference(metric(c), shapely.union_all(metric(g))))
    assert list(c.index[gaps > 1.0]) == planted("uncovered")
    assert gaps.max() > 500
    strip_buildings = metric(b.loc[planted("not_in_any_parent")])
    assert not shapely.intersects(strip_buildings[:, None], metric(g)[None, :]).any()
    community = metric(c.loc[planted("uncovered")])[0]
    assert shapely.within(strip_buildings, community).all()


def test_exactly_one_pair_of_grids_overlaps(layers: dict[str, gpd.GeoDataFrame]) -> None:
    g = layers["grids"]
    tiles = metric(g)
    i, j = shapely.STRtree(tiles).query(tiles, predicate="intersects")
    i, j = i[i < j], j[i < j]
    area = shapely.area(shapely.intersection(tiles[i], tiles[j]))
    big = area > 1.0
    assert [min(g.index[a], g.index[b]) for a, b in zip(i[big], j[big], strict=True)] == planted(
        "overlap"
    )
    assert area[big][0] > 100
    assert area[~big].max() < 1e-3  # every other shared edge matches exactly


def test_exactly_one_grid_spills_into_land_no_community_covers(
    layers: dict[str, gpd.GeoDataFrame],
) -> None:
    c, g = layers["communities"], layers["grids"]
    parents = metric(c.loc[g["community_id"]])
    outside = shapely.difference(metric(g), parents)
    spill = shapely.area(outside)
    assert list(g.index[spill > 1.0]) == planted("outside_parent")
    k = int(np.argmax(spill))
    assert spill[k] > 100
    assert shapely.area(shapely.intersection(outside[k], shapely.union_all(metric(c)))) < 1e-3


def test_exactly_one_geometry_is_invalid(layers: dict[str, gpd.GeoDataFrame]) -> None:
    invalid = {
        name: list(frame.index[~shapely.is_valid(np.asarray(frame.geometry.array))])
        for name, frame in layers.items()
        if name not in TABLES
    }
    spatial = [name for name in ds.LAYERS if name not in TABLES]
    assert invalid == {n: [] for n in spatial} | {"buildings": planted("invalid_geometry")}
    bowtie = layers["buildings"].geometry[planted("invalid_geometry")[0]]
    assert "Self-intersection" in shapely.is_valid_reason(bowtie)


def test_the_misplaced_household_lies_in_a_neighbour_of_its_declared_building(
    layers: dict[str, gpd.GeoDataFrame],
) -> None:
    hh, b = layers["households"], layers["buildings"]
    hid = planted("parent_mismatch")[0]
    holder = b.index[shapely.contains(np.asarray(b.geometry.array), hh.geometry[hid])]
    declared = hh.at[hid, "building_id"]
    assert len(holder) == 1
    assert holder[0] != declared
    assert b.at[holder[0], "grid_id"] == b.at[declared, "grid_id"]


def test_the_grid_without_branch_has_enough_formal_members(
    layers: dict[str, gpd.GeoDataFrame], formal_per_grid: pd.Series
) -> None:
    gid = planted("members_without_branch")[0]
    assert formal_per_grid[gid] >= 3
    assert not layers["grids"].at[gid, "has_branch"]


def test_another_seed_plants_the_same_kinds_of_defect() -> None:
    other = sb.planted_defects(1)
    assert Counter(d.check for d in other) == Counter(d.check for d in ds.SAMPLE_DEFECTS)
    assert (
        sb.build_sample_layers(1)["households"].shape
        != sb.build_sample_layers()["households"].shape
    )


# -- bundled and test data -------------------------------------------------------------------------


def test_bundled_footprints_are_whole_attributed_buildings() -> None:
    fp = sb._footprints()
    assert len(fp) == 1321
    assert fp.index.is_unique
    assert shapely.is_valid(np.asarray(fp.geometry.array)).all()
    notes = (Path(sb.__file__).parent / "README.md").read_text(encoding="utf-8")
    assert "© OpenStreetMap contributors" in notes
    assert "ODbL 1.0" in notes
    assert "7b47305029f36a56099545dd245512dd68f81030" in notes
    assert "/work/shared" not in Path(sb.__file__).read_text(encoding="utf-8")


def test_test_data_copies_are_small_and_real() -> None:
    files = [p for p in DATA.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 1_000_000
    fengtai = gpd.read_file(DATA / "beijing_subdistricts/district/fengtai-outline.geojson")
    assert not shapely.is_valid(np.asarray(fengtai.geometry.array)).any()
    dongcheng = gpd.read_file(DATA / "beijing_subdistricts/subdistrict/dongcheng-all.geojson")
    assert len(dongcheng) == 17
    assert dongcheng["Name"].str.endswith(("街道", "地区")).all()
    raw = json.loads(
        (DATA / "shanghai_bund_osm/shangHai_buildings_extract.geojson").read_text(encoding="utf-8")
    )
    pieces = Counter(
        f["properties"]["id"] for f in raw["features"] if f["geometry"]["type"] == "Polygon"
    )
    assert len(raw["features"]) == 320
    assert sum(n > 1 for n in pieces.values()) == 14


def test_the_builder_regenerates_the_stored_sample_city_byte_for_byte(tmp_path: Path) -> None:
    stored = sb.SAMPLE_CITY.read_bytes()
    written = sb.write_sample_city(tmp_path / "sample_city.gpkg")
    assert written.read_bytes() == stored
