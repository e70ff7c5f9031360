"""Tests for gridparty.checks.validate: one tidy table of every problem."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import tiny_city
from tiny_city import box, point

from gridparty.checks.report import check_coverage
from gridparty.checks.validate import CHECKS, shareable, validate
from gridparty.core.errors import InputError
from gridparty.core.model import Hierarchy
from gridparty.datasets import sample as ds

BEIJING = Path(__file__).parents[1] / "data" / "beijing_subdistricts" / "subdistrict"


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
        {"building_id": ["B5"], "households": [10]},
        geometry=[box(500, 10, 520, 30)],
        crs=tiny_city.UTM,
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
    assert set(issues.index) == {
        ("G1", "outside_parent"),
        ("G3", "outside_parent"),
        ("G2", "overlap"),
    }
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
    by_area = validate(_hierarchy(grids=grids), min_area_m2=0.5, min_width_m=0)
    assert _found(by_area) == {("grid", "G1", "overlap")}
    # 1 cm wide: narrower than min_width_m (2 m by default), a sliver as check_coverage says
    narrow = validate(_hierarchy(grids=grids), min_area_m2=0.5)
    assert _found(narrow) == {("grid", "G1", "sliver")}
    assert narrow["severity"].tolist() == ["info"]
    assert narrow["message"].iloc[0].startswith("sliver (overlap): overlaps grid 'G2' by 1 m²")


@pytest.mark.parametrize(("west", "check"), [(101.5, "sliver"), (102.5, "uncovered")])
def test_narrow_strips_are_slivers_by_the_rule_of_check_coverage(west: float, check: str) -> None:
    grids = _utm(tiny_city.grids(), 1, box(west, 0, 200, 100))  # a strip of C1 no grid covers
    h = _hierarchy(grids=grids)
    issues = validate(h)
    assert _found(issues) == {("community", "C1", check)}
    report = check_coverage(h)
    assert report.grids.gaps["kind"].tolist() == ["sliver" if check == "sliver" else "gap"]
    assert issues["severity"].tolist() == ["info" if check == "sliver" else "warning"]
    area = f"{(west - 100) * 100:,.0f} m²"
    assert area in issues["message"].iloc[0]
    # the width rule is validate's too: a strip 1.5 m wide is a real gap when min_width_m=1
    assert _found(validate(h, min_width_m=1.0)) == {("community", "C1", "uncovered")}


def test_millimetre_slivers_of_real_boundaries_are_no_warnings() -> None:
    """Beijing subdistricts cut into quadrants: the cuts leave hair-thin slivers only."""
    subs = pd.concat(
        [gpd.read_file(BEIJING / f"{d}-all.geojson") for d in ("dongcheng", "xicheng")]
    )
    communities = gpd.GeoDataFrame(
        {"community_id": subs["code"].astype(str), "name": subs["Name"]},
        geometry=subs.geometry.array,
        crs=4326,
    )
    rows = []
    for cid, shape in zip(communities["community_id"], communities.geometry, strict=True):
        x0, y0, x1, y1 = shape.bounds
        cx, cy = shape.centroid.x, shape.centroid.y
        for k, quadrant in enumerate(
            [
                shapely.box(x0, y0, cx, cy),
                shapely.box(cx, y0, x1, cy),
                shapely.box(x0, cy, cx, y1),
                shapely.box(cx, cy, x1, y1),
            ]
        ):
            rows.append((f"{cid}{k}", cid, shape.intersection(quadrant)))
    grids = gpd.GeoDataFrame(
        {
            "grid_id": [r[0] for r in rows],
            "community_id": [r[1] for r in rows],
            "has_branch": False,
        },
        geometry=[r[2] for r in rows],
        crs=4326,
    )
    grids = grids[~grids.is_empty]
    empty = {
        "buildings": tiny_city.buildings().iloc[:0],
        "households": tiny_city.households().iloc[:0],
    }
    h = Hierarchy(communities, grids, **empty)
    issues = validate(h)
    absent = issues[issues["check"] == "not_recorded"]  # no buildings, no households loaded
    assert absent["id"].tolist() == ["buildings", "households"]
    issues = issues[issues["check"] != "not_recorded"]
    assert set(issues["severity"]) == {"info"}  # the 3 mm strip and two 1 m² spill-overs
    assert set(issues["check"]) == {"sliver"}
    assert len(issues) == 3
    report = check_coverage(h, streets=False)
    for table in (report.grids.gaps, report.grids.overlaps, report.grids.outside):
        assert set(table["kind"]) <= {"sliver"}
    assert (issues["message"].str.contains("narrower than min_width_m=2 m")).all()


# -- attributes not recorded at all ---------------------------------------------------------------


def test_flags_not_recorded_are_said_not_silently_skipped() -> None:
    grids = tiny_city.grids().drop(columns="has_branch").assign(has_branch=[False, False, False])
    h = _hierarchy(
        grids=tiny_city.grids().drop(columns="has_branch"),
        buildings=tiny_city.buildings().drop(columns="has_group"),
    )
    issues = validate(h)
    assert _found(issues) == {
        ("grid", "has_branch", "not_recorded"),
        ("building", "has_group", "not_recorded"),
    }
    assert set(issues["severity"]) == {"warning"}
    assert issues.geometry.isna().all()
    messages = issues.set_index("id")["message"]
    assert messages["has_branch"].startswith(
        "has_branch (是否建立党支部, 网格党支部, 有党支部, 党支部) is recorded for none of the 3 grids: "
        "members_without_branch cannot be checked"
    )
    assert "columns={'你的列名': 'has_branch'}" in messages["has_branch"]
    assert "楼栋党小组" in messages["has_group"]
    assert "members_without_group" in messages["has_group"]
    # recorded as False everywhere: the gap is found, not called unrecorded
    assert _found(validate(_hierarchy(grids=grids))) == {
        ("grid", "G1", "members_without_branch"),
        ("grid", "G2", "members_without_branch"),
    }


def test_member_counts_not_recorded_and_partly_missing_flags() -> None:
    households = tiny_city.households().assign(formal_members=pd.NA)
    issues = validate(_hierarchy(households=households))
    assert _found(issues) == {("household", "formal_members", "not_recorded")}
    message = issues["message"].iloc[0]
    assert "members_without_branch, members_without_group cannot be checked" in message
    assert "正式党员" in message
    # missing on some rows only: those units are unknown, not without a branch, and no layer
    # is called unrecorded
    grids = tiny_city.grids().assign(has_branch=[True, pd.NA, True])
    assert len(validate(_hierarchy(grids=grids))) == 0
    # an empty layer lacks what its checks need: one row for the layer, not one per grid
    no_households = validate(_hierarchy(households=tiny_city.households().iloc[:0]))
    absent = no_households[no_households["check"] == "not_recorded"]
    assert absent[["level", "id"]].values.tolist() == [["household", "households"]]


def test_the_sample_city_without_flag_columns() -> None:
    h = ds.sample_city()
    h2 = Hierarchy(
        h.communities,
        h.grids.drop(columns="has_branch"),
        h.buildings.drop(columns="has_group"),
        h.households,
    )
    issues = validate(h2)
    flags = issues[issues["check"] == "not_recorded"]
    assert sorted(flags["id"]) == ["has_branch", "has_group"]
    assert "recorded for none of the 60 grids" in flags.set_index("id").loc["has_branch", "message"]
    assert not issues["check"].isin(["members_without_branch", "members_without_group"]).any()
    report = check_coverage(h2)
    street = report.summary("street")
    for rate in (
        "grid_organisation_coverage",
        "grid_work_coverage",
        "building_organisation_coverage",
        "building_work_coverage",
    ):
        assert street[rate].isna().all()  # unknown, not 0 %
    summary = report.organisation.summary()["value"]
    assert summary["not_recorded"] == 2
    assert summary["members_without_branch"] == 0
    assert pd.isna(summary["grid_organisation_coverage"])
    assert summary["grid_rates_unknown"] == (
        "has_branch not recorded: organisation_coverage, work_coverage, member_work_coverage "
        "unknown"
    )


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
    assert (
        messages[("B3", "wrong_geometry_type")]
        == "LineString where Polygon or MultiPolygon or Point is expected"
    )
    assert set(issues["severity"]) <= {"error", "warning"}
    assert set(issues["check"]) <= set(CHECKS)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(InputError, match=r"h must be a gridparty\.Hierarchy, got dict"):
        validate({})  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"min_area_m2=-1 must be a finite number >= 0"):
        validate(_hierarchy(), min_area_m2=-1)
    with pytest.raises(InputError, match=r"min_area_m2='1' must be a number"):
        validate(_hierarchy(), min_area_m2="1")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"min_width_m=-2 must be a finite number >= 0"):
        validate(_hierarchy(), min_width_m=-2)
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
