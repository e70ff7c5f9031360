"""Tests for gridparty.core.layers: one user layer normalised to the schema of its level.

The hand-built layers of tests/tiny_city.py are renamed, retyped and broken on purpose; the
sample city's grids with Chinese headers must come back exactly as the stored layer.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import tiny_city

import gridparty as gp
from gridparty.core.coords import convert_geometries, swap_xy
from gridparty.core.errors import (
    ColumnError,
    CRSError,
    DuplicateIdError,
    GeometryError,
    InputError,
    RepairWarning,
)
from gridparty.core.layers import COORDS, empty_layer, is_normalised, normalise_layer
from gridparty.core.schema import LEVEL_NAMES, LEVELS
from gridparty.datasets.sample import sample_layer

GRID = LEVELS["grid"]
BUILDING = LEVELS["building"]
HOUSEHOLD = LEVELS["household"]


def _normalised_grids() -> gpd.GeoDataFrame:
    return normalise_layer(tiny_city.grids(), GRID)[0]


# -- empty_layer and is_normalised -----------------------------------------------------------------


def test_empty_layer_has_the_schema() -> None:
    grids = empty_layer(GRID)
    assert len(grids) == 0
    assert grids.index.name == "grid_id"
    assert str(grids.index.dtype) == "string"
    assert grids.crs.to_epsg() == 4326
    assert {c: str(t) for c, t in grids.dtypes.items()} == {
        "community_id": "string",
        "name": "string",
        "has_branch": "boolean",
        "full_time_workers": "Int64",
        "part_time_workers": "Int64",
        "geometry": "geometry",
    }
    assert empty_layer(LEVELS["community"]).columns.tolist() == [
        "name",
        "street",
        "district",
        "geometry",
    ]


@pytest.mark.parametrize("name", LEVEL_NAMES)
def test_an_empty_layer_is_normalised(name: str) -> None:
    assert is_normalised(empty_layer(LEVELS[name]), LEVELS[name])


def test_is_normalised_spots_each_difference() -> None:
    good = _normalised_grids()
    assert is_normalised(good, GRID)
    assert not is_normalised(pd.DataFrame(good), GRID)
    assert not is_normalised(good, BUILDING)
    assert not is_normalised(good.rename_axis("id"), GRID)
    assert not is_normalised(good.to_crs(3857), GRID)
    assert not is_normalised(good.set_crs(None, allow_override=True), GRID)
    assert not is_normalised(good.drop(columns="has_branch"), GRID)
    assert not is_normalised(good.astype({"full_time_workers": "float64"}), GRID)
    assert not is_normalised(
        good.set_axis(pd.Index(["G1", "G1", "G3"], dtype="string", name="grid_id")), GRID
    )
    assert not is_normalised(
        good.set_axis(pd.Index(["G1", "G2", "G3"], dtype=object, name="grid_id")), GRID
    )


# -- normalise_layer: columns, ids, types ----------------------------------------------------------


def test_chinese_headers_and_text_values_are_normalised() -> None:
    raw = tiny_city.grids().rename(
        columns={
            "grid_id": "网格编号",
            "community_id": "社区编码",
            "has_branch": "是否建立党支部",
            "full_time_workers": "专职网格员",
        }
    )
    raw["网格编号"] = [1.0, 2.0, 3.0]
    raw["是否建立党支部"] = ["是", "否", " 有 "]
    raw["专职网格员"] = ["1", "２", None]  # a full-width digit
    raw = raw.rename_geometry("shape")
    before = raw.copy()
    layer, issues = normalise_layer(raw, GRID)
    assert issues == []
    assert layer.index.tolist() == ["1", "2", "3"]
    assert layer.index.name == "grid_id"
    assert layer["has_branch"].tolist() == [True, False, True]
    assert layer["full_time_workers"].tolist() == [1, 2, pd.NA]
    assert layer["community_id"].tolist() == ["C1", "C1", "C2"]
    assert layer.geometry.name == "geometry"
    assert layer.columns.tolist() == [
        "community_id",
        "name",
        "has_branch",
        "full_time_workers",
        "part_time_workers",
        "geometry",
    ]
    assert is_normalised(layer, GRID)
    pd.testing.assert_frame_equal(raw, before)


def test_missing_attributes_are_added_empty_and_extra_columns_kept_after_them() -> None:
    raw = tiny_city.households()[["household_id", "姓名", "geometry"]]
    layer, _ = normalise_layer(raw, HOUSEHOLD)
    assert layer.columns.tolist() == [
        "building_id",
        "formal_members",
        "probationary_members",
        "is_hub",
        "姓名",
        "geometry",
    ]
    assert layer["building_id"].isna().all()
    assert str(layer["is_hub"].dtype) == "boolean"
    assert layer["姓名"].tolist() == ["张三", "李四", "王五", "赵六", "钱七"]


def test_an_explicit_mapping_renames_columns_the_aliases_do_not_know() -> None:
    raw = tiny_city.buildings().rename(columns={"building_id": "编号", "households": "套数"})
    layer, _ = normalise_layer(raw, BUILDING, columns={"编号": "building_id", "套数": "households"})
    assert layer.index.tolist() == ["B1", "B2", "B3", "B4"]
    assert layer["households"].tolist() == [40, 30, 20, 60]
    nested, _ = normalise_layer(raw, BUILDING, columns={"building": {"编号": "building_id"}})
    assert nested["households"].isna().all()
    assert nested["套数"].tolist() == [40, 30, 20, 60]  # unknown: kept as an extra column


def test_two_aliases_of_one_column_ask_which() -> None:
    raw = tiny_city.buildings().rename(columns={"households": "户数"}).assign(住户数=[1, 2, 3, 4])
    with pytest.raises(
        ColumnError,
        match=r"^buildings: both '住户数' and '户数' could be 'households'; say which with "
        r"columns=\{'户数': 'households'\}\.$",
    ):
        normalise_layer(raw, BUILDING)


def test_the_fix_the_ambiguity_error_suggests_works() -> None:
    raw = tiny_city.buildings().rename(columns={"households": "户数"}).assign(住户数=[1, 2, 3, 4])
    layer, _ = normalise_layer(raw, BUILDING, columns={"户数": "households"})
    assert layer["households"].tolist() == [40, 30, 20, 60]
    assert layer["住户数"].tolist() == [1, 2, 3, 4]


def test_an_already_normalised_layer_comes_back_as_a_copy() -> None:
    layer = _normalised_grids()
    out, issues = normalise_layer(layer, GRID)
    assert issues == []
    assert out is not layer
    pd.testing.assert_frame_equal(out, layer)
    out.loc["G1", "name"] = "改名"
    assert layer.loc["G1", "name"] == "一网格"


def test_duplicate_and_missing_ids_raise_or_are_kept() -> None:
    raw = tiny_city.grids().assign(grid_id=["G1", "G1", None])
    with pytest.raises(
        DuplicateIdError,
        match=r"^grids: 1 grid_id value shared by several rows \(1 extra row\), e\.g\. \['G1'\]; "
        r"1 rows without grid_id \(rows \[2\]\)\. .*merge_parts=True \(CLI --merge-parts\)",
    ):
        normalise_layer(raw, GRID)
    layer, issues = normalise_layer(raw, GRID, strict=False)
    assert layer.index.tolist() == ["G1", "G1#2", "<missing grid row 2>"]
    assert [(i["id"], i["check"]) for i in issues] == [
        ("<missing grid row 2>", "missing_id"),
        ("G1#2", "duplicate_id"),
    ]


# -- normalise_layer: errors -----------------------------------------------------------------------


def test_unknown_coords_are_refused() -> None:
    with pytest.raises(
        InputError,
        match=r"^coords='baidu' is not known; use one of wgs84, cgcs2000, gcj02, bd09\.$",
    ):
        normalise_layer(tiny_city.grids(), GRID, coords="baidu")
    assert COORDS == ("wgs84", "cgcs2000", "gcj02", "bd09")


def test_a_plain_table_is_refused_naming_the_argument() -> None:
    with pytest.raises(InputError, match=r"^my_grids must be a GeoDataFrame, got DataFrame; "):
        normalise_layer(pd.DataFrame(tiny_city.grids()), GRID, argument="my_grids")
    with pytest.raises(InputError, match=r"^grids must be a GeoDataFrame, got dict"):
        normalise_layer({"grid_id": ["G1"]}, GRID)  # type: ignore[arg-type]


def test_a_layer_of_the_wrong_geometry_type_is_refused() -> None:
    points = tiny_city.households().rename(columns={"household_id": "grid_id"})
    with pytest.raises(
        GeometryError,
        match=r"^grids holds Point geometries but grids must be Polygon or MultiPolygon; did you "
        r"pass the wrong layer\?$",
    ):
        normalise_layer(points, GRID)


def test_one_feature_of_the_wrong_type_is_kept_for_validation() -> None:
    raw = tiny_city.grids()
    raw.loc[2, "geometry"] = shapely.Point(121.48, 31.22)
    layer, _ = normalise_layer(raw, GRID)
    assert layer.geom_type.tolist() == ["Polygon", "Polygon", "Point"]


def test_negative_counts_are_refused() -> None:
    raw = tiny_city.buildings().assign(households=[40, -2, 20, -2])
    with pytest.raises(
        InputError,
        match=r"^buildings: column 'households' is a count but holds \[-2\] \(below 0; ids \[.B2., .B4.\]\)\.",
    ):
        normalise_layer(raw, BUILDING)


def test_bad_text_in_typed_columns_is_refused() -> None:
    with pytest.raises(InputError, match=r"column 'has_branch' must be yes/no .*found \['maybe'\]"):
        normalise_layer(tiny_city.grids().assign(has_branch=["是", "maybe", "否"]), GRID)
    with pytest.raises(
        InputError, match=r"column 'households' must hold whole numbers; found \[2\.5\]"
    ):
        normalise_layer(tiny_city.buildings().assign(households=[1, 2.5, 3, 4]), BUILDING)


def test_swapped_or_missing_crs_is_refused() -> None:
    swapped = tiny_city.grids().set_geometry(swap_xy(tiny_city.grids().geometry))
    with pytest.raises(CRSError, match=r"^grids looks like it has latitude and longitude swapped"):
        normalise_layer(swapped, GRID)
    with pytest.raises(CRSError, match=r"grids"):
        normalise_layer(tiny_city.grids().set_crs(None, allow_override=True), GRID)


@pytest.mark.parametrize(
    ("defect", "error", "message"),
    [
        (
            "negative count",
            InputError,
            r"grids: column 'full_time_workers' is a count but holds \[-1\]",
        ),
        ("swapped lat/lon", CRSError, r"^grids looks like it has latitude and longitude swapped"),
    ],
)
def test_the_fast_path_checks_content_too(
    defect: str, error: type[Exception], message: str
) -> None:
    layer = _normalised_grids()
    if defect == "negative count":
        layer["full_time_workers"] = pd.array([-1, 1, 2], dtype="Int64")
    else:
        layer = layer.set_geometry(swap_xy(layer.geometry))
    assert is_normalised(layer, GRID)
    with pytest.raises(error, match=message):
        normalise_layer(layer, GRID)


# -- normalise_layer: coordinates and repair -------------------------------------------------------


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_shifted_coordinates_come_back_to_wgs84(datum: str) -> None:
    wgs = tiny_city.households()
    shifted = wgs.set_geometry(convert_geometries(wgs.geometry, "wgs84", datum))
    assert (shifted.geometry.x - wgs.geometry.x).abs().min() > 0.004  # ~ 400 m east
    layer, _ = normalise_layer(shifted, HOUSEHOLD, coords=datum)
    assert np.abs(layer.geometry.x.to_numpy() - wgs.geometry.x.to_numpy()).max() < 1e-9
    assert np.abs(layer.geometry.y.to_numpy() - wgs.geometry.y.to_numpy()).max() < 1e-9
    same, _ = normalise_layer(wgs, HOUSEHOLD, coords="cgcs2000")
    assert shapely.equals_exact(same.geometry.array, wgs.geometry.array, tolerance=0).all()


def test_metric_layers_are_brought_to_wgs84() -> None:
    layer, _ = normalise_layer(tiny_city.grids().to_crs(tiny_city.UTM), GRID)
    assert layer.crs.to_epsg() == 4326
    assert layer.to_crs(tiny_city.UTM).area.round(3).tolist() == [10_000, 10_000, 20_000]


def test_repair_fixes_invalid_geometry_with_a_warning() -> None:
    raw = tiny_city.buildings()
    raw.loc[0, "geometry"] = shapely.Polygon(
        [(121.478, 31.22), (121.479, 31.221), (121.479, 31.22), (121.478, 31.221)]
    )
    before = raw.copy()
    kept, issues = normalise_layer(raw, BUILDING)
    assert not kept.geometry.iloc[0].is_valid
    assert issues == []
    with pytest.warns(
        RepairWarning,
        match=r"^repaired 1 invalid buildings geometries with "
        r"shapely\.make_valid: \['B1'\]$",
    ):
        fixed, issues = normalise_layer(raw, BUILDING, repair=True)
    assert fixed.geometry.is_valid.all()
    assert fixed.geom_type.tolist() == ["MultiPolygon", "Polygon", "Polygon", "Polygon"]
    assert issues == [
        {
            "level": "building",
            "id": "B1",
            "check": "repaired_geometry",
            "severity": "info",
            "message": "invalid building geometry repaired with make_valid (repair=True)",
        }
    ]
    pd.testing.assert_frame_equal(raw, before)


# -- on the sample city ----------------------------------------------------------------------------


def test_sample_grids_with_chinese_headers_normalise_to_the_stored_layer() -> None:
    grids = gp.sample_city().grids
    headers = {
        "grid_id": "网格编号",
        "community_id": "社区编码",
        "name": "网格名称",
        "has_branch": "是否建立党支部",
        "full_time_workers": "专职网格员",
        "part_time_workers": "兼职网格员",
    }
    zh = grids.reset_index().rename(columns=headers)
    layer, issues = normalise_layer(zh, GRID)
    assert issues == []
    pd.testing.assert_frame_equal(layer, grids)
    assert len(layer) == 60
    assert is_normalised(sample_layer("grids"), GRID)


def test_coords_by_level_one_for_all_or_per_level() -> None:
    from gridparty.core.layers import coords_by_level

    assert coords_by_level("gcj02") == dict.fromkeys(
        ("community", "grid", "building", "household"), "gcj02"
    )
    assert coords_by_level({"household": "bd09"}) == {
        "community": "wgs84",
        "grid": "wgs84",
        "building": "wgs84",
        "household": "bd09",
    }
    with pytest.raises(InputError, match=r"coords names unknown levels \['street'\]"):
        coords_by_level({"street": "gcj02"})
    with pytest.raises(InputError, match=r"\['mars'\] not known"):
        coords_by_level({"household": "mars"})


def test_a_hierarchy_reads_each_level_in_its_own_datum() -> None:
    layers = tiny_city.layers()
    shifted = convert_geometries(layers["households"], "wgs84", "gcj02")
    h = gp.Hierarchy(**{**layers, "households": shifted}, coords={"household": "gcj02"})
    back = h.households.geometry.to_crs(tiny_city.UTM).distance(
        layers["households"].set_index("household_id").geometry.to_crs(tiny_city.UTM)
    )
    assert back.max() < 0.01  # metres
    assert h.grids.geometry.geom_equals_exact(
        layers["grids"].set_index("grid_id").geometry, tolerance=0
    ).all()
