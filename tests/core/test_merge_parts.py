"""Units stored as several rows sharing one id: the strict error, and merge_parts=True."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import split_city
import tiny_city

from gridparty.core.errors import DuplicateIdError
from gridparty.core.io import read_hierarchy, write_layers
from gridparty.core.model import Hierarchy


def test_the_strict_error_counts_split_ids_at_every_level_and_names_the_option() -> None:
    with pytest.raises(DuplicateIdError) as caught:
        Hierarchy(**split_city.layers())
    message = str(caught.value)
    assert message.startswith(
        "communities: 2 community_id values shared by several rows (2 extra rows), "
        "e.g. ['C1', 'C2']; grids: 1 grid_id value shared by several rows (1 extra row), "
        "e.g. ['G3']. "
    )
    assert "merge_parts=True (CLI --merge-parts)" in message


def test_merge_parts_dissolves_the_rows_of_one_id_into_one_polygon() -> None:
    h = Hierarchy(**split_city.layers(), merge_parts=True)
    plain = Hierarchy(**tiny_city.layers())
    assert list(h.communities.index) == ["C1", "C2"]
    assert list(h.grids.index) == ["G1", "G2", "G3"]
    assert h.communities.geom_type.tolist() == ["Polygon", "MultiPolygon"]
    assert h.grids.geom_type.tolist() == ["Polygon"] * 3
    metric = h.metric_crs
    # C1 and G3 are the tiny city's again; C2 is it plus the 0.25 m² fragment
    c1 = h.communities.geometry.to_crs(metric)["C1"]
    assert c1.symmetric_difference(plain.communities.geometry.to_crs(metric)["C1"]).area < 1e-3
    g3 = h.grids.geometry.to_crs(metric)["G3"]
    assert g3.symmetric_difference(plain.grids.geometry.to_crs(metric)["G3"]).area < 1e-3
    c2 = h.communities.geometry.to_crs(metric)["C2"]
    assert c2.area == pytest.approx(200 * 100 + 0.25, abs=1e-3)
    pd.testing.assert_frame_equal(h.summary("community"), plain.summary("community"))
    issues = h.load_issues
    assert issues[["level", "id", "check", "severity"]].values.tolist() == [
        ["community", "C1", "merged_parts", "info"],
        ["community", "C2", "merged_parts", "info"],
        ["grid", "G3", "merged_parts", "info"],
    ]
    assert issues["message"].iloc[2] == (
        "2 rows (rows [2, 3]) sharing grid_id 'G3' dissolved into one grid (merge_parts=True)"
    )


def test_parts_that_disagree_keep_the_first_value_and_are_listed_per_id_and_column() -> None:
    layers = split_city.layers()
    communities = layers["communities"].copy()
    communities.loc[1, "name"] = "东社区（二）"
    communities.loc[3, "street"] = None  # a blank is no disagreement
    grids = layers["grids"].copy()
    grids.loc[3, "full_time_workers"] = 5
    h = Hierarchy(communities, grids, merge_parts=True)
    conflicts = h.load_issues[h.load_issues["check"] == "part_conflict"]
    assert conflicts[["level", "id", "severity"]].values.tolist() == [
        ["community", "C1", "warning"],
        ["grid", "G3", "warning"],
    ]
    assert conflicts["message"].tolist() == [
        "the 2 rows of community_id 'C1' differ in column 'name': ['东社区', '东社区（二）']; "
        "kept '东社区'",
        "the 2 rows of grid_id 'G3' differ in column 'full_time_workers': ['2', '5']; kept '2'",
    ]
    assert h.communities.loc["C1", "name"] == "东社区"
    assert h.communities.loc["C2", "street"] == "外滩街道"
    assert h.grids.loc["G3", "full_time_workers"] == 2
    assert str(h.grids["full_time_workers"].dtype) == "Int64"


def test_conflicts_name_the_column_as_the_file_has_it() -> None:
    communities = split_city.communities().rename(
        columns={"community_id": "社区编码", "name": "社区名称"}
    )
    communities.loc[1, "社区名称"] = "东社区（二）"
    h = Hierarchy(communities, merge_parts=True)
    conflict = h.load_issues[h.load_issues["check"] == "part_conflict"]["message"].item()
    assert "column '社区名称' (name)" in conflict


def test_without_merge_parts_kept_rows_say_which_option_dissolves_them() -> None:
    h = Hierarchy(**split_city.layers(), strict=False)
    assert list(h.grids.index) == ["G1", "G2", "G3", "G3#2"]
    message = h.load_issues.set_index("id").loc["G3#2", "message"]
    assert message == (
        "row 3 repeats grid_id 'G3'; kept as 'G3#2' (one grid in several rows? "
        "merge_parts=True / --merge-parts dissolves them)"
    )


def test_merge_parts_leaves_points_and_missing_ids_to_the_id_rules() -> None:
    households = tiny_city.households().assign(household_id=["H1", "H1", "H3", "H4", "H5"])
    with pytest.raises(DuplicateIdError, match=r"^households: 1 household_id value shared"):
        Hierarchy(tiny_city.communities(), households=households, merge_parts=True)
    grids = split_city.grids().assign(grid_id=["G1", None, "G3", "G3"])
    with pytest.raises(DuplicateIdError, match=re.escape("1 rows without grid_id (rows [1])")):
        Hierarchy(tiny_city.communities(), grids, merge_parts=True)


def test_merge_parts_does_not_touch_the_callers_frames() -> None:
    layers = split_city.layers()
    before = {k: v.copy() for k, v in layers.items()}
    Hierarchy(**layers, merge_parts=True)
    for name, frame in layers.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_read_hierarchy_merges_parts_read_from_a_file(tmp_path) -> None:
    path = write_layers(split_city.layers(), tmp_path / "split.gpkg")
    h = read_hierarchy(path, merge_parts=True)
    assert list(h.communities.index) == ["C1", "C2"]
    assert list(h.grids.index) == ["G1", "G2", "G3"]
    assert isinstance(h.grids, gpd.GeoDataFrame)
    assert shapely.get_num_geometries(h.communities.geometry.array).tolist() == [1, 2]


@pytest.mark.parametrize("column", ["所属组织", "网格名称", "网格全称"])
def test_grid_name_aliases_of_grid_management_exports(column: str) -> None:
    grids = tiny_city.grids().rename(columns={"name": column})
    h = Hierarchy(tiny_city.communities(), grids)
    assert h.grids["name"].tolist() == ["一网格", "二网格", "三网格"]
