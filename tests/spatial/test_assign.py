"""Tests for gridparty.spatial.assign: point in polygon, nearest point, largest overlap, assign(h)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import tiny_city
from tiny_city import box, point

from gridparty.core.dtypes import FLAG_DTYPE
from gridparty.core.errors import CRSError, GeometryError, InputError
from gridparty.core.model import Hierarchy
from gridparty.datasets.synthetic import synthetic_layers
from gridparty.spatial.assign import (
    TABLE_COLUMNS,
    Assignment,
    _largest_overlap,
    assign,
    largest_overlap,
    locate_points,
    nearest_within,
    verify_points,
)

UTM = tiny_city.UTM

# Plain arrays in metres: two squares sharing x=10, a square with a hole, a two-part polygon,
# and a square overlapping the first.
POLYGONS = np.array(
    [
        shapely.box(0, 0, 10, 10),
        shapely.box(10, 0, 20, 10),
        shapely.Polygon(
            [(30, 0), (40, 0), (40, 10), (30, 10)], holes=[[(32, 2), (38, 2), (38, 8), (32, 8)]]
        ),
        shapely.MultiPolygon([shapely.box(50, 0, 55, 5), shapely.box(60, 0, 65, 5)]),
        shapely.box(5, 5, 15, 15),
    ]
)
POINTS = shapely.points(
    [1, 7, 12, 35, 31, 62, 57, 14, 99, 3],
    [1, 7, 3, 5, 5, 2, 2, 14, 99, 3],
)
#   in 0 | in 0 and 4 | in 1 | in the hole | in 2's ring | 2nd part | between parts |
#   only 4 | nowhere | in 0
EXPECTED_POS = [0, 0, 1, -1, 2, 3, -1, 4, -1, 0]
EXPECTED_HITS = [1, 2, 1, 0, 1, 1, 0, 1, 0, 1]


def _gs(geoms: list, crs: str = UTM) -> gpd.GeoSeries:
    return gpd.GeoSeries(geoms, crs=crs)


def _hierarchy(**changes: gpd.GeoDataFrame) -> Hierarchy:
    return Hierarchy(**{**tiny_city.layers(), **changes})


def _rows(table: pd.DataFrame, level: str) -> pd.DataFrame:
    return table[table["level"] == level].set_index("id")


# -- locate_points / verify_points -------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["numba", "shapely"])
def test_locate_points_holes_parts_and_overlaps(engine: str) -> None:
    pos, hits = locate_points(POINTS, POLYGONS, engine=engine)
    assert pos.dtype == np.int64
    assert pos.tolist() == EXPECTED_POS
    assert hits.tolist() == EXPECTED_HITS


@pytest.mark.parametrize("engine", ["numba", "shapely"])
def test_declared_parents_are_verified_first(engine: str) -> None:
    declared = np.array([0, 4, 0, 2, 2, -1, 3, 0, -1, 1])
    pos, hits = locate_points(POINTS, POLYGONS, engine=engine, declared_pos=declared)
    # point 1 declares 4 and lies in it: kept (hits 1, the overlap with 0 is not searched);
    # point 2 declares 0 but lies in 1: searched; point 9 declares 1 but lies in 0.
    assert pos.tolist() == [0, 4, 1, -1, 2, 3, -1, 4, -1, 0]
    assert hits.tolist() == [1, 1, 1, 0, 1, 1, 0, 1, 0, 1]
    assert verify_points(POINTS, POLYGONS, declared, engine=engine).tolist() == [
        True,
        True,
        False,
        False,
        True,
        False,
        False,
        False,
        False,
        False,
    ]


def test_missing_and_empty_points_lie_nowhere() -> None:
    pts = np.array([None, shapely.Point(), shapely.Point(1, 1)])
    for engine in ("numba", "shapely"):
        pos, hits = locate_points(pts, POLYGONS, engine=engine)
        assert pos.tolist() == [-1, -1, 0]
        assert hits.tolist() == [0, 0, 1]


def test_locate_points_takes_geodataframes_and_keeps_them() -> None:
    households = tiny_city.households()
    buildings = tiny_city.buildings()
    before = households.copy()
    pos, _ = locate_points(households, buildings)
    assert pos.tolist() == [0, 0, 1, 2, 3]
    pd.testing.assert_frame_equal(households, before)


def test_locate_points_input_errors() -> None:
    with pytest.raises(InputError, match="engine='gpu' is not known"):
        locate_points(POINTS, POLYGONS, engine="gpu")  # type: ignore[arg-type]
    with pytest.raises(GeometryError, match="polygons holds Point geometries"):
        locate_points(POINTS, POINTS)
    with pytest.raises(GeometryError, match="points holds Polygon, MultiPolygon geometries"):
        verify_points(POLYGONS, POLYGONS, np.zeros(5, int))
    with pytest.raises(GeometryError, match="points holds Polygon"):
        locate_points(POLYGONS, POLYGONS, engine="shapely")
    with pytest.raises(CRSError, match=r"points is in EPSG:4326 but polygons in EPSG:32651"):
        locate_points(_gs([shapely.Point(0, 0)], "EPSG:4326"), _gs([shapely.box(0, 0, 1, 1)]))
    with pytest.raises(InputError, match="plain pandas Series"):
        locate_points(pd.Series([1, 2]), POLYGONS)
    with pytest.raises(InputError, match="1-d array of shapely geometries"):
        locate_points([1, 2], POLYGONS)
    with pytest.raises(InputError, match=r"one entry per point \(10\)"):
        locate_points(POINTS, POLYGONS, declared_pos=np.zeros(3, int))
    with pytest.raises(InputError, match=r"outside 0..4 .*: \[5, -2\]"):
        verify_points(POINTS, POLYGONS, np.array([0, 5, -2, 0, 0, 0, 0, 0, 0, 0]))


# -- nearest_within ---------------------------------------------------------------------------------


def test_nearest_within_measures_metres() -> None:
    targets = _gs([point(0, 0), point(100, 0), point(50, 0)])
    points = _gs([point(3, 4), point(97, 0), point(25, 0), point(0, 30), None])
    pos, dist = nearest_within(points.to_crs(4326), targets.to_crs(4326), 6.0, UTM)
    # 5 m from target 0; 3 m from target 1; 25 m from targets 0 and 2; 30 m; missing
    assert pos.tolist() == [0, 1, -1, -1, -1]
    assert dist[:2] == pytest.approx([5.0, 3.0], abs=1e-6)
    assert np.isnan(dist[2:]).all()
    pos, dist = nearest_within(points, targets, 26.0, UTM)
    assert pos.tolist() == [0, 1, 0, -1, -1]  # a tie goes to the smaller row number
    assert dist[2] == 25.0


def test_nearest_within_errors() -> None:
    pts = _gs([point(0, 0)])
    with pytest.raises(InputError, match="tolerance_m=-1"):
        nearest_within(pts, pts, -1, UTM)
    with pytest.raises(CRSError, match="crs='EPSG:4326' is not a projected CRS in metres"):
        nearest_within(pts, pts, 5.0, "EPSG:4326")
    assert nearest_within(pts, _gs([]), 5.0, UTM)[0].tolist() == [-1]


# -- largest_overlap --------------------------------------------------------------------------------


def test_largest_overlap_shares_and_ties() -> None:
    parents = _gs([box(0, 0, 100, 100), box(100, 0, 200, 100)])
    children = _gs(
        [
            box(60, 10, 110, 20),  # 40 m in parent 0, 10 m in parent 1
            box(90, 10, 110, 20),  # a tie: 50/50
            box(300, 0, 310, 10),  # in no parent
            box(120, 50, 130, 60),  # wholly in parent 1
            box(100, 50, 110, 60),  # touches parent 0 along a line only
        ]
    )
    pos, share = largest_overlap(children, parents, UTM)
    assert pos.tolist() == [0, 0, -1, 1, 1]
    assert share.tolist() == [0.8, 0.5, 0.0, 1.0, 1.0]
    _, _, hits = _largest_overlap(children, parents, UTM)
    assert hits.tolist() == [2, 2, 0, 1, 1]  # a shared edge is not an overlap
    pos, share = largest_overlap(children.to_crs(4326), parents.to_crs(4326).array, UTM)
    assert pos[[0, 2, 3, 4]].tolist() == [0, -1, 1, 1]
    assert share[[0, 2, 3, 4]] == pytest.approx([0.8, 0.0, 1.0, 1.0], abs=1e-6)


def test_largest_overlap_measures_invalid_children_after_make_valid() -> None:
    # A bow-tie crossing itself at (95, 5): two triangles of 75 m² each; 83⅓ m² lie left of
    # x=100 (in parent 0) and 66⅔ m² right of it.
    bowtie = shapely.Polygon(
        [
            point(80, 0).coords[0],
            point(110, 10).coords[0],
            point(110, 0).coords[0],
            point(80, 10).coords[0],
        ]
    )
    assert not bowtie.is_valid
    parents = _gs([box(0, 0, 100, 100), box(100, 0, 200, 100)])
    pos, share = largest_overlap(_gs([bowtie]), parents, UTM)
    assert pos.tolist() == [0]
    assert share == pytest.approx([5 / 9], abs=1e-9)
    _, _, hits = _largest_overlap(_gs([bowtie]), parents, UTM)
    assert hits.tolist() == [2]


def test_largest_overlap_needs_a_metric_crs() -> None:
    with pytest.raises(CRSError, match="not a projected CRS in metres"):
        largest_overlap(_gs([box(0, 0, 1, 1)]), _gs([box(0, 0, 1, 1)]), 4326)


# -- assign(h) --------------------------------------------------------------------------------------


def test_assign_a_consistent_city() -> None:
    h = _hierarchy()
    result = assign(h)
    assert isinstance(result, Assignment)
    table = result.table
    assert tuple(table.columns) == TABLE_COLUMNS
    assert table["level"].tolist() == ["grid"] * 3 + ["building"] * 4 + ["household"] * 5
    assert table["id"].tolist() == [
        "G1",
        "G2",
        "G3",
        "B1",
        "B2",
        "B3",
        "B4",
        "H1",
        "H2",
        "H3",
        "H4",
        "H5",
    ]
    assert table["spatial"].tolist() == [
        "C1",
        "C1",
        "C2",
        "G1",
        "G1",
        "G2",
        "G3",
        "B1",
        "B1",
        "B2",
        "B3",
        "B4",
    ]
    assert table["agree"].all()
    assert table["share"].tolist() == pytest.approx([1.0] * 12, abs=1e-9)
    assert table["distance_m"].isna().sum() == 7
    assert (table.loc[table["level"] == "household", "distance_m"] == 0).all()
    assert table["n_hits"].tolist() == [1] * 12
    assert table["agree"].dtype == FLAG_DTYPE  # nullable booleans with or without pyarrow
    assert result.hierarchy is h  # nothing to fill


def test_assign_fills_missing_parents_and_keeps_declared_ones() -> None:
    households = tiny_city.households().assign(building_id=[None, "B2", "B9", "B3", None])
    buildings = tiny_city.buildings().assign(grid_id=["G1", None, "G2", "G3"])
    h = _hierarchy(households=households, buildings=buildings)
    result = assign(h)
    hh = _rows(result.table, "household")
    assert hh["declared"].tolist() == [pd.NA, "B2", "B9", "B3", pd.NA]
    assert hh["spatial"].tolist() == ["B1", "B1", "B2", "B3", "B4"]
    assert hh["agree"].tolist() == [pd.NA, False, False, True, pd.NA]
    filled = result.hierarchy
    assert filled.households["building_id"].tolist() == ["B1", "B2", "B9", "B3", "B4"]
    assert filled.buildings["grid_id"].tolist() == ["G1", "G1", "G2", "G3"]
    assert h.households["building_id"].isna().sum() == 2  # the input hierarchy is untouched
    assert h.buildings["grid_id"].isna().sum() == 1


def test_building_straddling_two_grids_goes_to_the_larger_share() -> None:
    buildings = tiny_city.buildings().to_crs(UTM)
    buildings.loc[1, "geometry"] = box(88, 10, 108, 30)  # 12 m in G1, 8 m in G2
    h = _hierarchy(buildings=buildings.to_crs(4326))
    rows = _rows(assign(h).table, "building")
    assert rows.loc["B2", "spatial"] == "G1"
    assert rows.loc["B2", "share"] == pytest.approx(0.6, abs=1e-6)
    assert rows.loc["B2", "n_hits"] == 2


def test_outside_children_have_no_spatial_parent() -> None:
    buildings = tiny_city.buildings().to_crs(UTM)
    buildings.loc[3, "geometry"] = box(500, 10, 520, 30)  # B4 beyond every grid, H5 left out
    grids = tiny_city.grids().to_crs(UTM)
    grids.loc[2, "geometry"] = box(200, 0, 400, 300)  # G3 spills out of C2 (1/3 inside)
    h = _hierarchy(buildings=buildings.to_crs(4326), grids=grids.to_crs(4326))
    table = assign(h).table
    b4 = _rows(table, "building").loc["B4"]
    assert pd.isna(b4["spatial"])
    assert pd.isna(b4["agree"])
    assert (b4["share"], b4["n_hits"]) == (0.0, 0)
    h5 = _rows(table, "household").loc["H5"]
    assert pd.isna(h5["spatial"])
    assert (h5["share"], h5["n_hits"]) == (0.0, 0)
    assert np.isnan(h5["distance_m"])
    assert _rows(table, "grid").loc["G3", "share"] == pytest.approx(1 / 3, abs=1e-6)


def test_point_buildings_use_the_nearest_within_tolerance() -> None:
    buildings = tiny_city.buildings().to_crs(UTM)
    buildings["geometry"] = [point(20, 20), point(70, 20), point(120, 70), point(260, 50)]
    h = _hierarchy(buildings=buildings.to_crs(4326))
    # households: H1 (15,15) 7.07 m from B1, H2 (20,25) 5 m, H3 (65,20) 5 m, H4 (120,70) 0 m,
    # H5 (260,50) 0 m from their buildings
    table = assign(h, tolerance_m=5.5).table
    hh = _rows(table, "household")
    assert hh["spatial"].tolist() == [pd.NA, "B1", "B2", "B3", "B4"]
    assert hh["distance_m"].tolist()[1:] == pytest.approx([5.0, 5.0, 0.0, 0.0], abs=1e-6)
    assert hh["share"].isna().tolist() == [False, True, True, True, True]
    assert hh["n_hits"].tolist() == [0, 1, 1, 1, 1]
    assert _rows(assign(h, tolerance_m=7.5).table, "household").loc["H1", "spatial"] == "B1"
    bld = _rows(table, "building")  # building points lie in grids: share 1, distance 0
    assert bld["spatial"].tolist() == ["G1", "G1", "G2", "G3"]
    assert bld["share"].tolist() == [1.0] * 4
    assert bld["distance_m"].tolist() == [0.0] * 4


def test_mixed_buildings_search_footprints_then_points() -> None:
    buildings = tiny_city.buildings().to_crs(UTM)
    buildings.loc[3, "geometry"] = point(262, 50)  # B4 as a point 2 m from H5
    rows = _rows(assign(_hierarchy(buildings=buildings.to_crs(4326))).table, "household")
    assert rows["spatial"].tolist() == ["B1", "B1", "B2", "B3", "B4"]
    assert rows.loc["H5", "distance_m"] == pytest.approx(2.0, abs=1e-6)
    assert rows.loc["H1", "distance_m"] == 0.0


def test_wrong_geometry_types_match_nothing() -> None:
    households = tiny_city.households().to_crs(UTM)
    households.loc[0, "geometry"] = shapely.LineString([point(15, 15), point(16, 16)])
    buildings = tiny_city.buildings().to_crs(UTM)
    buildings.loc[1, "geometry"] = shapely.LineString([point(60, 10), point(80, 30)])
    h = _hierarchy(households=households.to_crs(4326), buildings=buildings.to_crs(4326))
    table = assign(h).table
    assert _rows(table, "household")["spatial"].tolist() == [pd.NA, "B1", pd.NA, "B3", "B4"]
    assert _rows(table, "building")["spatial"].tolist() == ["G1", pd.NA, "G2", "G3"]


def test_both_engines_give_the_same_table() -> None:
    households = tiny_city.households().assign(building_id=[None, "B2", "B9", "B3", None])
    h = _hierarchy(households=households)
    pd.testing.assert_frame_equal(assign(h).table, assign(h, engine="shapely").table)


def test_assign_synthetic_city_recovers_the_true_parents() -> None:
    clean = synthetic_layers(0.3, seed=4)
    dirty = synthetic_layers(0.3, seed=4, missing_share=0.1, wrong_share=0.1)
    h = Hierarchy(dirty["communities"], dirty["grids"], dirty["buildings"], dirty["households"])
    result = assign(h)
    for layer, column in (
        ("grids", "community_id"),
        ("buildings", "grid_id"),
        ("households", "building_id"),
    ):
        truth = clean[layer][column]
        declared = dirty[layer][column]
        rows = result.table[result.table["id"].isin(truth.index)].set_index("id")
        assert rows["spatial"].tolist() == truth.tolist()
        assert rows["agree"].isna().tolist() == declared.isna().tolist()
        assert (rows["agree"] == False).sum() == (declared.notna() & (declared != truth)).sum()  # noqa: E712
        filled = result.hierarchy.layer(layer)[column]
        assert filled.tolist() == declared.fillna(truth).tolist()


def test_assign_errors_and_empty_hierarchy() -> None:
    with pytest.raises(InputError, match=r"h must be a gridparty\.Hierarchy"):
        assign(tiny_city.layers())  # type: ignore[arg-type]
    with pytest.raises(InputError, match="tolerance_m=nan"):
        assign(_hierarchy(), tolerance_m=float("nan"))
    empty = assign(Hierarchy(tiny_city.communities()))
    assert tuple(empty.table.columns) == TABLE_COLUMNS
    assert len(empty.table) == 0


def test_assignment_from_table_fills_like_assign_and_refuses_another_table() -> None:
    layers = synthetic_layers(0.2, 4, missing_share=0.2)
    city = Hierarchy(
        layers["communities"], layers["grids"], layers["buildings"], layers["households"]
    )
    done = assign(city)
    again = Assignment.from_table(city, done.table)
    for name in ("grids", "buildings", "households"):
        pd.testing.assert_frame_equal(getattr(again.hierarchy, name), getattr(done.hierarchy, name))
    shuffled = done.table.sample(frac=1.0, random_state=0)
    with pytest.raises(InputError, match="table does not hold the grids of h in their order"):
        Assignment.from_table(city, shuffled)
