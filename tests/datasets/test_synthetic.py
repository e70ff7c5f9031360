"""Tests for gridparty.datasets.synthetic: a deterministic, consistent synthetic city of any size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from gridparty.checks.validate import validate
from gridparty.core.errors import InputError
from gridparty.core.model import Hierarchy
from gridparty.core.schema import LEVELS
from gridparty.datasets.synthetic import synthetic_city, synthetic_layers

UTM_48N = "EPSG:32648"  # Chengdu


@pytest.fixture(scope="module")
def city() -> dict:
    return synthetic_layers(1.0, seed=0)


def _metric(frame) -> np.ndarray:
    return np.asarray(frame.to_crs(UTM_48N).geometry.array, dtype=object)


def test_sizes_follow_the_scale(city: dict) -> None:
    assert len(city["buildings"]) == 1_000
    assert len(city["households"]) == 10_000
    small = synthetic_layers(0.25, seed=1)
    assert (len(small["buildings"]), len(small["households"])) == (250, 2_500)
    per_grid = city["buildings"]["households"].groupby(city["buildings"]["grid_id"]).sum()
    assert per_grid.between(300, 500).all()
    grids_per_community = city["grids"].groupby("community_id").size()
    assert grids_per_community.iloc[:-1].isin([6, 7]).all()  # the last one takes the rest
    assert 1 <= grids_per_community.iloc[-1] <= 7


def test_same_seed_same_city_other_seed_other_city(city: dict) -> None:
    again = synthetic_layers(1.0, seed=0)
    for name, frame in city.items():
        pd.testing.assert_frame_equal(frame, again[name])
    other = synthetic_layers(1.0, seed=1)
    assert not other["households"].geometry.geom_equals(city["households"].geometry).all()


def test_layers_have_the_schema(city: dict) -> None:
    ids = {
        "communities": r"C\d{4}",
        "grids": r"G\d{6}",
        "buildings": r"B\d{7}",
        "households": r"H\d{8}",
    }
    dtypes = {"str": "string", "int": "Int64", "bool": "boolean"}
    for (layer, pattern), level in zip(ids.items(), LEVELS.values(), strict=True):
        frame = city[layer]
        assert frame.crs.to_epsg() == 4326
        assert frame.index.name == level.id_column
        assert frame.index.dtype == "string"
        assert frame.index.is_unique
        assert frame.index.str.fullmatch(pattern).all()
        for column, kind in level.attributes.items():
            assert str(frame[column].dtype) == dtypes[kind], (layer, column)
            assert frame[column].notna().all(), (layer, column)
        if level.parent_column:
            parents = city[LEVELS[level.parent].layer].index
            assert frame[level.parent_column].isin(parents).all()


def test_the_city_lies_in_chengdu(city: dict) -> None:
    lon0, lat0, lon1, lat1 = city["communities"].total_bounds
    assert 103.9 < lon0 < lon1 < 104.3
    assert 30.5 < lat0 < lat1 < 30.9


def test_geometry_is_consistent(city: dict) -> None:
    households, buildings = city["households"], city["buildings"]
    grids = city["grids"]
    b = np.asarray(buildings.geometry.array)
    assert shapely.is_valid(b).all()
    assert (shapely.get_num_coordinates(b) == 17).all()  # 16 vertices, closed
    own = b[buildings.index.get_indexer(households["building_id"])]
    assert shapely.contains_properly(own, np.asarray(households.geometry.array)).all()
    g = np.asarray(grids.geometry.array)
    assert shapely.contains_properly(g[grids.index.get_indexer(buildings["grid_id"])], b).all()
    left, right = shapely.STRtree(b).query(b, predicate="intersects")
    assert (left == right).all()  # no two buildings touch


def test_grids_tile_their_communities_exactly_in_metres(city: dict) -> None:
    grids, communities = _metric(city["grids"]), _metric(city["communities"])
    parent = communities[city["communities"].index.get_indexer(city["grids"]["community_id"])]
    assert shapely.area(shapely.difference(grids, parent)).max() == 0.0
    left, right = shapely.STRtree(grids).query(grids, predicate="intersects")
    pairs = left < right
    assert shapely.area(shapely.intersection(grids[left[pairs]], grids[right[pairs]])).max() == 0.0
    assert shapely.area(shapely.union_all(grids)) == pytest.approx(shapely.area(communities).sum())


def test_attributes_are_plausible(city: dict) -> None:
    households, buildings, grids = city["households"], city["buildings"], city["grids"]
    members = households.groupby("building_id").size().reindex(buildings.index, fill_value=0)
    assert (buildings["households"] > members).all()
    assert buildings["has_group"].tolist() == (members >= 1).tolist()
    formal = (
        households.groupby(households["building_id"].map(buildings["grid_id"]))["formal_members"]
        .sum()
        .reindex(grids.index, fill_value=0)
    )
    assert grids["has_branch"].tolist() == (formal >= 3).tolist()
    assert households["formal_members"].between(1, 3).all()
    assert households["probationary_members"].between(0, 1).all()
    assert 0.02 < households["is_hub"].mean() < 0.12
    assert grids["full_time_workers"].between(1, 2).all()
    assert grids["part_time_workers"].between(3, 8).all()
    names = city["communities"]["name"]
    assert names.str.endswith("社区").all()
    assert names.is_unique
    assert city["communities"]["street"].str.endswith("街道").all()
    assert city["communities"]["district"].str.endswith("区").all()


def test_missing_and_wrong_parents_are_planted() -> None:
    clean = synthetic_layers(0.5, seed=3)
    dirty = synthetic_layers(0.5, seed=3, missing_share=0.2, wrong_share=0.1)
    for layer, column in (
        ("grids", "community_id"),
        ("buildings", "grid_id"),
        ("households", "building_id"),
    ):
        truth, declared = clean[layer][column], dirty[layer][column]
        pd.testing.assert_series_equal(clean[layer].geometry, dirty[layer].geometry)
        missing = declared.isna()
        wrong = declared.notna() & (declared != truth)
        assert missing.mean() == pytest.approx(0.2, abs=0.08)
        assert wrong.mean() == pytest.approx(0.1, abs=0.08)
        parents = {"grids": "communities", "buildings": "grids", "households": "buildings"}
        assert declared[wrong].isin(dirty[parents[layer]].index).all()  # wrong, but existing


def test_synthetic_city_is_a_valid_hierarchy_without_issues() -> None:
    h = synthetic_city(0.3, seed=2)
    assert isinstance(h, Hierarchy)
    assert len(h.households) == 3_000
    assert h.metric_crs.to_epsg() == 32648
    assert len(validate(h)) == 0


def test_bad_arguments() -> None:
    with pytest.raises(InputError, match="scale=0 must be a positive finite number"):
        synthetic_layers(0)
    with pytest.raises(InputError, match="scale='a' must be a number"):
        synthetic_city("a")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"seed=1\.5 must be a whole number"):
        synthetic_layers(1, seed=1.5)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"missing_share=-0\.1 must be a finite number >= 0"):
        synthetic_layers(1, missing_share=-0.1)
    with pytest.raises(InputError, match=r"missing_share=1\.5 must be a share between 0 and 1"):
        synthetic_layers(1, missing_share=1.5)
    with pytest.raises(InputError, match="exceeds 1"):
        synthetic_layers(1, missing_share=0.6, wrong_share=0.6)
