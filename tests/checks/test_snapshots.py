"""Tests for gridparty.checks.snapshots: gaps closed and opened, rates before and after."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
import tiny_city
from tiny_city import box

from gridparty.checks.coverage import spatial_coverage
from gridparty.checks.snapshots import compare_coverage, compare_snapshots
from gridparty.core.errors import InputError
from gridparty.core.model import Hierarchy
from gridparty.datasets import sample as ds
from gridparty.spatial.assign import assign


def _with_grids(*shapes: shapely.Geometry) -> Hierarchy:
    grids = tiny_city.grids().to_crs(tiny_city.UTM)
    grids["geometry"] = list(shapes)
    return Hierarchy(**{**tiny_city.layers(), "grids": grids.to_crs(4326)})


def test_a_gap_closed_and_another_opened() -> None:
    before = _with_grids(box(0, 0, 100, 100), box(100, 0, 180, 100), box(200, 0, 400, 100))
    after = _with_grids(box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 380, 100))
    result = compare_snapshots(before, after)
    changes = result.gap_changes
    assert changes[["parent_id", "change", "kind"]].values.tolist() == [
        ["C1", "closed", "gap"],
        ["C2", "opened", "gap"],
    ]
    assert changes["area_m2"].round(3).tolist() == [2_000.0, 2_000.0]
    table = result.by_parent
    assert table.loc["C1", ["gap_m2_before", "gap_m2_after", "closed_m2"]].round(3).tolist() == [
        2_000.0,
        0.0,
        2_000.0,
    ]
    assert table.loc["C2", ["opened_m2", "gaps_before", "gaps_after"]].round(3).tolist() == [
        2_000.0,
        0,
        1,
    ]
    assert table.loc["C1", "coverage_ratio_before"] == pytest.approx(0.9)
    assert table.loc["C1", "coverage_ratio_after"] == pytest.approx(1.0)
    # B3's 20 households sit in G2: reached by its branch both times
    assert table.loc["C1", "grid_work_coverage_before"] == 1.0
    summary = result.summary()["value"]
    assert (summary["closed_m2"], summary["opened_m2"]) == pytest.approx((2_000, 2_000))


def test_a_gap_that_shrinks_keeps_what_remains() -> None:
    before = _with_grids(box(0, 0, 100, 100), box(100, 0, 170, 100), box(200, 0, 400, 100))
    after = _with_grids(box(0, 0, 100, 100), box(100, 0, 180, 100), box(200, 0, 400, 100))
    changes = compare_snapshots(before, after).gap_changes.set_index("change")
    assert changes["area_m2"].round(3).to_dict() == {"closed": 1_000.0, "remaining": 2_000.0}


def test_compare_coverage_without_rates() -> None:
    h = Hierarchy(**tiny_city.layers())
    cov = spatial_coverage(h.communities, h.grids, parent_column="community_id")
    result = compare_coverage(cov, cov)
    assert result.gap_changes.empty
    assert list(result.by_parent.columns) == [
        "gap_m2_before",
        "gaps_before",
        "gap_m2_after",
        "gaps_after",
        "closed_m2",
        "opened_m2",
        "remaining_m2",
        "coverage_ratio_before",
        "coverage_ratio_after",
    ]
    with pytest.raises(InputError, match=r"before must be a gridparty\.Hierarchy"):
        compare_snapshots(cov, h)  # type: ignore[arg-type]


def test_sample_city_with_the_strip_closed_and_a_hole_opened() -> None:
    h = assign(ds.sample_city()).hierarchy
    strip = spatial_coverage(h.communities, h.grids, parent_column="community_id").gaps
    grids = h.grids.copy()
    grids.loc["31010100200103", "geometry"] = shapely.union(
        grids.loc["31010100200103", "geometry"], strip.geometry.iloc[0]
    )
    metric = grids.to_crs(h.metric_crs)
    centre = metric.loc["31010900900103", "geometry"].centroid
    hole = shapely.box(centre.x - 20, centre.y - 20, centre.x + 20, centre.y + 20)
    metric.loc["31010900900103", "geometry"] = metric.loc["31010900900103", "geometry"].difference(
        hole
    )
    after = h.replace(grids=gpd.GeoDataFrame(metric).to_crs(4326))
    result = compare_snapshots(h, after)
    changes = result.gap_changes
    assert changes[["parent_id", "change"]].values.tolist() == [
        ["310101002001", "closed"],
        ["310109009001", "opened"],
    ]
    assert round(changes["area_m2"].iloc[0]) == 1_025
    assert changes["area_m2"].iloc[1] == pytest.approx(1_600, rel=1e-3)
    assert result.by_parent["remaining_m2"].sum() == 0
    assert result.by_parent.loc["310109009001", "coverage_ratio_after"] < 1.0
