"""Tests for gridparty.validate: one tidy table of every problem."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
import tiny_city
from tiny_city import box, point

from gridparty.errors import InputError
from gridparty.model import Hierarchy
from gridparty.validate import CHECKS, shareable, validate


def _hierarchy(strict: bool = True, **changes: gpd.GeoDataFrame) -> Hierarchy:
    layers = {**tiny_city.layers(), **changes}
    return Hierarchy(**layers, strict=strict)


def _found(issues: gpd.GeoDataFrame) -> set[tuple[str, str, str]]:
    return set(issues[["level", "id", "check"]].itertuples(index=False, name=None))


def _utm(frame: gpd.GeoDataFrame, row: int, geometry: shapely.Geometry) -> gpd.GeoDataFrame:
    """A copy of ``frame`` with row ``row`` given a geometry drawn in metres."""
    out = frame.to_crs(tiny_city.UTM)
    out.loc[row, "geometry"] = geometry
    return out.to_crs(4326)


def test_the_clean_tiny_city_has_no_issues() -> None:
    issues = validate(_hierarchy())
    assert len(issues) == 0
    assert list(issues.columns) == ["level", "id", "check", "severity", "message", "geometry"]
    assert issues.crs.to_epsg() == 4326


def test_organisational_gaps() -> None:
    grids = tiny_city.grids().assign(has_branch=[True, False, True])
    buildings = tiny_city.buildings().assign(has_group=[False, False, True, True])
    issues = validate(_hierarchy(grids=grids, buildings=buildings))
    assert _found(issues) == {
        ("grid", "G2", "members_without_branch"),  # H4 holds 3 formal members
        ("building", "B1", "members_without_group"),  # H1 + H2 hold 4 members, 3 formal
    }  # B2 holds 1 member: too few for a group, so no row
    assert issues.set_index("id").loc["G2", "message"].startswith("3 formal members (>= 3)")


def test_declared_parent_disagreeing_with_space() -> None:
    households = tiny_city.households().assign(building_id=["B1", "B1", "B1", "B3", "B4"])
    issues = validate(_hierarchy(households=households))
    assert _found(issues) == {("household", "H3", "parent_mismatch")}
    assert issues["message"].tolist() == ["declared building_id 'B1' but lies in 'B2'"]
    assert issues["severity"].tolist() == ["warning"]


def test_unknown_parent_is_an_error_and_not_also_a_mismatch() -> None:
    buildings = tiny_city.buildings().assign(grid_id=["G1", "G9", "G2", "G3"])
    issues = validate(_hierarchy(buildings=buildings))
    assert _found(issues) == {("building", "B2", "unknown_parent")}
    assert issues["message"].tolist() == ["grid_id 'G9' is not in grids"]


def test_children_in_no_parent() -> None:
    buildings = tiny_city.buildings()
    extra_building = gpd.GeoDataFrame(
        {"building_id": ["B5"], "households": [10]}, geometry=[box(500, 10, 520, 30)], crs=tiny_city.UTM
    ).to_crs(4326)
    extra_household = gpd.GeoDataFrame(
        {"household_id": ["H6"], "formal_members": [1]}, geometry=[point(45, 45)], crs=tiny_city.UTM
    ).to_crs(4326)
    issues = validate(
        _hierarchy(
            buildings=gpd.pd.concat([buildings, extra_building], ignore_index=True),
            households=gpd.pd.concat([tiny_city.households(), extra_household], ignore_index=True),
        )
    )
    assert _found(issues) == {
        ("building", "B5", "not_in_any_parent"),
        ("household", "H6", "not_in_any_parent"),
    }
    assert set(issues["message"]) == {"in no grid", "in no building"}


def test_spill_over_and_overlap_with_their_areas() -> None:
    grids = _utm(tiny_city.grids(), 0, box(-20, 0, 100, 100))  # G1 spills 20 m west of C1
    grids = _utm(grids, 2, box(190, 0, 400, 100))  # G3 reaches 10 m into C1, over G2
    issues = validate(_hierarchy(grids=grids)).set_index(["id", "check"])
    assert set(issues.index) == {("G1", "outside_parent"), ("G3", "outside_parent"), ("G2", "overlap")}
    assert issues.loc[("G1", "outside_parent"), "message"] == "2,000 m² lies outside community 'C1'"
    assert issues.loc[("G3", "outside_parent"), "message"] == "1,000 m² lies outside community 'C2'"
    assert issues.loc[("G2", "overlap"), "message"] == "overlaps grid 'G3' by 1,000 m²"
    overlap = gpd.GeoSeries([issues.loc[("G2", "overlap"), "geometry"]], crs=4326)
    assert overlap.to_crs(tiny_city.UTM).area.iloc[0] == pytest.approx(1000, rel=1e-6)


def test_uncovered_part_of_a_community() -> None:
    grids = _utm(tiny_city.grids(), 1, box(100, 0, 180, 100))  # 180..200 of C1 is bare
    issues = validate(_hierarchy(grids=grids))
    assert _found(issues) == {("community", "C1", "uncovered")}
    assert issues["message"].tolist() == ["2,000 m² (10.0%) covered by no grid"]
    gap = gpd.GeoSeries(issues.geometry.values, crs=4326).to_crs(tiny_city.UTM)
    assert gap.area.iloc[0] == pytest.approx(2000, rel=1e-6)
    assert gap.iloc[0].symmetric_difference(box(180, 0, 200, 100)).area < 1e-3


def test_slivers_below_min_area_are_not_reported() -> None:
    grids = _utm(tiny_city.grids(), 1, box(99.99, 0, 200, 100))  # 1 m² overlap with G1
    assert len(validate(_hierarchy(grids=grids), min_area_m2=5.0)) == 0
    assert _found(validate(_hierarchy(grids=grids), min_area_m2=0.5)) == {("grid", "G1", "overlap")}


def test_geometry_problems_and_load_issues() -> None:
    corners = [(60, 10), (80, 30), (80, 10), (60, 30)]  # B2 drawn as a bow-tie
    bowtie = shapely.Polygon([(tiny_city.X0 + x, tiny_city.Y0 + y) for x, y in corners])
    buildings = _utm(tiny_city.buildings(), 1, bowtie)
    buildings.loc[2, "geometry"] = shapely.LineString([(121.48, 31.22), (121.481, 31.221)])
    buildings.loc[3, "geometry"] = None
    grids = tiny_city.grids().assign(grid_id=["G1", "G2", "G2"])
    issues = validate(_hierarchy(strict=False, grids=grids, buildings=buildings))
    assert _found(issues) == {
        ("grid", "G2#2", "duplicate_id"),
        ("building", "B2", "invalid_geometry"),
        ("building", "B3", "wrong_geometry_type"),
        ("building", "B4", "empty_geometry"),
        ("building", "B4", "unknown_parent"),  # grid G3 is now called G2#2
        ("household", "H4", "not_in_any_parent"),  # its building B3 is a line
        ("household", "H5", "not_in_any_parent"),  # its building B4 has no geometry
    }  # a building that cannot be placed is not also reported as "in no grid"
    messages = issues.set_index(["id", "check"])["message"]
    assert messages[("B2", "invalid_geometry")].startswith("invalid geometry: Self-intersection")
    assert messages[("B3", "wrong_geometry_type")] == "LineString where Polygon or MultiPolygon or Point is expected"
    assert set(issues["severity"]) <= {"error", "warning"}
    assert set(issues["check"]) <= set(CHECKS)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(InputError, match=r"h must be a gridparty\.Hierarchy, got dict"):
        validate({})  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"min_area_m2=-1 must be a finite number >= 0"):
        validate(_hierarchy(), min_area_m2=-1)
    with pytest.raises(InputError, match=r"min_area_m2='1' must be a number"):
        validate(_hierarchy(), min_area_m2="1")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"assignment must be a gridparty\.Assignment.*got str"):
        validate(_hierarchy(), assignment="x")  # type: ignore[arg-type]


def test_shareable_drops_household_locations_only() -> None:
    households = tiny_city.households().assign(building_id=["B1", "B1", "B1", "B3", "B4"])
    issues = validate(_hierarchy(households=households))
    grids = tiny_city.grids().assign(has_branch=[True, False, True])
    issues = gpd.pd.concat([issues, validate(_hierarchy(grids=grids))], ignore_index=True)
    out = shareable(issues)
    assert out["geometry"].isna().tolist() == [True, False]  # H3's point, G2's polygon
    assert out["id"].tolist() == ["H3", "G2"]
    assert issues.geometry.notna().all()  # the input keeps its geometry
